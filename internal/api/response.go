package api

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
)

// NewRequest starts a Request for r, answered through w. The server fills in the rest as the
// request goes through its pipeline.
func NewRequest(w *Response, r *http.Request) *Request { return &Request{w: w, r: r} }

// Request returns the HTTP request as the handler should see it (session prefix stripped).
func (r *Request) Request() *http.Request { return r.r }

// SetRequest replaces the HTTP request, e.g. with one carrying another context.
func (r *Request) SetRequest(hr *http.Request) { r.r = hr }

// Response returns the writer of the response.
func (r *Request) Response() *Response { return r.w }

// Blob answers status with body b of the given content type (unless a Content-Type is set).
func (r *Request) Blob(status int, contentType string, b []byte) error {
	r.w.writeContentType(contentType)
	r.w.WriteHeader(status)
	_, err := r.w.Write(b)
	return err
}

// Stream answers status with a body copied from body, of the given content type (unless a
// Content-Type is set).
func (r *Request) Stream(status int, contentType string, body io.Reader) error {
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
func (r *Request) QueryParam(name string) string { return r.r.URL.Query().Get(name) }

// QueryParams returns the query parameters.
func (r *Request) QueryParams() url.Values { return r.r.URL.Query() }

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
	before    []func()
}

// NewResponse wraps w.
func NewResponse(w http.ResponseWriter) *Response {
	return &Response{ResponseWriter: w, Status: http.StatusOK}
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
