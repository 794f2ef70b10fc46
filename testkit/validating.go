package testkit

import (
	"bytes"
	"context"
	"io"
	"mime"
	"net/http"
	"testing"
)

// ResponseValidator checks one response against the specs. *emulator.Server implements it, and
// so do the specs alone (Specs(), no emulator running): they validate what a container of the
// image answers.
type ResponseValidator interface {
	ValidateResponse(ctx context.Context, req *http.Request, status int, header http.Header, body []byte) error
}

// ValidatingClient returns an HTTP client that fails t whenever a response does not match the
// spec of the API that answered, as v judges it. Emulator.Client uses it; so does the container
// module.
func ValidatingClient(t testing.TB, v ResponseValidator) *http.Client {
	return &http.Client{Transport: ValidatingTransport(t, v, http.DefaultTransport)}
}

// ValidatingTransport wraps base (an httptest TLS server's transport, an SDK's) so that every
// response is checked as ValidatingClient checks it.
func ValidatingTransport(t testing.TB, v ResponseValidator, base http.RoundTripper) http.RoundTripper {
	return &validatingTransport{t: t, base: base, v: v}
}

// validatingTransport reads every response whole, checks it against the spec and hands the
// body on unchanged. Tests move small bodies, so buffering them here is fine.
type validatingTransport struct {
	t    testing.TB
	base http.RoundTripper
	v    ResponseValidator
}

func (vt *validatingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := vt.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "text/event-stream" {
		// A live stream does not end: its status and headers are checked, its events are read
		// by the caller.
		if err := vt.v.ValidateResponse(req.Context(), req, resp.StatusCode, resp.Header, nil); err != nil {
			vt.t.Errorf("testkit: response breaks the spec: %v", err)
		}
		return resp, nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err := vt.v.ValidateResponse(req.Context(), req, resp.StatusCode, resp.Header, body); err != nil {
		vt.t.Errorf("testkit: response breaks the spec: %v\nbody: %.500s", err, body)
	}
	return resp, nil
}
