package s3_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/fileemu/fileemu/internal/s3"
	"github.com/fileemu/fileemu/testkit"
)

var creds = s3.Credentials{AccessKey: "fileemu", SecretKey: "fileemu-secret", Region: "us-east-1"}

// fixture is one session of an in-process emulator with a validating client.
type fixture struct {
	t    *testing.T
	emu  *testkit.Emulator
	s    *testkit.Session
	http *http.Client
	now  func() time.Time // the emulator's clock, for presigning
}

func setup(t *testing.T, opts ...testkit.Option) *fixture {
	emu := testkit.Start(t, opts...)
	return &fixture{t: t, emu: emu, s: emu.Session(t), http: emu.Client(t), now: time.Now}
}

// presign mints a URL for key in bucket "b" of the fixture's session.
func (f *fixture) presign(method, key string, hdr http.Header) string {
	f.t.Helper()
	u, err := s3.Presign(creds, s3.PresignOptions{Method: method, URL: s3.ObjectURL(f.s.URL(""), "bucket", key),
		Expires: time.Minute, Now: time.Now(), Headers: hdr})
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

func (f *fixture) do(method, u string, body io.Reader, hdr map[string]string) (*http.Response, []byte) {
	f.t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		f.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return testkit.Do(f.t, f.http, req)
}

func (f *fixture) objects() int { return len(f.s.State(f.t).Objects) }

func wantS3Error(t *testing.T, resp *http.Response, body []byte, status int, code string) {
	t.Helper()
	if resp.StatusCode != status || !bytes.Contains(body, []byte("<Code>"+code+"</Code>")) {
		t.Errorf("got %d %s, want %d %s", resp.StatusCode, body, status, code)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/xml" {
		t.Errorf("error Content-Type = %q", ct)
	}
}

func TestPutGetHeadRoundTrip(t *testing.T) {
	f := setup(t)
	content := []byte("hello fake s3, with ranges")
	// S3 refuses unsigned x-amz-* headers on a presigned URL: the metadata header is signed.
	resp, b := f.do("PUT", f.presign("PUT", "dir/a b+c.txt", http.Header{"x-amz-meta-owner": {"alice"}}), bytes.NewReader(content),
		map[string]string{"Content-Type": "text/plain", "x-amz-meta-owner": "alice"})
	if resp.StatusCode != 200 {
		t.Fatalf("PUT = %d %s", resp.StatusCode, b)
	}
	etag := fmt.Sprintf("%q", fmt.Sprintf("%x", md5.Sum(content)))
	if resp.Header.Get("ETag") != etag {
		t.Errorf("ETag = %s, want %s", resp.Header.Get("ETag"), etag)
	}
	get := f.presign("GET", "dir/a b+c.txt", nil)
	resp, b = f.do("GET", get, nil, nil)
	if resp.StatusCode != 200 || !bytes.Equal(b, content) || resp.Header.Get("Content-Type") != "text/plain" ||
		resp.Header.Get("ETag") != etag || resp.Header.Get("x-amz-meta-owner") != "alice" {
		t.Errorf("GET = %d %q %v", resp.StatusCode, b, resp.Header)
	}
	resp, b = f.do("GET", get, nil, map[string]string{"Range": "bytes=6-9"})
	if resp.StatusCode != 206 || string(b) != "fake" {
		t.Errorf("range GET = %d %q", resp.StatusCode, b)
	}
	resp, _ = f.do("GET", get, nil, map[string]string{"If-None-Match": etag})
	if resp.StatusCode != 304 {
		t.Errorf("conditional GET = %d, want 304", resp.StatusCode)
	}
	resp, b = f.do("HEAD", f.presign("HEAD", "dir/a b+c.txt", nil), nil, nil)
	if resp.StatusCode != 200 || len(b) != 0 || resp.ContentLength != int64(len(content)) {
		t.Errorf("HEAD = %d len %d body %q", resp.StatusCode, resp.ContentLength, b)
	}
	resp, b = f.do("GET", f.presign("GET", "missing.txt", nil), nil, nil)
	wantS3Error(t, resp, b, 404, "NoSuchKey")
	resp, _ = f.do("HEAD", f.presign("HEAD", "missing.txt", nil), nil, nil)
	if resp.StatusCode != 404 {
		t.Errorf("HEAD missing = %d", resp.StatusCode)
	}
}

func TestRefusedUploadsStoreNothing(t *testing.T) {
	f := setup(t, testkit.WithMaxObjectSize(1<<20))
	big := bytes.Repeat([]byte("x"), 1<<20+1)
	sum := md5.Sum([]byte("other"))
	cases := []struct {
		name   string
		url    string
		body   io.Reader
		hdr    map[string]string
		status int
		code   string
	}{
		{"no signature", f.s.URL("s3") + "/bucket/k", strings.NewReader("x"), nil, 403, "AccessDenied"},
		{"too large, declared", f.presign("PUT", "k", nil), bytes.NewReader(big), nil, 400, "EntityTooLarge"},
		// io.MultiReader hides the length, so the client streams it chunked: S3 takes a body of
		// unknown length only as aws-chunked with x-amz-decoded-content-length.
		{"streamed without length", f.presign("PUT", "k", nil), io.MultiReader(bytes.NewReader(big)), nil, 501, "NotImplemented"},
		{"bad Content-MD5", f.presign("PUT", "k", nil), strings.NewReader("content"),
			map[string]string{"Content-MD5": base64.StdEncoding.EncodeToString(sum[:])}, 400, "BadDigest"},
		{"invalid Content-MD5", f.presign("PUT", "k", nil), strings.NewReader("content"),
			map[string]string{"Content-MD5": "nope"}, 400, "InvalidDigest"},
		{"unsigned content-type differs", f.presign("PUT", "k", http.Header{"Content-Type": {"image/png"}}),
			strings.NewReader("content"), map[string]string{"Content-Type": "text/plain"}, 403, "SignatureDoesNotMatch"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := f.do("PUT", tc.url, tc.body, tc.hdr)
			wantS3Error(t, resp, b, tc.status, tc.code)
			if n := f.objects(); n != 0 {
				t.Errorf("%d objects stored, want none", n)
			}
		})
	}
	good := md5.Sum([]byte("content"))
	resp, b := f.do("PUT", f.presign("PUT", "k", http.Header{"Content-Type": {"image/png"}}), strings.NewReader("content"),
		map[string]string{"Content-Type": "image/png", "Content-MD5": base64.StdEncoding.EncodeToString(good[:])})
	if resp.StatusCode != 200 {
		t.Errorf("signed content-type with right MD5 = %d %s", resp.StatusCode, b)
	}
	// A failed overwrite keeps the previous object.
	f.do("PUT", f.presign("PUT", "k", nil), bytes.NewReader(big), nil)
	if st := f.s.State(t); len(st.Objects) != 1 || st.Objects[0].Size != int64(len("content")) {
		t.Errorf("after a refused overwrite: %+v", st.Objects)
	}
	resp, b = f.do("PATCH", f.presign("PATCH", "k", nil), nil, nil)
	wantS3Error(t, resp, b, 405, "MethodNotAllowed")
	// A presigned DELETE works.
	resp, b = f.do("DELETE", f.presign("DELETE", "k", nil), nil, nil)
	if resp.StatusCode != 204 || f.objects() != 0 {
		t.Errorf("presigned DELETE = %d %s, %d objects left", resp.StatusCode, b, f.objects())
	}
}

