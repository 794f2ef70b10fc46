package admin_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fileemu/fileemu/internal/session"
	"github.com/fileemu/fileemu/testkit"
)

const user = "497f6eca-6276-4993-bfeb-53cbbbba6f08"

// client sends requests through the testkit's validating client, so every admin and API
// response is also checked against its OpenAPI spec.
type client struct {
	t    *testing.T
	emu  *testkit.Emulator
	http *http.Client
	hdr  http.Header // sent with every request (e.g. Authorization)
}

func newClient(t *testing.T, emu *testkit.Emulator) *client {
	return &client{t: t, emu: emu, http: emu.Client(t), hdr: http.Header{}}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends method url (absolute, or a path on the emulator) with an optional body.
func (c *client) do(method, u string, body []byte, hdr ...string) response {
	c.t.Helper()
	if strings.HasPrefix(u, "/") {
		u = c.emu.URL + u
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	for k, vs := range c.hdr {
		req.Header[k] = vs
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, b := testkit.Do(c.t, c.http, req)
	return response{resp.StatusCode, resp.Header, b}
}

// json sends a request, checks the status and decodes the JSON answer into v (when non-nil).
func (c *client) json(method, path string, body any, want int, v any) {
	c.t.Helper()
	var b []byte
	var hdr []string
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			c.t.Fatal(err)
		}
		hdr = []string{"Content-Type", "application/json"}
	}
	r := c.do(method, path, b, hdr...)
	if r.status != want {
		c.t.Fatalf("%s %s = %d %s, want %d", method, path, r.status, r.body, want)
	}
	if v != nil {
		if err := json.Unmarshal(r.body, v); err != nil {
			c.t.Fatalf("%s %s: decode %s: %v", method, path, r.body, err)
		}
	}
}

// plainError checks that b is the admin API's plain JSON error and returns its code.
func plainError(t *testing.T, b []byte) string {
	t.Helper()
	var e map[string]any
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("error body %s is not JSON: %v", b, err)
	}
	code, _ := e["error"].(string)
	msg, _ := e["message"].(string)
	if code == "" || msg == "" {
		t.Fatalf("error body %s lacks error or message", b)
	}
	return code
}

type upload struct {
	fileID, fileURL string
	content         []byte
}

// upload runs the Haufe flow against base (a session's Haufe URL): signed-url, then PUT.
func (c *client) upload(base, name string, content []byte) upload {
	c.t.Helper()
	r := c.do("GET", base+"/v1/files/signed-url?filename="+url.QueryEscape(name), nil, "api-key", "secret-key", "user-id", user)
	var s struct {
		FileID  string `json:"file_id"`
		FileURL string `json:"file_url"`
	}
	if r.status != 200 {
		c.t.Fatalf("signed-url = %d %s", r.status, r.body)
	}
	if err := json.Unmarshal(r.body, &s); err != nil {
		c.t.Fatal(err)
	}
	if p := c.do("PUT", s.FileURL, content, "Content-Type", "text/plain"); p.status != 200 {
		c.t.Fatalf("PUT %s = %d %s", s.FileURL, p.status, p.body)
	}
	return upload{s.FileID, s.FileURL, content}
}

type state struct {
	Session string `json:"session"`
	APIs    struct {
		Haufe *struct {
			Files []struct {
				FileID string `json:"file_id"`
				Name   string `json:"file_name"`
				UserID string `json:"user_id"`
			} `json:"files"`
		} `json:"haufe"`
	} `json:"apis"`
	Objects []struct {
		Name   string `json:"name"`
		Size   int64  `json:"size"`
		SHA256 string `json:"sha256"`
	} `json:"objects"`
}

func (c *client) state(id string) state {
	c.t.Helper()
	var st state
	c.json("GET", "/__admin/state?session="+id, nil, 200, &st)
	return st
}

func (c *client) count(query string) int {
	c.t.Helper()
	var out struct{ Count int }
	c.json("GET", "/__admin/requests/count?"+query, nil, 200, &out)
	return out.Count
}

