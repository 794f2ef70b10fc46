package s3

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/fileemu/fileemu/emulator/api"
	"github.com/fileemu/fileemu/emulator/blobstore"
	"github.com/fileemu/fileemu/emulator/validate"
)

// Prefix is where the fake S3 target is mounted: {public}/s3/{bucket}/{key}.
const Prefix = "/s3/"

// Options configures the fake S3 target.
type Options struct {
	Credentials   Credentials
	MaxObjectSize int64
	// Lenient logs signature problems instead of refusing the request.
	Lenient bool
	Clock   func() time.Time
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
			"putObject":  s.putObject,
			"getObject":  s.getObject,
			"headObject": s.getObject,
			"postObject": s.postObject,
		},
		WriteProblem: s.writeProblem,
		RoutingPath:  routingPath,
	}
}

// routingPath escapes the slashes inside the object key so that the spec's single {key}
// parameter matches all of it. /s3/{bucket}/ (an empty key) is the bucket itself, where
// browser forms POST.
func routingPath(path string) string {
	rest := strings.TrimPrefix(path, Prefix)
	bucket, key, ok := strings.Cut(rest, "/")
	if !ok || key == "" {
		return Prefix + url.PathEscape(bucket)
	}
	return Prefix + url.PathEscape(bucket) + "/" + url.PathEscape(key)
}

// authorize verifies the presigned URL the request came with.
func (s *target) authorize(r *api.Request) *Error {
	hr := r.Request()
	var err *Error
	if IsPresigned(hr.URL.Query()) {
		sr := SignedRequest{
			Method:        hr.Method,
			Path:          r.OriginalPath,
			Query:         hr.URL.Query(),
			Host:          hr.Host,
			Header:        hr.Header,
			ContentLength: hr.ContentLength,
		}
		// URLs the emulator hands out are signed for its public host (X-Forwarded-Host or
		// --public-url), which a proxy may not pass on as Host: accept either.
		if u, perr := url.Parse(r.BaseURL); perr == nil && u.Host != "" && u.Host != hr.Host {
			alt := sr
			alt.Host = u.Host
			if Verify(alt, s.opts.Credentials, s.opts.Clock()) == nil {
				return nil
			}
		}
		err = Verify(sr, s.opts.Credentials, s.opts.Clock())
	} else {
		err = ErrAccessDenied("Access Denied")
	}
	if err != nil && s.opts.Lenient {
		s.opts.Logger.Warn("s3: accepting a request that fails authentication (lenient mode)",
			"method", hr.Method, "path", hr.URL.Path, "code", err.Code, "message", err.Message)
		return nil
	}
	return err
}

