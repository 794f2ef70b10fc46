package s3

import (
	"encoding/base64"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestParsePolicy(t *testing.T) {
	exp := time.Date(2026, 11, 22, 11, 56, 29, 0, time.UTC)
	cases := []struct {
		name  string
		doc   string // JSON, base64-encoded by the test unless raw is set
		raw   string
		want  Policy
		code  string // expected error code, "" for success
		inMsg string // substring of the error message
	}{
		{name: "SDK form, RFC3339 without fraction",
			doc: `{"conditions":[{"X-Amz-Algorithm":"AWS4-HMAC-SHA256"},{"bucket":"my-bucket"},["starts-with","$key","uploads/"],["content-length-range",1,1048576],{"success_action_status":"201"}],"expiration":"2026-11-22T11:56:29Z"}`,
			want: Policy{Expiration: exp, Conditions: []Condition{
				{Op: "eq", Field: "X-Amz-Algorithm", Value: "AWS4-HMAC-SHA256"},
				{Op: "eq", Field: "bucket", Value: "my-bucket"},
				{Op: "starts-with", Field: "key", Value: "uploads/"},
				{Op: "content-length-range", Min: 1, Max: 1048576},
				{Op: "eq", Field: "success_action_status", Value: "201"},
			}}},
		{name: "AWS docs form, milliseconds",
			doc: `{ "expiration": "2026-11-22T11:56:29.000Z",
  "conditions": [ ["eq", "$acl", "public-read"], ["starts-with", "$Content-Type", ""], {"x-amz-meta-uuid": "14365123651274"} ] }`,
			want: Policy{Expiration: exp, Conditions: []Condition{
				{Op: "eq", Field: "acl", Value: "public-read"},
				{Op: "starts-with", Field: "Content-Type", Value: ""},
				{Op: "eq", Field: "x-amz-meta-uuid", Value: "14365123651274"},
			}}},
		{name: "numeric strings in content-length-range",
			doc:  `{"expiration":"2026-11-22T11:56:29Z","conditions":[["content-length-range","0"," 10485760"]]}`,
			want: Policy{Expiration: exp, Conditions: []Condition{{Op: "content-length-range", Min: 0, Max: 10485760}}}},
		{name: "upper-case operation", doc: `{"expiration":"2026-11-22T11:56:29Z","conditions":[["EQ","$key","a"]]}`,
			want: Policy{Expiration: exp, Conditions: []Condition{{Op: "eq", Field: "key", Value: "a"}}}},
		{name: "wrapped base64", raw: strings.Join(chunks(b64(`{"expiration":"2026-11-22T11:56:29Z","conditions":[]}`), 10), "\n"),
			want: Policy{Expiration: exp}},
		{name: "malformed base64", raw: "not*base64", code: "InvalidPolicyDocument", inMsg: "Base64"},
		{name: "malformed JSON", doc: `{"expiration":`, code: "InvalidPolicyDocument", inMsg: "Invalid Policy: Invalid JSON."},
		{name: "trailing garbage", doc: `{"expiration":"2026-11-22T11:56:29Z","conditions":[]} x`, code: "InvalidPolicyDocument", inMsg: "Invalid JSON"},
		{name: "not an object", doc: `[1,2]`, code: "InvalidPolicyDocument", inMsg: "Invalid JSON"},
		{name: "two-key object condition", doc: `{"expiration":"2026-11-22T11:56:29Z","conditions":[{"bucket":"a","key":"b"}]}`,
			code: "InvalidPolicyDocument", inMsg: "Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified."},
		{name: "repeated key in object condition", doc: `{"expiration":"2026-11-22T11:56:29Z","conditions":[{"key":"a","key":"b"}]}`,
			code: "InvalidPolicyDocument", inMsg: "exactly one property"},
		{name: "empty object condition", doc: `{"expiration":"2026-11-22T11:56:29Z","conditions":[{}]}`,
			code: "InvalidPolicyDocument", inMsg: "exactly one property"},
		{name: "null value", doc: `{"expiration":"2026-11-22T11:56:29Z","conditions":[{"success_action_redirect":null}]}`,
			code: "InvalidPolicyDocument"},
		{name: "missing expiration", doc: `{"conditions":[]}`, code: "InvalidPolicyDocument", inMsg: "expiration"},
		{name: "bad expiration", doc: `{"expiration":"tomorrow","conditions":[]}`, code: "InvalidPolicyDocument", inMsg: "Invalid 'expiration' value"},
		{name: "missing conditions", doc: `{"expiration":"2026-11-22T11:56:29Z"}`, code: "InvalidPolicyDocument", inMsg: "conditions"},
		{name: "two-element array", doc: `{"expiration":"2026-11-22T11:56:29Z","conditions":[["eq","$key"]]}`, code: "InvalidPolicyDocument"},
		{name: "field without $", doc: `{"expiration":"2026-11-22T11:56:29Z","conditions":[["eq","key","a"]]}`, code: "InvalidPolicyDocument"},
		{name: "unknown operation", doc: `{"expiration":"2026-11-22T11:56:29Z","conditions":[["ends-with","$key","a"]]}`, code: "InvalidPolicyDocument"},
		{name: "range min above max", doc: `{"expiration":"2026-11-22T11:56:29Z","conditions":[["content-length-range",10,1]]}`, code: "InvalidPolicyDocument"},
		{name: "range not a number", doc: `{"expiration":"2026-11-22T11:56:29Z","conditions":[["content-length-range","a",1]]}`, code: "InvalidPolicyDocument"},
		{name: "scalar condition", doc: `{"expiration":"2026-11-22T11:56:29Z","conditions":["key"]}`, code: "InvalidPolicyDocument"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.raw
			if in == "" {
				in = b64(tc.doc)
			}
			p, e := ParsePolicy(in)
			if tc.code != "" {
				if e == nil {
					t.Fatalf("parsed %+v, want %s", p, tc.code)
				}
				if e.Status != 400 || e.Code != tc.code || !strings.Contains(e.Message, tc.inMsg) {
					t.Errorf("error = %d %s %q, want 400 %s containing %q", e.Status, e.Code, e.Message, tc.code, tc.inMsg)
				}
				return
			}
			if e != nil {
				t.Fatalf("error %v", e)
			}
			if !p.Expiration.Equal(tc.want.Expiration) || !reflect.DeepEqual(p.Conditions, tc.want.Conditions) {
				t.Errorf("got %+v\nwant %+v", p, tc.want)
			}
		})
	}
}

