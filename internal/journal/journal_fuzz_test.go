package journal

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// params splits a raw query as RedactQuery does: on '&' and ';'.
func params(q string) []string {
	return strings.FieldsFunc(q, func(r rune) bool { return r == '&' || r == ';' })
}

// sensitiveKey reports whether the raw key of a parameter names a credential, unescaped or not.
func sensitiveKey(rawKey string) bool {
	if key, err := url.QueryUnescape(rawKey); err == nil && sensitive(key) {
		return true
	}
	return sensitive(rawKey)
}

// FuzzRedactQuery: no credential parameter keeps its value, every other parameter is kept byte
// for byte (same separators, same order), Go's own parser sees no secret, and redacting twice
// changes nothing.
func FuzzRedactQuery(f *testing.F) {
	for _, s := range []string{
		"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20261123%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261123T120000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=abc123",
		"filename=report.txt", "api-key=secret&token=t;access_token=a", "%74oken=x", "TOKEN=1&token", "a=%zz&x-amz-signature=s",
		"x%2Damz%2Dsignature=s", "&&;=;token==", "api%2Dkey=k&api+key=k",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		out := RedactQuery(q)
		in, got := params(q), params(out)
		if len(in) != len(got) {
			t.Fatalf("RedactQuery(%q) = %q: %d parameters, want %d", q, out, len(got), len(in))
		}
		for i, p := range in {
			rawKey, _, hasValue := strings.Cut(p, "=")
			switch {
			case hasValue && sensitiveKey(rawKey):
				if got[i] != rawKey+"="+Redacted {
					t.Fatalf("RedactQuery(%q) = %q: parameter %q kept as %q", q, out, p, got[i])
				}
			case got[i] != p:
				t.Fatalf("RedactQuery(%q) = %q: parameter %q changed to %q", q, out, p, got[i])
			}
		}
		if strings.Map(sepOnly, q) != strings.Map(sepOnly, out) {
			t.Fatalf("RedactQuery(%q) = %q: separators changed", q, out)
		}
		vals, _ := url.ParseQuery(strings.ReplaceAll(out, ";", "&"))
		for k, vs := range vals {
			if sensitive(k) {
				for _, v := range vs {
					if v != Redacted && v != "" { // a bare "token" carries no secret
						t.Fatalf("RedactQuery(%q) = %q: url.ParseQuery sees %s=%q", q, out, k, v)
					}
				}
			}
		}
		if again := RedactQuery(out); again != out {
			t.Fatalf("RedactQuery not idempotent: %q -> %q -> %q", q, out, again)
		}
	})
}

// sepOnly keeps the separators of a query and drops everything else.
func sepOnly(r rune) rune {
	if r == '&' || r == ';' {
		return r
	}
	return -1
}

// FuzzRedact: a header whose name is a credential header in any casing comes out as Redacted,
// every other one keeps its values, and the entry that stores it (sanitize) keeps no secret.
func FuzzRedact(f *testing.F) {
	f.Add("authorization", "AWS4-HMAC-SHA256 Credential=AKID/20261123/us-east-1/s3/aws4_request, Signature=abc", "Content-Type", "text/plain")
	f.Add("API-KEY", "my-key", "user-id", "497f6eca")
	f.Add("x-amz-security-token", "tok", "X-Amz-Security-Token", "tok2")
	f.Add("Cookie", "a=b", "cookie", "c=d")
	f.Fuzz(func(t *testing.T, n1, v1, n2, v2 string) {
		h := http.Header{}
		h[n1] = append(h[n1], v1)
		h[n2] = append(h[n2], v2)
		flat := Redact(h)
		for _, name := range []string{n1, n2} {
			canon := http.CanonicalHeaderKey(name)
			v, ok := flat[canon]
			if !ok {
				t.Fatalf("Redact(%q): header %q missing", h, canon)
			}
			if isSensitiveHeader(name) && v != Redacted {
				t.Fatalf("Redact(%q): %q kept as %q", h, canon, v)
			}
		}
		for k, v := range flat {
			if isSensitiveHeader(k) && v != Redacted {
				t.Fatalf("Redact(%q): %q kept as %q", h, k, v)
			}
			if !isSensitiveHeader(k) {
				want := []string{}
				for name, vs := range h {
					if http.CanonicalHeaderKey(name) == k {
						want = append(want, vs...)
					}
				}
				if len(want) == 1 && v != want[0] {
					t.Fatalf("Redact(%q): %q = %q, want %q", h, k, v, want[0])
				}
			}
		}
		e := Entry{Headers: map[string]string{n1: v1, n2: v2}}
		e.sanitize()
		for k, v := range e.Headers {
			if isSensitiveHeader(k) && v != Redacted {
				t.Fatalf("sanitize kept %q: %q", k, v)
			}
		}
	})
}

// isSensitiveHeader: a credential header name in any casing. A name that equals one ignoring
// case holds only token characters, so net/http canonicalises it and Redact must catch it.
func isSensitiveHeader(name string) bool {
	for s := range sensitiveHeaders {
		if strings.EqualFold(s, name) {
			return true
		}
	}
	return false
}

