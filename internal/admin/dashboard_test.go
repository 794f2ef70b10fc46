package admin_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/fileemu/fileemu/testkit"
)

// noRedirects makes c answer redirects instead of following them.
func noRedirects(c *client) {
	h := *c.http
	h.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.http = &h
}

func TestDashboardSignInWithToken(t *testing.T) {
	emu := testkit.Start(t, testkit.WithAdminToken("tok"))
	c := newClient(t, emu)
	noRedirects(c)

	// Without the token the page, its files and its data answer 401.
	for _, p := range []string{"/__admin/ui", "/__admin/ui/", "/__admin/ui/app.js", "/__admin/sessions", "/__admin/ui?token=wrong",
		"/__admin/sessions?token=tok" /* the token in the address is taken by the page only */} {
		r := c.do("GET", p, nil)
		if r.status != 401 || plainError(t, r.body) != "unauthorized" {
			t.Errorf("GET %s without the token = %d %s, want 401 unauthorized", p, r.status, r.body)
		}
		if p == "/__admin/ui/" && !strings.Contains(string(r.body), "/__admin/ui?token=") {
			t.Errorf("the 401 does not say how a browser gets in: %s", r.body)
		}
	}

	// ?token= once: a cookie, and the page again without the token in its address.
	r := c.do("GET", "/__admin/ui?token=tok", nil)
	if r.status != 303 || r.header.Get("Location") != "ui/" {
		t.Fatalf("GET /__admin/ui?token= = %d Location %q, want 303 to ui/", r.status, r.header.Get("Location"))
	}
	cookies, err := http.ParseSetCookie(r.header.Get("Set-Cookie"))
	if err != nil {
		t.Fatalf("Set-Cookie %q: %v", r.header.Get("Set-Cookie"), err)
	}
	if cookies.Name != "fileemu_admin" || !cookies.HttpOnly || cookies.SameSite != http.SameSiteStrictMode || cookies.Path != "/__admin/" {
		t.Errorf("cookie = %+v, want fileemu_admin HttpOnly SameSite=Strict Path=/__admin/", cookies)
	}
	if cookies.Value == "" || strings.Contains(cookies.Value, "tok") {
		t.Errorf("cookie value %q: want a value derived from the token, not the token", cookies.Value)
	}
	if r := c.do("GET", "/__admin/ui/?token=tok", nil); r.status != 303 || r.header.Get("Location") != "./" {
		t.Errorf("GET /__admin/ui/?token= = %d Location %q, want 303 to ./", r.status, r.header.Get("Location"))
	}
	// The page's own parameters survive the sign-in; the token does not.
	if r := c.do("GET", "/__admin/ui?session=s1&token=tok", nil); r.status != 303 || r.header.Get("Location") != "ui/?session=s1" {
		t.Errorf("GET /__admin/ui?session=s1&token= = %d Location %q, want 303 to ui/?session=s1", r.status, r.header.Get("Location"))
	}

	cookie := "fileemu_admin=" + cookies.Value
	page := c.do("GET", "/__admin/ui/", nil, "Cookie", cookie)
	if page.status != 200 || !strings.HasPrefix(page.header.Get("Content-Type"), "text/html") || !bytes.Contains(page.body, []byte(`src="app.js"`)) {
		t.Fatalf("the page with the cookie = %d %s %.80s", page.status, page.header.Get("Content-Type"), page.body)
	}
	if csp := page.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("the page's CSP = %q", csp)
	}
	if r := c.do("GET", "/__admin/ui/app.js", nil, "Cookie", cookie); r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/javascript") {
		t.Errorf("app.js with the cookie = %d %s", r.status, r.header.Get("Content-Type"))
	}
	if r := c.do("GET", "/__admin/sessions", nil, "Cookie", cookie); r.status != 200 {
		t.Errorf("the admin API with the cookie = %d %s", r.status, r.body)
	}
	if r := c.do("GET", "/__admin/sessions", nil, "Cookie", "fileemu_admin=tok"); r.status != 401 {
		t.Errorf("a cookie holding the token itself = %d, want 401", r.status)
	}
	// Another origin (another port of localhost is the same site) cannot use the cookie to change things.
	if r := c.do("POST", "/__admin/reset", nil, "Cookie", cookie, "Origin", "http://127.0.0.1:1"); r.status != 401 {
		t.Errorf("a cross-origin POST with the cookie = %d %s, want 401", r.status, r.body)
	}
	if r := c.do("POST", "/__admin/reset", nil, "Cookie", cookie, "Sec-Fetch-Site", "cross-site"); r.status != 401 {
		t.Errorf("a cross-site POST with the cookie = %d %s, want 401", r.status, r.body)
	}
	if r := c.do("POST", "/__admin/reset", nil, "Cookie", cookie, "Sec-Fetch-Site", "same-origin"); r.status != 200 {
		t.Errorf("the page's own POST with the cookie = %d %s, want 200", r.status, r.body)
	}
	// The header still works, for the page too.
	if r := c.do("GET", "/__admin/ui/", nil, "Authorization", "Bearer tok"); r.status != 200 {
		t.Errorf("the page with the bearer token = %d", r.status)
	}
}

