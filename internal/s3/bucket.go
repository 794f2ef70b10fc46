package s3

import (
	"crypto/md5"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/fileemu/fileemu/internal/api"
)

// createBucket makes a bucket exist. Creating one that exists answers 200 as S3 does in
// us-east-1 for the owner (there is one owner here). A CreateBucketConfiguration body is read
// (its hash is checked) and otherwise ignored: the emulator has one region.
func (s *target) createBucket(r *api.Request) error {
	sig, aerr := s.authorize(r)
	if aerr != nil {
		return aerr
	}
	if body, berr := s.requestBody(r, sig); berr != nil {
		return berr
	} else if _, err := io.Copy(io.Discard, io.LimitReader(body.r, maxXMLBody)); err != nil {
		if e, ok := asBodyError(err); ok {
			return e
		}
		return ErrIncompleteBody()
	}
	bucket := r.Param("bucket")
	s.model(r).CreateBucket(bucket, r.Now())
	r.Response().Header().Set("Location", "/"+bucket)
	r.Response().Header().Set("x-amz-request-id", r.RequestID)
	return r.NoContent(http.StatusOK)
}

// headBucket answers 200 for a bucket that exists, 404 (no body, as for every HEAD) otherwise.
func (s *target) headBucket(r *api.Request) error {
	if _, err := s.authorize(r); err != nil {
		return err
	}
	bucket := r.Param("bucket")
	if !s.model(r).BucketExists(bucket) {
		return ErrNoSuchBucket(bucket)
	}
	h := r.Response().Header()
	h.Set("x-amz-bucket-region", s.opts.Credentials.Region)
	h.Set("x-amz-request-id", r.RequestID)
	return r.NoContent(http.StatusOK)
}

// deleteBucket removes an empty bucket: 204, 404 NoSuchBucket, 409 BucketNotEmpty.
func (s *target) deleteBucket(r *api.Request) error {
	if _, err := s.authorize(r); err != nil {
		return err
	}
	bucket := r.Param("bucket")
	switch err := s.model(r).DeleteBucket(bucket); {
	case errors.Is(err, errNoSuchBucket):
		return ErrNoSuchBucket(bucket)
	case errors.Is(err, errBucketNotEmpty):
		return ErrBucketNotEmpty(bucket)
	}
	r.Response().Header().Set("x-amz-request-id", r.RequestID)
	return r.NoContent(http.StatusNoContent)
}

// listParams are the query parameters both list versions share.
type listParams struct {
	prefix, delimiter, encoding string
	maxKeys                     int
}

func parseListParams(q url.Values) (listParams, *Error) {
	p := listParams{prefix: q.Get("prefix"), delimiter: q.Get("delimiter"), encoding: q.Get("encoding-type"), maxKeys: 1000}
	if p.encoding != "" && p.encoding != "url" {
		return p, ErrInvalidArgument("Invalid Encoding Method specified in Request", "encoding-type", p.encoding)
	}
	if v := q.Get("max-keys"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return p, ErrInvalidArgument("Provided max-keys not an integer or within integer range", "max-keys", v)
		}
		p.maxKeys = min(n, 1000) // S3 never returns more than 1000
	}
	return p, nil
}

// encoder returns the function applied to keys and prefixes in the response: S3 URL-encodes
// them with encoding-type=url (boto3 asks for it by default and decodes).
func (p listParams) encoder() func(string) string {
	if p.encoding != "url" {
		return func(s string) string { return s }
	}
	return func(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "%2F", "/") }
}

// bucketObjects returns the objects of bucket with Name set to the key, or NoSuchBucket.
func (s *target) bucketObjects(r *api.Request, bucket string) (listing, *Error) {
	if !s.model(r).BucketExists(bucket) {
		return listing{}, ErrNoSuchBucket(bucket)
	}
	objs := r.Session.Blobs.List(ObjectName(bucket, ""))
	for i := range objs {
		objs[i].Name = strings.TrimPrefix(objs[i].Name, ObjectName(bucket, ""))
	}
	return listing{Objects: objs}, nil
}

func (s *target) listResult(bucket string, p listParams, l listing) listBucketResult {
	enc := p.encoder()
	res := listBucketResult{Xmlns: xmlns, Name: bucket, Prefix: enc(p.prefix), MaxKeys: p.maxKeys,
		Delimiter: enc(p.delimiter), EncodingType: p.encoding, IsTruncated: l.Truncated}
	for _, o := range l.Objects {
		res.Contents = append(res.Contents, listEntry{Key: enc(o.Name), LastModified: s3Time(o.Created),
			ETag: o.ETag(), Size: o.Size, StorageClass: "STANDARD"})
	}
	for _, cp := range l.Prefixes {
		res.CommonPrefixes = append(res.CommonPrefixes, commonPrefix{Prefix: enc(cp)})
	}
	return res
}

// listRequest is what both list versions start with: authentication, the common parameters
// and the bucket's objects.
func (s *target) listRequest(r *api.Request) (url.Values, listParams, string, listing, *Error) {
	if _, err := s.authorize(r); err != nil {
		return nil, listParams{}, "", listing{}, err
	}
	q := r.Request().URL.Query()
	p, err := parseListParams(q)
	if err != nil {
		return nil, listParams{}, "", listing{}, err
	}
	bucket := r.Param("bucket")
	all, err := s.bucketObjects(r, bucket)
	return q, p, bucket, all, err
}

