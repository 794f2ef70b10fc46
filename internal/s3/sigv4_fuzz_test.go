package s3

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

// FuzzVerify feeds arbitrary methods, paths, query strings and hosts to
// Verify. It must never panic, must only accept the untouched seed, and
// every error it returns must render as well-formed XML.
func FuzzVerify(f *testing.F) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for _, key := range testKeys {
		raw, err := Presign(testCreds, PresignOptions{Method: "PUT", URL: "http://127.0.0.1:8080/_s/t1/s3/bucket/" + key,
			Expires: time.Hour, Now: now, Headers: http.Header{"Content-Type": {"image/png"}}})
		if err != nil {
			f.Fatal(err)
		}
		u, err := url.Parse(raw)
		if err != nil {
			f.Fatal(err)
		}
		f.Add("PUT", u.EscapedPath(), u.RawQuery, u.Host, "image/png")
	}
	f.Add("GET", "/b/%zz", "X-Amz-Credential=a/b/c/d/e&X-Amz-Expires=-1", "", "")
	f.Add("GET", "", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-SignedHeaders=;;", "h:80", "\x00")

	f.Fuzz(func(t *testing.T, method, path, rawQuery, host, contentType string) {
		q, _ := url.ParseQuery(rawQuery) // keep what parses, as r.URL.Query() does
		req := SignedRequest{Method: method, Path: path, Query: q, Host: host,
			Header: http.Header{"Content-Type": {contentType}}, ContentLength: int64(len(path))}
		e := Verify(req, testCreds, now)
		if e == nil {
			// The fuzzer cannot forge a signature: whatever passes must be a
			// seed or a canonically equivalent spelling of one.
			if q.Get("X-Amz-Credential") != "fileemu/20261122/us-east-1/s3/aws4_request" {
				t.Fatalf("accepted a request not signed by us: %q %q %q", method, path, rawQuery)
			}
			return
		}
		if e.Status < 400 || e.Status > 499 {
			t.Fatalf("status %d for a client error: %v", e.Status, e)
		}
		rec := httptest.NewRecorder()
		e.Write(rec, "fuzz", false)
		parseErrorXML(t, rec.Body.Bytes())

		if once, twice := canonicalURI(path), canonicalURI(canonicalURI(path)); once != twice {
			t.Fatalf("canonicalURI not idempotent for %q: %q then %q", path, once, twice)
		}
	})
}

// The URLs Presign splits by hand come out as url.Parse splits them, and the rest is left to it.
func FuzzSplitPlainURL(f *testing.F) {
	for _, s := range []string{"http://127.0.0.1:8080/s3/b/k", "https://h/s3/b/a%20b/%E2%82%AC", "http://h:80/x", "http://[::1]:80/x",
		"http://h/k?x=1", "http://u@h/k", "http://h:x/k", "http://h/%zz", "http://h/a%2Fb", "http://h//k", "ftp://h/k"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, ok := splitPlainURL(raw)
		if !ok {
			return
		}
		want, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("split %q, url.Parse refuses it: %v", raw, err)
		}
		if u.Scheme != want.Scheme || u.Host != want.Host || u.Path != want.Path || u.EscapedPath() != want.EscapedPath() ||
			want.RawQuery != "" || want.User != nil || want.Fragment != "" || want.Opaque != "" {
			t.Fatalf("split %q into %#v; url.Parse: %#v", raw, u, want)
		}
	})
}