func TestDashboardWithoutToken(t *testing.T) {
	emu := testkit.Start(t)
	c := newClient(t, emu)
	noRedirects(c)
	if r := c.do("GET", "/__admin/ui", nil); r.status != 303 || r.header.Get("Location") != "ui/" || r.header.Get("Set-Cookie") != "" {
		t.Errorf("GET /__admin/ui = %d %v", r.status, r.header)
	}
	if r := c.do("GET", "/__admin/ui/", nil); r.status != 200 {
		t.Errorf("GET /__admin/ui/ = %d", r.status)
	}
	for _, f := range []string{"style.css", "requests.js", "sessions.js", "scenarios.js", "clock.js", "dom.js"} {
		if r := c.do("GET", "/__admin/ui/"+f, nil); r.status != 200 || r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s = %d %v", f, r.status, r.header)
		}
	}
	for _, p := range []string{"/__admin/ui/nope.js", "/__admin/ui/..%2fadmin.yaml", "/__admin/ui/.hidden.js"} {
		if r := c.do("GET", p, nil); r.status != 404 && r.status != 422 {
			t.Errorf("GET %s = %d %s, want 404 or 422", p, r.status, r.body)
		}
	}
}

// weavyBlob uploads content as a Weavy blob of session s (the multipart part says
// application/octet-stream, as Go's and most clients' do).
func weavyBlob(t *testing.T, c *client, s *testkit.Session, name string, content []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("blob", name)
	_, _ = fw.Write(content)
	_ = mw.Close()
	if r := c.do("POST", s.URL("weavy")+"/api/blobs", buf.Bytes(), "Authorization", "Bearer k", "Content-Type", mw.FormDataContentType()); r.status != 201 {
		t.Fatalf("blob %s = %d %s", name, r.status, r.body)
	}
}

