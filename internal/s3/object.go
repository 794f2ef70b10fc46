package s3

import (
	"errors"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/blobstore"
)

// deleteObject answers 204 whether or not the key existed, as S3 does; 404 NoSuchBucket for a
// bucket that does not exist.
func (s *target) deleteObject(r *api.Request) error {
	if _, err := s.authorize(r); err != nil {
		return err
	}
	bucket, key := r.Param("bucket"), r.Param("key")
	if !s.model(r).BucketExists(bucket) {
		return ErrNoSuchBucket(bucket)
	}
	r.Session.Blobs.Delete(ObjectName(bucket, key))
	r.Response().Header().Set("x-amz-request-id", r.RequestID)
	return r.NoContent(http.StatusNoContent)
}

// copyObject is PUT with x-amz-copy-source: /{bucket}/{key} (URL-encoded, leading slash
// optional, ?versionId ignored). The content is shared, not copied. Metadata and Content-Type
// come from the source unless x-amz-metadata-directive is REPLACE.
func (s *target) copyObject(r *api.Request) error {
	if _, err := s.authorize(r); err != nil {
		return err
	}
	hr := r.Request()
	source := hr.Header.Get("x-amz-copy-source")
	srcBucket, srcKey, ok := parseCopySource(source)
	if !ok {
		return ErrInvalidArgument("Invalid copy source object key", "x-amz-copy-source", source)
	}
	directive := hr.Header.Get("x-amz-metadata-directive")
	if directive != "" && directive != "COPY" && directive != "REPLACE" {
		return ErrInvalidArgument("Unknown metadata directive.", "x-amz-metadata-directive", directive)
	}
	bucket, key := r.Param("bucket"), r.Param("key")
	if srcBucket == bucket && srcKey == key && directive != "REPLACE" {
		return ErrInvalidRequest("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
	}
	m := s.model(r)
	if !m.BucketExists(srcBucket) {
		return ErrNoSuchBucket(srcBucket)
	}
	var replace *blobstore.PutOptions
	if directive == "REPLACE" {
		ct := contentType(hr.Header)
		replace = &blobstore.PutOptions{ContentType: ct, Metadata: userMetadata(hr.Header), Headers: storedHeaders(hr.Header),
			Infected: r.Infects(path.Base(key), ct)}
	}
	if src, ok := r.Session.Blobs.Stat(ObjectName(srcBucket, srcKey)); ok {
		if e := copyPreconditions(hr.Header, src); e != nil {
			return e
		}
	}
	obj, err := r.Session.Blobs.Copy(ObjectName(srcBucket, srcKey), ObjectName(bucket, key), replace, r.Now())
	if errors.Is(err, blobstore.ErrStorageFull) {
		return ErrStorageFull(r.Session.Blobs.Quota().Limit())
	}
	if err != nil {
		return ErrNoSuchKey(srcKey)
	}
	m.TouchBucket(bucket, r.Now())
	r.SetUploadSHA256(obj.SHA256)
	return s.writeXML(r, http.StatusOK, copyObjectResult{Xmlns: xmlns, LastModified: s3Time(obj.Created), ETag: obj.ETag()})
}

// parseCopySource splits x-amz-copy-source into bucket and key.
func parseCopySource(v string) (bucket, key string, ok bool) {
	v, _, _ = strings.Cut(v, "?") // versionId: the emulator keeps one version
	v, err := url.PathUnescape(v)
	if err != nil {
		return "", "", false
	}
	bucket, key, ok = strings.Cut(strings.TrimPrefix(v, "/"), "/")
	return bucket, key, ok && bucket != "" && key != ""
}

// copyPreconditions checks x-amz-copy-source-if-match and -if-none-match against the source
// (412 PreconditionFailed).
func copyPreconditions(h http.Header, src blobstore.Object) *Error {
	failed := &Error{Status: http.StatusPreconditionFailed, Code: "PreconditionFailed",
		Message: "At least one of the pre-conditions you specified did not hold"}
	if m := h.Get("x-amz-copy-source-if-match"); m != "" && strings.Trim(m, `"`) != strings.Trim(src.ETag(), `"`) {
		failed.Extra = []Field{{"Condition", "x-amz-copy-source-If-Match"}}
		return failed
	}
	if m := h.Get("x-amz-copy-source-if-none-match"); m != "" && strings.Trim(m, `"`) == strings.Trim(src.ETag(), `"`) {
		failed.Extra = []Field{{"Condition", "x-amz-copy-source-If-None-Match"}}
		return failed
	}
	return nil
}

// writePrecondition turns a write's If-None-Match / If-Match headers (S3's conditional writes)
// into a check the blob store runs atomically with the replacement: If-None-Match: * fails with
// 412 PreconditionFailed when the key exists, If-Match: <etag> with 412 when the stored ETag
// differs and 404 NoSuchKey when there is no object. Other If-None-Match values are 501, as S3.
func writePrecondition(h http.Header, key string) (func(blobstore.Object, bool) error, *Error) {
	noneMatch, match := h.Get("If-None-Match"), h.Get("If-Match")
	if noneMatch == "" && match == "" {
		return nil, nil
	}
	if noneMatch != "" && noneMatch != "*" {
		return nil, &Error{Status: http.StatusNotImplemented, Code: "NotImplemented",
			Message: "A header you provided implies functionality that is not implemented",
			Extra:   []Field{{"Header", "If-None-Match"}}}
	}
	failed := func(condition string) error {
		return &bodyError{&Error{Status: http.StatusPreconditionFailed, Code: "PreconditionFailed",
			Message: "At least one of the pre-conditions you specified did not hold",
			Extra:   []Field{{"Condition", condition}}}}
	}
	return func(old blobstore.Object, exists bool) error {
		if noneMatch == "*" && exists {
			return failed("If-None-Match")
		}
		if match != "" {
			if !exists {
				return &bodyError{ErrNoSuchKey(key)}
			}
			if strings.Trim(match, `"`) != strings.Trim(old.ETag(), `"`) {
				return failed("If-Match")
			}
		}
		return nil
	}, nil
}
