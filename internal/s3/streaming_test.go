package s3_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/fileemu/fileemu/testkit"
)

const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// signedStream is a PUT signed by the AWS SDK's own signer (the seed) whose body is framed as
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD chunks chained from that seed.
type signedStream struct {
	t      *testing.T
	url    string
	secret string
	now    time.Time
	hdr    map[string]string
}

func (s signedStream) request(chunks []string, tamper func(body string) string) *http.Request {
	s.t.Helper()
	decoded := 0
	framedLen := 0
	for _, c := range append(chunks, "") {
		decoded += len(c)
		framedLen += len(strconv.FormatInt(int64(len(c)), 16)) + len(";chunk-signature=") + 64 + 2 + len(c) + 2
	}
	req, err := http.NewRequest(http.MethodPut, s.url, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	req.ContentLength = int64(framedLen)
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(decoded))
	req.Header.Set("X-Amz-Content-Sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
	for k, v := range s.hdr {
		req.Header.Set(k, v)
	}
	err = v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).SignHTTP(context.Background(),
		aws.Credentials{AccessKeyID: "fileemu", SecretAccessKey: s.secret}, req, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "s3", "us-east-1", s.now)
	if err != nil {
		s.t.Fatal(err)
	}
	auth := req.Header.Get("Authorization")
	prev := auth[strings.LastIndex(auth, "Signature=")+len("Signature="):]
	date := s.now.UTC().Format("20060102T150405Z")
	scope := date[:8] + "/us-east-1/s3/aws4_request"
	key := hmacSHA256(hmacSHA256(hmacSHA256(hmacSHA256([]byte("AWS4"+s.secret), date[:8]), "us-east-1"), "s3"), "aws4_request")
	var b strings.Builder
	for _, c := range append(chunks, "") {
		sum := sha256.Sum256([]byte(c))
		prev = hex.EncodeToString(hmacSHA256(key, "AWS4-HMAC-SHA256-PAYLOAD\n"+date+"\n"+scope+"\n"+prev+"\n"+emptySHA256+"\n"+hex.EncodeToString(sum[:])))
		b.WriteString(strconv.FormatInt(int64(len(c)), 16) + ";chunk-signature=" + prev + "\r\n" + c + "\r\n")
	}
	body := b.String()
	if tamper != nil {
		body = tamper(body)
	}
	req.Body = io.NopCloser(strings.NewReader(body))
	return req
}

func TestSignedStreamingPut(t *testing.T) {
	f := setup(t)
	chunks := []string{strings.Repeat("a", 65536), strings.Repeat("b", 65536), "the end"}
	st := signedStream{t: t, url: f.s.URL("s3") + "/stream/dir/chunked.txt", secret: "fileemu-secret", now: time.Now(),
		hdr: map[string]string{"Content-Type": "text/plain", "x-amz-meta-via": "chunks"}}
	resp, b := testkit.Do(t, f.http, st.request(chunks, nil))
	if resp.StatusCode != 200 {
		t.Fatalf("signed aws-chunked PUT = %d %s", resp.StatusCode, b)
	}
	want := strings.Join(chunks, "")
	if got := f.object(t, "stream", "dir/chunked.txt"); got != want {
		t.Fatalf("stored %d bytes (framing kept?), want the %d decoded bytes", len(got), len(want))
	}

	// A changed byte in a chunk, or a changed chunk signature: 403, the object stays as it was.
	for name, tamper := range map[string]func(string) string{
		"data": func(s string) string { return strings.Replace(s, "bbbb", "bbbc", 1) },
		"signature": func(s string) string {
			i := strings.LastIndex(s, "chunk-signature=") + 20
			return s[:i] + "0000" + s[i+4:]
		},
	} {
		resp, b = testkit.Do(t, f.http, st.request([]string{strings.Repeat("a", 65536), strings.Repeat("b", 65536), "other"}, tamper))
		wantS3Error(t, resp, b, 403, "SignatureDoesNotMatch")
		if got := f.object(t, "stream", "dir/chunked.txt"); got != want {
			t.Errorf("tampered %s: the previous object changed", name)
		}
	}
	// A wrong secret fails on the seed signature already.
	bad := st
	bad.secret = "wrong"
	resp, b = testkit.Do(t, f.http, bad.request(chunks, nil))
	wantS3Error(t, resp, b, 403, "SignatureDoesNotMatch")
}

