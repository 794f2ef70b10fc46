package journal

import (
	"strings"
	"testing"
)

func TestRedactBody(t *testing.T) {
	for _, tc := range []struct{ ct, body, want string }{
		{"application/json", `{"name":"a","Password":"p","deep":[{"access_token":"t","x":1.50}]}`,
			`{"Password":"REDACTED","deep":[{"access_token":"REDACTED","x":1.50}],"name":"a"}`},
		{"application/json; charset=utf-8", `{"html":"<b>&</b>"}`, `{"html":"<b>&</b>"}`},
		{"application/merge-patch+json", `{"secret":{"a":1}}`, `{"secret":"REDACTED"}`},
		{"application/json", `{"password":"p",}`, "[JSON that does not parse, not kept: invalid character '}' looking for beginning of object key string]"},
		{"application/json", "{} {}", "[JSON that does not parse, not kept: more than one JSON value]"},
		{"application/json", `{"accessToken":"a","client-secret":"b","ID_TOKEN":"c","secretAccessKey":"d","name":"n"}`,
			`{"ID_TOKEN":"REDACTED","accessToken":"REDACTED","client-secret":"REDACTED","name":"n","secretAccessKey":"REDACTED"}`},
		{"application/x-www-form-urlencoded", "user=a&password=p&token=t", "user=a&password=REDACTED&token=REDACTED"},
		{"multipart/form-data; boundary=x", "--x\r\n...", ""},
		{"application/octet-stream", "\x00\x01", ""},
		{"", "{}", ""},
		{"application/json", "", ""},
		{"application/json", "\"\xff\"", "\"\ufffd\""},
		{"application/x-www-form-urlencoded", "user=a&accessToken=x&X_Amz_Signature=y", "user=a&accessToken=REDACTED&X_Amz_Signature=REDACTED"},
	} {
		if got := RedactBody(tc.ct, []byte(tc.body)); got != tc.want {
			t.Errorf("RedactBody(%q, %q) = %q, want %q", tc.ct, tc.body, got, tc.want)
		}
	}
}

func TestRedactText(t *testing.T) {
	for in, want := range map[string]string{
		`{"file_url":"http://h/s3/b/k?X-Amz-Algorithm=A&X-Amz-Credential=fileemu%2F2026&X-Amz-Signature=abc123","expires_in":600}`: `{"file_url":"http://h/s3/b/k?X-Amz-Algorithm=A&X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED","expires_in":600}`,
		`{"access_token":"wyu_x\"y","expires_in":3600,"accessToken" : "z"}`:                                                        `{"access_token":"REDACTED","expires_in":3600,"accessToken" : "REDACTED"}`,
		`<Location>https://h/k?x-amz-signature=cut`:                                                                                `<Location>https://h/k?x-amz-signature=REDACTED`,
		`{"name":"token.txt","tokens":3}`:                                                                                          `{"name":"token.txt","tokens":3}`,
		`{"_token":"x","-password":"y"}?-X-Amz-Signature=abc`:                                                                      `{"_token":"REDACTED","-password":"REDACTED"}?-X-Amz-Signature=REDACTED`,
	} {
		if got := RedactText(in); got != want {
			t.Errorf("RedactText(%s)\n= %s\nwant %s", in, got, want)
		}
	}
}

// Bodies count against the journal's bytes and are bounded per entry whatever the caller did.
func TestBodiesAreCountedAndBounded(t *testing.T) {
	j := New(10, 1<<30)
	j.Add(Entry{Path: "/a"})
	small := j.Bytes()
	j.Add(Entry{Path: "/a", ResponseBody: strings.Repeat("x", 3<<20), ResponseHeaders: map[string]string{"Set-Cookie": "s=1", "X": "y"}})
	e := j.Find(Filter{})[1]
	if len(e.ResponseBody) > maxBody+64 || !strings.HasSuffix(e.ResponseBody, " bytes truncated]") {
		t.Errorf("response body of %d bytes kept", len(e.ResponseBody))
	}
	if e.ResponseHeaders["Set-Cookie"] != Redacted || e.ResponseHeaders["X"] != "y" {
		t.Errorf("response headers %v", e.ResponseHeaders)
	}
	if grown := j.Bytes() - small; grown < maxBody {
		t.Errorf("an entry with a %d-byte body counted %d bytes", maxBody, grown)
	}
}

// RedactText runs on every kept answer: it must not cost much (regexps did: a quarter of a
// signed-url request's CPU).
func BenchmarkRedactText(b *testing.B) {
	body := `{"expires_in":600,"file_id":"d7c2b179-8e4f-4c45-b30d-c9cd254c32b6","file_limits":{"allowed_types":["text/csv","text/plain","application/pdf"],"max_size":10485760},"file_url":"http://127.0.0.1:8080/_s/t1/s3/haufe-files/d7c2b179/a.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=fileemu%2F20261126%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261126T041008Z&X-Amz-Expires=600&X-Amz-SignedHeaders=host&X-Amz-Signature=afbcb04188b38cafd8a7c87793b715e927ed002cf3e0e649e6737254b8392389"}`
	b.ReportAllocs()
	for b.Loop() {
		RedactText(body)
	}
}

// RedactText never panics on what an answer may hold, cut anywhere, and redacting twice
// changes nothing more.
func FuzzRedactText(f *testing.F) {
	f.Add(`{"file_url":"http://h/k?X-Amz-Signature=abc&b=1","access_token":"t\"x"}`)
	f.Add(`?token=`)
	f.Add(`"password" : "`)
	f.Add(`"secret":"a\`)
	f.Fuzz(func(t *testing.T, s string) {
		once := RedactText(s)
		if twice := RedactText(once); twice != once {
			t.Fatalf("not idempotent:\n%q\n%q\n%q", s, once, twice)
		}
	})
}

// RedactAnswer keeps what RedactText of the answer's valid UTF-8 and the cut marker kept before
// it took the captured bytes directly.
func TestRedactAnswerIsRedactTextOfTheBytes(t *testing.T) {
	for _, in := range []string{
		``,
		`{"name":"token.txt","tokens":3}`,
		`{"file_url":"http://h/k?X-Amz-Signature=abc&b=1","access_token":"t\"x"}`,
		"{\"name\":\"\xff\xfe\",\"password\":\"p\xc3\"}",
		`"secret":"a\`,
	} {
		for _, cut := range []int64{0, 7} {
			want := RedactText(strings.ToValidUTF8(in, "\ufffd"))
			if cut > 0 {
				want += "…[7 bytes truncated]"
			}
			if got := RedactAnswer([]byte(in), cut); got != want {
				t.Errorf("RedactAnswer(%q, %d)\n= %q\nwant %q", in, cut, got, want)
			}
		}
	}
}

func FuzzRedactAnswer(f *testing.F) {
	f.Add([]byte(`{"file_url":"http://h/k?X-Amz-Signature=abc&b=1","access_token":"t\"x"}`))
	f.Add([]byte("\"password\":\"\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := RedactAnswer(b, 0), RedactText(strings.ToValidUTF8(string(b), "\ufffd")); got != want {
			t.Fatalf("RedactAnswer(%q) = %q, RedactText gives %q", b, got, want)
		}
	})
}