// A client that dies mid-upload leaves nothing behind.
func TestTruncatedUploadStoresNothing(t *testing.T) {
	f := setup(t)
	u, _ := url.Parse(f.presign("PUT", "cut.bin", nil))
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "PUT %s HTTP/1.1\r\nHost: %s\r\nContent-Length: 1000\r\n\r\n%s", u.RequestURI(), u.Host, strings.Repeat("y", 100))
	conn.(*net.TCPConn).CloseWrite()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("truncated upload answered %d, want 400 IncompleteBody", resp.StatusCode)
		}
	}
	conn.Close()
	if n := f.objects(); n != 0 {
		t.Errorf("%d objects stored after a truncated upload", n)
	}
	f.s.AssertCalled(t, "putObject", 1)
}

func TestLenientModeAcceptsUnsignedRequests(t *testing.T) {
	f := setup(t, testkit.WithS3Lenient())
	resp, b := f.do("PUT", f.s.URL("s3")+"/bucket/free.txt", strings.NewReader("x"), nil)
	if resp.StatusCode != 200 {
		t.Errorf("lenient unsigned PUT = %d %s", resp.StatusCode, b)
	}
}

func TestBrowserCORS(t *testing.T) {
	f := setup(t)
	u := f.presign("PUT", "up.png", nil)
	resp, _ := f.do("OPTIONS", u, nil, map[string]string{"Origin": "http://localhost:5173",
		"Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "content-type"})
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "http://localhost:5173" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "PUT") ||
		resp.Header.Get("Access-Control-Allow-Headers") != "content-type" {
		t.Errorf("preflight = %d %v", resp.StatusCode, resp.Header)
	}
	resp, _ = f.do("PUT", u, strings.NewReader("png"), map[string]string{"Origin": "http://localhost:5173", "Content-Type": "image/png"})
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "http://localhost:5173" ||
		!strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "ETag") {
		t.Errorf("actual PUT = %d %v", resp.StatusCode, resp.Header)
	}
}

