package s3

import (
	"errors"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/upload"
)

// createMultipartUpload is POST /s3/{bucket}/{key}?uploads. Content-Type and x-amz-meta-* are
// kept for the assembled object.
func (s *target) createMultipartUpload(r *api.Request) error {
	if _, err := s.authorize(r); err != nil {
		return err
	}
	hr := r.Request()
	bucket, key := r.Param("bucket"), r.Param("key")
	checksum := strings.ToUpper(hr.Header.Get("x-amz-checksum-algorithm"))
	if _, ok := checksumAlgorithms()[strings.ToLower(checksum)]; checksum != "" && !ok {
		return ErrInvalidRequest("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, SHA1, SHA256, CRC64NVME]")
	}
	u := s.model(r).CreateUpload(bucket, key, contentType(hr.Header), userMetadata(hr.Header), storedHeaders(hr.Header), checksum, r.Now())
	if checksum != "" {
		r.Response().Header().Set("x-amz-checksum-algorithm", checksum)
	}
	return s.writeXML(r, http.StatusOK, initiateMultipartUploadResult{Xmlns: xmlns, Bucket: bucket, Key: key, UploadID: u.ID})
}

// partNumber parses ?partNumber: 1..10000.
func partNumber(v string) (int, *Error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxParts {
		return 0, ErrInvalidArgument("Part number must be an integer between 1 and 10000, inclusive", "partNumber", v)
	}
	return n, nil
}

// uploadPart is PUT /s3/{bucket}/{key}?partNumber=N&uploadId=ID: the part is streamed into the
// session's part store, verified like a PutObject body.
func (s *target) uploadPart(r *api.Request) error {
	sig, aerr := s.authorize(r)
	if aerr != nil {
		return aerr
	}
	hr := r.Request()
	if hr.Header.Get("x-amz-copy-source") != "" {
		return &Error{Status: http.StatusNotImplemented, Code: "NotImplemented",
			Message: "A header you provided implies functionality that is not implemented",
			Extra:   []Field{{"Header", "x-amz-copy-source"}}}
	}
	q := hr.URL.Query()
	n, perr := partNumber(q.Get("partNumber"))
	if perr != nil {
		return perr
	}
	bucket, key, id := r.Param("bucket"), r.Param("key"), q.Get("uploadId")
	max := s.opts.MaxObjectSize
	if hr.ContentLength > max && hr.Header.Get("X-Amz-Decoded-Content-Length") == "" {
		return ErrEntityTooLarge(hr.ContentLength, max)
	}
	m := s.model(r)
	if _, _, err := m.Upload(bucket, key, id); err != nil {
		return ErrNoSuchUpload(id)
	}
	body, berr := s.uploadBody(r, sig)
	if berr != nil {
		return berr
	}
	if body.size > max {
		return ErrEntityTooLarge(body.size, max)
	}
	var sha string
	part, err := m.PutPart(bucket, key, id, n, r.Now(), func(store *blobstore.Store, name string) (blobstore.Object, error) {
		obj, err := upload.Put(hr.Context(), store, name, body.r, blobstore.PutOptions{
			MaxSize: max, SizeHint: body.size, ContentMD5: hr.Header.Get("Content-MD5"), ContentSHA256: body.sha256, Now: r.Now()})
		sha = obj.SHA256
		return obj, err
	}, body.verifiedChecksum)
	switch {
	case errors.Is(err, errNoSuchUpload):
		return ErrNoSuchUpload(id)
	case err != nil:
		return s.storeError(r, err, body.algorithm())
	}
	r.SetUploadSHA256(sha)
	h := r.Response().Header()
	h.Set("ETag", part.ETag)
	if name, value := body.verifiedChecksum(); name != "" {
		h.Set(name, value)
	}
	h.Set("x-amz-request-id", r.RequestID)
	return r.NoContent(http.StatusOK)
}

// completeMultipartUpload is POST /s3/{bucket}/{key}?uploadId=ID with the part list.
func (s *target) completeMultipartUpload(r *api.Request) error {
	sig, aerr := s.authorize(r)
	if aerr != nil {
		return aerr
	}
	hr := r.Request()
	bucket, key, id := r.Param("bucket"), r.Param("key"), hr.URL.Query().Get("uploadId")
	m := s.model(r)
	u, _, err := m.Upload(bucket, key, id)
	if err != nil {
		return ErrNoSuchUpload(id)
	}
	body, berr := s.requestBody(r, sig)
	if berr != nil {
		return berr
	}
	precondition, perr := writePrecondition(hr.Header, key)
	if perr != nil {
		return perr
	}
	var doc completeMultipartUpload
	if e := readXML(body.r, body.algorithm(), &doc); e != nil {
		return e
	}
	list := make([]CompletedPart, len(doc.Parts))
	for i, p := range doc.Parts {
		list[i] = CompletedPart{Number: p.PartNumber, ETag: p.ETag}
	}
	obj, err := m.Complete(hr.Context(), bucket, key, id, list, blobstore.PutOptions{
		MaxSize: s.opts.MaxObjectSize, Now: r.Now(), Infected: r.Infects(path.Base(key), u.ContentType),
		Precondition: precondition})
	var ce *CompletionError
	var tooLarge *blobstore.TooLargeError
	if e, ok := asBodyError(err); ok {
		return e // a failed conditional write; the upload stays open
	}
	switch {
	case errors.Is(err, errNoSuchUpload):
		return ErrNoSuchUpload(id)
	case errors.As(err, &ce):
		switch ce.Code {
		case "InvalidPartOrder":
			return ErrInvalidPartOrder(id, ce.Part.Number)
		case "InvalidPart":
			return ErrInvalidPart(id, ce.Part.Number, ce.Part.ETag)
		case "EntityTooSmall":
			return ErrPartTooSmall(ce.Size, ce.Part.Number, ce.Part.ETag)
		default:
			return ErrMalformedXML()
		}
	case errors.As(err, &tooLarge):
		return ErrEntityTooLarge(tooLarge.Read, s.opts.MaxObjectSize)
	case errors.Is(err, blobstore.ErrStorageFull):
		return ErrStorageFull(r.Session.Blobs.Quota().Limit())
	case err != nil:
		return err
	}
	r.SetUploadSHA256(obj.SHA256)
	return s.writeXML(r, http.StatusOK, completeMultipartUploadResult{Xmlns: xmlns,
		Location: ObjectURL(r.BaseURL, bucket, key), Bucket: bucket, Key: key, ETag: obj.ETag()})
}

