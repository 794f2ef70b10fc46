package api

import (
	"context"
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

func TestBasicCredentials(t *testing.T) {
	basic := &openapi3.SecurityScheme{Type: "http", Scheme: "basic"}
	req := func(set func(*http.Request)) *http.Request {
		r, err := http.NewRequest(http.MethodGet, "http://x/", nil)
		if err != nil {
			t.Fatal(err)
		}
		set(r)
		return r
	}
	cases := []struct {
		name    string
		set     func(*http.Request)
		tokens  []string
		ok      bool
		keyedBy string // what Credential reports
	}{
		{"any key, any password", func(r *http.Request) { r.SetBasicAuth("k", "X") }, nil, true, "k"},
		{"listed key, empty password", func(r *http.Request) { r.SetBasicAuth("k1", "") }, []string{"k1"}, true, "k1"},
		{"unlisted key", func(r *http.Request) { r.SetBasicAuth("k2", "k1") }, []string{"k1"}, false, "k2"},
		{"no user name", func(r *http.Request) { r.SetBasicAuth("", "k1") }, nil, false, ""},
		{"a bearer token", func(r *http.Request) { r.Header.Set("Authorization", "Bearer k1") }, nil, false, "k1"},
		{"nothing", func(*http.Request) {}, nil, false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := req(tc.set)
			err := TokenAuth(tc.tokens)(context.Background(), "Basic", basic, r)
			if (err == nil) != tc.ok {
				t.Errorf("TokenAuth = %v, want ok %v", err, tc.ok)
			}
			if got := Credential(r); got != tc.keyedBy {
				t.Errorf("Credential = %q, want %q", got, tc.keyedBy)
			}
		})
	}
}
