package s3

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/encoding/httpbinding"
)

// The AWS SDK for Go v2 is the independent oracle in these tests: URLs it
// presigns must be accepted, tampered ones refused, and our Presign must
// produce the signature its v4 signer produces.

var testCreds = Credentials{AccessKey: "fileemu", SecretKey: "fileemu-secret", Region: "us-east-1"}

// testKeys are object keys that exercise path canonicalisation: spaces,
// '+', '~', parentheses, non-ASCII, and characters that mean something in a
// query string.
var testKeys = []string{"plain.txt", "dir/a b+c~d(1).txt", "ünï/cödé.bin", "x=y&z.txt"}

// newVerifyServer serves every path by verifying its SigV4 query auth at the
// current time: 200 "ok" when authentic, the S3 error otherwise.
func newVerifyServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := Verify(signedRequestFrom(r), testCreds, time.Now()); err != nil {
			err.Write(w, "test-request", r.Method == http.MethodHead)
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv
}

func signedRequestFrom(r *http.Request) SignedRequest {
	return SignedRequest{
		Method:        r.Method,
		Path:          r.URL.EscapedPath(),
		Query:         r.URL.Query(),
		Host:          r.Host,
		Header:        r.Header,
		ContentLength: r.ContentLength,
	}
}

func sdkPresigner(baseURL, accessKey, region string) *awss3.PresignClient {
	return awss3.NewPresignClient(awss3.New(awss3.Options{
		Region:       region,
		BaseEndpoint: aws.String(baseURL),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, "fileemu-secret", ""),
	}))
}

// sdkPresign presigns method ("PUT", "GET", "HEAD") for bucket/key with the
// SDK's presign client.
func sdkPresign(t *testing.T, c *awss3.PresignClient, method, bucket, key string, opts ...func(*awss3.PutObjectInput)) *v4.PresignedHTTPRequest {
	t.Helper()
	ctx := context.Background()
	expires := awss3.WithPresignExpires(15 * time.Minute)
	var (
		req *v4.PresignedHTTPRequest
		err error
	)
	switch method {
	case http.MethodPut:
		in := &awss3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
		for _, o := range opts {
			o(in)
		}
		req, err = c.PresignPutObject(ctx, in, expires)
	case http.MethodGet:
		req, err = c.PresignGetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}, expires)
	case http.MethodHead:
		req, err = c.PresignHeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}, expires)
	default:
		t.Fatalf("unsupported method %s", method)
	}
	if err != nil {
		t.Fatalf("SDK presign %s %s/%s: %v", method, bucket, key, err)
	}
	return req
}