type entry = testkit.Request

func (c *client) requests(query string) []entry {
	c.t.Helper()
	var out struct {
		Requests []entry `json:"requests"`
	}
	c.json("GET", "/__admin/requests?"+query, nil, 200, &out)
	return out.Requests
}

func TestHealth(t *testing.T) {
	t.Parallel()
	clock := testkit.NewClock(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	emu := testkit.Start(t, testkit.WithClock(clock.Now))
	c := newClient(t, emu)
	clock.Advance(90 * time.Second)
	var h struct {
		Status        string   `json:"status"`
		Version       string   `json:"version"`
		UptimeSeconds float64  `json:"uptime_seconds"`
		APIs          []string `json:"apis"`
	}
	c.json("GET", "/__admin/health", nil, 200, &h)
	if h.Status != "ok" || h.Version != "dev" || h.UptimeSeconds != 90 {
		t.Errorf("health = %+v, want status ok, version dev (the default), uptime 90s on the emulator clock", h)
	}
	for _, want := range []string{"s3", "haufe"} {
		if !slices.Contains(h.APIs, want) {
			t.Errorf("health apis = %v, missing %s", h.APIs, want)
		}
	}
	if slices.Contains(h.APIs, "admin") {
		t.Errorf("health apis = %v lists the admin API itself", h.APIs)
	}
}

type sessionView struct {
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	Objects int       `json:"objects"`
	Bytes   int64     `json:"bytes"`
}

func TestSessionLifecycle(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	emu := testkit.Start(t, testkit.WithClock(testkit.NewClock(start).Now))
	c := newClient(t, emu)

	var s sessionView
	c.json("POST", "/__admin/sessions", map[string]string{"id": "life-1"}, 201, &s)
	if s.ID != "life-1" || !s.Created.Equal(start) || s.Objects != 0 || s.Bytes != 0 {
		t.Errorf("created = %+v, want an empty session life-1 created at %v", s, start)
	}
	c.json("POST", "/__admin/sessions", map[string]string{"id": "life-1"}, 200, &s)
	if s.ID != "life-1" {
		t.Errorf("re-create = %+v", s)
	}

	// Content shows up in the session's counters.
	c.upload(emu.URL+"/_s/life-1", "a.txt", []byte("hello"))
	c.json("GET", "/__admin/sessions/life-1", nil, 200, &s)
	if s.ID != "life-1" || s.Objects != 1 || s.Bytes != 5 {
		t.Errorf("get = %+v, want 1 object of 5 bytes", s)
	}

	var list struct{ Sessions []sessionView }
	c.json("GET", "/__admin/sessions", nil, 200, &list)
	var ids []string
	for _, s := range list.Sessions {
		ids = append(ids, s.ID)
	}
	if !slices.Contains(ids, "life-1") || !slices.Contains(ids, session.Default) {
		t.Errorf("list = %v, want life-1 and default", ids)
	}

	if r := c.do("DELETE", "/__admin/sessions/life-1", nil); r.status != 204 || len(r.body) != 0 {
		t.Fatalf("delete = %d %s, want 204 without body", r.status, r.body)
	}
	for _, m := range []string{"GET", "DELETE"} {
		r := c.do(m, "/__admin/sessions/life-1", nil)
		if r.status != 404 || plainError(t, r.body) != "not_found" {
			t.Errorf("%s after delete = %d %s, want 404 not_found", m, r.status, r.body)
		}
	}
	if r := c.do("POST", "/__admin/reset?session=life-1", nil); r.status != 404 {
		t.Errorf("reset of a dropped session = %d %s, want 404", r.status, r.body)
	}
}

func TestCreateSessionWithoutIDGeneratesOne(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	c := newClient(t, emu)
	seen := map[string]bool{}
	for _, body := range [][]byte{nil, []byte("{}")} {
		var hdr []string
		if body != nil {
			hdr = []string{"Content-Type", "application/json"}
		}
		r := c.do("POST", "/__admin/sessions", body, hdr...)
		var s sessionView
		if r.status != 201 || json.Unmarshal(r.body, &s) != nil {
			t.Fatalf("create with body %q = %d %s, want 201", body, r.status, r.body)
		}
		if !session.ValidID(s.ID) || seen[s.ID] || s.ID == session.Default {
			t.Errorf("generated id %q: want a fresh valid id", s.ID)
		}
		seen[s.ID] = true
		c.json("GET", "/__admin/sessions/"+s.ID, nil, 200, nil)
	}
}

func TestInvalidSessionIDs(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	c := newClient(t, emu)
	long := strings.Repeat("a", 65)
	cases := []struct {
		name, method, path, body string
	}{
		{"space in id", "POST", "/__admin/sessions", `{"id":"a b"}`},
		{"65 characters", "POST", "/__admin/sessions", `{"id":"` + long + `"}`},
		{"slash in id", "POST", "/__admin/sessions", `{"id":"a/b"}`},
		{"empty id", "POST", "/__admin/sessions", `{"id":""}`},
		{"id not a string", "POST", "/__admin/sessions", `{"id":42}`},
		{"unknown field", "POST", "/__admin/sessions", `{"name":"x"}`},
		{"malformed JSON", "POST", "/__admin/sessions", `{"id":`},
		{"get space", "GET", "/__admin/sessions/a%20b", ""},
		{"get 65 characters", "GET", "/__admin/sessions/" + long, ""},
		{"delete space", "DELETE", "/__admin/sessions/a%20b", ""},
		{"reset bad id", "POST", "/__admin/reset?session=a%20b", ""},
		{"state bad id", "GET", "/__admin/state?session=a%20b", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, emu)
			var body []byte
			var hdr []string
			if tc.body != "" {
				body, hdr = []byte(tc.body), []string{"Content-Type", "application/json"}
			}
			r := c.do(tc.method, tc.path, body, hdr...)
			if r.status != 422 {
				t.Fatalf("= %d %s, want 422", r.status, r.body)
			}
			if code := plainError(t, r.body); code != "invalid_request" {
				t.Errorf("error code = %q, want invalid_request", code)
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q, want JSON", ct)
			}
		})
	}
	var list struct{ Sessions []sessionView }
	c.json("GET", "/__admin/sessions", nil, 200, &list)
	if len(list.Sessions) != 1 {
		t.Errorf("sessions after refused creations = %+v, want only default", list.Sessions)
	}
}