func (s *target) putObject(r *api.Request) error {
	if err := s.authorize(r); err != nil {
		return s.writeError(r, err)
	}
	hr := r.Request()
	max := s.opts.MaxObjectSize
	if hr.ContentLength > max {
		// Refuse before reading: the declared size alone is too large.
		return s.writeError(r, ErrEntityTooLarge(hr.ContentLength, max))
	}
	ct := hr.Header.Get("Content-Type")
	if ct == "" {
		ct = "binary/octet-stream" // what S3 stores when the client sends none
	}
	body, algorithm, cerr := checkedBody(hr.Header, hr.Body)
	if cerr != nil {
		return s.writeError(r, cerr)
	}
	obj, err := r.Session.Blobs.Put(hr.Context(), ObjectName(r.Param("bucket"), r.Param("key")), body, blobstore.PutOptions{
		ContentType: ct,
		Metadata:    userMetadata(hr.Header),
		MaxSize:     max,
		SizeHint:    hr.ContentLength,
		ContentMD5:  hr.Header.Get("Content-MD5"),
		Now:         s.opts.Clock(),
		Infected:    r.Infects(path.Base(r.Param("key")), ct),
	})
	if err != nil {
		var tooLarge *blobstore.TooLargeError
		switch {
		case errors.As(err, &tooLarge):
			return s.writeError(r, ErrEntityTooLarge(tooLarge.Read, max))
		case errors.Is(err, blobstore.ErrBadDigest):
			return s.writeError(r, ErrBadDigest())
		case errors.Is(err, blobstore.ErrInvalidDigest):
			return s.writeError(r, ErrInvalidDigest())
		case errors.Is(err, errChecksum):
			return s.writeError(r, checksumError(algorithm))
		case errors.Is(err, io.ErrUnexpectedEOF):
			return s.writeError(r, ErrIncompleteBody())
		default:
			// The client went away or the body broke: nothing was stored.
			s.opts.Logger.Info("s3: upload aborted", "path", hr.URL.Path, "error", err)
			return s.writeError(r, ErrIncompleteBody())
		}
	}
	r.SetUploadSHA256(obj.SHA256)
	h := r.Response().Header()
	h.Set("ETag", obj.ETag())
	if algorithm != "" { // S3 echoes the checksum it verified
		name := "x-amz-checksum-" + strings.ToLower(algorithm)
		h.Set(name, hr.Header.Get(name))
	}
	h.Set("x-amz-request-id", r.RequestID)
	return r.NoContent(http.StatusOK)
}

// getObject serves GET and HEAD, with ranges and conditional requests.
func (s *target) getObject(r *api.Request) error {
	if err := s.authorize(r); err != nil {
		return s.writeError(r, err)
	}
	key := r.Param("key")
	obj, rd, err := r.Session.Blobs.Open(ObjectName(r.Param("bucket"), key))
	if err != nil {
		return s.writeError(r, ErrNoSuchKey(key))
	}
	h := r.Response().Header()
	h.Set("ETag", obj.ETag())
	h.Set("Content-Type", obj.ContentType)
	h.Set("Accept-Ranges", "bytes")
	h.Set("x-amz-request-id", r.RequestID)
	for k, v := range obj.Metadata {
		h.Set("x-amz-meta-"+k, v)
	}
	// A presigned GET may override response headers, as S3 allows (response-content-type=...).
	q := r.Request().URL.Query()
	for param, header := range responseOverrides() {
		if v := q.Get(param); v != "" {
			h.Set(header, v)
		}
	}
	http.ServeContent(r.Response(), r.Request(), "", obj.Created, rd)
	return nil
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

func (s *target) writeError(r *api.Request, e *Error) error {
	r.SetErrorCode(e.Code)
	r.Response().Header().Set("x-amz-request-id", r.RequestID)
	e.Write(r.Response(), r.RequestID, r.Request().Method == http.MethodHead)
	return nil
}

// writeProblem renders the server's problems as S3 XML errors.
func (s *target) writeProblem(r *api.Request, p api.Problem) error {
	var e *Error
	switch p.Kind {
	case api.MethodNotAllowed:
		e = ErrMethodNotAllowed(r.Request().Method, "OBJECT")
	case api.NotFound:
		e = &Error{Status: http.StatusNotImplemented, Code: "NotImplemented",
			Message: "fileemu's fake S3 serves path-style object requests only: /s3/{bucket}/{key}"}
	case api.Invalid, api.Unauthorized:
		e = &Error{Status: http.StatusBadRequest, Code: "InvalidArgument", Message: p.Detail}
	case api.Status:
		switch p.Status {
		case http.StatusTooManyRequests, http.StatusServiceUnavailable:
			// S3 throttles with 503 SlowDown, never 429.
			e = &Error{Status: http.StatusServiceUnavailable, Code: "SlowDown", Message: "Please reduce your request rate."}
		default:
			e = &Error{Status: p.Status, Code: strings.ReplaceAll(http.StatusText(p.Status), " ", ""), Message: http.StatusText(p.Status)}
		}
	default:
		e = ErrInternal()
	}
	return s.writeError(r, e)
}