// send makes an HTTP request; host, when set, overrides the Host header.
func send(t *testing.T, method, rawURL string, header http.Header, host string, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		if !strings.EqualFold(k, "Host") && !strings.EqualFold(k, "Content-Length") {
			req.Header[k] = v
		}
	}
	if host != "" {
		req.Host = host
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// parseErrorXML decodes an S3 error body into its elements, in order.
func parseErrorXML(t testing.TB, body []byte) []Field {
	t.Helper()
	var doc struct {
		XMLName xml.Name
		Items   []struct {
			XMLName xml.Name
			Value   string `xml:",chardata"`
		} `xml:",any"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("error body is not XML: %v\n%s", err, body)
	}
	if doc.XMLName.Local != "Error" {
		t.Fatalf("root element %q, want Error", doc.XMLName.Local)
	}
	fields := make([]Field, len(doc.Items))
	for i, it := range doc.Items {
		fields[i] = Field{it.XMLName.Local, it.Value}
	}
	return fields
}

func fieldMap(fields []Field) map[string]string {
	m := make(map[string]string, len(fields))
	for _, f := range fields {
		m[f.Name] = f.Value
	}
	return m
}

// wantError checks an HTTP error response's status and code and returns its
// elements.
func wantError(t *testing.T, status int, body []byte, wantStatus int, wantCode string) map[string]string {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("status %d, want %d; body:\n%s", status, wantStatus, body)
	}
	m := fieldMap(parseErrorXML(t, body))
	if m["Code"] != wantCode {
		t.Fatalf("code %q, want %q; body:\n%s", m["Code"], wantCode, body)
	}
	return m
}

func withContentType(ct string) func(*awss3.PutObjectInput) {
	return func(in *awss3.PutObjectInput) { in.ContentType = aws.String(ct) }
}

func TestVerifyAcceptsSDKPresignedURLs(t *testing.T) {
	srv := newVerifyServer(t)
	c := sdkPresigner(srv.URL, "fileemu", "us-east-1")
	for _, method := range []string{http.MethodPut, http.MethodGet, http.MethodHead} {
		for _, key := range testKeys {
			t.Run(method+" "+key, func(t *testing.T) {
				p := sdkPresign(t, c, method, "bucket", key)
				body := ""
				if method == http.MethodPut {
					body = "hello"
				}
				status, b := send(t, p.Method, p.URL, p.SignedHeader, "", body)
				if status != http.StatusOK {
					t.Fatalf("status %d for %s\n%s", status, p.URL, b)
				}
			})
		}
	}
}

func TestVerifySDKSignedContentType(t *testing.T) {
	srv := newVerifyServer(t)
	c := sdkPresigner(srv.URL, "fileemu", "us-east-1")
	for _, key := range testKeys {
		t.Run(key, func(t *testing.T) {
			p := sdkPresign(t, c, http.MethodPut, "bucket", key, withContentType("image/png"))
			if got := p.SignedHeader.Get("Content-Type"); got != "image/png" {
				t.Fatalf("SDK did not sign content-type: %v", p.SignedHeader)
			}
			if status, b := send(t, http.MethodPut, p.URL, http.Header{"Content-Type": {"image/png"}}, "", "png"); status != http.StatusOK {
				t.Fatalf("matching content-type refused: %d\n%s", status, b)
			}
			status, b := send(t, http.MethodPut, p.URL, http.Header{"Content-Type": {"text/plain"}}, "", "png")
			m := wantError(t, status, b, http.StatusForbidden, "SignatureDoesNotMatch")
			if !strings.HasPrefix(m["StringToSign"], "AWS4-HMAC-SHA256\n") {
				t.Errorf("StringToSign = %q", m["StringToSign"])
			}
			if !strings.Contains(m["CanonicalRequest"], "\ncontent-type:text/plain\n") {
				t.Errorf("CanonicalRequest lacks the content-type sent:\n%s", m["CanonicalRequest"])
			}
			if m["SignatureProvided"] != mustParseURL(t, p.URL).Query().Get("X-Amz-Signature") {
				t.Errorf("SignatureProvided = %q", m["SignatureProvided"])
			}
			status, b = send(t, http.MethodPut, p.URL, nil, "", "png")
			wantError(t, status, b, http.StatusForbidden, "SignatureDoesNotMatch")
		})
	}
}

func TestVerifySDKSignedContentLength(t *testing.T) {
	srv := newVerifyServer(t)
	c := sdkPresigner(srv.URL, "fileemu", "us-east-1")
	p := sdkPresign(t, c, http.MethodPut, "bucket", "len.txt", func(in *awss3.PutObjectInput) {
		in.ContentLength = aws.Int64(5)
	})
	if !strings.Contains(p.URL, "content-length%3Bhost") {
		t.Fatalf("SDK did not sign content-length: %s", p.URL)
	}
	if status, b := send(t, http.MethodPut, p.URL, nil, "", "12345"); status != http.StatusOK {
		t.Fatalf("right length refused: %d\n%s", status, b)
	}
	status, b := send(t, http.MethodPut, p.URL, nil, "", "123456")
	wantError(t, status, b, http.StatusForbidden, "SignatureDoesNotMatch")
}

func mustParseURL(t testing.TB, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestVerifyRefusesTamperedSDKURLs(t *testing.T) {
	srv := newVerifyServer(t)
	c := sdkPresigner(srv.URL, "fileemu", "us-east-1")
	srvURL := mustParseURL(t, srv.URL)

	setQuery := func(name, value string) func(*url.URL) {
		return func(u *url.URL) {
			q := u.Query()
			q.Set(name, value)
			u.RawQuery = q.Encode()
		}
	}
	cases := []struct {
		name   string
		method string // request method; empty = the presigned one
		host   string // Host header; empty = the real one
		modify func(*url.URL)
	}{
		{name: "key changed", modify: func(u *url.URL) { u.RawPath, u.Path = "", "/bucket/plain2.txt" }},
		{name: "bucket changed", modify: func(u *url.URL) { u.RawPath, u.Path = "", "/other/plain.txt" }},
		{name: "expires changed", modify: setQuery("X-Amz-Expires", "901")},
		{name: "date changed", modify: func(u *url.URL) {
			d, err := time.Parse(amzDateFormat, u.Query().Get("X-Amz-Date"))
			if err != nil {
				t.Fatal(err)
			}
			// Stay on the same day so the credential date still matches
			// and only the signature can catch it.
			if d.Second() > 0 {
				d = d.Add(-time.Second)
			} else {
				d = d.Add(time.Second)
			}
			setQuery("X-Amz-Date", d.Format(amzDateFormat))(u)
		}},
		{name: "signature changed", modify: func(u *url.URL) {
			sig := []byte(u.Query().Get("X-Amz-Signature"))
			if sig[len(sig)-1] == '0' {
				sig[len(sig)-1] = '1'
			} else {
				sig[len(sig)-1] = '0'
			}
			setQuery("X-Amz-Signature", string(sig))(u)
		}},
		{name: "signature zeroed", modify: setQuery("X-Amz-Signature", strings.Repeat("0", 64))},
		{name: "signed headers changed", modify: setQuery("X-Amz-SignedHeaders", "content-type;host")},
		{name: "extra query parameter", modify: func(u *url.URL) { u.RawQuery += "&foo=bar" }},
		{name: "x-id removed", modify: func(u *url.URL) {
			q := u.Query()
			q.Del("x-id")
			u.RawQuery = q.Encode()
		}},
		{name: "method changed", method: http.MethodGet},
		{name: "host changed", host: "localhost:" + srvURL.Port()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := sdkPresign(t, c, http.MethodPut, "bucket", "plain.txt")
			u := mustParseURL(t, p.URL)
			if tc.modify != nil {
				tc.modify(u)
			}
			method := p.Method
			if tc.method != "" {
				method = tc.method
			}
			status, b := send(t, method, u.String(), p.SignedHeader, tc.host, "")
			wantError(t, status, b, http.StatusForbidden, "SignatureDoesNotMatch")
		})
	}
}

// sdkSignedRequest turns an SDK presigned request into the SignedRequest a
// server would see, for calling Verify directly at chosen times.
func sdkSignedRequest(t *testing.T, p *v4.PresignedHTTPRequest) (SignedRequest, time.Time) {
	t.Helper()
	u := mustParseURL(t, p.URL)
	date, err := time.Parse(amzDateFormat, u.Query().Get("X-Amz-Date"))
	if err != nil {
		t.Fatal(err)
	}
	h := p.SignedHeader.Clone()
	h.Del("Host")
	return SignedRequest{Method: p.Method, Path: u.EscapedPath(), Query: u.Query(), Host: u.Host, Header: h, ContentLength: -1}, date
}

func TestVerifyExpiry(t *testing.T) {
	c := sdkPresigner("http://127.0.0.1:9000", "fileemu", "us-east-1")
	p, err := c.PresignPutObject(context.Background(),
		&awss3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String("a.txt")},
		awss3.WithPresignExpires(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	req, date := sdkSignedRequest(t, p)

	if err := Verify(req, testCreds, date.Add(time.Second)); err != nil {
		t.Fatalf("at the last valid second: %v", err)
	}
	now := date.Add(2 * time.Second)
	e := Verify(req, testCreds, now)
	if e == nil || e.Status != http.StatusForbidden || e.Code != "AccessDenied" || e.Message != "Request has expired" {
		t.Fatalf("expired: got %v", e)
	}
	want := []Field{
		{"X-Amz-Expires", "1"},
		{"Expires", date.Add(time.Second).UTC().Format(time.RFC3339)},
		{"ServerTime", now.UTC().Format(time.RFC3339)},
	}
	if fmt.Sprint(e.Extra) != fmt.Sprint(want) {
		t.Errorf("extras %v, want %v", e.Extra, want)
	}
	if !strings.HasSuffix(e.Extra[1].Value, "Z") {
		t.Errorf("Expires %q is not UTC", e.Extra[1].Value)
	}

	// A URL dated in the future is refused beyond S3's 15 minutes of skew.
	if err := Verify(req, testCreds, date.Add(-10*time.Minute)); err != nil {
		t.Errorf("10 min skew refused: %v", err)
	}
	e = Verify(req, testCreds, date.Add(-20*time.Minute))
	if e == nil || e.Status != http.StatusForbidden || e.Code != "AccessDenied" || e.Message != "Request is not valid yet" {
		t.Errorf("20 min in the future: got %v", e)
	}
}

func TestVerifyQueryParameterErrors(t *testing.T) {
	c := sdkPresigner("http://127.0.0.1:9000", "fileemu", "us-east-1")
	p := sdkPresign(t, c, http.MethodGet, "bucket", "a.txt")
	base, date := sdkSignedRequest(t, p)
	now := date.Add(time.Minute)
	if err := Verify(base, testCreds, now); err != nil {
		t.Fatalf("untouched URL refused: %v", err)
	}
	cred := base.Query.Get("X-Amz-Credential")
	day := date.Format("20060102")

	const missing = "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
	cases := []struct {
		name, param, value string // value "" deletes the parameter
		status             int
		code, message      string
	}{
		{"no algorithm", "X-Amz-Algorithm", "", 400, "AuthorizationQueryParametersError", missing},
		{"no credential", "X-Amz-Credential", "", 400, "AuthorizationQueryParametersError", missing},
		{"no date", "X-Amz-Date", "", 400, "AuthorizationQueryParametersError", missing},
		{"no expires", "X-Amz-Expires", "", 400, "AuthorizationQueryParametersError", missing},
		{"no signed headers", "X-Amz-SignedHeaders", "", 400, "AuthorizationQueryParametersError", missing},
		{"no signature", "X-Amz-Signature", "", 400, "AuthorizationQueryParametersError", missing},
		{"other algorithm", "X-Amz-Algorithm", "AWS4-HMAC-SHA1", 400, "AuthorizationQueryParametersError",
			`X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"`},
		{"credential with 4 parts", "X-Amz-Credential", "fileemu/" + day + "/us-east-1/s3", 400, "AuthorizationQueryParametersError",
			`Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`},
		{"credential terminal", "X-Amz-Credential", "fileemu/" + day + "/us-east-1/s3/aws4", 400, "AuthorizationQueryParametersError",
			`Error parsing the X-Amz-Credential parameter; incorrect terminal "aws4". This endpoint uses "aws4_request".`},
		{"credential service", "X-Amz-Credential", "fileemu/" + day + "/us-east-1/ec2/aws4_request", 400, "AuthorizationQueryParametersError",
			`Error parsing the X-Amz-Credential parameter; incorrect service "ec2". This endpoint belongs to "s3".`},
		{"credential date format", "X-Amz-Credential", "fileemu/2026-1-1/us-east-1/s3/aws4_request", 400, "AuthorizationQueryParametersError",
			`Error parsing the X-Amz-Credential parameter; incorrect date format "2026-1-1". This date in the credential must be in the format "yyyyMMdd".`},
		{"credential date differs", "X-Amz-Credential", "fileemu/19991231/us-east-1/s3/aws4_request", 400, "AuthorizationQueryParametersError",
			`Invalid credential date "19991231". This date is not the same as X-Amz-Date: "` + day + `".`},
		{"date format", "X-Amz-Date", date.Format(time.RFC3339), 400, "AuthorizationQueryParametersError",
			`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`},
		{"expires not a number", "X-Amz-Expires", "15m", 400, "AuthorizationQueryParametersError", "X-Amz-Expires should be a number"},
		{"expires negative", "X-Amz-Expires", "-1", 400, "AuthorizationQueryParametersError", "X-Amz-Expires must be non-negative"},
		{"expires above a week", "X-Amz-Expires", "604801", 400, "AuthorizationQueryParametersError",
			"X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds"},
		{"expires zero", "X-Amz-Expires", "0", 403, "AccessDenied", "Request has expired"},
		{"host not signed", "X-Amz-SignedHeaders", "content-type", 403, "AccessDenied",
			"There were headers present in the request which were not signed"},
		{"unknown access key", "X-Amz-Credential", strings.Replace(cred, "fileemu/", "someone/", 1), 403, "InvalidAccessKeyId",
			"The AWS Access Key Id you provided does not exist in our records."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := base
			req.Query = url.Values{}
			for k, v := range base.Query {
				req.Query[k] = v
			}
			if tc.value == "" {
				req.Query.Del(tc.param)
			} else {
				req.Query.Set(tc.param, tc.value)
			}
			e := Verify(req, testCreds, now)
			if e == nil {
				t.Fatal("accepted")
			}
			if e.Status != tc.status || e.Code != tc.code || e.Message != tc.message {
				t.Errorf("got %d %s %q\nwant %d %s %q", e.Status, e.Code, e.Message, tc.status, tc.code, tc.message)
			}
		})
	}
}

