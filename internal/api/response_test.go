package api

import (
	"errors"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The journal records an entry from the Before hook: it must run once, with the status the
// client gets, whichever way the status is sent.
func TestResponseRunsBeforeOnceWithTheStatusSent(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write func(r *Request) error
		want  int
	}{
		{"WriteHeader twice", func(r *Request) error { r.Response().WriteHeader(201); r.Response().WriteHeader(500); return nil }, 201},
		{"Write alone", func(r *Request) error { _, err := r.Response().Write([]byte("x")); return err }, 200},
		{"Blob", func(r *Request) error { return r.Blob(409, "text/plain", []byte("x")) }, 409},
		{"Stream", func(r *Request) error { return r.Stream(206, "text/plain", strings.NewReader("x")) }, 206},
		{"NoContent then Blob", func(r *Request) error { _ = r.NoContent(204); _ = r.Blob(500, "text/plain", []byte("x")); return nil }, 204},
		{"Redirect", func(r *Request) error { return r.Redirect(302, "https://example.test/x") }, 302},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			req := NewRequest(rec, httptest.NewRequest("GET", "/", nil))
			var seen []int
			req.Response().Before(func() { seen = append(seen, req.Response().Status) })
			if err := tc.write(req); err != nil {
				t.Fatal(err)
			}
			if len(seen) != 1 || seen[0] != tc.want || rec.Code != tc.want || !req.Response().Committed {
				t.Errorf("Before saw %v, recorder %d, committed %v; want once %d", seen, rec.Code, req.Response().Committed, tc.want)
			}
		})
	}
}

func TestRequestHelpers(t *testing.T) {
	rec := httptest.NewRecorder()
	req := NewRequest(rec, httptest.NewRequest("GET", "/x?a=1&a=2&b=%20c", nil))
	if req.QueryParam("a") != "1" || req.QueryParam("b") != " c" || req.QueryParam("z") != "" || len(req.QueryParams()["a"]) != 2 {
		t.Errorf("query: a=%q b=%q params=%v", req.QueryParam("a"), req.QueryParam("b"), req.QueryParams())
	}
	if req.Get("k") != nil {
		t.Error("Get of an unset key is not nil")
	}
	req.Set("k", int64(7))
	if v, ok := req.Get("k").(int64); !ok || v != 7 {
		t.Errorf("Get after Set = %v", req.Get("k"))
	}
	if err := req.Redirect(http.StatusOK, "/y"); err == nil || req.Response().Committed {
		t.Error("Redirect with 200 was sent")
	}
	// A Content-Type set by the handler wins over the one Blob is given.
	req.Response().Header().Set("Content-Type", "application/problem+json")
	if err := req.WriteJSON(400, "", map[string]string{"u": "a&b"}); err != nil {
		t.Fatal(err)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" || rec.Body.String() != `{"u":"a&b"}` {
		t.Errorf("= %s %s", ct, rec.Body)
	}
}

// The journal keeps the bodies worth showing: not 2xx, or JSON/XML that is not stored content;
// at most the bound, and says when it cut.
func TestResponseCapturesOnlyWhatIsWorthShowing(t *testing.T) {
	for _, tc := range []struct {
		name    string
		write   func(r *Request) error
		want    string
		wantCut bool
	}{
		{"error text", func(r *Request) error { return r.Blob(404, "text/plain", []byte("not here")) }, "not here", false},
		{"json 200", func(r *Request) error { return r.Blob(200, "application/json", []byte(`{"a":1}`)) }, `{"a":1}`, false},
		{"xml 200", func(r *Request) error { return r.Blob(200, "application/xml; charset=utf-8", []byte("<a/>")) }, "<a/>", false},
		{"problem+json", func(r *Request) error { return r.Blob(200, "application/problem+json", []byte("{}")) }, "{}", false},
		{"binary 200", func(r *Request) error { return r.Blob(200, "image/png", []byte("\x89PNG")) }, "", false},
		{"stored content", func(r *Request) error { return r.Stream(200, "application/json", strings.NewReader(`{"stored":1}`)) }, "", false},
		{"stored content refused", func(r *Request) error {
			r.Response().Content()
			return r.Blob(416, "application/xml", []byte("<Error/>"))
		}, "<Error/>", false},
		{"cut", func(r *Request) error { return r.Blob(500, "text/plain", []byte("0123456789abcdef")) }, "0123456789", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			r := NewRequest(rec, httptest.NewRequest("GET", "/", nil))
			r.Response().Capture(10)
			if err := tc.write(r); err != nil {
				t.Fatal(err)
			}
			got, cut := r.Response().Captured()
			if string(got) != tc.want || cut != tc.wantCut {
				t.Errorf("captured %q (cut %v), want %q (cut %v)", got, cut, tc.want, tc.wantCut)
			}
			if rec.Body.Len() != int(r.Response().Written) {
				t.Errorf("Written = %d, sent %d", r.Response().Written, rec.Body.Len())
			}
		})
	}
}

// mediaType reads a Content-Type as mime.ParseMediaType does.
func FuzzMediaType(f *testing.F) {
	for _, s := range []string{"application/json", "Application/JSON", "application/json; charset=utf-8", "application/xml;a=b;a=c",
		"x y+json", "application/json, text/plain", "", "text", "a/b/c", "a/b\x00", "ü/x", " a/b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _, err := mime.ParseMediaType(s)
		if err != nil && !errors.Is(err, mime.ErrInvalidMediaParameter) {
			want = ""
		}
		if got := mediaType(s); got != want {
			t.Fatalf("mediaType(%q) = %q, mime.ParseMediaType: %q (%v)", s, got, want, err)
		}
	})
}