// abortMultipartUpload is DELETE /s3/{bucket}/{key}?uploadId=ID: 204, parts freed.
func (s *target) abortMultipartUpload(r *api.Request) error {
	if _, err := s.authorize(r); err != nil {
		return err
	}
	id := r.Request().URL.Query().Get("uploadId")
	if err := s.model(r).Abort(r.Param("bucket"), r.Param("key"), id); err != nil {
		return ErrNoSuchUpload(id)
	}
	r.Response().Header().Set("x-amz-request-id", r.RequestID)
	return r.NoContent(http.StatusNoContent)
}

// listParts is GET /s3/{bucket}/{key}?uploadId=ID, paged by max-parts and part-number-marker.
func (s *target) listParts(r *api.Request) error {
	if _, err := s.authorize(r); err != nil {
		return err
	}
	q := r.Request().URL.Query()
	bucket, key, id := r.Param("bucket"), r.Param("key"), q.Get("uploadId")
	u, parts, err := s.model(r).Upload(bucket, key, id)
	if err != nil {
		return ErrNoSuchUpload(id)
	}
	maxParts, marker := 1000, 0
	if v := q.Get("max-parts"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return ErrInvalidArgument("Provided max-parts not an integer or within integer range", "max-parts", v)
		}
		maxParts = min(n, 1000)
	}
	if v := q.Get("part-number-marker"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return ErrInvalidArgument("Provided part-number-marker not an integer or within integer range", "part-number-marker", v)
		}
		marker = n
	}
	res := listPartsResult{Xmlns: xmlns, Bucket: bucket, Key: key, UploadID: id, PartNumberMarker: marker,
		MaxParts: maxParts, StorageClass: "STANDARD", ChecksumAlgorithm: u.ChecksumAlgorithm}
	for _, p := range parts {
		if p.Number <= marker {
			continue
		}
		if len(res.Parts) == maxParts {
			res.IsTruncated = true
			break
		}
		info := partInfo{PartNumber: p.Number, LastModified: s3Time(p.LastModified), ETag: p.ETag, Size: p.Size}
		switch p.ChecksumName {
		case "x-amz-checksum-crc32":
			info.ChecksumCRC32 = p.ChecksumValue
		case "x-amz-checksum-crc32c":
			info.ChecksumCRC32C = p.ChecksumValue
		case "x-amz-checksum-sha1":
			info.ChecksumSHA1 = p.ChecksumValue
		case "x-amz-checksum-sha256":
			info.ChecksumSHA256 = p.ChecksumValue
		case "x-amz-checksum-crc64nvme":
			info.ChecksumCRC64NVME = p.ChecksumValue
		}
		res.Parts = append(res.Parts, info)
		res.NextPartNumberMarker = p.Number
	}
	return s.writeXML(r, http.StatusOK, res)
}

// listMultipartUploads is GET /s3/{bucket}?uploads: the uploads in progress by key, after
// key-marker (and upload-id-marker within that key), at most max-uploads (default and cap 1000).
func (s *target) listMultipartUploads(r *api.Request) error {
	if _, err := s.authorize(r); err != nil {
		return err
	}
	q := r.Request().URL.Query()
	bucket := r.Param("bucket")
	m := s.model(r)
	if !m.BucketExists(bucket) {
		return ErrNoSuchBucket(bucket)
	}
	max := 1000
	if v := q.Get("max-uploads"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return ErrInvalidArgument("Provided max-uploads not an integer or within integer range", "max-uploads", v)
		}
		max = min(n, 1000)
	}
	keyMarker, idMarker := q.Get("key-marker"), q.Get("upload-id-marker")
	res := listMultipartUploadsResult{Xmlns: xmlns, Bucket: bucket, KeyMarker: keyMarker, UploadIDMarker: idMarker,
		Prefix: q.Get("prefix"), MaxUploads: max}
	passedMarker := idMarker == ""
	for _, u := range m.Uploads(bucket, q.Get("prefix")) {
		switch {
		case u.Key < keyMarker, u.Key == keyMarker && idMarker == "":
			continue
		case u.Key == keyMarker && !passedMarker:
			passedMarker = u.ID == idMarker
			continue
		}
		if len(res.Uploads) == max {
			res.IsTruncated = true
			break
		}
		res.Uploads = append(res.Uploads, uploadInfo{Key: u.Key, UploadID: u.ID, Initiated: s3Time(u.Initiated),
			StorageClass: "STANDARD", ChecksumAlgorithm: u.ChecksumAlgorithm})
		res.NextKeyMarker, res.NextUploadIDMarker = u.Key, u.ID
	}
	if !res.IsTruncated {
		res.NextKeyMarker, res.NextUploadIDMarker = "", ""
	}
	return s.writeXML(r, http.StatusOK, res)
}
