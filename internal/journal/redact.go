package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// Redacted replaces the value of every credential the journal would
// otherwise store.
const Redacted = "REDACTED"

// sensitiveHeaders are the canonical names of headers carrying credentials.
var sensitiveHeaders = map[string]bool{
	"Authorization":         true,
	"Proxy-Authorization":   true,
	"Api-Key":               true,
	"X-Api-Key":             true,
	"Cookie":                true,
	"Set-Cookie":            true,
	"X-Amz-Security-Token":  true,
	"X-Fileemu-Admin-Token": true,
}

// sensitiveNames are the names of query parameters, form fields and JSON
// members carrying credentials (S3 presigned URLs, common API-key and OAuth
// conventions, passwords), lower-cased without "_" and "-": see sensitive.
var sensitiveNames = map[string]bool{
	"xamzsignature": true, "xamzcredential": true, "xamzsecuritytoken": true,
	"apikey": true, "token": true, "accesstoken": true, "refreshtoken": true, "idtoken": true,
	"password": true, "passwd": true, "secret": true, "clientsecret": true,
	"secretaccesskey": true, "privatekey": true, "authorization": true, "sessiontoken": true,
}

// sensitive reports whether a parameter or member name carries a credential,
// whatever its case and separators (access_token, accessToken, Access-Token),
// so that a client's spelling cannot leak a secret.
func sensitive(name string) bool {
	return sensitiveNames[strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(name))]
}

// RedactBody returns a request body as the journal keeps it: a JSON body with
// the values of credential members (sensitiveParams, at any depth) replaced
// by Redacted, a form body as RedactQuery keeps a query, "" for any other
// type (uploads are never kept). A JSON body that does not parse is not kept:
// a marker says why it does not parse.
func RedactBody(contentType string, body []byte) string {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch {
	case len(body) == 0:
		return ""
	case mt == "application/x-www-form-urlencoded":
		return strings.ToValidUTF8(RedactQuery(string(body)), "\ufffd")
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		d := json.NewDecoder(bytes.NewReader(body))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil || d.More() {
			// Not kept: where it does not parse, secrets cannot be found. Go's syntax errors
			// quote no values.
			if err == nil {
				err = errors.New("more than one JSON value")
			}
			return "[JSON that does not parse, not kept: " + err.Error() + "]"
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if enc.Encode(redactJSON(v)) != nil {
			return ""
		}
		return strings.TrimSuffix(b.String(), "\n")
	}
	return ""
}

// redactJSON replaces the values of credential members in v, in place.
func redactJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, m := range t {
			if sensitive(k) {
				t[k] = Redacted
			} else {
				t[k] = redactJSON(m)
			}
		}
	case []any:
		for i, m := range t {
			t[i] = redactJSON(m)
		}
	}
	return v
}

// Redact returns a flat copy of h: canonical header name -> values joined
// with ", ", with the values of credential headers (Authorization,
// Proxy-Authorization, Api-Key, X-Api-Key, Cookie, Set-Cookie,
// X-Amz-Security-Token, X-Fileemu-Admin-Token) replaced by Redacted. It
// returns nil for an empty header.
func Redact(h http.Header) map[string]string {
	if len(h) == 0 {
		return nil
	}
	flat := make(map[string]string, len(h))
	for name, values := range h {
		// h may hold non-canonical keys if it was filled as a plain map.
		name = http.CanonicalHeaderKey(name)
		v := strings.Join(values, ", ")
		if prev, ok := flat[name]; ok {
			v = prev + ", " + v
		}
		if sensitiveHeaders[name] {
			v = Redacted
		}
		flat[name] = v
	}
	return flat
}

// RedactQuery returns rawQuery with the values of credential parameters
// (X-Amz-Signature, X-Amz-Credential, X-Amz-Security-Token, api-key, token,
// access_token) replaced by Redacted. Everything else, including parameter
// order and encoding, is kept byte for byte. A query that does not parse is
// returned unchanged.
func RedactQuery(rawQuery string) string {
	if rawQuery == "" {
		return ""
	}
	// Parameters are split on '&' and on ';' (which Go refuses but other servers accept), and
	// a key that does not unescape is compared as written: a malformed query must not carry a
	// secret into the journal.
	var b strings.Builder
	start := 0
	for i := 0; i <= len(rawQuery); i++ {
		if i < len(rawQuery) && rawQuery[i] != '&' && rawQuery[i] != ';' {
			continue
		}
		p := rawQuery[start:i]
		if rawKey, _, hasValue := strings.Cut(p, "="); hasValue { // a bare "token" carries no secret
			key, err := url.QueryUnescape(rawKey)
			if err != nil {
				key = rawKey
			}
			if sensitive(key) {
				p = rawKey + "=" + Redacted
			}
		}
		b.WriteString(p)
		if i < len(rawQuery) {
			b.WriteByte(rawQuery[i])
		}
		start = i + 1
	}
	return b.String()
}

// Credentials in answers: query parameters of URLs the APIs hand out (presigned S3 URLs) and
// JSON members (tokens). The body may be cut short, so this works on the text.
var (
	secretParam  = regexp.MustCompile(`(?i)([?&;](?:x-amz-signature|x-amz-credential|x-amz-security-token|token|access_token|api[-_]?key)=)[^&;"'<>\s\\]*`)
	secretMember = regexp.MustCompile(`(?i)("(?:access_?token|refresh_?token|id_?token|token|password|secret|client_?secret|api_?key|secret_?access_?key)"\s*:\s*)"(?:[^"\\]|\\.)*"`)
)

// RedactText returns an answer's body (or a URL) as the journal keeps it: the credentials in
// the URLs it holds and in its JSON members replaced by Redacted. It works on text, so a body
// cut at the journal's bound is redacted too.
func RedactText(s string) string {
	s = secretParam.ReplaceAllString(s, "${1}"+Redacted)
	return secretMember.ReplaceAllString(s, `${1}"`+Redacted+`"`)
}