func TestVerifyUnknownAccessKeyFromSDK(t *testing.T) {
	srv := newVerifyServer(t)
	p := sdkPresign(t, sdkPresigner(srv.URL, "AKIDSOMEONEELSE", "us-east-1"), http.MethodGet, "bucket", "a.txt")
	status, b := send(t, p.Method, p.URL, nil, "", "")
	m := wantError(t, status, b, http.StatusForbidden, "InvalidAccessKeyId")
	if m["AWSAccessKeyId"] != "AKIDSOMEONEELSE" {
		t.Errorf("AWSAccessKeyId = %q", m["AWSAccessKeyId"])
	}
}

func TestVerifyWrongRegionFromSDK(t *testing.T) {
	srv := newVerifyServer(t)
	p := sdkPresign(t, sdkPresigner(srv.URL, "fileemu", "eu-west-1"), http.MethodPut, "bucket", "a.txt")
	status, b := send(t, p.Method, p.URL, nil, "", "x")
	m := wantError(t, status, b, http.StatusBadRequest, "AuthorizationQueryParametersError")
	if want := "Error parsing the X-Amz-Credential parameter; the region 'eu-west-1' is wrong; expecting 'us-east-1'"; m["Message"] != want {
		t.Errorf("message %q, want %q", m["Message"], want)
	}
	if m["Region"] != "us-east-1" {
		t.Errorf("Region = %q", m["Region"])
	}
}

