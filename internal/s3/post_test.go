package s3_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/fileemu/fileemu/internal/s3"
	"github.com/fileemu/fileemu/testkit"
)

// field is one form field; the name "file" marks where the file part goes.
type field struct{ name, value string }

// fileAt is the placeholder for the file part in a field list.
var fileAt = field{"file", ""}

// formBody builds a multipart/form-data body with the fields in order and the file part
// (named "file", with filename) where fileAt stands.
func formBody(t testing.TB, fields []field, filename string, content []byte) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, f := range fields {
		var err error
		if f == fileAt {
			var pw io.Writer
			if pw, err = w.CreateFormFile("file", filename); err == nil {
				_, err = pw.Write(content)
			}
		} else {
			err = w.WriteField(f.name, f.value)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), b.Bytes()
}

// sorted returns the fields of m sorted by name, then the file part.
func sorted(m map[string]string) []field {
	var fs []field
	for k, v := range m {
		fs = append(fs, field{k, v})
	}
	slices.SortFunc(fs, func(a, b field) int { return strings.Compare(a.name, b.name) })
	return append(fs, fileAt)
}

// with returns fs with the field name (any case) set to value, or added before the file.
func with(fs []field, name, value string) []field {
	out := slices.Clone(fs)
	for i, f := range out {
		if strings.EqualFold(f.name, name) && f != fileAt {
			out[i].value = value
			return out
		}
	}
	i := slices.Index(out, fileAt)
	if i < 0 {
		i = len(out)
	}
	return slices.Insert(out, i, field{name, value})
}

// without returns fs without the fields named name (any case).
func without(fs []field, name string) []field {
	return slices.DeleteFunc(slices.Clone(fs), func(f field) bool { return strings.EqualFold(f.name, name) && f != fileAt })
}

