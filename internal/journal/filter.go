package journal

import (
	"fmt"
	"net/url"
	"path"
	"strconv"
	"strings"
)

// Filter selects journal entries. Zero-valued fields match everything; all
// set fields must match.
type Filter struct {
	Session   string // exact session id; "" = any
	API       string // exact; "" = any
	Operation string // exact operationId; "" = any
	Method    string // case-insensitive; "" = any
	Status    int    // exact; 0 = any
	// Path is a path.Match glob against Entry.Path; "" = any. A pattern
	// ending in "*" also matches as a plain prefix, so "/bucket/*" matches
	// "/bucket/a/b" although "*" does not match "/" in path.Match.
	Path     string
	AfterSeq uint64 // only entries with Seq > AfterSeq
	// Limit caps the number of entries selected; 0 = no limit. When it
	// applies, the newest entries are kept (still returned oldest first).
	Limit int
}

// Match reports whether e matches every field of f except Limit, which only
// makes sense for a set of entries. A malformed Path pattern matches nothing.
func (f Filter) Match(e Entry) bool {
	switch {
	case f.Session != "" && e.Session != f.Session,
		f.API != "" && e.API != f.API,
		f.Operation != "" && e.Operation != f.Operation,
		f.Method != "" && !strings.EqualFold(e.Method, f.Method),
		f.Status != 0 && e.Status != f.Status,
		f.AfterSeq != 0 && e.Seq <= f.AfterSeq:
		return false
	}
	return f.Path == "" || matchPath(f.Path, e.Path)
}

// matchPath reports whether p matches pattern, as a glob or, for patterns
// ending in "*", as a prefix.
func matchPath(pattern, p string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok && strings.HasPrefix(p, prefix) {
		return true
	}
	ok, err := path.Match(pattern, p)
	return err == nil && ok
}

// FilterFromQuery builds a Filter from the URL query parameters session,
// api, operation, method, status, path, after and limit (the admin API's
// list parameters). A malformed number or path pattern yields an error
// naming the parameter.
func FilterFromQuery(q url.Values) (Filter, error) {
	f := Filter{
		Session:   q.Get("session"),
		API:       q.Get("api"),
		Operation: q.Get("operation"),
		Method:    q.Get("method"),
		Path:      q.Get("path"),
	}
	if f.Path != "" {
		// Reject bad globs here; Match would silently match nothing.
		if _, err := path.Match(f.Path, ""); err != nil {
			return Filter{}, fmt.Errorf("journal: query parameter path %q: %w", f.Path, err)
		}
	}
	var err error
	if f.Status, err = intParam(q, "status"); err != nil {
		return Filter{}, err
	}
	if f.Limit, err = intParam(q, "limit"); err != nil {
		return Filter{}, err
	}
	if s := q.Get("after"); s != "" {
		if f.AfterSeq, err = strconv.ParseUint(s, 10, 64); err != nil {
			return Filter{}, fmt.Errorf("journal: query parameter after: %w", err)
		}
	}
	return f, nil
}

// intParam parses the non-negative integer query parameter name; absent
// means 0.
func intParam(q url.Values, name string) (int, error) {
	s := q.Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("journal: query parameter %s: %w", name, err)
	}
	if n < 0 {
		return 0, fmt.Errorf("journal: query parameter %s: must not be negative, got %d", name, n)
	}
	return n, nil
}