func chunks(s string, n int) []string {
	var out []string
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	return append(out, s)
}

func TestPolicyEncodeRoundTrip(t *testing.T) {
	p := Policy{
		Expiration: time.Date(2026, 11, 22, 12, 0, 0, 123e6, time.UTC),
		Conditions: []Condition{
			{Op: "eq", Field: "bucket", Value: "b"},
			{Op: "eq", Field: "key", Value: "uploads/${filename}"},
			{Op: "eq", Field: "Content-Type", Value: "image/jpeg"},
			{Op: "starts-with", Field: "x-amz-meta-tag", Value: "<&>"},
			{Op: "content-length-range", Min: 1, Max: 1 << 40},
			{Op: "eq", Field: "X-Amz-Date", Value: "20261122T120000Z"},
		},
	}
	enc := p.Encode()
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		t.Fatal(err)
	}
	// The JSON reads as in the AWS docs: objects for bucket/key/x-amz-*, arrays otherwise.
	want := `{"expiration":"2026-11-22T12:00:00.123Z","conditions":[{"bucket":"b"},{"key":"uploads/${filename}"},` +
		`["eq","$Content-Type","image/jpeg"],["starts-with","$x-amz-meta-tag","<&>"],["content-length-range",1,1099511627776],{"X-Amz-Date":"20261122T120000Z"}]}`
	if string(raw) != want {
		t.Errorf("JSON =\n%s\nwant\n%s", raw, want)
	}
	if !json.Valid(raw) {
		t.Error("not valid JSON")
	}
	got, e := ParsePolicy(enc)
	if e != nil {
		t.Fatal(e)
	}
	if !got.Expiration.Equal(p.Expiration) || !reflect.DeepEqual(got.Conditions, p.Conditions) {
		t.Errorf("round trip = %+v, want %+v", got, p)
	}
}

func TestConditionString(t *testing.T) {
	for c, want := range map[Condition]string{
		{Op: "eq", Field: "key", Value: "a.txt"}:                       `["eq", "$key", "a.txt"]`,
		{Op: "eq", Field: "X-Amz-Date", Value: "20261122T120000Z"}:     `["eq", "$X-Amz-Date", "20261122T120000Z"]`,
		{Op: "starts-with", Field: "Content-Type", Value: `image/"x"`}: `["starts-with", "$Content-Type", "image/\"x\""]`,
		{Op: "content-length-range", Min: 1, Max: 10}:                  `["content-length-range", 1, 10]`,
	} {
		if got := c.String(); got != want {
			t.Errorf("%+v.String() = %s, want %s", c, got, want)
		}
	}
}