// The AWS SDK's own presigner, pointed at a session's S3 base URL, works end to end.
func TestAWSSDKPresignedURLsThroughSession(t *testing.T) {
	f := setup(t)
	client := awss3.New(awss3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(f.s.URL("s3")),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider("fileemu", "fileemu-secret", ""),
	})
	pc := awss3.NewPresignClient(client)
	ctx := context.Background()
	put, err := pc.PresignPutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("sdk-bucket"), Key: aws.String("ünï/cödé 1.bin"),
		ContentType: aws.String("application/octet-stream")})
	if err != nil {
		t.Fatal(err)
	}
	resp, b := f.do(put.Method, put.URL, strings.NewReader("sdk bytes"), map[string]string{"Content-Type": "application/octet-stream"})
	if resp.StatusCode != 200 {
		t.Fatalf("SDK presigned PUT = %d %s", resp.StatusCode, b)
	}
	get, err := pc.PresignGetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("sdk-bucket"), Key: aws.String("ünï/cödé 1.bin")})
	if err != nil {
		t.Fatal(err)
	}
	resp, b = f.do("GET", get.URL, nil, nil)
	if resp.StatusCode != 200 || string(b) != "sdk bytes" {
		t.Errorf("SDK presigned GET = %d %q", resp.StatusCode, b)
	}
	tampered := strings.Replace(get.URL, "sdk-bucket", "other-bucket", 1)
	resp, b = f.do("GET", tampered, nil, nil)
	wantS3Error(t, resp, b, 403, "SignatureDoesNotMatch")
}

