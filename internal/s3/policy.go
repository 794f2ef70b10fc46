package s3

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Condition operators of a POST policy.
const (
	OpEq                 = "eq"
	OpStartsWith         = "starts-with"
	OpContentLengthRange = "content-length-range"
)

// Condition is one POST policy condition.
type Condition struct {
	Op string // "eq", "starts-with", "content-length-range"
	// Field is the form field name without '$', as written in the policy; fields are
	// matched case-insensitively. Empty for content-length-range.
	Field    string
	Value    string // eq / starts-with
	Min, Max int64  // content-length-range, inclusive
}

// String renders c the way S3 reports a failed condition, e.g. ["eq", "$key", "a.txt"],
// whatever form it had in the policy.
func (c Condition) String() string {
	if c.Op == OpContentLengthRange {
		return fmt.Sprintf(`["%s", %d, %d]`, c.Op, c.Min, c.Max)
	}
	return fmt.Sprintf(`[%s, %s, %s]`, jsonString(c.Op), jsonString("$"+c.Field), jsonString(c.Value))
}

// Policy is a decoded POST policy document.
type Policy struct {
	Expiration time.Time
	Conditions []Condition
}

// policyExpirationFormat is how Encode writes the expiration, as the AWS docs show it.
const policyExpirationFormat = "2006-01-02T15:04:05.000Z"