func TestSessionObject(t *testing.T) {
	emu := testkit.Start(t)
	c := newClient(t, emu)
	s := emu.Session(t)

	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	var pic bytes.Buffer
	_ = png.Encode(&pic, img)
	weavyBlob(t, c, s, "pic.png", pic.Bytes())
	page := []byte("<html><script>alert(1)</script></html>")
	weavyBlob(t, c, s, `<b>page</b>.html`, page)
	var st struct {
		Objects []struct {
			Name   string `json:"name"`
			SHA256 string `json:"sha256"`
			Size   int64  `json:"size"`
		} `json:"objects"`
	}
	c.json("GET", "/__admin/state?session="+s.ID, nil, 200, &st)
	if len(st.Objects) != 2 {
		t.Fatalf("objects = %+v", st.Objects)
	}
	obj := func(o int, q string) response {
		return c.do("GET", fmt.Sprintf("/__admin/sessions/%s/object?name=%s%s", s.ID, url.QueryEscape(st.Objects[o].Name), q), nil)
	}
	sum := func(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }

	// The picture: previewed inline as what its bytes are.
	r := obj(0, "")
	if r.status != 200 || !bytes.Equal(r.body, pic.Bytes()) || r.header.Get("Content-Type") != "image/png" ||
		!strings.HasPrefix(r.header.Get("Content-Disposition"), "inline") || r.header.Get("X-Fileemu-Sha256") != sum(pic.Bytes()) {
		t.Errorf("the picture = %d %v", r.status, r.header)
	}
	if r := obj(0, "&download=true"); !strings.HasPrefix(r.header.Get("Content-Disposition"), "attachment") {
		t.Errorf("download=true: Content-Disposition %q", r.header.Get("Content-Disposition"))
	}
	// The page: never served as a page of the admin origin.
	r = obj(1, "")
	if r.status != 200 || !bytes.Equal(r.body, page) || r.header.Get("Content-Type") != "application/octet-stream" ||
		!strings.HasPrefix(r.header.Get("Content-Disposition"), "attachment") ||
		!strings.Contains(r.header.Get("Content-Security-Policy"), "sandbox") || r.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("the HTML upload = %d %v", r.status, r.header)
	}

	if r := c.do("GET", "/__admin/sessions/"+s.ID+"/object?name=nothing", nil); r.status != 404 || plainError(t, r.body) != "not_found" {
		t.Errorf("an unknown object = %d %s", r.status, r.body)
	}
	if r := c.do("GET", "/__admin/sessions/no-such-session/object?name=x", nil); r.status != 404 {
		t.Errorf("an unknown session = %d %s", r.status, r.body)
	}
	if r := c.do("GET", "/__admin/sessions/"+s.ID+"/object", nil); r.status != 422 || plainError(t, r.body) != "invalid_request" {
		t.Errorf("no name = %d %s", r.status, r.body)
	}
}

func TestDeactivateOneSessionScenario(t *testing.T) {
	emu := testkit.Start(t)
	c := newClient(t, emu)
	s := emu.Session(t)
	doc := "scenarios:\n" +
		"  - name: one\n    active: false\n    rules:\n      - match: {api: haufe}\n        respond: 503\n" +
		"  - name: two\n    active: false\n    rules:\n      - match: {api: desk}\n        respond: 503\n"
	if r := c.do("PUT", "/__admin/scenarios", []byte(doc), "Content-Type", "application/yaml"); r.status != 200 {
		t.Fatalf("put scenarios = %d %s", r.status, r.body)
	}
	c.json("POST", "/__admin/sessions/"+s.ID+"/scenarios", map[string]any{"names": []string{"one", "two"}}, 200, nil)
	var out struct {
		Active []string `json:"active"`
	}
	c.json("DELETE", "/__admin/sessions/"+s.ID+"/scenarios/one", nil, 200, &out)
	if !slices.Equal(out.Active, []string{"two"}) {
		t.Errorf("after turning one off: %v, want [two]", out.Active)
	}
	// one is off: Haufe answers again; two still holds Desk.
	if r := c.do("GET", s.URL("haufe")+"/v1/files/signed-url?filename=a.txt", nil, "api-key", "k", "user-id", user); r.status != 200 {
		t.Errorf("haufe after one went off = %d", r.status)
	}
	if r := c.do("POST", s.URL("desk")+"/files/ref.json", []byte(`{}`), "Authorization", "Bearer k", "Content-Type", "application/json"); r.status != 503 {
		t.Errorf("desk with two still on = %d", r.status)
	}
	c.json("DELETE", "/__admin/sessions/"+s.ID+"/scenarios/one", nil, 200, &out) // already off: no error
	if r := c.do("DELETE", "/__admin/sessions/no-such-session/scenarios/one", nil); r.status != 404 {
		t.Errorf("unknown session = %d", r.status)
	}
}
