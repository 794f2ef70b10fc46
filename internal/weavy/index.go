package weavy

import (
	"cmp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The listing index. A listing of 100,000 files must not walk a map of scattered records and
// sort them every time (issue 18: p50 ≤ 10 ms), and an upload must not re-sort them either. So
// every scope (all files, and the files of each app, message, post or comment) keeps its files
// by id, a count of its trashed ones and, for apps, its files by folded name (nameTaken); and,
// built on the first listing by a sort field, the scope's files in that order: compact entries
// that hold what the filters and the order read, so a listing reads one contiguous slice.
//
// Every change of a file's name, size, dates or trash state must end with m.reindex(f) (files.go,
// fixtures.go), a new file with m.indexAdd, a deleted one with m.indexRemove.

// Sort keys, the order of scope.lists.
const (
	keyID = iota
	keyName
	keySize
	keyCreated
	keyUpdated
	numKeys
)

// sortKey returns the key of an order_by field (ParseOrderBy's; anything else sorts by id).
func sortKey(field string) int {
	switch field {
	case OrderName:
		return keyName
	case OrderSize:
		return keySize
	case OrderCreatedAt:
		return keyCreated
	case OrderUpdatedAt:
		return keyUpdated
	}
	return keyID
}

// indexed is what the index last recorded of a file: what entries are made of, and how to find
// them again after the file changed.
type indexed struct {
	name    string // the current name, as given
	lower   string // the current name in lower case: q matches it, name sorts by it
	fold    string // the current name case-folded (foldKey): names of an app are unique by it
	size    int64
	updated time.Time
	trashed bool
}

// entry is a file in a sorted list. The sort key is inline (a, b; lower for names) so that
// sorting and searching never read the record.
type entry struct {
	rec     *fileRec
	lower   string
	id      int64
	a       int64 // id, size, or a time's Unix seconds
	b       int32 // a time's nanoseconds
	trashed bool
}

// compareEntries orders entries by key, ties by id: ListQuery's order, ascending.
func compareEntries(key int, x, y *entry) int {
	var c int
	if key == keyName {
		c = strings.Compare(x.lower, y.lower)
	} else if c = cmp.Compare(x.a, y.a); c == 0 {
		c = cmp.Compare(x.b, y.b)
	}
	if c == 0 {
		c = cmp.Compare(x.id, y.id)
	}
	return c
}

// entryOf is f's entry in a list by key, as ix records it.
func entryOf(f *fileRec, ix *indexed, key int) entry {
	e := entry{rec: f, lower: ix.lower, id: f.ID, trashed: ix.trashed}
	switch key {
	case keyID:
		e.a = f.ID
	case keySize:
		e.a = ix.size
	case keyCreated:
		// Ordered as time.Time.Compare orders times without monotonic readings (stored times
		// have none: they come from stamp, which is UTC, or from JSON).
		e.a, e.b = f.CreatedAt.Unix(), int32(f.CreatedAt.Nanosecond())
	case keyUpdated:
		e.a, e.b = ix.updated.Unix(), int32(ix.updated.Nanosecond())
	}
	return e
}

// sortedList is a scope's files in one order. Writes append to the tail, so that they stay
// cheap; the next listing sorts the tail and merges it in (settle).
type sortedList struct {
	key     int
	entries []entry // entries[:sorted] are in order; the rest were appended since
	sorted  int
}

func (l *sortedList) compare(x, y entry) int { return compareEntries(l.key, &x, &y) }

// find returns the index of e (as it was recorded) in the list.
func (l *sortedList) find(e entry) int {
	if i, ok := slices.BinarySearchFunc(l.entries[:l.sorted], e, l.compare); ok {
		return i
	}
	for i := l.sorted; i < len(l.entries); i++ {
		if l.entries[i].id == e.id {
			return i
		}
	}
	panic("weavy: listing index lost a file") // reindex was skipped after a change: a bug
}

func (l *sortedList) remove(i int) {
	l.entries = slices.Delete(l.entries, i, i+1)
	if i < l.sorted {
		l.sorted--
	}
}

// settle sorts the tail and merges it into the sorted part: after one upload, a binary search
// and one move of the entries after it, not a sort of them all.
func (l *sortedList) settle() {
	n, s := len(l.entries), l.sorted
	if s == n {
		return
	}
	tail := l.entries[s:]
	slices.SortFunc(tail, l.compare)
	if s > 0 {
		tail = slices.Clone(tail)
		hi, w := s, n // entries[:hi] are not moved yet; entries[w:] are final
		for j := len(tail) - 1; j >= 0; j-- {
			p, _ := slices.BinarySearchFunc(l.entries[:hi], tail[j], l.compare)
			w -= hi - p
			copy(l.entries[w:], l.entries[p:hi])
			hi = p
			w--
			l.entries[w] = tail[j]
		}
	}
	l.sorted = n
}

// scope is the index of one scope's files.
type scope struct {
	files   map[int64]*fileRec // the all-files scope shares m.files
	trashed int
	names   map[string][]*fileRec // files by foldKey of their current name; app scopes only
	lists   [numKeys]*sortedList  // nil until listed by that key
}

// scopeKey is the scope of all files.
var scopeAll = Parent{}

func newScopes(files map[int64]*fileRec) map[Parent]*scope {
	return map[Parent]*scope{scopeAll: {files: files}}
}

// scopesOf returns the scopes f is in: all files, and its parent's.
func (m *Model) scopesOf(f *fileRec) [2]*scope {
	sc := m.scopes[f.Parent]
	if sc == nil {
		sc = &scope{files: map[int64]*fileRec{}}
		if f.Parent.Type == ParentApp {
			sc.names = map[string][]*fileRec{}
		}
		m.scopes[f.Parent] = sc
	}
	return [2]*scope{m.scopes[scopeAll], sc}
}

// list returns the scope's files in the order of key, building the list on first use.
func (sc *scope) list(key int) *sortedList {
	l := sc.lists[key]
	if l == nil {
		l = &sortedList{key: key, entries: make([]entry, 0, len(sc.files))}
		for _, f := range sc.files {
			l.entries = append(l.entries, entryOf(f, &f.ix, key))
		}
		sc.lists[key] = l
	}
	l.settle()
	return l
}

// indexOf is what the index records of f now.
func indexOf(f *fileRec, old *indexed) indexed {
	cur := f.current()
	ix := indexed{name: cur.Name, lower: old.lower, fold: old.fold, size: cur.Size, updated: f.UpdatedAt, trashed: f.Trashed}
	if cur.Name != old.name || old.fold == "" {
		ix.lower, ix.fold = strings.ToLower(cur.Name), foldKey(cur.Name)
	}
	return ix
}

// indexAdd indexes a new file (already in m.files). Callers hold m.mu.
func (m *Model) indexAdd(f *fileRec) {
	f.ix = indexOf(f, &indexed{})
	for _, sc := range m.scopesOf(f) {
		sc.files[f.ID] = f
		if f.ix.trashed {
			sc.trashed++
		}
		if sc.names != nil {
			sc.names[f.ix.fold] = append(sc.names[f.ix.fold], f)
		}
		for key, l := range sc.lists {
			if l != nil {
				l.entries = append(l.entries, entryOf(f, &f.ix, key))
			}
		}
	}
}

// reindex records a change of f. Callers hold m.mu.
func (m *Model) reindex(f *fileRec) {
	old := f.ix
	ix := indexOf(f, &old)
	if ix == old {
		return
	}
	for _, sc := range m.scopesOf(f) {
		switch {
		case ix.trashed && !old.trashed:
			sc.trashed++
		case !ix.trashed && old.trashed:
			sc.trashed--
		}
		if sc.names != nil && ix.fold != old.fold {
			sc.names[old.fold] = without(sc.names[old.fold], f)
			if len(sc.names[old.fold]) == 0 {
				delete(sc.names, old.fold)
			}
			sc.names[ix.fold] = append(sc.names[ix.fold], f)
		}
		for key, l := range sc.lists {
			if l == nil {
				continue
			}
			was, now := entryOf(f, &old, key), entryOf(f, &ix, key)
			i := l.find(was)
			if compareEntries(key, &was, &now) == 0 {
				l.entries[i] = now // same place: only what the filters read changed
				continue
			}
			l.remove(i)
			l.entries = append(l.entries, now)
		}
	}
	f.ix = ix
}

// indexRemove drops a file (already deleted from m.files). Callers hold m.mu.
func (m *Model) indexRemove(f *fileRec) {
	for _, sc := range m.scopesOf(f) {
		delete(sc.files, f.ID)
		if f.ix.trashed {
			sc.trashed--
		}
		if sc.names != nil {
			sc.names[f.ix.fold] = without(sc.names[f.ix.fold], f)
			if len(sc.names[f.ix.fold]) == 0 {
				delete(sc.names, f.ix.fold)
			}
		}
		for key, l := range sc.lists {
			if l != nil {
				l.remove(l.find(entryOf(f, &f.ix, key)))
			}
		}
	}
	if sc := m.scopes[f.Parent]; sc != nil && len(sc.files) == 0 {
		delete(m.scopes, f.Parent)
	}
}

func without(fs []*fileRec, f *fileRec) []*fileRec {
	return slices.DeleteFunc(fs, func(g *fileRec) bool { return g == f })
}

// foldKey returns s with every rune replaced by the smallest rune of its case-folding orbit, so
// that foldKey(a) == foldKey(b) exactly when strings.EqualFold(a, b): both see an invalid byte as
// U+FFFD, and EqualFold compares runes by unicode.SimpleFold orbits.
func foldKey(s string) string {
	ascii := true
	for i := 0; i < len(s) && ascii; i++ {
		ascii = s[i] < utf8.RuneSelf
	}
	if ascii {
		return strings.ToUpper(s) // the smallest of {A, a} (and of {K, k, U+212A}, {S, s, U+017F})
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		min := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if f < min {
				min = f
			}
		}
		b.WriteRune(min)
	}
	return b.String()
}