// ParsePolicy decodes the base64 policy form field and its JSON document:
//
//	{"expiration": "2026-11-22T12:00:00.000Z", "conditions": [...]}
//
// The expiration is RFC 3339 with or without fractional seconds. Conditions are objects
// with exactly one property ({"field": "value"}, an exact match), arrays
// ["eq"|"starts-with", "$field", "value"], or ["content-length-range", min, max] with
// numbers or numeric strings. White space inside the base64 (some encoders wrap lines) is
// ignored; the signature still covers the field exactly as sent.
//
// Errors are what S3 answers: 400 InvalidPolicyDocument.
func ParsePolicy(b64 string) (Policy, *Error) {
	raw, ok := decodeBase64(b64)
	if !ok {
		return Policy{}, errInvalidPolicy("Invalid Policy: Invalid 'Base64' encoding.")
	}
	var doc struct {
		Expiration json.RawMessage   `json:"expiration"`
		Conditions []json.RawMessage `json:"conditions"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&doc); err != nil || trailingData(dec) {
		return Policy{}, errInvalidPolicy("Invalid Policy: Invalid JSON.")
	}
	var p Policy
	if len(doc.Expiration) == 0 || string(doc.Expiration) == "null" {
		return Policy{}, errInvalidPolicy("Invalid Policy: Policy missing expiration.")
	}
	var exp string
	if err := json.Unmarshal(doc.Expiration, &exp); err != nil {
		return Policy{}, errInvalidPolicy("Invalid Policy: Invalid 'expiration' value: " + string(doc.Expiration))
	}
	t, err := time.Parse(time.RFC3339Nano, exp)
	if err != nil {
		return Policy{}, errInvalidPolicy("Invalid Policy: Invalid 'expiration' value: '" + exp + "'")
	}
	p.Expiration = t
	if doc.Conditions == nil {
		return Policy{}, errInvalidPolicy("Invalid Policy: Policy missing conditions.")
	}
	for _, rc := range doc.Conditions {
		c, e := parseCondition(rc)
		if e != nil {
			return Policy{}, e
		}
		p.Conditions = append(p.Conditions, c)
	}
	return p, nil
}

// trailingData reports whether anything but white space follows the decoded document.
func trailingData(dec *json.Decoder) bool {
	_, err := dec.Token()
	return !errors.Is(err, io.EOF)
}

// decodeBase64 decodes standard base64, padded or not, ignoring white space.
func decodeBase64(s string) ([]byte, bool) {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, s)
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, true
	}
	b, err := base64.RawStdEncoding.DecodeString(s)
	return b, err == nil
}

// parseCondition decodes one element of the conditions array.
func parseCondition(raw json.RawMessage) (Condition, *Error) {
	trimmed := bytes.TrimLeft(raw, " \t\r\n")
	switch {
	case len(trimmed) > 0 && trimmed[0] == '{':
		return parseSimpleCondition(raw)
	case len(trimmed) > 0 && trimmed[0] == '[':
		return parseArrayCondition(raw)
	}
	return Condition{}, errInvalidPolicy("Invalid Policy: Invalid Condition: conditions must be objects or arrays.")
}

// parseSimpleCondition decodes {"field": "value"}, counting properties itself so that a
// repeated name counts twice.
func parseSimpleCondition(raw json.RawMessage) (Condition, *Error) {
	tooMany := errInvalidPolicy("Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.")
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // '{'
		return Condition{}, errInvalidPolicy("Invalid Policy: Invalid JSON.")
	}
	var c Condition
	n := 0
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return Condition{}, errInvalidPolicy("Invalid Policy: Invalid JSON.")
		}
		name, _ := tok.(string)
		var value any
		if err := dec.Decode(&value); err != nil {
			return Condition{}, errInvalidPolicy("Invalid Policy: Invalid JSON.")
		}
		s, ok := value.(string)
		if !ok {
			return Condition{}, errInvalidPolicy("Invalid Policy: Invalid Simple-Condition: value must be a string.")
		}
		n++
		c = Condition{Op: OpEq, Field: name, Value: s}
	}
	if n != 1 {
		return Condition{}, tooMany
	}
	return c, nil
}

// parseArrayCondition decodes ["eq"|"starts-with", "$field", "value"] and
// ["content-length-range", min, max].
func parseArrayCondition(raw json.RawMessage) (Condition, *Error) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return Condition{}, errInvalidPolicy("Invalid Policy: Invalid JSON.")
	}
	if len(items) != 3 {
		return Condition{}, errInvalidPolicy("Invalid Policy: Invalid Condition: conditions must have exactly three elements.")
	}
	var op string
	if err := json.Unmarshal(items[0], &op); err != nil {
		return Condition{}, errInvalidPolicy("Invalid Policy: Invalid Condition: the operation must be a string.")
	}
	switch strings.ToLower(op) {
	case OpEq, OpStartsWith:
		var field, value string
		if json.Unmarshal(items[1], &field) != nil || json.Unmarshal(items[2], &value) != nil {
			return Condition{}, errInvalidPolicy(fmt.Sprintf("Invalid Policy: Invalid %s Condition: the field and the value must be strings.", op))
		}
		if !strings.HasPrefix(field, "$") {
			return Condition{}, errInvalidPolicy(fmt.Sprintf("Invalid Policy: Invalid %s Condition: the field name must start with '$': %s.", op, jsonString(field)))
		}
		return Condition{Op: strings.ToLower(op), Field: field[1:], Value: value}, nil
	case OpContentLengthRange:
		lo, ok1 := policyInt(items[1])
		hi, ok2 := policyInt(items[2])
		if !ok1 || !ok2 || lo < 0 || hi < lo {
			return Condition{}, errInvalidPolicy("Invalid Policy: Invalid content-length-range Condition: min and max must be integers with 0 <= min <= max.")
		}
		return Condition{Op: OpContentLengthRange, Min: lo, Max: hi}, nil
	}
	return Condition{}, errInvalidPolicy(fmt.Sprintf("Invalid Policy: Invalid Condition: unknown operation %s.", jsonString(op)))
}

// policyInt reads an integer given as a JSON number or a numeric string.
func policyInt(raw json.RawMessage) (int64, bool) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return 0, false
	}
	var s string
	switch v := v.(type) {
	case json.Number:
		s = v.String()
	case string:
		s = strings.TrimSpace(v)
	default:
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err == nil {
		return n, true
	}
	// 1e6 or 1024.0: integral numbers written as floats.
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != float64(int64(f)) || f > 1<<62 || f < -(1<<62) {
		return 0, false
	}
	return int64(f), true
}

// Encode returns the base64 JSON of the policy: the expiration with milliseconds, eq
// conditions on bucket, key and x-amz-* fields as objects (as the AWS docs show them),
// every other condition as an array.
func (p Policy) Encode() string {
	b := make([]byte, 0, 512)
	b = append(b, `{"expiration":`...)
	b = appendJSONString(b, p.Expiration.UTC().Format(policyExpirationFormat))
	b = append(b, `,"conditions":[`...)
	for i, c := range p.Conditions {
		if i > 0 {
			b = append(b, ',')
		}
		switch {
		case c.Op == OpContentLengthRange:
			b = append(b, `["`+OpContentLengthRange+`",`...)
			b = append(strconv.AppendInt(b, c.Min, 10), ',')
			b = append(strconv.AppendInt(b, c.Max, 10), ']')
		case c.Op == OpEq && simpleField(c.Field):
			b = append(appendJSONString(append(b, '{'), c.Field), ':')
			b = append(appendJSONString(b, c.Value), '}')
		default:
			b = append(appendJSONString(append(b, '['), c.Op), ',')
			b = append(appendJSONString(b, "$"+c.Field), ',')
			b = append(appendJSONString(b, c.Value), ']')
		}
	}
	b = append(b, "]}"...)
	return base64.StdEncoding.EncodeToString(b)
}

// simpleField reports whether Encode writes an eq condition on name in object form.
func simpleField(name string) bool {
	l := strings.ToLower(name)
	return l == "bucket" || l == "key" || strings.HasPrefix(l, "x-amz-")
}

// appendJSONString appends s as a JSON string literal, without HTML escaping. Printable ASCII
// without quotes or backslashes (nearly every field) is written as it is; anything else as
// encoding/json writes it.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return append(b, jsonString(s)...)
		}
	}
	return append(append(append(b, '"'), s...), '"')
}

// jsonString is s as a JSON string literal, without HTML escaping.
func jsonString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

// PostOptions describes a browser POST form to mint with PresignPost.
type PostOptions struct {
	// URL is the bucket URL the form posts to, e.g. {session base}/s3/{bucket}.
	URL    string
	Bucket string
	// Key is the object key, pinned with an eq condition. It may contain ${filename},
	// which the emulator replaces with the uploaded file's name.
	Key     string
	Expires time.Duration // how long the form stays usable; > 0
	Now     time.Time     // signing time; zero means time.Now()
	// Fields are extra form fields, returned in the form and pinned with eq conditions,
	// e.g. "Content-Type", "success_action_status", "x-amz-meta-owner".
	Fields map[string]string
	// Conditions are extra conditions, e.g. {Op: "content-length-range", Min: 1, Max: 1 << 20}.
	Conditions []Condition
	// Session binds the form to the emulator session that hands it out: the policy pins
	// SessionField to it, which the fake S3 checks against the session the form is posted in
	// (as S3 checks a bucket condition against the URL). No form field carries it.
	Session string
}

// SessionField is the policy condition that binds a form to its session.
const SessionField = "x-fileemu-session"

// PresignedPost is a browser POST form: post Fields (before the file part, named "file")
// as multipart/form-data to URL.
type PresignedPost struct {
	URL string
	// Fields are exactly bucket, key, policy, x-amz-algorithm, x-amz-credential,
	// x-amz-date and x-amz-signature, plus PostOptions.Fields.
	Fields map[string]string
}

// postReserved are the field names PresignPost sets itself (lower case).
var postReserved = map[string]bool{
	"bucket": true, "key": true, "policy": true, "file": true,
	"x-amz-algorithm": true, "x-amz-credential": true, "x-amz-date": true, "x-amz-signature": true,
}

// PresignPost mints a SigV4 browser POST form: a policy pinning the bucket, the key, the
// x-amz-* fields and o.Fields with eq conditions, plus o.Conditions, signed with
// PolicySignature. The emulator's POST handler accepts exactly this form and refuses any
// change to it.
func PresignPost(creds Credentials, o PostOptions) (PresignedPost, error) {
	if creds.AccessKey == "" || creds.SecretKey == "" || creds.Region == "" {
		return PresignedPost{}, errors.New("s3: presign post: access key, secret key and region are required")
	}
	if o.URL == "" || o.Bucket == "" || o.Key == "" {
		return PresignedPost{}, errors.New("s3: presign post: URL, bucket and key are required")
	}
	if o.Expires <= 0 {
		return PresignedPost{}, fmt.Errorf("s3: presign post: expires %v must be positive", o.Expires)
	}
	for name := range o.Fields {
		if postReserved[strings.ToLower(name)] {
			return PresignedPost{}, fmt.Errorf("s3: presign post: field %q is set by PresignPost", name)
		}
	}
	for _, c := range o.Conditions {
		switch c.Op {
		case OpEq, OpStartsWith:
		case OpContentLengthRange:
			if c.Min < 0 || c.Max < c.Min {
				return PresignedPost{}, fmt.Errorf("s3: presign post: content-length-range %d..%d", c.Min, c.Max)
			}
		default:
			return PresignedPost{}, fmt.Errorf("s3: presign post: unknown condition operation %q", c.Op)
		}
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	amzDate := now.UTC().Format(amzDateFormat)
	credential := creds.AccessKey + "/" + amzDate[:8] + "/" + creds.Region + "/" + serviceName + "/" + terminator

	fields := map[string]string{
		"bucket":           o.Bucket,
		"key":              o.Key,
		"x-amz-algorithm":  algorithm,
		"x-amz-credential": credential,
		"x-amz-date":       amzDate,
	}
	p := Policy{Expiration: now.Add(o.Expires)}
	for _, name := range []string{"bucket", "key"} {
		p.Conditions = append(p.Conditions, Condition{Op: OpEq, Field: name, Value: fields[name]})
	}
	extra := make([]string, 0, len(o.Fields))
	for name := range o.Fields {
		extra = append(extra, name)
	}
	sort.Strings(extra)
	for _, name := range extra {
		fields[name] = o.Fields[name]
		p.Conditions = append(p.Conditions, Condition{Op: OpEq, Field: name, Value: o.Fields[name]})
	}
	p.Conditions = append(p.Conditions, o.Conditions...)
	if o.Session != "" {
		p.Conditions = append(p.Conditions, Condition{Op: OpEq, Field: SessionField, Value: o.Session})
	}
	for _, name := range []string{"x-amz-algorithm", "x-amz-credential", "x-amz-date"} {
		p.Conditions = append(p.Conditions, Condition{Op: OpEq, Field: name, Value: fields[name]})
	}
	policy := p.Encode()
	fields["policy"] = policy
	key := signingKeyOf(creds, amzDate[:8], creds.Region)
	fields["x-amz-signature"] = signature(key[:], policy)
	return PresignedPost{URL: o.URL, Fields: fields}, nil
}

// PolicySignature signs a POST policy: hex(HMAC-SHA256(SigningKey(secret, date, region),
// policy)), where policy is the base64 field exactly as sent and date is yyyymmdd.
func PolicySignature(secret, date, region, policy string) string {
	return signature(SigningKey(secret, date, region), policy)
}

// errInvalidPolicy is 400 InvalidPolicyDocument with msg.
func errInvalidPolicy(msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "InvalidPolicyDocument", Message: msg}
}