func TestDeleteDefaultResetsIt(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	c := newClient(t, emu)
	up := c.upload(emu.URL, "d.txt", []byte("default data")) // no prefix: the default session
	if st := c.state(session.Default); len(st.Objects) != 1 || st.APIs.Haufe == nil || len(st.APIs.Haufe.Files) != 1 {
		t.Fatalf("default state before = %+v, want the upload", st)
	}
	if r := c.do("DELETE", "/__admin/sessions/default", nil); r.status != 204 {
		t.Fatalf("delete default = %d %s, want 204", r.status, r.body)
	}
	var s sessionView
	c.json("GET", "/__admin/sessions/default", nil, 200, &s)
	if s.Objects != 0 || s.Bytes != 0 {
		t.Errorf("default after delete = %+v, want it kept but empty", s)
	}
	if st := c.state(session.Default); len(st.Objects) != 0 || st.APIs.Haufe != nil {
		t.Errorf("default state after delete = %+v, want empty", st)
	}
	if n := c.count("session=default"); n != 0 {
		t.Errorf("default journal after delete has %d entries, want 0", n)
	}
	r := c.do("GET", emu.URL+"/v1/files/"+up.fileID+"/status", nil, "api-key", "k", "user-id", user)
	if r.status != 404 {
		t.Errorf("status of the dropped file = %d %s, want 404", r.status, r.body)
	}
}