// noRedirects is the fixture's validating client that does not follow 303s.
func (f *fixture) noRedirects() *http.Client {
	c := *f.http
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// post sends a form to u and returns the response and its body.
func (f *fixture) post(u string, fields []field, filename string, content []byte, hdr ...string) (*http.Response, []byte) {
	f.t.Helper()
	ct, body := formBody(f.t, fields, filename, content)
	return f.postRaw(u, ct, body, hdr...)
}

func (f *fixture) postRaw(u, contentType string, body []byte, hdr ...string) (*http.Response, []byte) {
	f.t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return testkit.Do(f.t, f.noRedirects(), req)
}

// presignPost mints a form with the emulator's own PresignPost for key in bucket "bucket".
func (f *fixture) presignPost(key string, fields map[string]string, conds ...s3.Condition) s3.PresignedPost {
	f.t.Helper()
	form, err := s3.PresignPost(creds, s3.PostOptions{
		URL: f.s.URL("s3") + "/bucket", Bucket: "bucket", Key: key, Expires: 5 * time.Minute, Now: time.Now(),
		Fields: fields, Conditions: conds,
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return form
}

// sdkPost mints a form with the AWS SDK's PresignPostObject for key in bucket "bucket",
// pinning content-length-range 1..1024 and success_action_status 201.
func (f *fixture) sdkPost(key string, c aws.Credentials, region string, extra ...any) *awss3.PresignedPostRequest {
	f.t.Helper()
	pc := awss3.NewPresignClient(awss3.New(awss3.Options{
		Region: region, BaseEndpoint: aws.String(f.s.URL("s3")), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, ""),
	}))
	form, err := pc.PresignPostObject(context.Background(), &awss3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String(key)},
		func(o *awss3.PresignPostOptions) {
			o.Expires = 5 * time.Minute
			o.Conditions = append([]any{[]any{"content-length-range", 1, 1024}, map[string]string{"success_action_status": "201"}}, extra...)
		})
	if err != nil {
		f.t.Fatal(err)
	}
	return form
}

var sdkCreds = aws.Credentials{AccessKeyID: "fileemu", SecretAccessKey: "fileemu-secret"}

// stored returns the stored object bucket/key, if any.
func (f *fixture) stored(key string) (testkit.Object, bool) {
	f.t.Helper()
	for _, o := range f.s.State(f.t).Objects {
		if o.Name == "bucket/"+key {
			return o, true
		}
	}
	return testkit.Object{}, false
}

// content downloads bucket/key with a presigned GET.
func (f *fixture) content(key string) ([]byte, string) {
	f.t.Helper()
	resp, b := f.do("GET", f.presign("GET", key, nil), nil, nil)
	if resp.StatusCode != 200 {
		f.t.Fatalf("GET %s = %d %s", key, resp.StatusCode, b)
	}
	return b, resp.Header.Get("Content-Type")
}

// xmlElements decodes an XML document's top-level child elements.
func xmlElements(t testing.TB, body []byte) (string, map[string]string) {
	t.Helper()
	var doc struct {
		XMLName xml.Name
		Items   []struct {
			XMLName xml.Name
			Value   string `xml:",chardata"`
		} `xml:",any"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, body)
	}
	m := map[string]string{}
	for _, it := range doc.Items {
		m[it.XMLName.Local] = it.Value
	}
	return doc.XMLName.Local, m
}

func etagOf(b []byte) string { return fmt.Sprintf(`"%x"`, md5.Sum(b)) }

// wantPostResponse checks a 201 PostResponse for key and content.
func (f *fixture) wantPostResponse(resp *http.Response, body []byte, key string, content []byte) {
	f.t.Helper()
	if resp.StatusCode != 201 || resp.Header.Get("Content-Type") != "application/xml" {
		f.t.Fatalf("POST = %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if !bytes.HasPrefix(body, []byte(`<?xml version="1.0" encoding="UTF-8"?>`+"\n<PostResponse>")) {
		f.t.Errorf("body = %s", body)
	}
	root, els := xmlElements(f.t, body)
	loc := s3.ObjectURL(f.s.URL(""), "bucket", key)
	if root != "PostResponse" || els["Bucket"] != "bucket" || els["Key"] != key || els["ETag"] != etagOf(content) || els["Location"] != loc {
		f.t.Errorf("PostResponse = %s %v, want key %s etag %s location %s", root, els, key, etagOf(content), loc)
	}
	if resp.Header.Get("ETag") != etagOf(content) || resp.Header.Get("Location") != loc {
		f.t.Errorf("headers ETag %s Location %s", resp.Header.Get("ETag"), resp.Header.Get("Location"))
	}
}

// wantRefused checks an S3 error and that nothing is stored under any of keys.
func (f *fixture) wantRefused(resp *http.Response, body []byte, status int, code, msg string, keys ...string) map[string]string {
	f.t.Helper()
	wantS3Error(f.t, resp, body, status, code)
	root, els := xmlElements(f.t, body)
	if root != "Error" || !strings.Contains(els["Message"], msg) {
		f.t.Errorf("message %q, want it to contain %q", els["Message"], msg)
	}
	for _, k := range keys {
		if o, ok := f.stored(k); ok {
			f.t.Errorf("refused upload stored %+v", o)
		}
	}
	return els
}

// The emulator's own form, sent in the field order of the Desk seed's curl (bucket AFTER
// file, which S3 ignores), is accepted: 201 PostResponse, object stored as sent.
func TestPostPresignedFormInSeedOrder(t *testing.T) {
	f := setup(t)
	form := f.presignPost("files/1/the_file_name.jpeg", map[string]string{"Content-Type": "image/jpeg", "success_action_status": "201"})
	p := form.Fields
	seedOrder := []field{
		{"Content-Type", p["Content-Type"]}, {"key", p["key"]}, {"policy", p["policy"]},
		{"success_action_status", p["success_action_status"]}, {"x-amz-algorithm", p["x-amz-algorithm"]},
		{"x-amz-credential", p["x-amz-credential"]}, {"x-amz-date", p["x-amz-date"]},
		{"x-amz-signature", p["x-amz-signature"]}, fileAt, {"bucket", p["bucket"]},
	}
	jpeg := []byte("\xff\xd8\xff\xe0 not really a jpeg")
	resp, b := f.post(form.URL, seedOrder, "the_file_name.jpeg", jpeg)
	f.wantPostResponse(resp, b, "files/1/the_file_name.jpeg", jpeg)
	got, ct := f.content("files/1/the_file_name.jpeg")
	if !bytes.Equal(got, jpeg) || ct != "image/jpeg" {
		t.Errorf("stored %q %s", got, ct)
	}
	if o, _ := f.stored("files/1/the_file_name.jpeg"); o.ContentType != "image/jpeg" || o.Size != int64(len(jpeg)) {
		t.Errorf("state %+v", o)
	}
	// Every field before the file, bucket included, in map order: accepted too.
	resp, b = f.post(form.URL, sorted(p), "x.jpeg", []byte("again"))
	f.wantPostResponse(resp, b, "files/1/the_file_name.jpeg", []byte("again"))
	f.s.AssertCalled(t, "postObject", 2)
}

// The Desk seed's curl command, run as written (with the form's values), works.
func TestPostSeedCurlLiterally(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl is required (CI installs it): ", err)
	}
	f := setup(t)
	form := f.presignPost("A_VALUE_FOR_LATER", map[string]string{"Content-Type": "image/jpeg", "success_action_status": "201"})
	p := form.Fields
	path := filepath.Join(t.TempDir(), "the_file_name.jpeg")
	content := []byte("jpeg bytes from curl")
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("curl", "-sS", "-w", "\n%{http_code}",
		"-X", "POST",
		form.URL,
		"-H", ": ",
		"-H", "cache-control: no-cache",
		"-F", "Content-Type="+p["Content-Type"],
		"-F", "key="+p["key"],
		"-F", "policy="+p["policy"],
		"-F", "success_action_status="+p["success_action_status"],
		"-F", "x-amz-algorithm="+p["x-amz-algorithm"],
		"-F", "x-amz-credential="+p["x-amz-credential"],
		"-F", "x-amz-date="+p["x-amz-date"],
		"-F", "x-amz-signature="+p["x-amz-signature"],
		"-F", "file=@"+path,
		"-F", "bucket="+p["bucket"],
	).Output()
	if err != nil {
		t.Fatalf("curl: %v %s", err, out)
	}
	body, status, _ := strings.Cut(string(out), "\n201")
	if status != "" || !strings.HasSuffix(string(out), "\n201") {
		t.Fatalf("curl got %s", out)
	}
	root, els := xmlElements(t, []byte(body))
	if root != "PostResponse" || els["Bucket"] != "bucket" || els["Key"] != "A_VALUE_FOR_LATER" || els["ETag"] != etagOf(content) ||
		els["Location"] != s3.ObjectURL(f.s.URL(""), "bucket", "A_VALUE_FOR_LATER") {
		t.Errorf("PostResponse %s %v", root, els)
	}
	if got, ct := f.content("A_VALUE_FOR_LATER"); !bytes.Equal(got, content) || ct != "image/jpeg" {
		t.Errorf("stored %q %s", got, ct)
	}
}

// The AWS SDK's PresignPostObject is the oracle: its form (X-Amz-* names, no bucket
// field, expiration without milliseconds) is accepted, and every tampered variant of it
// is refused with S3's error, storing nothing.
func TestPostSDKFormAndTampering(t *testing.T) {
	f := setup(t)
	content := []byte("sdk form content")

	t.Run("accepted", func(t *testing.T) {
		form := f.sdkPost("sdk/ok.txt", sdkCreds, "us-east-1")
		if form.URL != f.s.URL("s3")+"/bucket" {
			t.Errorf("SDK form URL = %s", form.URL)
		}
		if _, ok := form.Values["bucket"]; ok {
			t.Errorf("the SDK form has a bucket field: %v", form.Values)
		}
		fields := with(sorted(form.Values), "success_action_status", "201")
		resp, b := f.post(form.URL, fields, "ok.txt", content)
		f.wantPostResponse(resp, b, "sdk/ok.txt", content)
		if got, ct := f.content("sdk/ok.txt"); !bytes.Equal(got, content) || ct != "binary/octet-stream" {
			t.Errorf("stored %q %s", got, ct)
		}
	})

	t.Run("lower-case field names", func(t *testing.T) {
		form := f.sdkPost("sdk/lower.txt", sdkCreds, "us-east-1")
		var fields []field
		for _, fl := range with(sorted(form.Values), "success_action_status", "201") {
			fl.name = strings.ToLower(fl.name)
			fields = append(fields, fl)
		}
		resp, b := f.post(form.URL, fields, "lower.txt", content)
		f.wantPostResponse(resp, b, "sdk/lower.txt", content)
	})

	t.Run("x-ignore-foo", func(t *testing.T) {
		form := f.sdkPost("sdk/ignore.txt", sdkCreds, "us-east-1")
		fields := with(with(sorted(form.Values), "success_action_status", "201"), "x-ignore-foo", "bar")
		resp, b := f.post(form.URL, fields, "i.txt", content)
		f.wantPostResponse(resp, b, "sdk/ignore.txt", content)
	})

	type tamper struct {
		name   string
		key    string
		change func(fs []field) []field
		file   []byte
		status int
		code   string
		msg    string
		extra  map[string]string
	}
	zero := strings.Repeat("0", 64)
	cases := []tamper{
		{name: "key changed", key: "sdk/key.txt",
			change: func(fs []field) []field { return with(fs, "key", "sdk/other.txt") },
			status: 403, code: "AccessDenied", msg: `Invalid according to Policy: Policy Condition failed: ["eq", "$key", "sdk/key.txt"]`},
		{name: "policy altered", key: "sdk/policy.txt",
			change: func(fs []field) []field {
				i := slices.IndexFunc(fs, func(f field) bool { return f.name == "policy" })
				raw, _ := base64.StdEncoding.DecodeString(fs[i].value)
				altered := strings.Replace(string(raw), `["content-length-range",1,1024]`, `["content-length-range",1,1048576]`, 1)
				if altered == string(raw) {
					t.Fatalf("policy %s has no content-length-range to alter", raw)
				}
				return with(fs, "policy", base64.StdEncoding.EncodeToString([]byte(altered)))
			},
			status: 403, code: "SignatureDoesNotMatch", msg: "does not match the signature you provided",
			extra: map[string]string{"AWSAccessKeyId": "fileemu"}},
		{name: "signature zeroed", key: "sdk/zero.txt",
			change: func(fs []field) []field { return with(fs, "X-Amz-Signature", zero) },
			status: 403, code: "SignatureDoesNotMatch", msg: "does not match", extra: map[string]string{"SignatureProvided": zero}},
		{name: "date changed", key: "sdk/date.txt",
			change: func(fs []field) []field { return with(fs, "X-Amz-Date", "20200101T000000Z") },
			status: 403, code: "AccessDenied", msg: `Policy Condition failed: ["eq", "$X-Amz-Date", `},
		{name: "success_action_status changed", key: "sdk/status.txt",
			change: func(fs []field) []field { return with(fs, "success_action_status", "200") },
			status: 403, code: "AccessDenied", msg: `Policy Condition failed: ["eq", "$success_action_status", "201"]`},
		{name: "extra x-amz-meta-a", key: "sdk/meta.txt",
			change: func(fs []field) []field { return with(fs, "x-amz-meta-a", "1") },
			status: 403, code: "AccessDenied", msg: "Invalid according to Policy: Extra input fields: x-amz-meta-a"},
		{name: "bucket field before the file", key: "sdk/bucket.txt",
			change: func(fs []field) []field { return with(fs, "bucket", "other-bucket") },
			status: 403, code: "AccessDenied", msg: `Policy Condition failed: ["eq", "$bucket", "bucket"]`},
		{name: "too large", key: "sdk/large.txt", file: bytes.Repeat([]byte("x"), 1025),
			status: 400, code: "EntityTooLarge", msg: "exceeds the maximum allowed size",
			extra: map[string]string{"ProposedSize": "1025", "MaxSizeAllowed": "1024"}},
		{name: "empty file", key: "sdk/empty.txt", file: []byte{},
			status: 400, code: "EntityTooSmall", msg: "smaller than the minimum allowed size",
			extra: map[string]string{"ProposedSize": "0", "MinSizeAllowed": "1"}},
		{name: "missing key", key: "sdk/nokey.txt",
			change: func(fs []field) []field { return without(fs, "key") },
			status: 400, code: "InvalidArgument", msg: "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.",
			extra: map[string]string{"ArgumentName": "key"}},
		{name: "file before policy", key: "sdk/order.txt",
			change: func(fs []field) []field {
				fs = without(fs, "file")
				i := slices.IndexFunc(fs, func(f field) bool { return f.name == "policy" })
				return slices.Insert(fs, i, fileAt)
			},
			status: 400, code: "InvalidArgument", msg: "Bucket POST must contain a field named 'Policy'.",
			extra: map[string]string{"ArgumentName": "Policy"}},
		{name: "missing signature", key: "sdk/nosig.txt",
			change: func(fs []field) []field { return without(fs, "X-Amz-Signature") },
			status: 400, code: "InvalidArgument", msg: "field named 'X-Amz-Signature'", extra: map[string]string{"ArgumentName": "X-Amz-Signature"}},
		{name: "no file", key: "sdk/nofile.txt",
			change: func(fs []field) []field { return slices.DeleteFunc(fs, func(f field) bool { return f == fileAt }) },
			status: 400, code: "InvalidArgument", msg: "POST requires exactly one file upload per request.",
			extra: map[string]string{"ArgumentName": "file"}},
		{name: "field sent twice", key: "sdk/twice.txt",
			change: func(fs []field) []field { return slices.Insert(fs, 0, field{"KEY", "sdk/twice.txt"}) },
			status: 400, code: "InvalidArgument", msg: "more than once"},
		{name: "fields before the file too large", key: "sdk/pre.txt",
			change: func(fs []field) []field { return with(fs, "x-ignore-pad", strings.Repeat("p", 21<<10)) },
			status: 400, code: "MaxPostPreDataLengthExceeded", msg: "Your POST request fields preceeding the upload file was too large."},
		{name: "algorithm changed", key: "sdk/alg.txt",
			change: func(fs []field) []field { return with(fs, "X-Amz-Algorithm", "AWS4-HMAC-SHA1") },
			status: 400, code: "AuthorizationQueryParametersError", msg: "AWS4-HMAC-SHA256"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			form := f.sdkPost(tc.key, sdkCreds, "us-east-1")
			fields := with(sorted(form.Values), "success_action_status", "201")
			if tc.change != nil {
				fields = tc.change(fields)
			}
			file := content
			if tc.file != nil {
				file = tc.file
			}
			resp, b := f.post(form.URL, fields, "f.txt", file)
			els := f.wantRefused(resp, b, tc.status, tc.code, tc.msg, tc.key, "sdk/other.txt")
			for k, v := range tc.extra {
				if els[k] != v {
					t.Errorf("<%s> = %q, want %q", k, els[k], v)
				}
			}
			if tc.code == "SignatureDoesNotMatch" {
				if i := slices.IndexFunc(fields, func(f field) bool { return f.name == "policy" }); els["StringToSign"] != fields[i].value {
					t.Errorf("StringToSign = %q, want the policy as sent", els["StringToSign"])
				}
			}
		})
	}

	t.Run("wrong secret, unknown key, wrong region", func(t *testing.T) {
		for _, c := range []struct {
			creds  aws.Credentials
			region string
			status int
			code   string
		}{
			{aws.Credentials{AccessKeyID: "fileemu", SecretAccessKey: "guessed"}, "us-east-1", 403, "SignatureDoesNotMatch"},
			{aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "fileemu-secret"}, "us-east-1", 403, "InvalidAccessKeyId"},
			{sdkCreds, "eu-west-1", 400, "AuthorizationQueryParametersError"},
		} {
			form := f.sdkPost("sdk/creds.txt", c.creds, c.region)
			resp, b := f.post(form.URL, with(sorted(form.Values), "success_action_status", "201"), "c.txt", content)
			f.wantRefused(resp, b, c.status, c.code, "", "sdk/creds.txt")
		}
	})

	t.Run("not multipart", func(t *testing.T) {
		form := f.sdkPost("sdk/urlenc.txt", sdkCreds, "us-east-1")
		v := url.Values{}
		for k, val := range form.Values {
			v.Set(k, val)
		}
		v.Set("file", "content")
		resp, b := f.postRaw(form.URL, "application/x-www-form-urlencoded", []byte(v.Encode()))
		f.wantRefused(resp, b, 400, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.", "sdk/urlenc.txt")
		resp, b = f.postRaw(form.URL, "multipart/form-data", []byte("--x\r\n")) // no boundary
		f.wantRefused(resp, b, 400, "MalformedPOSTRequest", "not well-formed", "sdk/urlenc.txt")
	})

	t.Run("truncated multipart body", func(t *testing.T) {
		form := f.sdkPost("sdk/cut.txt", sdkCreds, "us-east-1")
		ct, body := formBody(t, with(sorted(form.Values), "success_action_status", "201"), "cut.txt", content)
		cut := body[:bytes.LastIndex(body, []byte("\r\n--"))] // the file part never closes
		resp, b := f.postRaw(form.URL, ct, cut)
		f.wantRefused(resp, b, 400, "MalformedPOSTRequest", "", "sdk/cut.txt")
	})

	t.Run("connection cut mid-file", func(t *testing.T) {
		form := f.sdkPost("sdk/conn.txt", sdkCreds, "us-east-1")
		ct, body := formBody(t, with(sorted(form.Values), "success_action_status", "201"), "conn.txt", content)
		u, _ := url.Parse(form.URL)
		conn, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s",
			u.RequestURI(), u.Host, ct, len(body), body[:len(body)-60])
		conn.(*net.TCPConn).CloseWrite()
		if resp, err := http.ReadResponse(bufio.NewReader(conn), nil); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			f.wantRefused(resp, b, 400, "IncompleteBody", "", "sdk/conn.txt")
		}
		if _, ok := f.stored("sdk/conn.txt"); ok {
			t.Error("a cut upload was stored")
		}
	})
}

// The emulator's own form pins Content-Type: changing it fails.
func TestPostContentTypePinned(t *testing.T) {
	f := setup(t)
	form := f.presignPost("pinned.png", map[string]string{"Content-Type": "image/png"})
	resp, b := f.post(form.URL, with(sorted(form.Fields), "Content-Type", "text/html"), "p.png", []byte("<script>"))
	f.wantRefused(resp, b, 403, "AccessDenied", `Invalid according to Policy: Policy Condition failed: ["eq", "$Content-Type", "image/png"]`, "pinned.png")
	resp, b = f.post(form.URL, without(sorted(form.Fields), "Content-Type"), "p.png", []byte("png"))
	f.wantRefused(resp, b, 403, "AccessDenied", `["eq", "$Content-Type", "image/png"]`, "pinned.png")
	resp, b = f.post(form.URL, with(sorted(form.Fields), "content-type", "image/png"), "p.png", []byte("png"))
	if resp.StatusCode != 204 {
		t.Errorf("untouched form = %d %s", resp.StatusCode, b)
	}
}

// An expired policy is refused (on the emulator clock) and stores nothing.
func TestPostPolicyExpired(t *testing.T) {
	clock := testkit.NewClock(time.Now())
	f := setup(t, testkit.WithClock(clock.Now))
	form := f.sdkPost("sdk/late.txt", sdkCreds, "us-east-1")
	fields := with(sorted(form.Values), "success_action_status", "201")
	clock.Advance(6 * time.Minute) // past the 5 minutes the SDK signed on the real clock, however slow setup was
	resp, b := f.post(form.URL, fields, "late.txt", []byte("late"))
	f.wantRefused(resp, b, 403, "AccessDenied", "Invalid according to Policy: Policy expired.", "sdk/late.txt")

	own := f.presignPost("own-late.txt", nil) // signed at the real time, 5 minutes
	clock.Advance(10 * time.Minute)
	resp, b = f.post(own.URL, sorted(own.Fields), "late.txt", []byte("late"))
	f.wantRefused(resp, b, 403, "AccessDenied", "Policy expired.", "own-late.txt")
}

func TestPostFilenameSubstitution(t *testing.T) {
	f := setup(t)
	form := f.presignPost("uploads/${filename}", map[string]string{"success_action_status": "201"})
	resp, b := f.post(form.URL, sorted(form.Fields), "photo 1.png", []byte("png"))
	f.wantPostResponse(resp, b, "uploads/photo 1.png", []byte("png"))
	if got, _ := f.content("uploads/photo 1.png"); string(got) != "png" {
		t.Errorf("stored %q", got)
	}
	if _, ok := f.stored("uploads/${filename}"); ok {
		t.Error("stored under the literal ${filename}")
	}
	// A starts-with key condition (the AWS docs' browser example) works the same way.
	// PresignPost pins the key with eq; a prefix-only policy is derived from its form by hand.
	sp, err := s3.PresignPost(creds, s3.PostOptions{URL: form.URL, Bucket: "bucket", Key: "unused", Expires: time.Minute,
		Conditions: []s3.Condition{{Op: "starts-with", Field: "key", Value: "user/eric/"}}})
	if err != nil {
		t.Fatal(err)
	}
	p, perr := s3.ParsePolicy(sp.Fields["policy"])
	if perr != nil {
		t.Fatal(perr)
	}
	p.Conditions = slices.DeleteFunc(p.Conditions, func(c s3.Condition) bool { return c.Op == "eq" && c.Field == "key" })
	policy := p.Encode()
	date := sp.Fields["x-amz-date"][:8]
	fields := with(with(with(sorted(sp.Fields), "policy", policy), "x-amz-signature", s3.PolicySignature("fileemu-secret", date, "us-east-1", policy)),
		"key", "user/eric/${filename}")
	resp, b = f.post(sp.URL, fields, "cv.pdf", []byte("pdf"))
	if resp.StatusCode != 204 || resp.Header.Get("Location") != s3.ObjectURL(f.s.URL(""), "bucket", "user/eric/cv.pdf") {
		t.Errorf("starts-with form = %d %v %s", resp.StatusCode, resp.Header, b)
	}
	resp, b = f.post(sp.URL, with(fields, "key", "user/bob/x"), "cv.pdf", []byte("pdf"))
	f.wantRefused(resp, b, 403, "AccessDenied", `Policy Condition failed: ["starts-with", "$key", "user/eric/"]`, "user/bob/x")
}

func TestPostSuccessActions(t *testing.T) {
	f := setup(t)
	for _, tc := range []struct {
		status string
		want   int
	}{{"200", 200}, {"204", 204}, {"", 204}, {"302", 204}} {
		fields := map[string]string{}
		if tc.status != "" {
			fields["success_action_status"] = tc.status
		}
		key := "status/" + tc.status + ".txt"
		form := f.presignPost(key, fields)
		resp, b := f.post(form.URL, sorted(form.Fields), "s.txt", []byte("status"))
		if resp.StatusCode != tc.want || len(b) != 0 || resp.Header.Get("ETag") != etagOf([]byte("status")) ||
			resp.Header.Get("Location") != s3.ObjectURL(f.s.URL(""), "bucket", key) {
			t.Errorf("success_action_status %q = %d %v %q, want %d", tc.status, resp.StatusCode, resp.Header, b, tc.want)
		}
	}

	// Only loopback addresses: the redirect is not followed, just checked.
	redirect := "http://127.0.0.1:9/done?x=1"
	form := f.presignPost("redirect/a b.txt", map[string]string{"success_action_redirect": redirect})
	resp, b := f.post(form.URL, sorted(form.Fields), "r.txt", []byte("redirected"))
	if resp.StatusCode != 303 {
		t.Fatalf("redirect = %d %s", resp.StatusCode, b)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	q := loc.Query()
	if loc.Host != "127.0.0.1:9" || loc.Path != "/done" || q.Get("x") != "1" || q.Get("bucket") != "bucket" ||
		q.Get("key") != "redirect/a b.txt" || q.Get("etag") != etagOf([]byte("redirected")) {
		t.Errorf("Location = %s", loc)
	}
	if !strings.Contains(loc.RawQuery, "etag=%22") {
		t.Errorf("etag not quoted in %s", loc.RawQuery)
	}
	if got, _ := f.content("redirect/a b.txt"); string(got) != "redirected" {
		t.Errorf("stored %q", got)
	}
	// Legacy "redirect" works the same way.
	form = f.presignPost("redirect/legacy.txt", map[string]string{"redirect": redirect})
	if resp, b := f.post(form.URL, sorted(form.Fields), "r.txt", []byte("r")); resp.StatusCode != 303 {
		t.Errorf("legacy redirect = %d %s", resp.StatusCode, b)
	}
}

// A browser posts the form cross-origin: the preflight passes and the response exposes
// ETag and Location to the page.
func TestPostBrowserCORS(t *testing.T) {
	f := setup(t)
	form := f.presignPost("browser.txt", nil)
	origin := "http://localhost:5173"
	resp, _ := f.do("OPTIONS", form.URL, nil, map[string]string{"Origin": origin, "Access-Control-Request-Method": "POST"})
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != origin ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("preflight = %d %v", resp.StatusCode, resp.Header)
	}
	resp, b := f.post(form.URL, sorted(form.Fields), "browser.txt", []byte("from a page"), "Origin", origin)
	expose := resp.Header.Get("Access-Control-Expose-Headers")
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != origin ||
		!strings.Contains(expose, "ETag") || !strings.Contains(expose, "Location") {
		t.Errorf("POST = %d %v %s", resp.StatusCode, resp.Header, b)
	}
}

// Metadata fields become user metadata; the object is served with it.
func TestPostMetadata(t *testing.T) {
	f := setup(t)
	form := f.presignPost("meta.txt", map[string]string{"x-amz-meta-owner": "alice", "Content-Type": "text/plain"})
	if resp, b := f.post(form.URL, sorted(form.Fields), "m.txt", []byte("meta")); resp.StatusCode != 204 {
		t.Fatalf("POST = %d %s", resp.StatusCode, b)
	}
	resp, _ := f.do("GET", f.presign("GET", "meta.txt", nil), nil, nil)
	if resp.Header.Get("x-amz-meta-owner") != "alice" || resp.Header.Get("Content-Type") != "text/plain" {
		t.Errorf("GET headers %v", resp.Header)
	}
}

// The server's own size limit applies under the policy's range.
func TestPostServerMaxObjectSize(t *testing.T) {
	f := setup(t, testkit.WithMaxObjectSize(10))
	form := f.presignPost("max.txt", nil, s3.Condition{Op: "content-length-range", Min: 0, Max: 100})
	resp, b := f.post(form.URL, sorted(form.Fields), "m.txt", []byte("eleven byte"))
	els := f.wantRefused(resp, b, 400, "EntityTooLarge", "", "max.txt")
	if els["MaxSizeAllowed"] != "10" || els["ProposedSize"] != "11" {
		t.Errorf("sizes %v", els)
	}
}

// Lenient mode accepts authentication problems but still enforces the policy's conditions,
// fields and sizes.
func TestPostLenient(t *testing.T) {
	clock := testkit.NewClock(time.Now())
	f := setup(t, testkit.WithS3Lenient(), testkit.WithClock(clock.Now))
	form := f.sdkPost("lenient/sig.txt", sdkCreds, "us-east-1")
	fields := with(with(sorted(form.Values), "success_action_status", "201"), "X-Amz-Signature", strings.Repeat("0", 64))
	resp, b := f.post(form.URL, fields, "l.txt", []byte("ok"))
	f.wantPostResponse(resp, b, "lenient/sig.txt", []byte("ok"))

	other := f.sdkPost("lenient/key.txt", aws.Credentials{AccessKeyID: "someone", SecretAccessKey: "x"}, "eu-west-1")
	resp, b = f.post(other.URL, with(sorted(other.Values), "success_action_status", "201"), "l.txt", []byte("ok"))
	f.wantPostResponse(resp, b, "lenient/key.txt", []byte("ok"))

	resp, b = f.post(form.URL, []field{{"key", "lenient/anonymous.txt"}, fileAt}, "a.txt", []byte("anon"))
	if resp.StatusCode != 204 {
		t.Errorf("anonymous form = %d %s", resp.StatusCode, b)
	}

	clock.Advance(time.Hour)
	late := f.sdkPost("lenient/late.txt", sdkCreds, "us-east-1") // signed at the real time: expired on the clock
	resp, b = f.post(late.URL, with(sorted(late.Values), "success_action_status", "201"), "l.txt", []byte("ok"))
	f.wantPostResponse(resp, b, "lenient/late.txt", []byte("ok"))

	still := f.sdkPost("lenient/strict.txt", sdkCreds, "us-east-1")
	base := with(sorted(still.Values), "success_action_status", "201")
	resp, b = f.post(still.URL, with(base, "x-amz-meta-a", "1"), "l.txt", []byte("ok"))
	f.wantRefused(resp, b, 403, "AccessDenied", "Extra input fields", "lenient/strict.txt")
	resp, b = f.post(still.URL, with(base, "key", "lenient/other.txt"), "l.txt", []byte("ok"))
	f.wantRefused(resp, b, 403, "AccessDenied", "Policy Condition failed", "lenient/strict.txt", "lenient/other.txt")
	resp, b = f.post(still.URL, base, "l.txt", bytes.Repeat([]byte("x"), 2000))
	f.wantRefused(resp, b, 400, "EntityTooLarge", "", "lenient/strict.txt")
	resp, b = f.post(still.URL, with(base, "policy", "!!"), "l.txt", []byte("ok"))
	f.wantRefused(resp, b, 400, "InvalidPolicyDocument", "", "lenient/strict.txt")
}

func TestPostAnonymousRefused(t *testing.T) {
	f := setup(t)
	resp, b := f.post(f.s.URL("s3")+"/bucket", []field{{"key", "anon.txt"}, fileAt}, "a.txt", []byte("anon"))
	f.wantRefused(resp, b, 403, "AccessDenied", "Access Denied", "anon.txt")
}

// patternReader yields n bytes of a repeating pattern without holding them.
type patternReader struct{ n, off int64 }

func (p *patternReader) Read(b []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	k := int(min(int64(len(b)), p.n-p.off))
	for i := range k {
		b[i] = byte('a' + (p.off+int64(i))%26)
	}
	p.off += int64(k)
	return k, nil
}

// A 32 MiB file goes through the POST path without being buffered: the process allocates
// little more than the 32 MiB the store keeps (client, server and store are all in this
// process).
func TestPostStreamsLargeFile(t *testing.T) {
	const size = 32 << 20
	f := setup(t)
	form := f.presignPost("big.bin", nil, s3.Condition{Op: "content-length-range", Min: size, Max: size})
	pr, pw := io.Pipe()
	w := multipart.NewWriter(pw)
	go func() {
		for _, fl := range sorted(form.Fields) {
			if fl == fileAt {
				part, err := w.CreateFormFile("file", "big.bin")
				if err == nil {
					_, err = io.Copy(part, &patternReader{n: size})
				}
				if err != nil {
					pw.CloseWithError(err)
					return
				}
				continue
			}
			if err := w.WriteField(fl.name, fl.value); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(w.Close())
	}()
	req, err := http.NewRequest(http.MethodPost, form.URL, pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	client := f.noRedirects()

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	runtime.ReadMemStats(&after)

	if resp.StatusCode != 204 {
		t.Fatalf("POST = %d %s", resp.StatusCode, b)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("allocated %.1f MiB for a %d MiB upload", float64(alloc)/(1<<20), size>>20)
	if alloc > size+4<<20 {
		t.Errorf("allocated %d bytes for a %d-byte upload: the file is buffered or copied", alloc, size)
	}
	if o, ok := f.stored("big.bin"); !ok || o.Size != size {
		t.Errorf("stored %+v", o)
	}
}
