package s3

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestErrorConstructors(t *testing.T) {
	at := time.Date(2026, 11, 22, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	cases := []struct {
		err     *Error
		status  int
		code    string
		message string
		extra   []Field
	}{
		{ErrNoSuchKey("a/b.txt"), 404, "NoSuchKey", "The specified key does not exist.", []Field{{"Key", "a/b.txt"}}},
		{ErrNoSuchBucket("bkt"), 404, "NoSuchBucket", "The specified bucket does not exist.", []Field{{"BucketName", "bkt"}}},
		{ErrEntityTooLarge(12, 10), 400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size",
			[]Field{{"ProposedSize", "12"}, {"MaxSizeAllowed", "10"}}},
		{ErrEntityTooSmall(0, 1), 400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size",
			[]Field{{"ProposedSize", "0"}, {"MinSizeAllowed", "1"}}},
		{ErrBadDigest(), 400, "BadDigest", "The Content-MD5 you specified did not match what we received.", nil},
		{ErrInvalidDigest(), 400, "InvalidDigest", "The Content-MD5 you specified is not valid.", nil},
		{ErrAccessDenied("Access Denied"), 403, "AccessDenied", "Access Denied", nil},
		{ErrHeadersNotSigned("host"), 403, "AccessDenied", "There were headers present in the request which were not signed",
			[]Field{{"HeadersNotSigned", "host"}}},
		{ErrInvalidAccessKeyID("AKID"), 403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.",
			[]Field{{"AWSAccessKeyId", "AKID"}}},
		{ErrAuthorizationQueryParameters("bad"), 400, "AuthorizationQueryParametersError", "bad", nil},
		{ErrRequestExpired(900, at, at.Add(time.Hour)), 403, "AccessDenied", "Request has expired",
			[]Field{{"X-Amz-Expires", "900"}, {"Expires", "2026-11-22T11:00:00Z"}, {"ServerTime", "2026-11-22T12:00:00Z"}}},
		{ErrRequestNotYetValid(), 403, "AccessDenied", "Request is not valid yet", nil},
		{ErrInternal(), 500, "InternalError", "We encountered an internal error. Please try again.", nil},
		{ErrMethodNotAllowed("DELETE", "OBJECT"), 405, "MethodNotAllowed", "The specified method is not allowed against this resource.",
			[]Field{{"Method", "DELETE"}, {"ResourceType", "OBJECT"}}},
		{ErrInvalidRequest("nope"), 400, "InvalidRequest", "nope", nil},
		{ErrIncompleteBody(), 400, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.", nil},
		{ErrMissingContentLength(), 411, "MissingContentLength", "You must provide the Content-Length HTTP header.", nil},
	}
	for _, tc := range cases {
		t.Run(tc.code+" "+tc.message, func(t *testing.T) {
			e := tc.err
			if e.Status != tc.status || e.Code != tc.code || e.Message != tc.message {
				t.Errorf("got %d %s %q", e.Status, e.Code, e.Message)
			}
			if fmt.Sprint(e.Extra) != fmt.Sprint(tc.extra) {
				t.Errorf("extra %v, want %v", e.Extra, tc.extra)
			}
			if e.Error() != tc.code+": "+tc.message {
				t.Errorf("Error() = %q", e.Error())
			}

			rec := httptest.NewRecorder()
			e.Write(rec, "REQ123", false)
			if rec.Code != tc.status {
				t.Errorf("written status %d", rec.Code)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/xml" {
				t.Errorf("Content-Type %q", ct)
			}
			if rec.Header().Get("x-amz-request-id") != "REQ123" {
				t.Errorf("x-amz-request-id %q", rec.Header().Get("x-amz-request-id"))
			}
			body := rec.Body.String()
			if !strings.HasPrefix(body, `<?xml version="1.0" encoding="UTF-8"?>`+"\n<Error><Code>") {
				t.Errorf("body does not start like S3's:\n%s", body)
			}
			// Elements in S3's order: Code, Message, extras, RequestId, HostId.
			want := append([]Field{{"Code", tc.code}, {"Message", tc.message}}, tc.extra...)
			want = append(want, Field{"RequestId", "REQ123"}, Field{"HostId", hostID})
			if got := parseErrorXML(t, rec.Body.Bytes()); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("elements\n got %v\nwant %v", got, want)
			}
		})
	}
}

func TestSignatureDoesNotMatchElements(t *testing.T) {
	e := ErrSignatureDoesNotMatch("fileemu", "AWS4\nx", "PUT\n/b/k", "abc")
	if e.Status != 403 || e.Code != "SignatureDoesNotMatch" ||
		e.Message != "The request signature we calculated does not match the signature you provided. Check your key and signing method." {
		t.Fatalf("got %v", e)
	}
	want := []Field{
		{"AWSAccessKeyId", "fileemu"},
		{"StringToSign", "AWS4\nx"},
		{"SignatureProvided", "abc"},
		{"StringToSignBytes", "41 57 53 34 0a 78"},
		{"CanonicalRequest", "PUT\n/b/k"},
		{"CanonicalRequestBytes", "50 55 54 0a 2f 62 2f 6b"},
	}
	if fmt.Sprint(e.Extra) != fmt.Sprint(want) {
		t.Errorf("extra\n got %q\nwant %q", e.Extra, want)
	}
	rec := httptest.NewRecorder()
	e.Write(rec, "r", false)
	// Newlines stay literal, as in S3's own responses, so the canonical
	// request is readable in a raw dump.
	if !strings.Contains(rec.Body.String(), "<CanonicalRequest>PUT\n/b/k</CanonicalRequest>") {
		t.Errorf("canonical request not rendered literally:\n%s", rec.Body.String())
	}
	got := fieldMap(parseErrorXML(t, rec.Body.Bytes()))
	if got["StringToSign"] != "AWS4\nx" || got["CanonicalRequest"] != "PUT\n/b/k" {
		t.Errorf("round trip lost newlines: %q", got)
	}
}

func TestErrorEscaping(t *testing.T) {
	cases := map[string]string{
		`a<b>&c"d'e`:           `a<b>&c"d'e`,
		"tab\tnl\ncr\r":        "tab\tnl\ncr\r",
		"ctl\x01\x1f":          "ctl\uFFFD\uFFFD",
		"bad utf8 \xff\xfe":    "bad utf8 \uFFFD\uFFFD",
		"</Message><Code>x":    "</Message><Code>x",
		"]]><![CDATA[":         "]]><![CDATA[",
		"ünïcödé 日本 😀":         "ünïcödé 日本 😀",
		"nonchar \uFFFE\uFFFF": "nonchar \uFFFD\uFFFD",
	}
	for in, want := range cases {
		e := ErrInvalidRequest(in)
		e.Extra = []Field{{"Key", in}}
		rec := httptest.NewRecorder()
		e.Write(rec, "<id&>", false)
		body := rec.Body.String()
		if strings.Contains(in, "<") && strings.Contains(body, "a<b") {
			t.Errorf("%q not escaped:\n%s", in, body)
		}
		got := fieldMap(parseErrorXML(t, rec.Body.Bytes()))
		if got["Message"] != want || got["Key"] != want {
			t.Errorf("%q: Message %q, Key %q, want %q", in, got["Message"], got["Key"], want)
		}
		if got["RequestId"] != "<id&>" {
			t.Errorf("RequestId %q", got["RequestId"])
		}
	}
	rec := httptest.NewRecorder()
	ErrInvalidRequest("a<b>&c").Write(rec, "r", false)
	if !strings.Contains(rec.Body.String(), "<Message>a&lt;b&gt;&amp;c</Message>") {
		t.Errorf("escaping:\n%s", rec.Body.String())
	}
}

func TestErrorWriteHead(t *testing.T) {
	rec := httptest.NewRecorder()
	ErrNoSuchKey("k").Write(rec, "REQ", true)
	if rec.Code != http.StatusNotFound {
		t.Errorf("status %d", rec.Code)
	}
	if rec.Body.Len() != 0 {
		t.Errorf("HEAD response has a body: %q", rec.Body.String())
	}
	if rec.Header().Get("Content-Type") != "application/xml" || rec.Header().Get("x-amz-request-id") != "REQ" {
		t.Errorf("headers %v", rec.Header())
	}
}

func TestErrorWriteContentLengthAndZeroStatus(t *testing.T) {
	rec := httptest.NewRecorder()
	(&Error{Code: "Weird", Message: "no status"}).Write(rec, "r", false)
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("status %d, want 500 for an Error without one", rec.Code)
	}
	if got, want := rec.Header().Get("Content-Length"), fmt.Sprint(rec.Body.Len()); got != want {
		t.Errorf("Content-Length %s, body %s bytes", got, want)
	}
}
