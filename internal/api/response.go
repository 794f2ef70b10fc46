package api

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Request returns the HTTP request as the handler should see it (session prefix stripped).
func (r *Request) Request() *http.Request { return r.r }

// SetRequest replaces the HTTP request, e.g. with one carrying another context.
func (r *Request) SetRequest(hr *http.Request) { r.r = hr }

// Response returns the writer of the response.
func (r *Request) Response() *Response { return r.w }

// Blob answers status with body b of the given content type (unless a Content-Type is set).
func (r *Request) Blob(status int, contentType string, b []byte) error {
	r.w.writeContentType(contentType)
	r.w.sizeHint = len(b)
	r.w.WriteHeader(status)
	_, err := r.w.Write(b)
	return err
}

// Stream answers status with stored content copied from body, of the given content type (unless
// a Content-Type is set). The journal does not keep it (see Response.Content).
func (r *Request) Stream(status int, contentType string, body io.Reader) error {
	r.w.Content()
	r.w.writeContentType(contentType)
	r.w.WriteHeader(status)
	_, err := io.Copy(r.w, body)
	return err
}

// NoContent answers status without a body.
func (r *Request) NoContent(status int) error {
	r.w.WriteHeader(status)
	return nil
}

// Redirect answers status (3xx) with a Location header.
func (r *Request) Redirect(status int, location string) error {
	if status < 300 || status > 308 {
		return fmt.Errorf("redirect with status %d: not a redirection", status)
	}
	r.w.Header().Set("Location", location)
	r.w.WriteHeader(status)
	return nil
}

// QueryParam returns the first value of the query parameter name, or "".
func (r *Request) QueryParam(name string) string { return r.QueryParams().Get(name) }

// QueryParams returns the query parameters. The map is shared by everyone who asks during the
// request: read it, do not change it.
func (r *Request) QueryParams() url.Values {
	// Parsed once per request (routing, scenarios, validation and the handler all read it), again
	// only if a stage rewrote the query.
	if r.query == nil || r.rawQuery != r.r.URL.RawQuery {
		r.query, r.rawQuery = r.r.URL.Query(), r.r.URL.RawQuery
	}
	return r.query
}

// Set keeps a value on the request for later steps of the same handler (a wrapper's result).
func (r *Request) Set(key string, v any) {
	if r.values == nil {
		r.values = map[string]any{}
	}
	r.values[key] = v
}

// Get returns what Set kept under key, or nil.
func (r *Request) Get(key string) any { return r.values[key] }

// Response is the writer a request is answered through. It remembers the status sent, and runs
// hooks just before it is sent: the journal records an entry as soon as its status is known.
type Response struct {
	http.ResponseWriter
	// Status is the status sent, or to be sent when the first byte of the body is written.
	Status int
	// Committed: the status line has been sent; nothing can change it any more.
	Committed bool
	// Written counts the body bytes sent.
	Written int64
	before  []func()
	// beforeBuf holds the usual hooks (the journal's, the persist stage's) without a slice of their own.
	beforeBuf [2]func()

	captureMax int    // bytes of the body to keep for the journal; 0: none
	sizeHint   int    // the body's length when known before the status is sent (Blob)
	content    bool   // the body is stored content served back (see Content)
	captured   []byte // nil unless the answer is one worth keeping (see Capture)
}

// Capture keeps up to max bytes of the body for the journal when the answer is worth showing:
// any answer that is not 2xx, and a 2xx one that is JSON or XML and not stored content.
func (w *Response) Capture(max int) { w.captureMax = max }

// Content marks the body as stored content served back (a download): a 2xx one is never kept.
func (w *Response) Content() { w.content = true }

// Captured returns the body bytes kept (nil when none were) and whether the body was longer.
func (w *Response) Captured() (body []byte, cut bool) {
	return w.captured, w.captured != nil && int64(len(w.captured)) < w.Written
}

// keeps reports whether an answer with status and the response's Content-Type is captured.
func (w *Response) keeps(status int) bool {
	if w.captureMax <= 0 {
		return false
	}
	if status < 200 || status >= 300 {
		return true
	}
	if w.content {
		return false
	}
	mt := mediaType(w.Header().Get("Content-Type"))
	return mt == "application/json" || mt == "application/xml" || mt == "text/xml" ||
		strings.HasSuffix(mt, "+json") || strings.HasSuffix(mt, "+xml")
}

// mediaType is the media type of a Content-Type as mime.ParseMediaType reads it ("" when it
// refuses it), without its map for the usual type with no parameters and nothing to trim.
func mediaType(contentType string) string {
	if slash := strings.IndexByte(contentType, '/'); slash <= 0 || slash == len(contentType)-1 ||
		strings.ContainsAny(contentType, "; \t") || strings.Count(contentType, "/") != 1 {
		mt, _, err := mime.ParseMediaType(contentType)
		if err != nil && !errors.Is(err, mime.ErrInvalidMediaParameter) {
			return ""
		}
		return mt
	}
	for i := 0; i < len(contentType); i++ {
		if c := contentType[i]; c != '/' && (c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?=`, c) >= 0) {
			mt, _, _ := mime.ParseMediaType(contentType) // not a plain token/token: its rules decide
			return mt
		}
	}
	return strings.ToLower(contentType)
}

// NewRequest starts a Request for r, answered through w (wrapped in its Response: both are one
// allocation). The server fills in the rest as the request goes through the pipeline.
func NewRequest(w http.ResponseWriter, r *http.Request) *Request {
	x := &struct {
		req  Request
		resp Response
	}{}
	x.resp = Response{ResponseWriter: w, Status: http.StatusOK}
	x.resp.before = x.resp.beforeBuf[:0]
	x.req = Request{w: &x.resp, r: r}
	return &x.req
}

// Before registers f to run just before the status is sent.
func (w *Response) Before(f func()) { w.before = append(w.before, f) }

// WriteHeader sends the status, once: a second status cannot reach the client, so it is dropped.
func (w *Response) WriteHeader(status int) {
	if w.Committed {
		return
	}
	w.Status = status
	for _, f := range w.before {
		f()
	}
	if w.keeps(status) {
		size := 512
		if w.sizeHint > 0 {
			size = w.sizeHint // one allocation of the right size, not a growing slice
		}
		w.captured = make([]byte, 0, min(w.captureMax, size))
	}
	w.ResponseWriter.WriteHeader(status)
	w.Committed = true
}

// Write sends body bytes, after the status when none was sent yet.
func (w *Response) Write(b []byte) (int, error) {
	if !w.Committed {
		w.WriteHeader(w.Status)
	}
	n, err := w.ResponseWriter.Write(b)
	w.Written += int64(n)
	if w.captured != nil && len(w.captured) < w.captureMax {
		w.captured = append(w.captured, b[:min(n, w.captureMax-len(w.captured))]...)
	}
	return n, err
}

// FlushError sends what is buffered; http.ResponseController.Flush calls it.
func (w *Response) FlushError() error { return http.NewResponseController(w.ResponseWriter).Flush() }

// Flush is FlushError for code that asserts http.Flusher.
func (w *Response) Flush() { _ = w.FlushError() }

// Hijack takes over the connection (http.Hijacker): scenario faults break it.
func (w *Response) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap gives http.ResponseController the underlying writer (read deadlines, flushes).
func (w *Response) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *Response) writeContentType(contentType string) {
	if h := w.Header(); h.Get("Content-Type") == "" {
		h.Set("Content-Type", contentType)
	}
}