// A presigned GET's response-* parameters set the response headers, as on S3.
func TestGetResponseOverrides(t *testing.T) {
	f := setup(t)
	f.do("PUT", f.presign("PUT", "report.bin", nil), strings.NewReader("bytes"), nil)
	client := awss3.NewPresignClient(awss3.New(awss3.Options{Region: "us-east-1", BaseEndpoint: aws.String(f.s.URL("s3")),
		UsePathStyle: true, Credentials: credentials.NewStaticCredentialsProvider("fileemu", "fileemu-secret", "")}))
	get, err := client.PresignGetObject(context.Background(), &awss3.GetObjectInput{Bucket: aws.String("bucket"), Key: aws.String("report.bin"),
		ResponseContentType: aws.String("application/pdf"), ResponseContentDisposition: aws.String(`attachment; filename="r.pdf"`)})
	if err != nil {
		t.Fatal(err)
	}
	resp, b := f.do("GET", get.URL, nil, nil)
	if resp.StatusCode != 200 || string(b) != "bytes" || resp.Header.Get("Content-Type") != "application/pdf" ||
		resp.Header.Get("Content-Disposition") != `attachment; filename="r.pdf"` {
		t.Errorf("= %d %v", resp.StatusCode, resp.Header)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); csp != "" {
		t.Errorf("a PDF is served with Content-Security-Policy %q: a browser's PDF viewer does not run sandboxed", csp)
	}
	// The same object asked for as HTML runs sandboxed: the emulator's origin is the dashboard's.
	html, err := client.PresignGetObject(context.Background(), &awss3.GetObjectInput{Bucket: aws.String("bucket"), Key: aws.String("report.bin"),
		ResponseContentType: aws.String("text/html; charset=utf-8")})
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := f.do("GET", html.URL, nil, nil); resp.StatusCode != 200 || resp.Header.Get("Content-Security-Policy") != "sandbox" {
		t.Errorf("as HTML = %d, Content-Security-Policy %q, want sandbox", resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
	}
}

// URLs are signed for the public host the emulator hands out; behind a proxy that keeps its
// own Host, the request still verifies.
func TestPresignedURLBehindAProxy(t *testing.T) {
	f := setup(t)
	r, _ := http.NewRequest("GET", f.s.URL("haufe")+"/v1/files/signed-url?filename=p.txt", nil)
	r.Header.Set("api-key", "k")
	r.Header.Set("user-id", "u")
	r.Header.Set("X-Forwarded-Host", "files.example.test")
	_, b := testkit.Do(t, f.http, r)
	var su struct {
		FileURL string `json:"file_url"`
	}
	if err := json.Unmarshal(b, &su); err != nil || !strings.HasPrefix(su.FileURL, "http://files.example.test/") {
		t.Fatalf("file_url = %s", b)
	}
	u, _ := url.Parse(su.FileURL)
	// The proxy sends its upstream Host and passes the public host as X-Forwarded-Host.
	if resp, b := f.do("PUT", f.emu.URL+u.RequestURI(), strings.NewReader("via proxy"),
		map[string]string{"X-Forwarded-Host": "files.example.test"}); resp.StatusCode != 200 {
		t.Errorf("PUT through the proxy = %d %s", resp.StatusCode, b)
	}
}

// x-amz-checksum-* headers are verified while streaming, as S3 does: a mismatch is BadDigest
// and stores nothing; a match is echoed.
func TestPutVerifiesChecksumHeaders(t *testing.T) {
	f := setup(t)
	content := []byte("hello world")
	sum := sha256.Sum256(content)
	crc := crc32.ChecksumIEEE(content)
	crcBytes := []byte{byte(crc >> 24), byte(crc >> 16), byte(crc >> 8), byte(crc)}
	good := map[string]string{
		"x-amz-checksum-sha256": base64.StdEncoding.EncodeToString(sum[:]),
		"x-amz-checksum-crc32":  base64.StdEncoding.EncodeToString(crcBytes),
	}
	for header, value := range good {
		resp, b := f.do("PUT", f.presign("PUT", "ok-"+header, http.Header{header: {value}}), bytes.NewReader(content), map[string]string{header: value})
		if resp.StatusCode != 200 || resp.Header.Get(header) != value {
			t.Errorf("%s correct = %d %s %v", header, resp.StatusCode, b, resp.Header)
		}
	}
	resp, b := f.do("PUT", f.presign("PUT", "bad.txt", http.Header{"x-amz-checksum-crc32": {"AAAAAA=="}}), bytes.NewReader(content), map[string]string{"x-amz-checksum-crc32": "AAAAAA=="})
	wantS3Error(t, resp, b, 400, "BadDigest")
	resp, b = f.do("PUT", f.presign("PUT", "bad.txt", http.Header{"x-amz-checksum-sha256": {"not base64!"}}), bytes.NewReader(content), map[string]string{"x-amz-checksum-sha256": "not base64!"})
	wantS3Error(t, resp, b, 400, "InvalidRequest")
	for _, o := range f.s.State(t).Objects {
		if strings.HasSuffix(o.Name, "bad.txt") {
			t.Errorf("a refused upload was stored: %+v", o)
		}
	}
	// The same header, not signed: refused before anything is read.
	resp, b = f.do("PUT", f.presign("PUT", "unsigned.txt", nil), bytes.NewReader(content), good)
	wantS3Error(t, resp, b, 403, "AccessDenied")
	if !bytes.Contains(b, []byte("<HeadersNotSigned>x-amz-checksum-crc32,x-amz-checksum-sha256</HeadersNotSigned>")) {
		t.Errorf("HeadersNotSigned missing: %s", b)
	}
}

// object returns the stored content of bucket/key in the fixture's session ("" if none).
func (f *fixture) object(t *testing.T, bucket, key string) string {
	t.Helper()
	u, err := s3.Presign(creds, s3.PresignOptions{Method: "GET", URL: s3.ObjectURL(f.s.URL(""), bucket, key),
		Expires: time.Minute, Now: f.now()})
	if err != nil {
		t.Fatal(err)
	}
	resp, b := f.do("GET", u, nil, nil)
	if resp.StatusCode != 200 {
		return ""
	}
	return string(b)
}