func TestVerifyExpiresAboveAWeekFromSDK(t *testing.T) {
	srv := newVerifyServer(t)
	c := sdkPresigner(srv.URL, "fileemu", "us-east-1")
	p, err := c.PresignPutObject(context.Background(),
		&awss3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String("a.txt")},
		awss3.WithPresignExpires(MaxPresignExpires+time.Second))
	if err != nil {
		t.Skipf("SDK refuses to presign beyond a week: %v", err)
	}
	status, b := send(t, p.Method, p.URL, nil, "", "x")
	wantError(t, status, b, http.StatusBadRequest, "AuthorizationQueryParametersError")
}

// The emulator is mounted under a session prefix (/_s/{id}); a client whose
// base URL carries it signs the full path, which the verifier must use.
func TestVerifySessionPrefix(t *testing.T) {
	const prefix = "/_s/t1/s3"
	var strippedErr *Error
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, prefix+"/bucket/") {
			http.Error(w, "SDK dropped the base path: "+r.URL.Path, http.StatusNotFound)
			return
		}
		req := signedRequestFrom(r)
		stripped := req
		stripped.Path = strings.TrimPrefix(req.Path, prefix)
		strippedErr = Verify(stripped, testCreds, time.Now())
		if err := Verify(req, testCreds, time.Now()); err != nil {
			err.Write(w, "test-request", r.Method == http.MethodHead)
			return
		}
	}))
	defer srv.Close()

	c := sdkPresigner(srv.URL+prefix, "fileemu", "us-east-1")
	for _, key := range testKeys {
		p := sdkPresign(t, c, http.MethodPut, "bucket", key, withContentType("text/plain"))
		if !strings.HasPrefix(p.URL, srv.URL+prefix+"/bucket/") {
			t.Fatalf("SDK URL %s lacks the base path", p.URL)
		}
		if status, b := send(t, p.Method, p.URL, p.SignedHeader, "", "x"); status != http.StatusOK {
			t.Fatalf("%s: status %d\n%s", key, status, b)
		}
		if strippedErr == nil || strippedErr.Code != "SignatureDoesNotMatch" {
			t.Errorf("%s: verifying the path without its prefix gave %v, want SignatureDoesNotMatch", key, strippedErr)
		}
	}
}

