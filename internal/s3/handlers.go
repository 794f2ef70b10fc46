package s3

import (
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/session"
	"github.com/fileemu/fileemu/internal/upload"
	"github.com/fileemu/fileemu/internal/validate"
)

// Prefix is where the fake S3 target is mounted: {public}/s3/{bucket}/{key}.
const Prefix = "/s3/"

// Options configures the fake S3 target.
type Options struct {
	Credentials   Credentials
	MaxObjectSize int64
	// Lenient logs signature problems instead of refusing the request.
	Lenient bool
	Logger  *slog.Logger
}

// ObjectName is the blob store name of an S3 object. Other APIs use it to find what their
// clients uploaded to URLs they handed out.
func ObjectName(bucket, key string) string { return bucket + "/" + key }

// ObjectURL is the path-style URL of an object under base (a session's public base URL).
func ObjectURL(base, bucket, key string) string {
	return strings.TrimRight(base, "/") + Prefix + url.PathEscape(bucket) + "/" + escapeKey(key)
}

// escapeKey escapes each segment of key, keeping its slashes.
func escapeKey(key string) string {
	segs := strings.Split(key, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

type target struct{ opts Options }

// New returns the fake S3 target as a mountable API.
func New(spec *validate.Spec, opts Options) *api.API {
	s := &target{opts: opts}
	return &api.API{
		Name:     "s3",
		Prefixes: []string{Prefix},
		Spec:     spec,
		Handlers: map[string]api.Handler{
			"putObject":               s.putObject,
			"getObject":               s.getObject,
			"headObject":              s.getObject,
			"deleteObject":            s.deleteObject,
			"copyObject":              s.copyObject,
			"postObject":              s.postObject,
			"createBucket":            s.createBucket,
			"headBucket":              s.headBucket,
			"deleteBucket":            s.deleteBucket,
			"listObjects":             s.listObjects,
			"listObjectsV2":           s.listObjectsV2,
			"deleteObjects":           s.deleteObjects,
			"createMultipartUpload":   s.createMultipartUpload,
			"uploadPart":              s.uploadPart,
			"completeMultipartUpload": s.completeMultipartUpload,
			"abortMultipartUpload":    s.abortMultipartUpload,
			"listParts":               s.listParts,
			"listMultipartUploads":    s.listMultipartUploads,
			"getBucketLocation":       s.getBucketLocation,
		},
		Errors:      api.Envelope{Problem: problem, Write: writeXML},
		Fixtures:    s.loadFixtures,
		RoutingPath: routingPath,
		State:       state(),
	}
}

// model returns the session's S3 state: buckets and multipart uploads.
func (s *target) model(r *api.Request) *Model { return modelOf(r.Session) }

// modelOf is the session's S3 model, made on first use.
func modelOf(sess *session.Session) *Model {
	return session.Model(sess, "s3", func() *Model { return NewModel(sess.Blobs) })
}

// authorize verifies the request's SigV4 signature, presigned (query) or in the Authorization
// header, and returns how it was signed (nil for a presigned URL without a payload hash, or an
// unverified request in lenient mode).
func (s *target) authorize(r *api.Request) (*Signing, *Error) {
	hr := r.Request()
	sr := SignedRequest{
		Method:        hr.Method,
		Path:          r.OriginalPath,
		Query:         hr.URL.Query(),
		Host:          hr.Host,
		Header:        hr.Header,
		ContentLength: hr.ContentLength,
	}
	verify := func(sr SignedRequest) (*Signing, *Error) {
		if IsPresigned(sr.Query) {
			if err := Verify(sr, s.opts.Credentials, r.Now()); err != nil {
				return nil, err
			}
			sh := sr.Header.Get("X-Amz-Content-Sha256")
			if sh == "" {
				return nil, nil
			}
			// Verify made sure it was signed. aws-chunked signatures chain from the URL's.
			q := sr.Query
			cred := strings.Split(q.Get(paramCredential), "/") // well-formed: Verify checked it
			return &Signing{Payload: sh, AmzDate: q.Get(paramDate), Scope: strings.Join(cred[1:], "/"),
				Key: keySlice(signingKeyOf(s.opts.Credentials, cred[1], cred[2])), Seed: q.Get(paramSignature)}, nil
		}
		if IsHeaderSigned(sr.Header) {
			return VerifyHeader(sr, s.opts.Credentials, r.Now())
		}
		return nil, ErrAccessDenied("Access Denied")
	}
	// Sessions are part of what is signed, whatever lenient mode relaxes: the signature
	// covers the path, which names no session when the session comes from the header, so it
	// was made for the default session. A URL handed out there must not store into another
	// (X-Fileemu-Session: B) unless that header is signed too.
	if r.SessionHeader && r.Session.ID != session.Default && !signsHeader(sr, session.Header) {
		return nil, ErrSessionMismatch(session.Default, r.Session.ID)
	}
	// URLs the emulator hands out are signed for its public host (X-Forwarded-Host or
	// --public-url), which a proxy may not pass on as Host: accept either.
	if u, perr := url.Parse(r.BaseURL); perr == nil && u.Host != "" && u.Host != hr.Host {
		alt := sr
		alt.Host = u.Host
		if sig, err := verify(alt); err == nil {
			return sig, nil
		}
	}
	sig, err := verify(sr)
	if err != nil && s.opts.Lenient {
		s.opts.Logger.Warn("s3: accepting a request that fails authentication (lenient mode)",
			"method", hr.Method, "path", hr.URL.Path, "code", err.Code, "message", err.Message)
		// The body is still decoded as the client framed it, without checking signatures.
		if p := hr.Header.Get("X-Amz-Content-Sha256"); p != "" {
			return &Signing{Payload: p}, nil
		}
		return nil, nil
	}
	return sig, err
}

// signsHeader reports whether the request's signature (query or Authorization header) covers
// the header name.
func signsHeader(sr SignedRequest, name string) bool {
	list := sr.Query.Get("X-Amz-SignedHeaders")
	if list == "" {
		_, auth, _ := strings.Cut(sr.Header.Get("Authorization"), "SignedHeaders=")
		list, _, _ = strings.Cut(auth, ",")
	}
	for _, h := range strings.Split(list, ";") {
		if strings.EqualFold(strings.TrimSpace(h), name) {
			return true
		}
	}
	return false
}

// storeError maps what went wrong while streaming an upload into the store to S3's error.
func (s *target) storeError(r *api.Request, err error, algorithm string) *Error {
	var tooLarge *blobstore.TooLargeError
	var sha *blobstore.SHA256MismatchError
	if e, ok := asBodyError(err); ok {
		return e
	}
	switch {
	case errors.As(err, &sha):
		return ErrContentSHA256Mismatch(sha.Want, sha.Got)
	case errors.As(err, &tooLarge):
		return ErrEntityTooLarge(tooLarge.Read, s.opts.MaxObjectSize)
	case errors.Is(err, blobstore.ErrStorageFull):
		return ErrStorageFull(r.Session.Blobs.Quota().Limit())
	case errors.Is(err, blobstore.ErrBadDigest):
		return ErrBadDigest()
	case errors.Is(err, blobstore.ErrInvalidDigest):
		return ErrInvalidDigest()
	case errors.Is(err, errChecksum):
		return checksumError(algorithm)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return ErrIncompleteBody()
	default:
		// The client went away or the body broke: nothing was stored.
		s.opts.Logger.Info("s3: upload aborted", "path", r.Request().URL.Path, "error", err)
		return ErrIncompleteBody()
	}
}

// contentType is the Content-Type to store: the request's, or S3's default.
func contentType(h http.Header) string {
	if ct := h.Get("Content-Type"); ct != "" {
		return ct
	}
	return "binary/octet-stream" // what S3 stores when the client sends none
}

func (s *target) putObject(r *api.Request) error {
	sig, aerr := s.authorize(r)
	if aerr != nil {
		return aerr
	}
	hr := r.Request()
	max := s.opts.MaxObjectSize
	if hr.ContentLength > max && hr.Header.Get("X-Amz-Decoded-Content-Length") == "" {
		// Refuse before reading: the declared size alone is too large.
		return ErrEntityTooLarge(hr.ContentLength, max)
	}
	body, berr := s.uploadBody(r, sig)
	if berr != nil {
		return berr
	}
	if body.size > max {
		return ErrEntityTooLarge(body.size, max)
	}
	bucket, key := r.Param("bucket"), r.Param("key")
	precondition, perr := writePrecondition(hr.Header, key)
	if perr != nil {
		return perr
	}
	if precondition != nil {
		// Checked now to spare the upload, and again, atomically, when the object is replaced.
		old, exists := r.Session.Blobs.Stat(ObjectName(bucket, key))
		if err := precondition(old, exists); err != nil {
			if e, ok := asBodyError(err); ok {
				return e
			}
			return err
		}
	}
	ct := contentType(hr.Header)
	obj, err := upload.Put(hr.Context(), r.Session.Blobs, ObjectName(bucket, key), body.r, blobstore.PutOptions{
		ContentType:   ct,
		Metadata:      userMetadata(hr.Header),
		Headers:       storedHeaders(hr.Header),
		MaxSize:       max,
		SizeHint:      body.size,
		ContentMD5:    hr.Header.Get("Content-MD5"),
		ContentSHA256: body.sha256,
		Now:           r.Now(),
		Infected:      r.Infects(path.Base(key), ct),
		Checksum:      body.verifiedChecksum,
		Precondition:  precondition,
	})
	if err != nil {
		return s.storeError(r, err, body.algorithm())
	}
	s.model(r).TouchBucket(bucket, r.Now())
	r.SetUploadSHA256(obj.SHA256)
	h := r.Response().Header()
	h.Set("ETag", obj.ETag())
	if name, value := body.verifiedChecksum(); name != "" { // S3 echoes the checksum it verified
		h.Set(name, value)
	}
	h.Set("x-amz-request-id", r.RequestID)
	return r.NoContent(http.StatusOK)
}

// getObject serves GET and HEAD, with ranges and conditional requests.
func (s *target) getObject(r *api.Request) error {
	if _, err := s.authorize(r); err != nil {
		return err
	}
	bucket, key := r.Param("bucket"), r.Param("key")
	obj, rd, err := r.Session.Blobs.Open(ObjectName(bucket, key))
	if err != nil {
		if !s.model(r).BucketExists(bucket) {
			return ErrNoSuchBucket(bucket)
		}
		return ErrNoSuchKey(key)
	}
	defer rd.Close()
	h := r.Response().Header()
	h.Set("ETag", obj.ETag())
	h.Set("Content-Type", obj.ContentType)
	h.Set("Accept-Ranges", "bytes")
	// With x-amz-checksum-mode: ENABLED S3 returns the checksum the object was uploaded with,
	// for the whole object only; SDKs then verify the body against it.
	if strings.EqualFold(r.Request().Header.Get("x-amz-checksum-mode"), "ENABLED") && obj.ChecksumName != "" &&
		r.Request().Header.Get("Range") == "" {
		h.Set(obj.ChecksumName, obj.ChecksumValue)
		h.Set("x-amz-checksum-type", "FULL_OBJECT")
	}
	h.Set("x-amz-request-id", r.RequestID)
	for k, v := range obj.Headers {
		h.Set(k, v)
	}
	for k, v := range obj.Metadata {
		h["x-amz-meta-"+k] = []string{v} // lower-case as S3 sends them: SDKs keep the case of the rest
	}
	// A presigned GET may override response headers, as S3 allows (response-content-type=...).
	q := r.Request().URL.Query()
	for param, header := range responseOverrides() {
		if v := q.Get(param); v != "" {
			h.Set(header, v)
		}
	}
	if activeContent(h.Get("Content-Type")) {
		// S3 serves objects from its own origin; fileemu serves them from the one its dashboard
		// and admin API use: a stored HTML or SVG page runs there only in a sandbox (no origin,
		// no cookies, no scripts), so it cannot act on the admin API with the dashboard's cookie.
		h.Set("Content-Security-Policy", "sandbox")
	}
	// net/http answers failed preconditions and bad ranges in plain text; S3 in XML.
	w := &s3ErrorWriter{ResponseWriter: r.Response(), r: r, size: obj.Size}
	r.Response().Content()
	http.ServeContent(w, r.Request(), "", obj.Created, rd)
	return nil
}

// s3ErrorWriter turns the 412 and 416 answers of http.ServeContent into S3's XML errors
// (PreconditionFailed, InvalidRange) and drops the plain-text body net/http writes with them.
type s3ErrorWriter struct {
	http.ResponseWriter
	r        *api.Request
	size     int64
	replaced bool
}

func (w *s3ErrorWriter) WriteHeader(code int) {
	var e *Error
	switch code {
	case http.StatusPreconditionFailed:
		e = &Error{Status: code, Code: "PreconditionFailed", Message: "At least one of the pre-conditions you specified did not hold",
			Extra: []Field{{"Condition", preconditionHeader(w.r.Request().Header)}}}
	case http.StatusRequestedRangeNotSatisfiable:
		e = &Error{Status: code, Code: "InvalidRange", Message: "The requested range is not satisfiable",
			Extra: []Field{{"RangeRequested", w.r.Request().Header.Get("Range")}, {"ActualObjectSize", strconv.FormatInt(w.size, 10)}}}
	default:
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.replaced = true
	h := w.Header()
	for _, k := range []string{"Content-Range", "X-Content-Type-Options", "ETag", "Last-Modified", "Accept-Ranges"} {
		h.Del(k)
	}
	_ = api.Render(w.r, e) // net/http answers mid-handler: render here, in the one way
}

func (w *s3ErrorWriter) Write(p []byte) (int, error) {
	if w.replaced {
		return len(p), nil // net/http's plain-text message; the XML is written
	}
	return w.ResponseWriter.Write(p)
}

// preconditionHeader names the precondition that failed, as S3's <Condition> does.
func preconditionHeader(h http.Header) string {
	if h.Get("If-Match") != "" {
		return "If-Match"
	}
	return "If-Unmodified-Since"
}

// activeContent reports whether a browser could run scripts in a document of the content type:
// HTML, XHTML, SVG, XML, or a type it sniffs (none, unknown/unknown, application/unknown, */*).
func activeContent(contentType string) bool {
	t, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return true // a browser may sniff what it cannot parse
	}
	switch {
	case t == "text/html", t == "application/xhtml+xml", t == "image/svg+xml", t == "text/xml", t == "application/xml",
		strings.HasSuffix(t, "+xml"), t == "unknown/unknown", t == "application/unknown", t == "*/*":
		return true
	}
	return false
}

// responseOverrides maps S3's response-* query parameters to the headers they set.
func responseOverrides() map[string]string {
	return map[string]string{
		"response-content-type":        "Content-Type",
		"response-content-disposition": "Content-Disposition",
		"response-content-encoding":    "Content-Encoding",
		"response-content-language":    "Content-Language",
		"response-cache-control":       "Cache-Control",
		"response-expires":             "Expires",
	}
}

// storedHeaders collects the standard headers S3 stores with an object and returns on GET.
// aws-chunked is the upload's framing, not the object's encoding.
func storedHeaders(h http.Header) map[string]string {
	var out map[string]string
	for _, name := range []string{"Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires"} {
		v := h.Get(name)
		if name == "Content-Encoding" {
			var kept []string
			for _, enc := range strings.Split(v, ",") {
				if enc = strings.TrimSpace(enc); enc != "" && !strings.EqualFold(enc, "aws-chunked") {
					kept = append(kept, enc)
				}
			}
			v = strings.Join(kept, ",")
		}
		if v != "" {
			if out == nil {
				out = map[string]string{}
			}
			out[name] = v
		}
	}
	return out
}

// userMetadata collects x-amz-meta-* headers, stored with the object and returned on GET.
func userMetadata(h http.Header) map[string]string {
	var md map[string]string
	for k, v := range h {
		if lk := strings.ToLower(k); strings.HasPrefix(lk, "x-amz-meta-") && len(v) > 0 {
			if md == nil {
				md = map[string]string{}
			}
			md[strings.TrimPrefix(lk, "x-amz-meta-")] = v[0]
		}
	}
	return md
}

// writeXML renders e as S3 does (see Error.Write); errors of other packages keep their status,
// code and message.
func writeXML(r *api.Request, e api.Error) error {
	se, ok := e.(*Error)
	if !ok {
		se = &Error{Status: e.StatusCode(), Code: e.ErrorCode(), Message: e.Error()}
	}
	r.Response().Header().Set("x-amz-request-id", r.RequestID)
	se.Write(r.Response(), r.RequestID, r.Request().Method == http.MethodHead)
	return nil
}

// problem words the server's problems as S3 errors.
func problem(r *api.Request, p api.Problem) api.Error {
	var e *Error
	switch p.Kind {
	case api.MethodNotAllowed:
		resource := "OBJECT"
		if _, key, _ := strings.Cut(strings.TrimPrefix(r.Request().URL.Path, Prefix), "/"); key == "" {
			resource = "BUCKET"
		}
		e = ErrMethodNotAllowed(r.Request().Method, resource)
	case api.NotFound:
		e = &Error{Status: http.StatusNotImplemented, Code: "NotImplemented",
			Message: "A header you provided implies functionality that is not implemented",
			Extra: []Field{{"Detail", "fileemu's fake S3 does not implement " + r.Request().Method + " " +
				r.Request().URL.Path + "?" + r.Request().URL.RawQuery + " (path-style /s3/{bucket}/{key} only; see GET /__admin/openapi/s3)"}}}
	case api.Invalid, api.Unauthorized:
		e = &Error{Status: http.StatusBadRequest, Code: "InvalidArgument", Message: p.Detail}
		for _, v := range p.Violations {
			if v.In == "path" && v.Name == "bucket" {
				e = &Error{Status: http.StatusBadRequest, Code: "InvalidBucketName",
					Message: "The specified bucket is not valid.", Extra: []Field{{"BucketName", r.Param("bucket")}}}
			}
		}
	case api.Status:
		switch p.Status {
		case http.StatusRequestEntityTooLarge: // a body that is not an upload, over --max-body-size
			e = &Error{Status: http.StatusBadRequest, Code: "MaxMessageLengthExceeded", Message: "Your request was too big."}
		case http.StatusTooManyRequests, http.StatusServiceUnavailable:
			// S3 throttles with 503 SlowDown, never 429.
			e = &Error{Status: http.StatusServiceUnavailable, Code: "SlowDown", Message: "Please reduce your request rate."}
		default:
			e = &Error{Status: p.Status, Code: strings.ReplaceAll(http.StatusText(p.Status), " ", ""), Message: http.StatusText(p.Status)}
		}
	default:
		e = ErrInternal()
	}
	return e
}