func TestResetOneSession(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	c := newClient(t, emu)
	a, b := emu.Session(t), emu.Session(t)
	c.upload(a.URL("haufe"), "a.txt", []byte("aaa"))
	kept := c.upload(b.URL("haufe"), "b.txt", []byte("bbbb"))

	var out struct{ Reset []string }
	c.json("POST", "/__admin/reset?session="+a.ID, nil, 200, &out)
	if !slices.Equal(out.Reset, []string{a.ID}) {
		t.Errorf("reset = %v, want [%s]", out.Reset, a.ID)
	}
	if st := c.state(a.ID); len(st.Objects) != 0 || st.APIs.Haufe != nil {
		t.Errorf("state of reset session = %+v, want empty", st)
	}
	if n := c.count("session=" + a.ID); n != 0 {
		t.Errorf("journal of reset session has %d entries, want 0", n)
	}
	c.json("GET", "/__admin/sessions/"+a.ID, nil, 200, nil) // the session itself stays

	st := c.state(b.ID)
	if len(st.Objects) != 1 || st.APIs.Haufe == nil || len(st.APIs.Haufe.Files) != 1 || st.APIs.Haufe.Files[0].FileID != kept.fileID {
		t.Errorf("state of the other session = %+v, want its file kept", st)
	}
	if n := c.count("session=" + b.ID); n != 2 {
		t.Errorf("journal of the other session has %d entries, want 2", n)
	}
}

func TestResetAll(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	c := newClient(t, emu)
	a, b := emu.Session(t), emu.Session(t)
	c.upload(a.URL("haufe"), "a.txt", []byte("aaa"))
	c.upload(b.URL("haufe"), "b.txt", []byte("bbb"))
	c.upload(emu.URL, "d.txt", []byte("ddd"))

	var out struct{ Reset []string }
	c.json("POST", "/__admin/reset", nil, 200, &out)
	for _, id := range []string{a.ID, b.ID, session.Default} {
		if !slices.Contains(out.Reset, id) {
			t.Errorf("reset = %v, missing %s", out.Reset, id)
		}
		if st := c.state(id); len(st.Objects) != 0 || st.APIs.Haufe != nil {
			t.Errorf("state of %s after reset = %+v, want empty", id, st)
		}
		c.json("GET", "/__admin/sessions/"+id, nil, 200, nil)
	}
	if n := c.count(""); n != 0 {
		t.Errorf("journal after reset has %d entries, want 0", n)
	}
}

