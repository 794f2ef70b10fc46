package s3_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/fileemu/fileemu/emulator"
	"github.com/fileemu/fileemu/internal/formdata"
	"github.com/fileemu/fileemu/internal/s3"
)

// FuzzParsePolicy feeds arbitrary policy fields to ParsePolicy. It must never panic, its
// errors are 4xx S3 errors, and what it accepts encodes and parses back to the same
// conditions.
func FuzzParsePolicy(f *testing.F) {
	for _, doc := range []string{
		`{"conditions":[{"X-Amz-Algorithm":"AWS4-HMAC-SHA256"},{"bucket":"my-bucket"},["starts-with","$key","uploads/"],["content-length-range",1,1048576],{"success_action_status":"201"}],"expiration":"2026-11-22T11:56:29Z"}`,
		`{"expiration":"2026-11-22T11:56:29.000Z","conditions":[["eq","$acl","public-read"],["content-length-range","0","10"]]}`,
		`{"expiration":"2026-11-22T11:56:29Z","conditions":[{"bucket":"a","key":"b"}]}`,
		`{"expiration":null,"conditions":[[]]}`,
		`{"expiration":"2026-11-22T11:56:29Z","conditions":[["content-length-range",1e3,1.5]]}`,
	} {
		f.Add(base64.StdEncoding.EncodeToString([]byte(doc)))
	}
	f.Add("!!")
	f.Add("")
	f.Fuzz(func(t *testing.T, b64 string) {
		p, e := s3.ParsePolicy(b64)
		if e != nil {
			if e.Status < 400 || e.Status > 499 || e.Code == "" || e.Message == "" {
				t.Fatalf("error %d %q %q for %q", e.Status, e.Code, e.Message, b64)
			}
			return
		}
		again, e := s3.ParsePolicy(p.Encode())
		if e != nil {
			t.Fatalf("Encode of %+v does not parse: %v", p, e)
		}
		if len(again.Conditions) != len(p.Conditions) {
			t.Fatalf("round trip changed the conditions: %+v -> %+v", p.Conditions, again.Conditions)
		}
		for i := range p.Conditions {
			if again.Conditions[i] != p.Conditions[i] {
				t.Fatalf("round trip changed condition %d: %+v -> %+v", i, p.Conditions[i], again.Conditions[i])
			}
		}
	})
}

// FuzzPostForm sends arbitrary bodies (seeded with valid, signed forms) to the POST
// handler through the whole server. It must never answer 5xx nor panic, every answer must
// match the spec, a refused upload must not change the store, and an accepted one was a complete form.
func FuzzPostForm(f *testing.F) {
	srv, err := emulator.New(emulator.Config{MaxObjectSize: 1 << 20})
	if err != nil {
		f.Fatal(err)
	}
	const boundary = "fuzzboundary"
	seed := func(fields []field, content []byte) []byte {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		if err := w.SetBoundary(boundary); err != nil {
			f.Fatal(err)
		}
		for _, fl := range fields {
			if fl == fileAt {
				pw, _ := w.CreateFormFile("file", "a.txt")
				_, _ = pw.Write(content)
				continue
			}
			_ = w.WriteField(fl.name, fl.value)
		}
		_ = w.Close()
		return b.Bytes()
	}
	for _, fields := range []map[string]string{
		nil,
		{"success_action_status": "201"},
		{"success_action_redirect": "http://127.0.0.1:9/ok"},
		{"Content-Type": "image/png", "x-amz-meta-a": "b"},
	} {
		form, err := s3.PresignPost(creds, s3.PostOptions{URL: "http://example.test/s3/bucket", Bucket: "bucket",
			Key: "fuzz/${filename}", Expires: 24 * time.Hour, Now: time.Now(), Fields: fields,
			Conditions: []s3.Condition{{Op: "content-length-range", Min: 1, Max: 100}}})
		if err != nil {
			f.Fatal(err)
		}
		body := seed(sorted(form.Fields), []byte("fuzz content"))
		ct := "multipart/form-data; boundary=" + boundary
		f.Add(ct, body)
		f.Add(ct, body[:len(body)/2])
		f.Add(ct, seed(with(sorted(form.Fields), "x-amz-meta-extra", "1"), nil))
		f.Add("multipart/form-data", body)
	}
	f.Add("text/plain", []byte("file=x"))

	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/s3/bucket", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		objects, size := stored(t, srv, "default")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%d for %q %q:\n%s", rec.Code, contentType, body, rec.Body.Bytes())
		}
		check := httptest.NewRequest(http.MethodPost, "/s3/bucket", nil)
		if err := srv.ValidateResponse(context.Background(), check, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
			t.Fatalf("response breaks the spec: %v", err)
		}
		if n, b := stored(t, srv, "default"); rec.Code >= 400 && (n != objects || b != size) {
			t.Fatalf("refused with %d but the store changed: %s", rec.Code, rec.Body.Bytes())
		}
		if rec.Code < 300 {
			// An accepted form was complete: its body reads to the final delimiter.
			_, params, err := mime.ParseMediaType(contentType)
			if err != nil {
				t.Fatalf("%d for Content-Type %q: %v", rec.Code, contentType, err)
			}
			r := formdata.NewReader(bytes.NewReader(body), params["boundary"])
			for {
				p, err := r.NextPart()
				if errors.Is(err, io.EOF) {
					break
				}
				if err == nil {
					_, err = io.Copy(io.Discard, p)
				}
				if err != nil {
					t.Fatalf("%d for an incomplete form (%v): %q", rec.Code, err, body)
				}
			}
		}
		if objects > 1000 {
			adminCall(t, srv, http.MethodPost, "/reset", url.Values{"session": {"default"}}, nil) // keep long fuzzing runs small
		}
	})
}