// FuzzTruncate: truncate keeps a prefix of at most max bytes, cut at a rune start, so valid
// UTF-8 stays valid, and says how many bytes it dropped.
func FuzzTruncate(f *testing.F) {
	f.Add("héllo wörld", 2)
	f.Add("日本語", 4)
	f.Add("\xff\xfe", 1)
	f.Add("", 0)
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 0 || max > len(s)+4 {
			max = len(s) / 2
		}
		out := Truncate(s, max)
		if len(s) <= max {
			if out != s {
				t.Fatalf("Truncate(%q, %d) = %q, want unchanged", s, max, out)
			}
			return
		}
		kept, marker, ok := strings.Cut(out, "…[")
		if i := strings.LastIndex(out, "…["); i >= 0 {
			kept, marker, ok = out[:i], out[i+len("…["):], true
		}
		if !ok || !strings.HasPrefix(s, kept) || len(kept) > max {
			t.Fatalf("Truncate(%q, %d) = %q: not a prefix of at most %d bytes", s, max, out, max)
		}
		if marker != strconv.Itoa(len(s)-len(kept))+" bytes truncated]" {
			t.Fatalf("Truncate(%q, %d) = %q: marker %q", s, max, out, marker)
		}
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Fatalf("Truncate(%q, %d) = %q: invalid UTF-8", s, max, out)
		}
		if len(kept) < max && utf8.ValidString(s) && len(kept)+utf8.UTFMax <= max {
			t.Fatalf("Truncate(%q, %d) = %q: dropped more than a rune", s, max, out)
		}
	})
}

// FuzzFilter: a filter read from query parameters selects exactly the entries Match accepts
// (Find, Count and Remove agree; Limit keeps the newest), and its parameters read back equal.
func FuzzFilter(f *testing.F) {
	f.Add("s1", "s3", "PutObject", "put", "200", "/bucket/*", "1", "2", "/bucket/a/b", "PUT", 200)
	f.Add("", "", "", "", "", "/v1/files/[", "", "", "/v1/files/x", "GET", 404)
	f.Add("", "haufe", "", "GeT", "abc", "", "-1", "", "/", "get", 0)
	f.Fuzz(func(t *testing.T, session, api, op, method, status, pathGlob, after, limit, ePath, eMethod string, eStatus int) {
		q := url.Values{}
		for k, v := range map[string]string{"session": session, "api": api, "operation": op, "method": method,
			"status": status, "path": pathGlob, "after": after, "limit": limit} {
			if v != "" {
				q.Set(k, v)
			}
		}
		flt, err := FilterFromQuery(q)
		if err != nil {
			return
		}
		back := url.Values{}
		for k, v := range map[string]string{"session": flt.Session, "api": flt.API, "operation": flt.Operation,
			"method": flt.Method, "path": flt.Path, "status": strconv.Itoa(flt.Status),
			"after": strconv.FormatUint(flt.AfterSeq, 10), "limit": strconv.Itoa(flt.Limit)} {
			if v != "" {
				back.Set(k, v)
			}
		}
		if again, err := FilterFromQuery(back); err != nil || again != flt {
			t.Fatalf("filter %+v reads back as %+v, %v", flt, again, err)
		}
		j := New(0, 0)
		var all []Entry
		for i, e := range []Entry{
			{Session: session, API: api, Operation: op, Method: eMethod, Path: ePath, Status: eStatus},
			{Session: "default", API: "s3", Operation: "PutObject", Method: "PUT", Path: "/bucket/a/b", Status: 200},
			{Session: session, API: api, Operation: op, Method: method, Path: pathGlob, Status: flt.Status},
			{Session: session, API: api, Operation: op, Method: strings.ToUpper(method), Path: ePath, Status: flt.Status},
		} {
			if seq := j.Add(e); seq != uint64(i+1) {
				t.Fatalf("Add: seq %d, want %d", seq, i+1)
			}
		}
		// Match is checked against the entries as stored: the journal bounds them (a path
		// over 2 KiB is cut), and a filter selects among what it kept.
		all = j.Find(Filter{})
		var want []uint64
		for _, e := range all {
			if flt.Match(e) {
				want = append(want, e.Seq)
			}
		}
		if flt.Limit > 0 && len(want) > flt.Limit {
			want = want[len(want)-flt.Limit:]
		}
		got := seqs(j.Find(flt))
		if len(got) != len(want) {
			t.Fatalf("Find(%+v) = %v, want %v", flt, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("Find(%+v) = %v, want %v", flt, got, want)
			}
		}
		if n := j.Count(flt); n != len(want) {
			t.Fatalf("Count(%+v) = %d, want %d", flt, n, len(want))
		}
		if n := j.Remove(flt); n != len(want) {
			t.Fatalf("Remove(%+v) = %d, want %d", flt, n, len(want))
		}
		if n := j.Count(Filter{}); n != len(all)-len(want) {
			t.Fatalf("after Remove: %d entries, want %d", n, len(all)-len(want))
		}
		if flt.Path != "" && strings.HasSuffix(flt.Path, "*") {
			e := Entry{Path: strings.TrimSuffix(flt.Path, "*") + "/any/thing"}
			if !(Filter{Path: flt.Path}).Match(e) {
				t.Fatalf("pattern %q does not match %q as a prefix", flt.Path, e.Path)
			}
		}
	})
}