func TestJournalFilters(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	c := newClient(t, emu)
	s, other := emu.Session(t), emu.Session(t)
	h := []string{"api-key", "k", "user-id", user}

	c.upload(s.URL("haufe"), "a.txt", []byte("x"))                                                 // getSignedUrl 200, putObject 200
	c.do("GET", s.URL("haufe")+"/v1/files/00000000-0000-4000-8000-000000000000/status", nil, h...) // getFileStatus 404
	c.do("GET", s.URL("haufe")+"/v1/files", nil, h...)                                             // listFiles 200
	c.upload(other.URL("haufe"), "o.txt", []byte("y"))                                             // noise in another session

	all := c.requests("session=" + s.ID)
	var ops []string
	for _, e := range all {
		ops = append(ops, e.Operation)
		if e.Session != s.ID || strings.Contains(e.Path, "/_s/") || e.RequestID == "" {
			t.Errorf("entry %+v: want session %s, a path without prefix and a request id", e, s.ID)
		}
	}
	if want := []string{"getSignedUrl", "putObject", "getFileStatus", "listFiles"}; !slices.Equal(ops, want) {
		t.Fatalf("journal operations = %v, want %v oldest first", ops, want)
	}

	sess := "session=" + s.ID + "&"
	cases := []struct {
		query string
		want  []string
	}{
		{sess + "api=s3", []string{"putObject"}},
		{sess + "api=haufe", []string{"getSignedUrl", "getFileStatus", "listFiles"}},
		{sess + "operation=getFileStatus", []string{"getFileStatus"}},
		{sess + "method=put", []string{"putObject"}},
		{sess + "method=GET", []string{"getSignedUrl", "getFileStatus", "listFiles"}},
		{sess + "status=404", []string{"getFileStatus"}},
		{sess + "status=200", []string{"getSignedUrl", "putObject", "listFiles"}},
		{sess + "path=" + url.QueryEscape("/v1/files/*"), []string{"getSignedUrl", "getFileStatus"}},
		{sess + "path=" + url.QueryEscape("/v1/files/*/status"), []string{"getFileStatus"}},
		{sess + "path=/v1/files", []string{"listFiles"}},
		{sess + "after=" + strconv.FormatUint(all[1].Seq, 10), []string{"getFileStatus", "listFiles"}},
		{sess + "limit=2", []string{"getFileStatus", "listFiles"}},
		{sess + "api=haufe&status=200&limit=1", []string{"listFiles"}},
		{sess + "api=nothing", nil},
		{"session=" + other.ID, []string{"getSignedUrl", "putObject"}},
		{"operation=putObject", []string{"putObject", "putObject"}},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			c := newClient(t, emu)
			var got []string
			for _, e := range c.requests(tc.query) {
				got = append(got, e.Operation)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("requests = %v, want %v", got, tc.want)
			}
			// count takes the same filters except limit, which it ignores: it counts all matches.
			if !strings.Contains(tc.query, "limit=") {
				if n := c.count(tc.query); n != len(tc.want) {
					t.Errorf("count = %d, want %d", n, len(tc.want))
				}
			} else if all := strings.Split(tc.query, "&limit=")[0]; c.count(tc.query) != len(c.requests(all)) {
				t.Errorf("count with limit = %d, want all %d matches", c.count(tc.query), len(c.requests(all)))
			}
		})
	}
}

func TestClearJournalOfOneSession(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	c := newClient(t, emu)
	a, b := emu.Session(t), emu.Session(t)
	c.upload(a.URL("haufe"), "a.txt", []byte("a"))
	c.upload(b.URL("haufe"), "b.txt", []byte("b"))

	var out struct{ Removed int }
	c.json("DELETE", "/__admin/requests?session="+a.ID, nil, 200, &out)
	if out.Removed != 2 {
		t.Errorf("removed = %d, want 2", out.Removed)
	}
	if n := c.count("session=" + a.ID); n != 0 {
		t.Errorf("session %s still has %d entries", a.ID, n)
	}
	if n := c.count("session=" + b.ID); n != 2 {
		t.Errorf("session %s has %d entries, want its 2 kept", b.ID, n)
	}
	if st := c.state(a.ID); len(st.Objects) != 1 {
		t.Errorf("clearing the journal dropped state: %+v", st)
	}

	c.json("DELETE", "/__admin/requests", nil, 200, &out)
	if out.Removed != 2 || c.count("") != 0 {
		t.Errorf("clear all removed %d, %d left; want 2 removed, none left", out.Removed, c.count(""))
	}
}

func TestJournalBadFilters(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	bad := []string{"status=abc", "status=99", "status=600", "after=-1", "after=x", "path=" + url.QueryEscape("/v1/["), "session=a%20b"}
	for _, p := range []string{"/__admin/requests?", "/__admin/requests/count?"} {
		qs := bad
		if p == "/__admin/requests?" {
			qs = append(slices.Clone(bad), "limit=0", "limit=x") // only the list takes limit
		}
		for _, q := range qs {
			t.Run(p+q, func(t *testing.T) {
				t.Parallel()
				c := newClient(t, emu)
				r := c.do("GET", p+q, nil)
				if r.status != 422 || plainError(t, r.body) != "invalid_request" {
					t.Errorf("= %d %s, want 422 invalid_request", r.status, r.body)
				}
			})
		}
	}
	c := newClient(t, emu)
	if r := c.do("DELETE", "/__admin/requests?session=a%20b", nil); r.status != 422 {
		t.Errorf("clear with bad session = %d %s, want 422", r.status, r.body)
	}
}

