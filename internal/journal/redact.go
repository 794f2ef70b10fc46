package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
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

// sensitiveFirst holds the first letters of sensitiveNames, lower case.
var sensitiveFirst = func() (first [256]bool) {
	for name := range sensitiveNames {
		first[name[0]] = true
	}
	return first
}()

// sensitive reports whether a parameter or member name carries a credential,
// whatever its case and separators (access_token, accessToken, Access-Token),
// so that a client's spelling cannot leak a secret. It allocates nothing: it
// runs on every member name of every answer the journal keeps.
func sensitive[T string | []byte](name T) bool {
	f := 0
	for f < len(name) && (name[f] == '_' || name[f] == '-') {
		f++
	}
	if len(name)-f < 5 || !sensitiveFirst[name[f]|0x20] { // most names: no credential begins like them
		return false
	}
	var buf [24]byte // longer than any sensitive name
	n := 0
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_' || c == '-':
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		if n == len(buf) {
			return false
		}
		buf[n] = c
		n++
	}
	return sensitiveNames[string(buf[:n])]
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
	var b strings.Builder // written from the first secret on: most queries hold none
	start, copied := 0, 0
	for i := 0; i <= len(rawQuery); i++ {
		if i < len(rawQuery) && rawQuery[i] != '&' && rawQuery[i] != ';' {
			continue
		}
		p := rawQuery[start:i]
		if rawKey, _, hasValue := strings.Cut(p, "="); hasValue { // a bare "token" carries no secret
			key := rawKey
			if strings.ContainsAny(rawKey, "%+") {
				if k, err := url.QueryUnescape(rawKey); err == nil {
					key = k
				}
			}
			if sensitive(key) {
				if b.Len() == 0 {
					b.Grow(len(rawQuery))
				}
				b.WriteString(rawQuery[copied:start])
				b.WriteString(rawKey + "=" + Redacted)
				copied = i
			}
		}
		start = i + 1
	}
	if copied == 0 {
		return rawQuery
	}
	b.WriteString(rawQuery[copied:])
	return b.String()
}

// RedactText returns an answer's body (or a URL) as the journal keeps it: the values of
// credential parameters in the URLs it holds (?X-Amz-Signature=...) and of credential JSON
// members ("access_token": "...") replaced by Redacted. It scans the text once (no parsing), so a
// body cut at the journal's bound is redacted too, and it costs little on the request path.
func RedactText(s string) string {
	from, to, quoted, ok := nextSecret(s, 0)
	if !ok {
		return s // most texts hold none: nothing is made
	}
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for ; ok; from, to, quoted, ok = nextSecret(s, to) {
		b.WriteString(s[last:from])
		b.WriteString(redacted(quoted))
		last = to
	}
	b.WriteString(s[last:])
	return b.String()
}

// RedactAnswer is RedactText for a captured answer: its bytes, with invalid UTF-8 replaced by
// U+FFFD, redacted, and a marker for the cut bytes appended, written once into the string the
// journal keeps.
func RedactAnswer(b []byte, cut int64) string {
	if !utf8.Valid(b) {
		b = bytes.ToValidUTF8(b, []byte("\ufffd"))
	}
	marker := ""
	if cut > 0 {
		marker = "…[" + strconv.FormatInt(cut, 10) + " bytes truncated]"
	}
	var out strings.Builder
	out.Grow(len(b) + len(marker) + 16)
	last := 0
	for from, to, quoted, ok := nextSecret(b, 0); ok; from, to, quoted, ok = nextSecret(b, to) {
		out.Write(b[last:from])
		out.WriteString(redacted(quoted))
		last = to
	}
	out.Write(b[last:])
	out.WriteString(marker)
	return out.String()
}

// redacted is what replaces a secret: a JSON string's quotes stay.
func redacted(quoted bool) string {
	if quoted {
		return `"` + Redacted + `"`
	}
	return Redacted
}

// nextSecret finds the first credential value in s at or after i: s[from:to] is to be replaced,
// quoted says it is a JSON string (quotes included). The secrets are the values of credential
// query parameters (?X-Amz-Signature=...) and of credential JSON members ("access_token": "...").
func nextSecret[T string | []byte](s T, i int) (from, to int, quoted, ok bool) {
	for ; i < len(s); i++ {
		c := s[i]
		if c != '?' && c != '&' && c != ';' && c != '"' {
			continue
		}
		j := i + 1
		for j < len(s) && isNameByte(s[j]) {
			j++
		}
		if j == i+1 || j == len(s) || !sensitive(s[i+1:j]) {
			continue
		}
		switch {
		case c != '"' && s[j] == '=': // a query parameter: the value runs to the next delimiter
			from, to = j+1, j+1
			for to < len(s) && !valueEnd[s[to]] {
				to++
			}
			return from, to, false, true
		case c == '"' && s[j] == '"': // a JSON member name: its value must be a string
			k := j + 1
			for k < len(s) && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r' || s[k] == '\n') {
				k++
			}
			if k == len(s) || s[k] != ':' {
				continue
			}
			k++
			for k < len(s) && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r' || s[k] == '\n') {
				k++
			}
			if k == len(s) || s[k] != '"' {
				continue
			}
			from, to = k, k+1
			for to < len(s) && s[to] != '"' {
				if s[to] == '\\' {
					to++
				}
				to++
			}
			return from, min(to+1, len(s)), true, true // past the closing quote
		}
	}
	return 0, 0, false, false
}

// isNameByte reports whether c may be part of a parameter or member name.
func isNameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-'
}

// valueEnd holds the bytes that end a query parameter's value in a text (a table: this runs on
// every byte of every signature in every kept answer).
var valueEnd = func() (end [256]bool) {
	for _, c := range []byte("&;\"'<>\\ \t\r\n") {
		end[c] = true
	}
	return end
}()
