package emulator

// Internal tests of the server's request path. They cannot use the testkit (it imports this
// package), so checkingTransport below does what the kit's validating client does: every
// response is checked against the spec of the API that served it, and every response outside
// all APIs against the admin API's plain Error schema.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/haufe"
	"github.com/fileemu/fileemu/internal/journal"
	"github.com/fileemu/fileemu/internal/session"
	"github.com/fileemu/fileemu/internal/validate"
)

const user = "497f6eca-6276-4993-bfeb-53cbbbba6f08"

type harness struct {
	srv *Server
	url string
}

// start runs srv (a fresh one when nil) on a loopback port for the duration of t.
func start(t *testing.T, cfg Config, extra ...*api.API) *harness {
	t.Helper()
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv.apis = append(srv.apis, extra...) // before serving: no request reads apis yet
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &harness{srv: srv, url: hs.URL}
}

// checkingTransport fails t when a response breaks the spec of whoever answered it.
type checkingTransport struct {
	t   testing.TB
	srv *Server
}

func (ct *checkingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err := ct.check(req, resp.StatusCode, resp.Header, body); err != nil {
		ct.t.Errorf("response to %s %s breaks the spec: %v\nbody: %.500s", req.Method, req.URL, err, body)
	}
	return resp, nil
}

func (ct *checkingTransport) check(req *http.Request, status int, header http.Header, body []byte) error {
	if isPreflight(req) {
		return nil
	}
	if answeredBy(ct.srv, req) == nil {
		if req.Method == http.MethodHead {
			return nil
		}
		return plainErrorShape(ct.srv, header, body)
	}
	return ct.srv.ValidateResponse(req.Context(), req, status, header, body)
}

// answeredBy returns the API that answers req, or nil when the server answers it with a plain
// error: the path belongs to no API.
func answeredBy(srv *Server, req *http.Request) *api.API {
	_, path, _ := session.SplitPrefix(req.URL.Path)
	return srv.apiFor(path)
}

// plainErrorShape checks a body against the admin API's Error schema: the answer outside APIs.
func plainErrorShape(srv *Server, header http.Header, body []byte) error {
	if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return errors.New("plain error with Content-Type " + ct)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return err
	}
	spec, _ := srv.Spec("admin")
	return spec.Doc().Components.Schemas["Error"].Value.VisitJSON(v)
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends one request through a checking client. u is a path on the server or an absolute URL;
// hdr is pairs of header name and value.
func (h *harness) do(t *testing.T, method, u string, body io.Reader, hdr ...string) response {
	t.Helper()
	if strings.HasPrefix(u, "/") {
		u = h.url + u
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	c := &http.Client{Transport: &checkingTransport{t: t, srv: h.srv}}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, b}
}

var haufeHeaders = []string{"api-key", "k", "user-id", user}

// signedURL asks the Haufe API for an upload URL and returns file_id and file_url.
func (h *harness) signedURL(t *testing.T, base string, hdr ...string) (string, string) {
	t.Helper()
	r := h.do(t, "GET", base+"/v1/files/signed-url?filename=a.txt", nil, append(hdr, haufeHeaders...)...)
	var s struct {
		FileID  string `json:"file_id"`
		FileURL string `json:"file_url"`
	}
	if r.status != 200 || json.Unmarshal(r.body, &s) != nil {
		t.Fatalf("signed-url = %d %s", r.status, r.body)
	}
	return s.FileID, s.FileURL
}

// plainError decodes the plain JSON error {"error","message"}.
func plainError(t *testing.T, r response) (code, msg string) {
	t.Helper()
	var e struct{ Error, Message string }
	if err := json.Unmarshal(r.body, &e); err != nil || e.Error == "" || e.Message == "" {
		t.Fatalf("body %s is not a plain JSON error (%v)", r.body, err)
	}
	return e.Error, e.Message
}