// listObjectsV2 is GET /s3/{bucket}?list-type=2.
func (s *target) listObjectsV2(r *api.Request) error {
	q, p, bucket, all, err := s.listRequest(r)
	if err != nil {
		return err
	}
	after, skipUnder := q.Get("start-after"), false
	if token := q.Get("continuation-token"); token != "" {
		var ok bool
		if after, skipUnder, ok = decodeToken(token); !ok {
			return ErrInvalidArgument("The continuation token provided is incorrect", "continuation-token", token)
		}
	}
	l := listPage(all.Objects, p.prefix, p.delimiter, after, skipUnder, p.maxKeys)
	res := s.listResult(bucket, p, l)
	keyCount := len(l.Objects) + len(l.Prefixes)
	res.KeyCount = &keyCount
	res.ContinuationToken = q.Get("continuation-token")
	res.StartAfter = p.encoder()(q.Get("start-after"))
	if l.Truncated {
		res.NextContinuationToken = encodeToken(l.Last, l.LastIsPrefix)
	}
	return s.writeXML(r, http.StatusOK, res)
}

// listObjects is the original GET /s3/{bucket} (marker instead of continuation tokens).
func (s *target) listObjects(r *api.Request) error {
	q, p, bucket, all, err := s.listRequest(r)
	if err != nil {
		return err
	}
	marker := q.Get("marker")
	// A marker that is a common prefix (as NextMarker hands it out) skips what is under it.
	skipUnder := p.delimiter != "" && strings.HasSuffix(marker, p.delimiter)
	l := listPage(all.Objects, p.prefix, p.delimiter, marker, skipUnder, p.maxKeys)
	res := s.listResult(bucket, p, l)
	m := p.encoder()(marker)
	res.Marker = &m
	if l.Truncated && p.delimiter != "" {
		res.NextMarker = p.encoder()(l.Last) // S3 sends NextMarker only with a delimiter
	}
	return s.writeXML(r, http.StatusOK, res)
}

// deleteObjects is POST /s3/{bucket}?delete: up to 1000 keys, each deleted or reported.
// S3 wants the body's integrity proven by Content-MD5 or an x-amz-checksum-* header (or
// trailer): without one, 400 InvalidRequest.
func (s *target) deleteObjects(r *api.Request) error {
	sig, aerr := s.authorize(r)
	if aerr != nil {
		return aerr
	}
	hr := r.Request()
	if hr.Header.Get("Content-MD5") == "" && !hasChecksum(hr.Header) {
		return ErrInvalidRequest("Missing required header for this request: Content-MD5")
	}
	body, berr := s.requestBody(r, sig)
	if berr != nil {
		return berr
	}
	md5h := md5.New()
	var req deleteRequest
	if e := readXML(io.TeeReader(body.r, md5h), body.algorithm(), &req); e != nil {
		return e
	}
	if want := hr.Header.Get("Content-MD5"); want != "" && want != base64.StdEncoding.EncodeToString(md5h.Sum(nil)) {
		return ErrBadDigest()
	}
	if len(req.Objects) == 0 || len(req.Objects) > 1000 {
		return ErrMalformedXML()
	}
	bucket := r.Param("bucket")
	if !s.model(r).BucketExists(bucket) {
		return ErrNoSuchBucket(bucket)
	}
	res := deleteResult{Xmlns: xmlns}
	for _, o := range req.Objects {
		if o.Key == "" {
			res.Errors = append(res.Errors, deleteError{Key: o.Key, Code: "InvalidArgument", Message: "Invalid key"})
			continue
		}
		r.Session.Blobs.Delete(ObjectName(bucket, o.Key)) // deleting a missing key succeeds, as on S3
		if !req.Quiet {
			res.Deleted = append(res.Deleted, deletedObject{Key: o.Key})
		}
	}
	return s.writeXML(r, http.StatusOK, res)
}

// hasChecksum reports whether h carries a checksum of the body, as a header or announced trailer.
func hasChecksum(h http.Header) bool {
	for name := range checksumAlgorithms() {
		if h.Get("x-amz-checksum-"+name) != "" {
			return true
		}
	}
	return strings.HasPrefix(strings.ToLower(h.Get("X-Amz-Trailer")), "x-amz-checksum-")
}

// getBucketLocation is GET /s3/{bucket}?location: the emulator's region, empty for us-east-1
// as S3 answers.
func (s *target) getBucketLocation(r *api.Request) error {
	if _, err := s.authorize(r); err != nil {
		return err
	}
	bucket := r.Param("bucket")
	if !s.model(r).BucketExists(bucket) {
		return ErrNoSuchBucket(bucket)
	}
	region := s.opts.Credentials.Region
	if region == "us-east-1" {
		region = ""
	}
	return s.writeXML(r, http.StatusOK, locationConstraint{Xmlns: xmlns, Region: region})
}
