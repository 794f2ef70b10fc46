package testkit

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
)

// responseValidator checks one response against the specs (the emulator server implements it).
type responseValidator interface {
	ValidateResponse(ctx context.Context, req *http.Request, status int, header http.Header, body []byte) error
}

// validatingTransport reads every response whole, checks it against the spec and hands the
// body on unchanged. Tests move small bodies, so buffering them here is fine.
type validatingTransport struct {
	t    testing.TB
	base http.RoundTripper
	v    responseValidator
}

func (vt *validatingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := vt.base.RoundTrip(req)
	if err != nil {
		return resp, err
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