func TestUnknownPathIsPlainNotFound(t *testing.T) {
	t.Parallel()
	h := start(t, Config{})
	for _, tc := range []struct{ method, path string }{
		{"GET", "/"},
		{"GET", "/nothing"},
		{"POST", "/nothing/here"},
		{"GET", "/v2/files"},
		{"GET", "/v1files"},
		{"GET", "/s3x/bucket/key"},
		{"GET", "/__adminx/health"},
		{"GET", "/__admin"},
		{"DELETE", "/_s/t1/nothing"},
		{"GET", "/_s/t1"},
	} {
		r := h.do(t, tc.method, tc.path, nil)
		if r.status != 404 {
			t.Errorf("%s %s = %d %s, want 404", tc.method, tc.path, r.status, r.body)
			continue
		}
		if code, msg := plainError(t, r); code != "not_found" || !strings.Contains(msg, tc.method) {
			t.Errorf("%s %s: error %q %q, want not_found naming the request", tc.method, tc.path, code, msg)
		}
	}
	if n := h.srv.Journal().Count(journal.Filter{}); n != 0 {
		t.Errorf("journal holds %d entries for paths no API serves", n)
	}
}

// An invalid session id is bad input: on an API path it gets that API's validation envelope
// naming the session; elsewhere a plain 400.
func TestInvalidSessionIsBadRequest(t *testing.T) {
	t.Parallel()
	h := start(t, Config{})
	long := strings.Repeat("x", 65)
	for _, tc := range []struct {
		name, path string
		hdr        []string
		status     int
		loc        string // Haufe detail loc; "" for the plain/admin envelopes
	}{
		{"prefix with space and bang", "/_s/bad%20id!/v1/files", nil, 422, "path/session"},
		{"prefix of 65 characters", "/_s/" + long + "/v1/files", nil, 422, "path/session"},
		{"prefix not ASCII", "/_s/%C3%BC/v1/files", nil, 422, "path/session"},
		{"prefix of dots", "/_s/../v1/files", nil, 422, "path/session"},
		{"empty prefix", "/_s//v1/files", nil, 422, "path/session"},
		{"header", "/v1/files", []string{session.Header, "bad id"}, 422, "header/" + session.Header},
		{"header too long", "/v1/files", []string{session.Header, long}, 422, "header/" + session.Header},
		{"prefix outside any API", "/_s/a%20b/nowhere", nil, 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(t, "GET", tc.path, nil, append(tc.hdr, haufeHeaders...)...)
			if r.status != tc.status || !strings.Contains(string(r.body), "invalid session id") {
				t.Fatalf("= %d %s, want %d naming the session id", r.status, r.body, tc.status)
			}
			if tc.loc == "" {
				return
			}
			var v struct {
				ErrorCode string `json:"error_code"`
				Detail    []struct{ Loc []string }
			}
			if err := json.Unmarshal(r.body, &v); err != nil || v.ErrorCode != "validation_error" || len(v.Detail) != 1 ||
				strings.Join(v.Detail[0].Loc, "/") != tc.loc {
				t.Errorf("body %s, want a Haufe validation_error at %s", r.body, tc.loc)
			}
		})
	}
	if l := h.srv.Sessions().List(); len(l) != 1 {
		t.Errorf("%d sessions after refused ids, want only default", len(l))
	}
	if n := h.srv.Journal().Count(journal.Filter{}); n != 0 {
		t.Errorf("journal holds %d entries of refused sessions", n)
	}
}

func TestHeaderSelectsSession(t *testing.T) {
	t.Parallel()
	h := start(t, Config{})
	id, fileURL := h.signedURL(t, "", session.Header, "hdr-1")
	if !strings.Contains(fileURL, "/_s/hdr-1/s3/") {
		t.Fatalf("file_url %s does not carry the header's session", fileURL)
	}
	if r := h.do(t, "PUT", fileURL, strings.NewReader("hello")); r.status != 200 {
		t.Fatalf("PUT = %d %s", r.status, r.body)
	}
	var page struct {
		Files []struct {
			FileID string `json:"file_id"`
		} `json:"files"`
		Total int `json:"total"`
	}
	listed := func(path string, hdr ...string) int {
		r := h.do(t, "GET", path, nil, append(hdr, haufeHeaders...)...)
		if r.status != 200 || json.Unmarshal(r.body, &page) != nil {
			t.Fatalf("list %s = %d %s", path, r.status, r.body)
		}
		return page.Total
	}
	if n := listed("/_s/hdr-1/v1/files"); n != 1 || page.Files[0].FileID != id {
		t.Errorf("list through the prefix = %d files %+v, want the file", n, page.Files)
	}
	if n := listed("/v1/files", session.Header, "hdr-1"); n != 1 {
		t.Errorf("list through the header = %d files, want 1", n)
	}
	if n := listed("/v1/files"); n != 0 {
		t.Errorf("default session lists %d files, want 0", n)
	}
	// The path prefix wins over the header.
	if n := listed("/_s/other/v1/files", session.Header, "hdr-1"); n != 0 {
		t.Errorf("prefix other + header hdr-1 lists %d files, want 0 (the prefix decides)", n)
	}
	if es := h.srv.Journal().Find(journal.Filter{Session: "hdr-1", Operation: "putObject"}); len(es) != 1 {
		t.Errorf("journal of hdr-1 has %d uploads, want 1", len(es))
	}
}