// sdkSign signs the same request our Presign signs with the SDK's raw v4
// signer: the oracle for Presign. escapedURL must already carry the
// canonical (SDK-escaped) path, since S3 signing disables path escaping.
func sdkSign(t testing.TB, method, escapedURL string, header http.Header, expires time.Duration, now time.Time) string {
	t.Helper()
	req, err := http.NewRequest(method, escapedURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	q := req.URL.Query()
	q.Set("X-Amz-Expires", strconv.Itoa(int(expires/time.Second)))
	req.URL.RawQuery = q.Encode()
	for k, v := range header {
		req.Header[k] = v
	}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	creds := aws.Credentials{AccessKeyID: testCreds.AccessKey, SecretAccessKey: testCreds.SecretKey}
	signed, _, err := signer.PresignHTTP(context.Background(), creds, req, "UNSIGNED-PAYLOAD", "s3", testCreds.Region, now)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

func TestPresignMatchesSDKSigner(t *testing.T) {
	now := time.Date(2026, 11, 22, 11, 52, 41, 0, time.UTC)
	cases := []struct {
		method, base, key, query string
		header                   http.Header
	}{
		{"PUT", "http://127.0.0.1:45567", "my-bucket/img.png", "", http.Header{"Content-Type": {"image/png"}}},
		{"PUT", "http://127.0.0.1:8080/_s/t1/s3", "bucket/dir/a b+c~d(1).txt", "", nil},
		{"GET", "http://localhost:8080/s3", "bucket/ünï/cödé.bin", "response-content-disposition=" + url.QueryEscape(`attachment; filename="a b.txt"`), nil},
		{"HEAD", "https://example.com", "bucket/x=y&z.txt", "x-id=HeadObject&a=2&a=1&b", nil},
		{"PUT", "http://example.com:80", "bucket/k", "", http.Header{"Content-Type": {"  text/plain;   charset=utf-8 "}, "X-Amz-Meta-A": {"1", "2"}}},
		{"PUT", "http://[::1]:8080", "bucket/k", "", nil},
		{"PUT", "http://example.com:80", "bucket/plain", "", nil}, // Presign's fast path drops the port too
		{"GET", "https://example.com:443/s3", "bucket/a%20b", "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.key, func(t *testing.T) {
			escaped := httpbinding.EscapePath(tc.key, false)
			oracleURL := tc.base + "/" + escaped
			ourURL := tc.base + "/" + tc.key // unescaped on purpose: Presign canonicalises
			if strings.ContainsAny(tc.key, "?#%") {
				ourURL = oracleURL
			}
			if tc.query != "" {
				q, err := url.ParseQuery(tc.query)
				if err != nil {
					t.Fatal(err)
				}
				oracleURL += "?" + q.Encode()
				ourURL += "?" + q.Encode()
			}
			want := sdkSign(t, tc.method, oracleURL, tc.header, 15*time.Minute, now)
			got, err := Presign(testCreds, PresignOptions{Method: tc.method, URL: ourURL, Expires: 15 * time.Minute, Now: now, Headers: tc.header})
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("Presign URL differs from the SDK signer's\n got %s\nwant %s", got, want)
			}
		})
	}
}