// In lenient mode a wrong chunk signature is logged, and the stored object is still the
// decoded payload, never the framing.
func TestSignedStreamingLenient(t *testing.T) {
	f := setup(t, testkit.WithS3Lenient())
	st := signedStream{t: t, url: f.s.URL("s3") + "/stream/lenient.txt", secret: "not-the-secret", now: time.Now()}
	resp, b := testkit.Do(t, f.http, st.request([]string{strings.Repeat("z", 9000), "tail"}, nil))
	if resp.StatusCode != 200 {
		t.Fatalf("lenient PUT = %d %s", resp.StatusCode, b)
	}
	if got := f.object(t, "stream", "lenient.txt"); got != strings.Repeat("z", 9000)+"tail" {
		t.Errorf("stored %d bytes, want the 9004 decoded ones", len(got))
	}
}

// Header-signed requests are checked as strictly as presigned ones.
func TestHeaderAuthErrors(t *testing.T) {
	clock := testkit.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	f := setup(t, testkit.WithClock(clock.Now))
	f.now = clock.Now
	sign := func(method, key, payloadHash string, body []byte, hdr map[string]string, at time.Time, unsigned map[string]string) *http.Request {
		t.Helper()
		req, err := http.NewRequest(method, f.s.URL("s3")+"/hdr/"+key, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if payloadHash != "" {
			req.Header.Set("X-Amz-Content-Sha256", payloadHash)
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		err = v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).SignHTTP(context.Background(),
			aws.Credentials{AccessKeyID: "fileemu", SecretAccessKey: "fileemu-secret"}, req, payloadHash, "s3", "us-east-1", at)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range unsigned {
			req.Header.Set(k, v)
		}
		return req
	}
	body := []byte("header signed")
	sum := sha256.Sum256(body)
	hexSum := hex.EncodeToString(sum[:])
	now := clock.Now()

	resp, b := testkit.Do(t, f.http, sign("PUT", "ok.txt", hexSum, body, nil, now, nil))
	if resp.StatusCode != 200 {
		t.Fatalf("hex-signed PUT = %d %s", resp.StatusCode, b)
	}
	otherSum := sha256.Sum256([]byte("something else"))
	cases := []struct {
		name   string
		req    *http.Request
		status int
		code   string
	}{
		{"payload hash mismatch", sign("PUT", "ok.txt", hex.EncodeToString(otherSum[:]), body, nil, now, nil), 400, "XAmzContentSHA256Mismatch"},
		{"no x-amz-content-sha256", sign("PUT", "ok.txt", "", body, nil, now, nil), 400, "InvalidRequest"},
		{"bogus x-amz-content-sha256", sign("PUT", "ok.txt", "SOMETHING", body, nil, now, nil), 400, "InvalidArgument"},
		{"clock skew", sign("PUT", "ok.txt", hexSum, body, nil, now.Add(-20*time.Minute), nil), 403, "RequestTimeTooSkewed"},
		{"unsigned x-amz header", sign("PUT", "ok.txt", hexSum, body, nil, now, map[string]string{"x-amz-meta-sneaky": "1"}), 403, "AccessDenied"},
		{"changed after signing", sign("PUT", "ok.txt", "UNSIGNED-PAYLOAD", body, map[string]string{"Content-Type": "text/plain"}, now,
			map[string]string{"Content-Type": "image/png"}), 403, "SignatureDoesNotMatch"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := testkit.Do(t, f.http, tc.req)
			wantS3Error(t, resp, b, tc.status, tc.code)
			if got := f.object(t, "hdr", "ok.txt"); got != string(body) {
				t.Errorf("the object changed to %q", got)
			}
		})
	}

	// A body of unknown length without x-amz-decoded-content-length: 501, as S3.
	req := sign("PUT", "te.txt", "UNSIGNED-PAYLOAD", nil, nil, now, nil)
	req.Body, req.ContentLength = io.NopCloser(io.MultiReader(strings.NewReader("chunked"))), -1
	resp, b = testkit.Do(t, f.http, req)
	wantS3Error(t, resp, b, 501, "NotImplemented")
	if !bytes.Contains(b, []byte("<Header>Transfer-Encoding</Header>")) {
		t.Errorf("501 without the Header element: %s", b)
	}
	// An operation S3 has and the emulator does not: 501 too.
	resp, b = testkit.Do(t, f.http, sign("GET", "ok.txt?tagging", emptySHA256, nil, nil, now, nil))
	wantS3Error(t, resp, b, 501, "NotImplemented")
}