func TestHandedOutURLs(t *testing.T) {
	t.Parallel()
	h := start(t, Config{})
	hostPort := strings.TrimPrefix(h.url, "http://")
	cases := []struct {
		name, base string
		hdr        []string
		wantPrefix string
	}{
		{"default session", "", nil, h.url + "/s3/haufe-files/"},
		{"prefix session", "/_s/p-1", nil, h.url + "/_s/p-1/s3/haufe-files/"},
		{"header session", "", []string{session.Header, "h-1"}, h.url + "/_s/h-1/s3/haufe-files/"},
		{"forwarded host and proto", "", []string{"X-Forwarded-Host", "files.example.test", "X-Forwarded-Proto", "https"}, "https://files.example.test/s3/haufe-files/"},
		{"forwarded host list", "/_s/p-2", []string{"X-Forwarded-Host", "front.example.test:8443, inner.example.test"}, "http://front.example.test:8443/_s/p-2/s3/haufe-files/"},
		{"forwarded proto only", "", []string{"X-Forwarded-Proto", "https"}, "https://" + hostPort + "/s3/haufe-files/"},
		{"unknown forwarded proto ignored", "", []string{"X-Forwarded-Proto", "javascript"}, h.url + "/s3/haufe-files/"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id, fileURL := h.signedURL(t, tc.base, tc.hdr...)
			if !strings.HasPrefix(fileURL, tc.wantPrefix+id+"/a.txt?") {
				t.Errorf("file_url = %s, want it under %s", fileURL, tc.wantPrefix)
			}
			if tc.wantPrefix == h.url+"/s3/haufe-files/" && strings.Contains(fileURL, "/_s/") {
				t.Errorf("file_url %s of the default session carries a session prefix", fileURL)
			}
		})
	}
}