// randomKey builds an object key from characters that stress escaping.
func randomKey(r *rand.Rand) string {
	pieces := []string{"a", "Z", "0", "-", "_", ".", "~", " ", "+", "%", "=", "&", "?", "#", "(", ")", "!", "*", "'",
		",", ";", ":", "@", "$", "[", "]", "\"", "<", ">", "\\", "^", "`", "{", "|", "}", "é", "ü", "日本", "😀", "/", "//", "\t"}
	var b strings.Builder
	for n := 1 + r.IntN(12); n > 0; n-- {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

func TestPresignMatchesSDKSignerRandomKeys(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	now := time.Date(2026, 11, 22, 23, 59, 59, 0, time.UTC)
	for i := 0; i < 500; i++ {
		key := randomKey(r)
		oracleURL := "http://127.0.0.1:9000/bucket/" + httpbinding.EscapePath(key, false)
		// Give Presign a different but equivalent escaping (Go's), to
		// check that it decodes once and re-encodes canonically.
		ourURL := "http://127.0.0.1:9000/bucket/" + (&url.URL{Path: key}).EscapedPath()
		want := sdkSign(t, http.MethodPut, oracleURL, nil, time.Hour, now)
		got, err := Presign(testCreds, PresignOptions{Method: http.MethodPut, URL: ourURL, Expires: time.Hour, Now: now})
		if err != nil {
			t.Fatalf("key %q: %v", key, err)
		}
		if got != want {
			t.Fatalf("key %q:\n got %s\nwant %s", key, got, want)
		}
		u := mustParseURL(t, got)
		req := SignedRequest{Method: http.MethodPut, Path: u.EscapedPath(), Query: u.Query(), Host: u.Host, Header: http.Header{}, ContentLength: 3}
		if err := Verify(req, testCreds, now); err != nil {
			t.Fatalf("key %q: own URL refused: %v", key, err)
		}
	}
}

func TestPresignRoundTripOverHTTP(t *testing.T) {
	srv := newVerifyServer(t)
	for _, method := range []string{http.MethodPut, http.MethodGet, http.MethodHead} {
		for _, key := range testKeys {
			t.Run(method+" "+key, func(t *testing.T) {
				h := http.Header{}
				if method == http.MethodPut {
					h.Set("Content-Type", "text/plain; charset=utf-8")
				}
				u, err := Presign(testCreds, PresignOptions{Method: method, URL: srv.URL + "/_s/t1/s3/bucket/" + key,
					Expires: time.Minute, Now: time.Now(), Headers: h})
				if err != nil {
					t.Fatal(err)
				}
				if status, b := send(t, method, u, h, "", ""); status != http.StatusOK {
					t.Fatalf("own URL refused: %d %s\n%s", status, u, b)
				}
				if method == http.MethodPut {
					status, b := send(t, method, u, http.Header{"Content-Type": {"text/html"}}, "", "")
					wantError(t, status, b, http.StatusForbidden, "SignatureDoesNotMatch")
				}
			})
		}
	}
}

func TestPresignRejectsBadOptions(t *testing.T) {
	ok := PresignOptions{Method: "PUT", URL: "http://h/b/k", Expires: time.Minute, Now: time.Now()}
	cases := map[string]func(*PresignOptions, *Credentials){
		"no method":         func(o *PresignOptions, _ *Credentials) { o.Method = "" },
		"expires too long":  func(o *PresignOptions, _ *Credentials) { o.Expires = MaxPresignExpires + time.Second },
		"expires too short": func(o *PresignOptions, _ *Credentials) { o.Expires = 500 * time.Millisecond },
		"relative URL":      func(o *PresignOptions, _ *Credentials) { o.URL = "/b/k" },
		"bad URL":           func(o *PresignOptions, _ *Credentials) { o.URL = "http://h/%zz" },
		"no secret":         func(_ *PresignOptions, c *Credentials) { c.SecretKey = "" },
	}
	if _, err := Presign(testCreds, ok); err != nil {
		t.Fatalf("valid options refused: %v", err)
	}
	for name, mutate := range cases {
		o, c := ok, testCreds
		mutate(&o, &c)
		if _, err := Presign(c, o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestPresignKeepsExistingQueryAndSignsIt(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	u, err := Presign(testCreds, PresignOptions{Method: "GET", URL: "http://h:1/b/k?response-content-type=text%2Fplain",
		Expires: time.Minute, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	pu := mustParseURL(t, u)
	if pu.Query().Get("response-content-type") != "text/plain" {
		t.Fatalf("existing query parameter lost: %s", u)
	}
	req := SignedRequest{Method: "GET", Path: pu.EscapedPath(), Query: pu.Query(), Host: pu.Host, Header: http.Header{}}
	if err := Verify(req, testCreds, now); err != nil {
		t.Fatal(err)
	}
	req.Query.Set("response-content-type", "text/html")
	if err := Verify(req, testCreds, now); err == nil || err.Code != "SignatureDoesNotMatch" {
		t.Fatalf("changed signed parameter: %v", err)
	}
}

func TestVerifyDefaultPortInHost(t *testing.T) {
	// The SDK signs "host" without the scheme's default port, but a client
	// may send "Host: example.com:80".
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	signed := sdkSign(t, "GET", "http://example.com:80/b/k", nil, time.Minute, now)
	u := mustParseURL(t, signed)
	for _, host := range []string{"example.com", "example.com:80"} {
		req := SignedRequest{Method: "GET", Path: u.EscapedPath(), Query: u.Query(), Host: host, Header: http.Header{}}
		if err := Verify(req, testCreds, now); err != nil {
			t.Errorf("Host %q: %v", host, err)
		}
	}
}

func TestVerifySignedXAmzContentSHA256(t *testing.T) {
	// A client may sign the payload hash header instead of UNSIGNED-PAYLOAD.
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	const hash = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
	h := http.Header{"X-Amz-Content-Sha256": {hash}}
	req, err := http.NewRequest("PUT", "http://example.com:9000/b/k", nil)
	if err != nil {
		t.Fatal(err)
	}
	q := req.URL.Query()
	q.Set("X-Amz-Expires", "60")
	req.URL.RawQuery = q.Encode()
	req.Header = h.Clone()
	signer := v4.NewSigner(func(o *v4.SignerOptions) {
		o.DisableURIPathEscaping = true
		o.DisableHeaderHoisting = true
	})
	signed, _, err := signer.PresignHTTP(context.Background(),
		aws.Credentials{AccessKeyID: testCreds.AccessKey, SecretAccessKey: testCreds.SecretKey},
		req, hash, "s3", testCreds.Region, now)
	if err != nil {
		t.Fatal(err)
	}
	u := mustParseURL(t, signed)
	if !strings.Contains(u.Query().Get("X-Amz-SignedHeaders"), "x-amz-content-sha256") {
		t.Fatalf("SDK did not sign x-amz-content-sha256: %s", signed)
	}
	sr := SignedRequest{Method: "PUT", Path: u.EscapedPath(), Query: u.Query(), Host: u.Host, Header: h}
	if err := Verify(sr, testCreds, now); err != nil {
		t.Fatal(err)
	}
}

func TestIsPresigned(t *testing.T) {
	for q, want := range map[string]bool{
		"":                                 false,
		"x-id=PutObject":                   false,
		"X-Amz-Signature=abc":              true,
		"X-Amz-Algorithm=AWS4-HMAC-SHA256": true,
		"x-amz-signature=abc":              false, // S3's parameter names are case-sensitive
	} {
		v, _ := url.ParseQuery(q)
		if got := IsPresigned(v); got != want {
			t.Errorf("IsPresigned(%q) = %v", q, got)
		}
	}
}

// TestVerifyAWSDocsExample checks Verify and SigningKey against the
// presigned GET example of the S3 docs ("Authenticating Requests: Using
// Query Parameters (AWS Signature Version 4)"), a published test vector.
func TestVerifyAWSDocsExample(t *testing.T) {
	creds := Credentials{AccessKey: "AKIAIOSFODNN7EXAMPLE", SecretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", Region: "us-east-1"}
	const (
		sts = "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04"
		sig = "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
	)
	if got := signature(SigningKey(creds.SecretKey, "20130524", "us-east-1"), sts); got != sig {
		t.Errorf("signature %s, want %s", got, sig)
	}
	q, err := url.ParseQuery("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=" + sig)
	if err != nil {
		t.Fatal(err)
	}
	req := SignedRequest{Method: "GET", Path: "/test.txt", Query: q, Host: "examplebucket.s3.amazonaws.com", Header: http.Header{}, ContentLength: -1}
	if err := Verify(req, creds, time.Date(2013, 5, 24, 1, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	got, err := Presign(creds, PresignOptions{Method: "GET", URL: "https://examplebucket.s3.amazonaws.com/test.txt",
		Expires: 24 * time.Hour, Now: time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(got, "&X-Amz-Signature="+sig) {
		t.Errorf("Presign = %s, want signature %s", got, sig)
	}
}

func TestCanonicalURI(t *testing.T) {
	for in, want := range map[string]string{
		"":                          "/",
		"/":                         "/",
		"/b/a%20b+c~d(1).txt":       "/b/a%20b%2Bc~d%281%29.txt",
		"/b/a%20b%2Bc~d%281%29.txt": "/b/a%20b%2Bc~d%281%29.txt",
		"/b/%c3%bc":                 "/b/%C3%BC",
		"/b/a%2Fb":                  "/b/a/b",
		"/b//k":                     "/b//k",
		"/b/%zz":                    "/b/%25zz",
	} {
		if got := canonicalURI(in); got != want {
			t.Errorf("canonicalURI(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	raw, err := Presign(testCreds, PresignOptions{Method: "PUT", URL: "http://127.0.0.1:8080/_s/t1/s3/bucket/dir/a b.txt",
		Expires: time.Hour, Now: now, Headers: http.Header{"Content-Type": {"image/png"}}})
	if err != nil {
		b.Fatal(err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		b.Fatal(err)
	}
	req := SignedRequest{Method: "PUT", Path: u.EscapedPath(), Query: u.Query(), Host: u.Host,
		Header: http.Header{"Content-Type": {"image/png"}}, ContentLength: 1024}
	b.ReportAllocs()
	for b.Loop() {
		if err := Verify(req, testCreds, now); err != nil {
			b.Fatal(err)
		}
	}
}

// Credentials from NewCredentials keep the last signing key: whatever day, region and secret come
// next, from any goroutine, the key is the one SigningKey derives.
func TestCachedSigningKeys(t *testing.T) {
	creds := NewCredentials("fileemu", "fileemu-secret", "us-east-1")
	other := creds
	other.SecretKey = "another-secret" // a copy shares the cache: the secret is part of the key
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				c := creds
				if (i+g)%3 == 0 {
					c = other
				}
				date := []string{"20261125", "20261126"}[(i/7+g)%2]
				region := []string{"us-east-1", "eu-west-1"}[(i/5)%2]
				want := SigningKey(c.SecretKey, date, region)
				if got := signingKeyOf(c, date, region); !bytes.Equal(got[:], want) {
					t.Errorf("cached key for %s %s %s differs from SigningKey's", c.SecretKey, date, region)
					return
				}
				if got := signingKeyOf(c, []byte(date), region); !bytes.Equal(got[:], want) {
					t.Errorf("cached key for %s %s %s (bytes) differs from SigningKey's", c.SecretKey, date, region)
					return
				}
			}
		})
	}
	wg.Wait()
	u := ObjectURL("http://127.0.0.1:8080", "b", "k")
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	for range 2 { // the second presign takes the key from the cache
		got, err := Presign(creds, PresignOptions{Method: http.MethodPut, URL: u, Expires: time.Hour, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if want, _ := Presign(testCreds, PresignOptions{Method: http.MethodPut, URL: u, Expires: time.Hour, Now: now}); got != want {
			t.Errorf("cached credentials presign %s, want %s", got, want)
		}
	}
}