func TestAdminCallsAreNotJournaled(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	c := newClient(t, emu)
	c.json("GET", "/__admin/health", nil, 200, nil)
	c.json("POST", "/__admin/sessions", map[string]string{"id": "quiet"}, 201, nil)
	c.json("GET", "/__admin/sessions", nil, 200, nil)
	c.json("GET", "/__admin/state?session=quiet", nil, 200, nil)
	c.do("GET", "/__admin/openapi/haufe", nil)
	c.do("GET", "/__admin/sessions/nope", nil)
	if n := c.count(""); n != 0 {
		t.Errorf("journal holds %d entries after admin calls only, want 0", n)
	}
	c.do("GET", "/v1/files", nil, "api-key", "k", "user-id", user)
	es := c.requests("")
	if len(es) != 1 || es[0].API != "haufe" {
		t.Errorf("journal = %+v, want just the Haufe call", es)
	}
	if n := c.count("api=admin"); n != 0 {
		t.Errorf("journal holds %d admin entries", n)
	}
}

func TestJournalEntries(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	c := newClient(t, emu)
	s := emu.Session(t)
	content := []byte("Quarterly report: revenue up.\n")
	up := c.upload(s.URL("haufe"), "report.txt", content)
	sum := sha256.Sum256(content)
	wantSHA := hex.EncodeToString(sum[:])

	signed := c.requests("session=" + s.ID + "&operation=getSignedUrl")
	if len(signed) != 1 {
		t.Fatalf("signed-url entries = %+v", signed)
	}
	e := signed[0]
	if e.Headers["Api-Key"] != "REDACTED" || e.Headers["User-Id"] != user {
		t.Errorf("headers = %v, want api-key redacted and user-id kept", e.Headers)
	}
	if e.API != "haufe" || e.Method != "GET" || e.Path != "/v1/files/signed-url" || e.Query != "filename=report.txt" || e.Status != 200 || e.BodySize != 0 || e.BodySHA256 != "" {
		t.Errorf("signed-url entry = %+v", e)
	}

	puts := c.requests("session=" + s.ID + "&operation=putObject")
	if len(puts) != 1 {
		t.Fatalf("PUT entries = %+v", puts)
	}
	p := puts[0]
	if p.API != "s3" || p.Method != "PUT" || p.Status != 200 || p.BodySize != int64(len(content)) || p.BodySHA256 != wantSHA {
		t.Errorf("PUT entry = %+v, want s3 PUT 200 with body_size %d and body_sha256 %s", p, len(content), wantSHA)
	}
	if !strings.HasPrefix(p.Path, "/s3/haufe-files/"+up.fileID+"/") {
		t.Errorf("PUT path = %s", p.Path)
	}
	sig := url.Values{}
	if u, err := url.Parse(up.fileURL); err == nil {
		sig = u.Query()
	}
	if !strings.Contains(p.Query, "X-Amz-Signature=REDACTED") || sig.Get("X-Amz-Signature") == "" || strings.Contains(p.Query, sig.Get("X-Amz-Signature")) {
		t.Errorf("PUT query %q still shows the signature of %s", p.Query, up.fileURL)
	}
	if p.Time.IsZero() || p.Time.After(time.Now()) || p.DurationMS < 0 {
		t.Errorf("PUT time %v, duration %v", p.Time, p.DurationMS)
	}

	st := c.state(s.ID)
	if st.Session != s.ID || st.APIs.Haufe == nil || len(st.APIs.Haufe.Files) != 1 {
		t.Fatalf("state = %+v, want one Haufe file", st)
	}
	if f := st.APIs.Haufe.Files[0]; f.FileID != up.fileID || f.Name != "report.txt" || f.UserID != user {
		t.Errorf("state file = %+v", f)
	}
	if len(st.Objects) != 1 || st.Objects[0].SHA256 != wantSHA || st.Objects[0].Size != int64(len(content)) {
		t.Errorf("state objects = %+v, want the upload with its SHA-256", st.Objects)
	}
}