// The form has exactly the fields the Desk seed lists, and the policy pins every one of them.
func TestPresignPostFields(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	form, err := PresignPost(testCreds, PostOptions{
		URL: "http://127.0.0.1:8080/_s/t1/s3/desk-uploads", Bucket: "desk-uploads", Key: "files/42/the_file_name.jpeg",
		Expires: 15 * time.Minute, Now: now,
		Fields:     map[string]string{"Content-Type": "image/jpeg", "success_action_status": "201"},
		Conditions: []Condition{{Op: "content-length-range", Min: 1, Max: 1 << 20}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if form.URL != "http://127.0.0.1:8080/_s/t1/s3/desk-uploads" {
		t.Errorf("URL = %s", form.URL)
	}
	var names []string
	for name := range form.Fields {
		names = append(names, name)
	}
	slices.Sort(names)
	seed := []string{"Content-Type", "bucket", "key", "policy", "success_action_status",
		"x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature"}
	if !slices.Equal(names, seed) {
		t.Errorf("fields = %v, want %v", names, seed)
	}
	f := form.Fields
	if f["bucket"] != "desk-uploads" || f["key"] != "files/42/the_file_name.jpeg" || f["x-amz-algorithm"] != "AWS4-HMAC-SHA256" ||
		f["x-amz-credential"] != "fileemu/20261122/us-east-1/s3/aws4_request" || f["x-amz-date"] != "20261122T120000Z" ||
		f["Content-Type"] != "image/jpeg" || f["success_action_status"] != "201" {
		t.Errorf("fields = %v", f)
	}
	if want := PolicySignature("fileemu-secret", "20261122", "us-east-1", f["policy"]); f["x-amz-signature"] != want || len(want) != 64 {
		t.Errorf("signature = %s, want %s", f["x-amz-signature"], want)
	}
	p, e := ParsePolicy(f["policy"])
	if e != nil {
		t.Fatal(e)
	}
	if !p.Expiration.Equal(now.Add(15 * time.Minute)) {
		t.Errorf("expiration = %v", p.Expiration)
	}
	pinned := map[string]string{}
	for _, c := range p.Conditions {
		if c.Op == "eq" {
			pinned[c.Field] = c.Value
		}
	}
	for name, value := range f {
		if name == "policy" || name == "x-amz-signature" {
			continue
		}
		if pinned[name] != value {
			t.Errorf("field %s=%q is not pinned by an eq condition (policy pins %q)", name, value, pinned[name])
		}
	}
	if !slices.Contains(p.Conditions, Condition{Op: "content-length-range", Min: 1, Max: 1 << 20}) {
		t.Errorf("conditions %+v lack the content-length-range", p.Conditions)
	}
}

func TestPresignPostRefusesBadOptions(t *testing.T) {
	ok := PostOptions{URL: "http://h/s3/b", Bucket: "b", Key: "k", Expires: time.Minute}
	for name, mutate := range map[string]func(*PostOptions, *Credentials){
		"no secret":      func(_ *PostOptions, c *Credentials) { c.SecretKey = "" },
		"no key":         func(o *PostOptions, _ *Credentials) { o.Key = "" },
		"no URL":         func(o *PostOptions, _ *Credentials) { o.URL = "" },
		"zero expiry":    func(o *PostOptions, _ *Credentials) { o.Expires = 0 },
		"reserved field": func(o *PostOptions, _ *Credentials) { o.Fields = map[string]string{"Policy": "x"} },
		"inverted range": func(o *PostOptions, _ *Credentials) {
			o.Conditions = []Condition{{Op: "content-length-range", Min: 2, Max: 1}}
		},
		"unknown operator": func(o *PostOptions, _ *Credentials) { o.Conditions = []Condition{{Op: "ends-with", Field: "key"}} },
	} {
		o, c := ok, testCreds
		mutate(&o, &c)
		if _, err := PresignPost(c, o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := PresignPost(testCreds, ok); err != nil {
		t.Errorf("valid options: %v", err)
	}
}

// appendJSONString writes what encoding/json writes, with its shortcut for plain fields.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "desk-uploads", "1/photo.jpeg", `a"b\c`, "<&>", "tab\there", "ü", "\xff", "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(appendJSONString([]byte("x"), s)), "x"+jsonString(s); got != want {
			t.Fatalf("appendJSONString(%q) = %s, encoding/json: %s", s, got, want)
		}
	})
}
