package api

import (
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
			req := NewRequest(NewResponse(rec), httptest.NewRequest("GET", "/", nil))
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
	req := NewRequest(NewResponse(rec), httptest.NewRequest("GET", "/x?a=1&a=2&b=%20c", nil))
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