func TestJournalRecordsFailures(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	c := newClient(t, emu)
	s := emu.Session(t)
	c.do("GET", s.URL("haufe")+"/v1/files", nil, "user-id", user)                            // no api-key: 401
	c.do("PUT", s.URL("s3")+"/bucket/key.txt", []byte("abc"))                                // unsigned: 403
	c.do("GET", s.URL("haufe")+"/v1/files/signed-url", nil, "api-key", "k", "user-id", user) // no filename: 422
	var got []string
	for _, e := range c.requests("session=" + s.ID) {
		got = append(got, strconv.Itoa(e.Status)+" "+e.Error)
	}
	want := []string{"401 unauthorized", "403 AccessDenied", "422 validation_error"}
	if !slices.Equal(got, want) {
		t.Errorf("journal statuses/errors = %v, want %v", got, want)
	}
}

func TestSpecs(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	for _, name := range []string{"haufe", "s3", "admin"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := newClient(t, emu).do("GET", "/__admin/openapi/"+name, nil)
			if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/yaml") {
				t.Fatalf("= %d %s", r.status, r.header.Get("Content-Type"))
			}
			if !bytes.Contains(r.body, []byte("openapi: 3.0.3")) || !bytes.Contains(r.body, []byte("x-fileemu-api: "+name)) {
				t.Errorf("body is not the %s spec: %.200s", name, r.body)
			}
		})
	}
	r := newClient(t, emu).do("GET", "/__admin/openapi/nothing", nil)
	if r.status != 404 || plainError(t, r.body) != "not_found" || !bytes.Contains(r.body, []byte("haufe")) {
		t.Errorf("unknown spec = %d %s, want 404 listing the specs there are", r.status, r.body)
	}
}

func TestAdminToken(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t, testkit.WithAdminToken("secret"))
	cases := []struct {
		name, method, path, auth string
		want                     int
	}{
		{"no token", "GET", "/__admin/sessions", "", 401},
		{"wrong token", "GET", "/__admin/sessions", "Bearer wrong", 401},
		{"not bearer", "GET", "/__admin/sessions", "Basic c2VjcmV0", 401},
		{"token without scheme", "GET", "/__admin/sessions", "secret", 401},
		{"bearer token", "GET", "/__admin/sessions", "Bearer secret", 200},
		{"bearer any case", "GET", "/__admin/sessions", "bearer secret", 200},
		{"reset without token", "POST", "/__admin/reset", "", 401},
		{"journal without token", "GET", "/__admin/requests", "", 401},
		{"state without token", "GET", "/__admin/state", "", 401},
		{"delete session without token", "DELETE", "/__admin/sessions/default", "", 401},
		{"health is open", "GET", "/__admin/health", "", 200},
		{"specs are open", "GET", "/__admin/openapi/haufe", "", 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newClient(t, emu)
			if tc.auth != "" {
				c.hdr.Set("Authorization", tc.auth)
			}
			r := c.do(tc.method, tc.path, nil)
			if r.status != tc.want {
				t.Fatalf("= %d %s, want %d", r.status, r.body, tc.want)
			}
			if tc.want == 401 && plainError(t, r.body) != "unauthorized" {
				t.Errorf("401 body = %s, want error unauthorized", r.body)
			}
		})
	}

	// The kit's own clients carry the token.
	s := emu.Session(t)
	c := newClient(t, emu)
	c.upload(s.URL("haufe"), "a.txt", []byte("a"))
	s.AssertCalled(t, "putObject", 1)
	if st := s.State(t); len(st.Objects) != 1 {
		t.Errorf("state through the kit = %+v", st)
	}
	if err := emu.Admin.Health(t.Context()); err != nil {
		t.Errorf("Admin.Health: %v", err)
	}
	// The token protects the admin API only: the emulated APIs do not ask for it.
	if n := len(s.Requests(t)); n != 2 {
		t.Errorf("journal through the kit has %d entries, want 2", n)
	}
}