func TestHandedOutURLWorksBehindProxy(t *testing.T) {
	t.Parallel()
	h := start(t, Config{})
	_, fileURL := h.signedURL(t, "/_s/px", "X-Forwarded-Host", "files.example.test", "X-Forwarded-Proto", "https")
	// The proxy forwards the request to the emulator with the public Host.
	u, err := url.Parse(fileURL)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("PUT", h.url+u.RequestURI(), strings.NewReader("via proxy"))
	req.Host = u.Host
	resp, err := (&http.Client{Transport: &checkingTransport{t: t, srv: h.srv}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("PUT through the proxy = %d, want 200", resp.StatusCode)
	}
	sess, _ := h.srv.Sessions().Get("px")
	if sess == nil || sess.Blobs.Len() != 1 {
		t.Errorf("session px holds no upload after the proxied PUT")
	}
}

func TestPublicURLOverrides(t *testing.T) {
	t.Parallel()
	h := start(t, Config{PublicURL: "https://emu.example.test/"})
	fwd := []string{"X-Forwarded-Host", "ignored.example.test", "X-Forwarded-Proto", "http"}
	for _, tc := range []struct{ base, want string }{
		{"", "https://emu.example.test/s3/haufe-files/"},
		{"/_s/pub-1", "https://emu.example.test/_s/pub-1/s3/haufe-files/"},
	} {
		if _, fileURL := h.signedURL(t, tc.base, fwd...); !strings.HasPrefix(fileURL, tc.want) {
			t.Errorf("file_url = %s, want it under %s", fileURL, tc.want)
		}
	}
}

func TestEveryResponseHasRequestID(t *testing.T) {
	t.Parallel()
	h := start(t, Config{})
	_, fileURL := h.signedURL(t, "/_s/rid")
	cases := []struct {
		name, method, path string
		hdr                []string
	}{
		{"admin", "GET", "/__admin/health", nil},
		{"haufe", "GET", "/_s/rid/v1/files", haufeHeaders},
		{"haufe error", "GET", "/_s/rid/v1/files", nil},
		{"s3", "PUT", fileURL, nil},
		{"s3 error", "GET", "/s3/bucket/key", nil},
		{"no API", "GET", "/nothing", nil},
		{"bad session", "GET", "/_s/a%20b/v1/files", nil},
		{"method not allowed", "PATCH", "/v1/files", haufeHeaders},
		{"preflight", "OPTIONS", "/s3/bucket/key", []string{"Origin", "http://app.example", "Access-Control-Request-Method", "PUT"}},
	}
	seen := map[string]string{}
	for _, tc := range cases {
		r := h.do(t, tc.method, tc.path, strings.NewReader("x"), tc.hdr...)
		id := r.header.Get("X-Request-Id")
		if id == "" {
			t.Errorf("%s: %s %s = %d without X-Request-Id", tc.name, tc.method, tc.path, r.status)
			continue
		}
		if prev, dup := seen[id]; dup {
			t.Errorf("%s and %s share request id %s", prev, tc.name, id)
		}
		if !regexp.MustCompile(`^[0-9a-f]{22}$`).MatchString(id) {
			t.Errorf("%s: request id %q, want 16 random hex digits and 6 of the request count", tc.name, id)
		}
		seen[id] = tc.name
	}
	// The journal shows the same id, so a test log can be matched to the entry.
	r := h.do(t, "GET", "/_s/rid/v1/files", nil, haufeHeaders...)
	es := h.srv.Journal().Find(journal.Filter{Session: "rid", Limit: 1})
	if len(es) != 1 || es[0].RequestID != r.header.Get("X-Request-Id") {
		t.Errorf("journal entry %+v, want request id %s", es, r.header.Get("X-Request-Id"))
	}
}

func TestCORSPreflight(t *testing.T) {
	t.Parallel()
	h := start(t, Config{})
	const origin = "http://app.example.test:3000"
	// Credentials only where a cookie matters: files.ro's share routes (share_session).
	credentials := map[string]string{"/api/v1/shares/demo-protected/uploads": "true", "/_s/cors/api/sharing/upload/demo": "true"}
	for _, path := range []string{"/s3/haufe-files/abc/report.txt", "/_s/cors/s3/bucket/a/b.txt", "/v1/files/signed-url", "/__admin/sessions", "/nothing",
		"/api/v1/shares/demo-protected/uploads", "/_s/cors/api/sharing/upload/demo"} {
		t.Run(path, func(t *testing.T) {
			r := h.do(t, "OPTIONS", path, nil,
				"Origin", origin, "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "content-type,x-custom")
			if r.status != 204 || len(r.body) != 0 {
				t.Fatalf("preflight = %d %s, want 204 without body", r.status, r.body)
			}
			want := map[string]string{
				"Access-Control-Allow-Origin":      origin,
				"Access-Control-Allow-Headers":     "content-type,x-custom",
				"Access-Control-Allow-Credentials": credentials[path],
			}
			for k, v := range want {
				if got := r.header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if m := r.header.Get("Access-Control-Allow-Methods"); !strings.Contains(m, "PUT") || !strings.Contains(m, "GET") {
				t.Errorf("Access-Control-Allow-Methods = %q, want PUT and GET", m)
			}
			if !strings.Contains(strings.Join(r.header.Values("Vary"), ","), "Origin") {
				t.Errorf("Vary = %v, want Origin (the answer depends on it)", r.header.Values("Vary"))
			}
		})
	}
	if n := h.srv.Journal().Count(journal.Filter{}); n != 0 {
		t.Errorf("preflights made %d journal entries; they are no API calls", n)
	}
	if _, ok := h.srv.Sessions().Get("cors"); ok {
		t.Error("a preflight created a session")
	}
	// The "null" origin of sandboxed pages and files never gets credentials.
	r := h.do(t, "OPTIONS", "/api/v1/shares/demo/uploads", nil, "Origin", "null", "Access-Control-Request-Method", "POST")
	if r.header.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("null origin got credentials: %v", r.header)
	}
}

func TestCORSOnResponses(t *testing.T) {
	t.Parallel()
	h := start(t, Config{})
	const origin = "https://app.example.test"
	_, fileURL := h.signedURL(t, "/_s/cors")
	if r := h.do(t, "PUT", fileURL, strings.NewReader("x"), "Origin", origin); r.status != 200 || r.header.Get("ETag") == "" {
		t.Fatalf("PUT = %d %v", r.status, r.header)
	}
	u, _ := url.Parse(fileURL)
	cases := []struct {
		name, method, path string
		hdr                []string
		wantStatus         int
	}{
		{"s3 error", "GET", u.Path, nil, 403}, // the PUT URL's path without signature
		{"haufe", "GET", "/_s/cors/v1/files", haufeHeaders, 200},
		{"haufe error", "GET", "/_s/cors/v1/files", []string{"user-id", user}, 401},
		{"admin", "GET", "/__admin/health", nil, 200},
		{"no API", "GET", "/nothing", nil, 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(t, tc.method, tc.path, nil, append(tc.hdr, "Origin", origin)...)
			if r.status != tc.wantStatus {
				t.Fatalf("= %d %s, want %d", r.status, r.body, tc.wantStatus)
			}
			if got := r.header.Get("Access-Control-Allow-Origin"); got != origin {
				t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, origin)
			}
			exposed := r.header.Get("Access-Control-Expose-Headers")
			for _, want := range []string{"ETag", "Location", "X-Request-Id"} {
				if !strings.Contains(exposed, want) {
					t.Errorf("Access-Control-Expose-Headers = %q, missing %s", exposed, want)
				}
			}
			if r.header.Get("Access-Control-Allow-Methods") != "" {
				t.Error("an actual request got the preflight's Allow-Methods")
			}
		})
	}
	t.Run("no origin", func(t *testing.T) {
		for _, path := range []string{"/_s/cors/v1/files", "/__admin/health", "/nothing"} {
			r := h.do(t, "GET", path, nil, haufeHeaders...)
			for k := range r.header {
				if strings.HasPrefix(k, "Access-Control-") {
					t.Errorf("GET %s without Origin got %s", path, k)
				}
			}
		}
		// OPTIONS without Origin is no preflight: it is routed like any method.
		r := h.do(t, "OPTIONS", "/v1/files", nil, "Access-Control-Request-Method", "PUT")
		if r.status != 405 || r.header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("OPTIONS without Origin = %d %v, want 405 without CORS headers", r.status, r.header)
		}
	})
}

