package s3

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzVerifyHeader feeds AWS's signed streaming example with a fuzzed Authorization header,
// x-amz-date, x-amz-content-sha256 and one extra header to VerifyHeader. It must never panic,
// accept only the example's own signature over unchanged signed values, and answer every
// refusal with a 4xx S3 error that renders as well-formed XML.
func FuzzVerifyHeader(f *testing.F) {
	for _, v := range []streamingVector{vectorSigned, vectorTrailer} {
		r := v.request()
		f.Add(r.Header.Get("Authorization"), r.Header.Get("X-Amz-Date"), r.Header.Get("X-Amz-Content-Sha256"), "", "")
	}
	f.Add("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/2013052/us-east-1/s3/aws4_request,SignedHeaders=host,Signature=x", "2013", "UNSIGNED-PAYLOAD", "X-Amz-Meta-A", "b")
	f.Add("AWS4-HMAC-SHA256 Credential=,,,SignedHeaders=;;,Signature=", "", "", "Date", "Fri, 24 May 2013 00:00:00 GMT")
	f.Add("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host, Signature="+vectorSigned.seed, "20130524T000000Z", strings.Repeat("0", 64), "", "")
	f.Fuzz(func(t *testing.T, auth, amzDate, payload, extraName, extraValue string) {
		v := vectorSigned
		if strings.Contains(auth, "x-amz-trailer") {
			v = vectorTrailer
		}
		req := v.request()
		orig := req.Header.Clone()
		req.Header.Set("Authorization", auth)
		req.Header.Set("X-Amz-Date", amzDate)
		req.Header.Set("X-Amz-Content-Sha256", payload)
		if extraName != "" {
			req.Header.Set(extraName, extraValue)
		}
		sig, e := VerifyHeader(req, exampleCreds, exampleTime)
		if e != nil {
			if sig != nil {
				t.Fatal("a Signing with an error")
			}
			if e.Status < 400 || e.Status > 499 {
				t.Fatalf("status %d for a client error: %v", e.Status, e)
			}
			rec := httptest.NewRecorder()
			e.Write(rec, "fuzz", false)
			parseErrorXML(t, rec.Body.Bytes())
			return
		}
		// The fuzzer cannot forge a signature: what passes carries the example's own, over the
		// example's values of every header it signs.
		if sig.Seed != v.seed || !strings.Contains(auth, "Signature="+v.seed) {
			t.Fatalf("accepted a signature not ours: %q", auth)
		}
		for _, name := range strings.Split(v.signedHeaders, ";") {
			if name == "host" {
				continue
			}
			if got, want := canonicalHeaderValue(req.Header.Values(name)), canonicalHeaderValue(orig.Values(name)); got != want {
				t.Fatalf("accepted with signed header %s changed: %q, signed %q", name, got, want)
			}
		}
	})
}

// FuzzChecksum: an upload with an x-amz-checksum-* header reads through to io.EOF exactly when
// the header decodes to the content's checksum in that algorithm; a malformed value is refused
// before any byte is read, a wrong one fails the last read (so nothing is stored). A base64
// spelling with non-zero padding bits decodes to the same bytes and is accepted (whether S3
// accepts it is not documented).
func FuzzChecksum(f *testing.F) {
	for name, newHash := range checksumAlgorithms() {
		h := newHash()
		h.Write([]byte("hello"))
		f.Add(name, base64.StdEncoding.EncodeToString(h.Sum(nil)), []byte("hello"))
	}
	f.Add("crc32", "NhCmhg==", []byte("hello"))
	f.Add("crc32", "NhCmhh==", []byte("hello")) // the same bytes, with non-zero padding bits
	f.Add("sha256", "", []byte{})
	f.Add("md5", "XUFAKrxLKna5cZ2REBfFkg==", []byte("hello"))
	f.Fuzz(func(t *testing.T, algorithm, value string, content []byte) {
		h := http.Header{}
		h.Set("x-amz-checksum-"+algorithm, value)
		body, name, e := checkedBody(h, bytes.NewReader(content))
		newHash, known := checksumAlgorithms()[strings.ToLower(algorithm)]
		if !known || value == "" {
			if e != nil || body == nil || name != "" {
				t.Fatalf("no checksum header sent, got %q, %v", name, e)
			}
			return
		}
		hash := newHash()
		hash.Write(content)
		right := base64.StdEncoding.EncodeToString(hash.Sum(nil))
		if decoded, err := base64.StdEncoding.DecodeString(value); err == nil && bytes.Equal(decoded, hash.Sum(nil)) {
			value = right // a spelling of the right checksum
		}
		if e != nil {
			if e.Status != http.StatusBadRequest {
				t.Fatalf("status %d", e.Status)
			}
			if want, err := base64.StdEncoding.DecodeString(value); err == nil && len(want) == hash.Size() {
				t.Fatalf("well-formed %s value %q refused: %v", algorithm, value, e)
			}
			return
		}
		if name != strings.ToUpper(algorithm) {
			t.Fatalf("algorithm %q named %q", algorithm, name)
		}
		got, err := io.ReadAll(body)
		switch {
		case err == nil && value != right:
			t.Fatalf("%s %q accepted for content whose checksum is %q", algorithm, value, right)
		case err != nil && value == right:
			t.Fatalf("the right %s %q refused: %v", algorithm, value, err)
		case err != nil && !errors.Is(err, errChecksum):
			t.Fatalf("error %v, want errChecksum", err)
		case err == nil && !bytes.Equal(got, content):
			t.Fatal("content changed on the way")
		}
	})
}