func TestMethodNotAllowedHasAllow(t *testing.T) {
	t.Parallel()
	h := start(t, Config{})
	cases := []struct {
		name, method, path string
		hdr                []string
		allow              []string
		envelope           string
	}{
		{"haufe", "PUT", "/v1/files", haufeHeaders, []string{"GET"}, `"error_code":"method_not_allowed"`},
		{"haufe item", "POST", "/_s/m/v1/files/abc", haufeHeaders, []string{"DELETE", "GET"}, `"error_code":"method_not_allowed"`},
		{"s3", "POST", "/s3/bucket/key", nil, []string{"DELETE", "GET", "HEAD", "PUT"}, "<Code>MethodNotAllowed</Code>"},
		{"s3 head-less", "PATCH", "/_s/m/s3/bucket/a/b", nil, []string{"DELETE", "GET", "HEAD", "PUT"}, "<Code>MethodNotAllowed</Code>"},
		{"admin", "DELETE", "/__admin/health", nil, []string{"GET"}, `"error":"method_not_allowed"`},
		{"admin sessions", "PUT", "/__admin/sessions", nil, []string{"GET", "POST"}, `"error":"method_not_allowed"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(t, tc.method, tc.path, nil, tc.hdr...)
			if r.status != 405 {
				t.Fatalf("= %d %s, want 405", r.status, r.body)
			}
			allow := strings.Split(r.header.Get("Allow"), ", ")
			if strings.Join(allow, ",") != strings.Join(tc.allow, ",") {
				t.Errorf("Allow = %q, want %v", r.header.Get("Allow"), tc.allow)
			}
			if !bytes.Contains(r.body, []byte(tc.envelope)) {
				t.Errorf("body %s, want the API's envelope with %s", r.body, tc.envelope)
			}
		})
	}
}

// boomSpec is a test-only API whose handlers fail.
const boomSpec = `openapi: 3.0.3
info: {title: boom, version: "1"}
paths:
  /boom/panic:
    get:
      operationId: panicNow
      responses:
        '200': {description: never}
        '500': {$ref: '#/components/responses/Error'}
  /boom/error:
    get:
      operationId: failNow
      responses:
        '200': {description: never}
        '500': {$ref: '#/components/responses/Error'}
components:
  responses:
    Error:
      description: The boom envelope.
      content:
        application/json:
          schema:
            type: object
            required: [boom]
            additionalProperties: false
            properties:
              boom: {type: string}
`

func boomAPI(t *testing.T) *api.API {
	spec, err := validate.Load(context.Background(), "boom.yaml", []byte(boomSpec))
	if err != nil {
		t.Fatal(err)
	}
	a := &api.API{
		Name:     "boom",
		Prefixes: []string{"/boom/"},
		Spec:     spec,
		Handlers: map[string]api.Handler{
			"panicNow": func(*api.Request) error { panic("kaboom") },
			"failNow":  func(*api.Request) error { return errors.New("disk on fire") },
		},
		Errors: api.Envelope{
			Problem: func(r *api.Request, p api.Problem) api.Error {
				if p.Kind != api.Internal {
					return boomError{http.StatusBadRequest, "boom_unexpected", "unexpected problem"}
				}
				return boomError{http.StatusInternalServerError, "boom_internal", p.Detail}
			},
			Write: func(r *api.Request, e api.Error) error {
				return r.WriteJSON(e.StatusCode(), "", map[string]string{"boom": e.Error()})
			},
		},
	}
	if err := spec.CheckHandlers(a.Operations()); err != nil {
		t.Fatal(err)
	}
	return a
}

// boomError is the boom API's error.
type boomError struct {
	status        int
	code, message string
}

func (e boomError) Error() string     { return e.message }
func (e boomError) StatusCode() int   { return e.status }
func (e boomError) ErrorCode() string { return e.code }

// syncBuffer is a log destination safe to read while the server writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestFailingHandlerAnswersInTheAPIEnvelope(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	h := start(t, Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))}, boomAPI(t))
	for _, tc := range []struct{ path, log string }{
		{"/boom/panic", "kaboom"},
		{"/_s/b/boom/error", "disk on fire"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			r := h.do(t, "GET", tc.path, nil)
			if r.status != 500 || string(r.body) != `{"boom":"internal error"}` {
				t.Errorf("= %d %s, want 500 in the boom envelope", r.status, r.body)
			}
			id := r.header.Get("X-Request-Id")
			if !strings.Contains(logs.String(), tc.log) || !strings.Contains(logs.String(), id) {
				t.Errorf("log does not show %q with request id %s:\n%s", tc.log, id, logs.String())
			}
		})
	}
	if r := h.do(t, "GET", "/v1/files", nil, haufeHeaders...); r.status != 200 {
		t.Errorf("after the failures: GET /v1/files = %d, want 200 (the server keeps serving)", r.status)
	}
	for _, op := range []string{"failNow", "panicNow"} {
		if es := h.srv.Journal().Find(journal.Filter{Operation: op}); len(es) != 1 || es[0].Status != 500 || es[0].Error != "boom_internal" {
			t.Errorf("journal of %s = %+v, want status 500 with the API's error code", op, es)
		}
	}
}

func TestLoadBrokenSpecNamesTheFile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, yaml string }{
		{"not YAML", "openapi: 3.0.3\ninfo: [\n"},
		{"OpenAPI 3.1", "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n"},
		{"operation without id", "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses: {'200': {description: ok}}\n"},
		{"duplicate id", "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get: {operationId: x, responses: {'200': {description: ok}}}\n  /b:\n    get: {operationId: x, responses: {'200': {description: ok}}}\n"},
		{"invalid document", "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get: {operationId: x}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := validate.Load(context.Background(), "broken.yaml", []byte(tc.yaml))
			if err == nil || !strings.HasPrefix(err.Error(), "load broken.yaml: ") {
				t.Errorf("Load error = %v, want one starting with the file name", err)
			}
		})
	}
}

func TestCheckHandlersMismatch(t *testing.T) {
	t.Parallel()
	srv, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range srv.apis {
		if err := a.Spec.CheckHandlers(a.Operations()); err != nil {
			t.Errorf("mounted API %s: %v", a.Name, err)
		}
	}
	spec, _ := srv.Spec("haufe")
	a := haufe.New(spec, haufe.Options{})
	delete(a.Handlers, "listFiles")
	a.Handlers["listFolders"] = func(*api.Request) error { return nil }
	err = a.Spec.CheckHandlers(a.Operations())
	if err == nil {
		t.Fatal("CheckHandlers accepted an API with a missing and an extra handler")
	}
	for _, want := range []string{"spec haufe", "operations without handler: listFiles", "handlers without operation: listFolders"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// TestOddInputsNeverBreakTheServer sends malformed requests everywhere: no answer may be a 5xx,
// and every error must come in the envelope of the API the path belongs to.
func TestOddInputsNeverBreakTheServer(t *testing.T) {
	t.Parallel()
	h := start(t, Config{})
	longQuery := "filename=" + strings.Repeat("a", 60<<10)
	type tc struct {
		method, path string
		hdr          []string
		body         string
	}
	hh := func(kv ...string) []string { return append(kv, haufeHeaders...) }
	cases := []tc{
		{"GET", "/v1/files/%00/status", hh(), ""},
		{"GET", "/v1/files/a%2Fb/status", hh(), ""},
		{"GET", "/v1/files/%ff%fe/status", hh(), ""},
		{"GET", "/v1/files/signed-url?" + longQuery, hh(), ""},
		{"GET", "/v1/files/signed-url?filename=%ff%fe", hh(), ""},
		{"GET", "/v1/files/signed-url?filename=%00", hh(), ""},
		{"GET", "/v1/files/signed-url?filename=a&filename=b&persist=&persist=1", hh(), ""},
		{"GET", "/v1/files/signed-url?filename=a;b=c", hh(), ""},
		{"GET", "/v1/files", []string{"api-key", "k", "user-id", "\xff\xfe"}, ""},
		{"GET", "/v1/files", []string{"api-key", "\xff", "user-id", user}, ""},
		{"GET", "/v1/files?limit=99999999999999999999999", hh(), ""},
		{"GET", "/v1/files?limit=-1&page=0", hh(), ""},
		{"GET", "/v1/files", hh(session.Header, "\xff"), ""},
		{"GET", "/v1/files", hh("Content-Type", "application/json"), `{"a":1}`},
		{"POST", "/v1/threads", hh("Content-Type", "garbage"), `{"title":"t"}`},
		{"POST", "/v1/threads", hh("Content-Type", "application/json; charset=\xff; =;"), `{"title":"t"}`},
		{"POST", "/v1/threads", hh("Content-Type", "application/json"), "\xff\xfe"},
		{"POST", "/v1/threads", hh("Content-Type", "application/json"), strings.Repeat("[", 20000)},
		{"POST", "/v1/threads", hh("Content-Type", "application/json"), `{"title":` + strings.Repeat("9", 400) + `}`},
		{"POST", "/v1/threads", hh(), `{"title":"t"}`},
		{"POST", "/v1/threads/%00/messages", hh("Content-Type", "application/json"), `{"role":"user","content":"c","attachments":[{"file_id":"\u0000"}]}`},
		{"POST", "/v1/threads/x/messages", hh("Content-Type", "multipart/form-data; boundary=zz"), "--zz\r\n\r\n"},
		{"DELETE", "/v1/files/not-a-uuid", hh(), ""},
		{"GET", "/v1/", hh(), ""},
		{"PUT", "/s3/bucket/key", nil, "body"},
		{"PUT", "/s3/bucket/key", []string{"Content-Type", "garbage;;;"}, "body"},
		{"PUT", "/s3/bucket/key", []string{"Content-MD5", "not base64"}, "body"},
		{"PUT", "/s3/bucket/key?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=%ff&X-Amz-Signature=zz&X-Amz-Date=x&X-Amz-Expires=-5&X-Amz-SignedHeaders=host", nil, "body"},
		{"PUT", "/s3/bucket/key?X-Amz-Algorithm=MD5&X-Amz-Signature=", nil, "body"},
		{"GET", "/s3/BAD_BUCKET/key", nil, ""},
		{"GET", "/s3/bucket/%00", nil, ""},
		{"GET", "/s3/bucket/a%2F%2F..%2Fb", nil, ""},
		{"GET", "/s3/bucket/key", []string{"Range", "bytes=9-1"}, ""},
		{"GET", "/s3/bucket/" + strings.Repeat("k", 2000), nil, ""},
		{"POST", "/__admin/sessions", []string{"Content-Type", "garbage"}, `{"id":"x"}`},
		{"POST", "/__admin/sessions", []string{"Content-Type", "application/json"}, "\xff"},
		{"POST", "/__admin/sessions", []string{"Content-Type", "application/json"}, `{"id":"x","id":"a b"}`},
		{"GET", "/__admin/sessions", []string{"Content-Type", "application/json"}, `{"id":"x"}`},
		{"GET", "/__admin/sessions/%00", nil, ""},
		{"GET", "/__admin/requests?limit=99999999999999999999999", nil, ""},
		{"GET", "/__admin/requests?status=200&status=abc", nil, ""},
		{"GET", "/__admin/state?session=%ff", nil, ""},
		{"GET", "/__admin/openapi/..%2F..%2Fetc%2Fpasswd", nil, ""},
		{"GET", "/__admin/", nil, ""},
		{"GET", "/%00", nil, ""},
		{"GET", "/_s/%00/v1/files", hh(), ""},
		{"GET", "/_s/x/_s/y/v1/files", hh(), ""},
		{"GET", "/nothing?" + longQuery, nil, ""},
	}
	for _, p := range []string{"/__admin/health", "/__admin/sessions", "/__admin/openapi/haufe", "/v1/files", "/v1/files/signed-url",
		"/v1/threads", "/s3/bucket/key", "/nothing", "/_s/a%20b/v1/files", "/_s/t/v1/files"} {
		cases = append(cases, tc{"HEAD", p, hh(), ""})
	}
	for _, c := range cases {
		name := c.method + " " + c.path
		if len(name) > 80 {
			name = name[:80]
		}
		t.Run(name, func(t *testing.T) {
			var body io.Reader
			if c.body != "" {
				body = strings.NewReader(c.body)
			}
			r := h.do(t, c.method, c.path, body, c.hdr...)
			if r.status >= 500 {
				t.Fatalf("= %d %.300s", r.status, r.body)
			}
			if r.header.Get("X-Request-Id") == "" {
				t.Error("no X-Request-Id")
			}
			if r.status < 400 || c.method == "HEAD" {
				return
			}
			req, _ := http.NewRequest(c.method, h.url+c.path, nil)
			for i := 0; i+1 < len(c.hdr); i += 2 {
				req.Header.Set(c.hdr[i], c.hdr[i+1])
			}
			switch a := answeredBy(h.srv, req); {
			case a == nil || a.Name == "admin":
				plainError(t, r)
			case a.Name == "haufe":
				var e struct {
					ErrorCode string `json:"error_code"`
				}
				if json.Unmarshal(r.body, &e) != nil || e.ErrorCode == "" {
					t.Errorf("= %d %s, want a Haufe error_code envelope", r.status, r.body)
				}
			case a.Name == "s3":
				if !bytes.Contains(r.body, []byte("<Error><Code>")) || r.header.Get("Content-Type") != "application/xml" {
					t.Errorf("= %d %s, want an S3 XML <Error>", r.status, r.body)
				}
			}
		})
	}
	if r := h.do(t, "GET", "/__admin/health", nil); r.status != 200 {
		t.Errorf("health after the odd inputs = %d", r.status)
	}
}
