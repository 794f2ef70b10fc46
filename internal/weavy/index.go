package weavy

import (
	"bytes"
	"cmp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The listing index. A listing of 100,000 files must not walk a map of scattered records and
// sort them every time (issue 18: p50 ≤ 10 ms), and an upload must not re-sort them either. So
// every scope (all files, and the files of each app, message, post or comment) keeps:
//   - its lower-case names in one text (names), searched for q with one bytes.Index per hit,
//     and a count of its files and of its trashed ones (a count without q or tag is known);
//   - for apps, its files by folded name (nameTaken);
//   - built on the first listing by a sort field, its files in that order: compact entries that
//     hold what the filters and the order read, so that a listing reads one contiguous slice
//     and stops after the page.
//
// Writes stay cheap: a new or changed file is appended to the text and to the tail of each
// list; the next listing sorts the tail and merges it in.
//
// Every change of a file's name, size, dates or trash state must end with m.reindex(f) (files.go,
// fixtures.go), a new file with m.indexAdd, a deleted one with m.indexRemove. TestIndexMatchesOracle
// holds the index to the listing it replaced.

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
	lower   string // in lower case: q matches it, name sorts by it
	fold    string // case-folded (foldKey): names of an app are unique by it
	size    int64
	updated time.Time
	trashed bool
}

// indexOf is what the index records of f now, old what it recorded before.
func indexOf(f *fileRec, old *indexed) indexed {
	cur := f.current()
	ix := indexed{name: cur.Name, lower: old.lower, fold: old.fold, size: cur.Size, updated: f.UpdatedAt, trashed: f.Trashed}
	if cur.Name != old.name || old.fold == "" {
		ix.lower, ix.fold = strings.ToLower(cur.Name), foldKey(cur.Name)
	}
	return ix
}

// entry is a file in a sorted list. The sort key is inline (a, b; lower for names) so that
// sorting and searching never read the record.
type entry struct {
	rec     *fileRec
	lower   string
	id      int64
	a       int64 // id, size, or a time's Unix seconds
	b       int32 // a time's nanoseconds
	slot    int32 // the file's slot in the scope's names
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
func entryOf(f *fileRec, ix *indexed, key int, slot int32) entry {
	e := entry{rec: f, lower: ix.lower, id: f.ID, slot: slot, trashed: ix.trashed}
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
	hits    []int // reused by listings, under m.mu
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

// sort sorts es. Keys other than names are sorted as pointer-free copies, then es is permuted:
// swapping entries (two pointers each) costs write barriers while the GC runs.
func (l *sortedList) sort(es []entry) {
	if l.key == keyName || len(es) < 256 {
		slices.SortFunc(es, l.compare)
		return
	}
	type sortable struct {
		a, id int64
		b, i  int32
	}
	keys := make([]sortable, len(es))
	for i := range es {
		keys[i] = sortable{a: es[i].a, id: es[i].id, b: es[i].b, i: int32(i)}
	}
	slices.SortFunc(keys, func(x, y sortable) int {
		if c := cmp.Compare(x.a, y.a); c != 0 {
			return c
		}
		if c := cmp.Compare(x.b, y.b); c != 0 {
			return c
		}
		return cmp.Compare(x.id, y.id)
	})
	sorted := make([]entry, len(es))
	for i, k := range keys {
		sorted[i] = es[k.i]
	}
	copy(es, sorted)
}

// settle sorts the tail and merges it into the sorted part: after one upload, a binary search
// and one move of the entries after it, not a sort of them all.
func (l *sortedList) settle() {
	n, s := len(l.entries), l.sorted
	if s == n {
		return
	}
	tail := l.entries[s:]
	l.sort(tail)
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

// names is a scope's lower-case names in one text, in the order they were added, each
// followed by a NUL: a q that holds no NUL is searched in it with one bytes.Index per hit, not
// one strings.Contains per file. A renamed or deleted file leaves a dead slot behind; compact
// drops them when they are half.
type names struct {
	text  []byte
	ends  []int  // ends[s]: the index of slot s's NUL
	slots []slot // by slot number
	dead  int
	marks []uint64 // the slots search kept, a bit each; reused under m.mu
}

type slot struct {
	rec     *fileRec // nil: dead
	trashed bool
}

func (t *names) add(f *fileRec, ix *indexed) int32 {
	t.text = append(t.text, ix.lower...)
	t.ends = append(t.ends, len(t.text))
	t.text = append(t.text, 0)
	t.slots = append(t.slots, slot{rec: f, trashed: ix.trashed})
	return int32(len(t.slots) - 1)
}

func (t *names) kill(s int32) {
	t.slots[s] = slot{}
	t.dead++
}

// search marks the live slots whose name contains needle (no NUL) and that keep keeps, and
// returns how many.
func (t *names) search(needle []byte, keep func(*slot) bool) int {
	t.marks = slices.Grow(t.marks[:0], (len(t.slots)+63)/64)[:(len(t.slots)+63)/64]
	clear(t.marks)
	n, s := 0, 0
	for pos := 0; pos < len(t.text); {
		j := bytes.Index(t.text[pos:], needle)
		if j < 0 {
			break
		}
		// The hit is inside one name, needle having no NUL: slot s's.
		for at := pos + j; t.ends[s] < at; {
			s++
		}
		if sl := &t.slots[s]; sl.rec != nil && keep(sl) {
			t.marks[s/64] |= 1 << (s % 64)
			n++
		}
		pos = t.ends[s] + 1
		s++
	}
	return n
}

func (t *names) marked(s int32) bool { return t.marks[s/64]&(1<<(s%64)) != 0 }

// scope is the index of one scope's files.
type scope struct {
	which   int // the scope's place in fileRec.slots: 0 all files, 1 the parent's
	trashed int
	named   map[string][]*fileRec // files by foldKey of their current name; app scopes only
	names   names                 // every file of the scope has a live slot
	lists   [numKeys]*sortedList  // nil until listed by that key
}

// len returns the number of files in the scope.
func (sc *scope) len() int { return len(sc.names.slots) - sc.names.dead }

// scopeAll is the key of the scope of all files.
var scopeAll = Parent{}

func newScopes() map[Parent]*scope { return map[Parent]*scope{scopeAll: {}} }

// scopesOf returns the scopes f is in: all files, and its parent's (fileRec.slots' order).
func (m *Model) scopesOf(f *fileRec) [2]*scope {
	sc := m.scopes[f.Parent]
	if sc == nil {
		sc = &scope{which: 1}
		if f.Parent.Type == ParentApp {
			sc.named = map[string][]*fileRec{}
		}
		m.scopes[f.Parent] = sc
	}
	return [2]*scope{m.scopes[scopeAll], sc}
}

// list returns the scope's files in the order of key, building the list on first use.
func (sc *scope) list(key int) *sortedList {
	l := sc.lists[key]
	if l == nil {
		// From the names' slots, in the order the files came: the records are read in the
		// order they were allocated, and ids and dates are mostly in order already.
		l = &sortedList{key: key, entries: make([]entry, 0, sc.len())}
		for s, sl := range sc.names.slots {
			if f := sl.rec; f != nil {
				l.entries = append(l.entries, entryOf(f, &f.ix, key, int32(s)))
			}
		}
		sc.lists[key] = l
	}
	l.settle()
	return l
}

// compact drops the dead slots of the scope's names once they are half of them.
func (sc *scope) compact() {
	t := &sc.names
	if t.dead*2 < len(t.slots) { // so a compaction's cost is paid by as many deaths
		return
	}
	renum := make([]int32, len(t.slots))
	live := names{text: make([]byte, 0, len(t.text)), ends: make([]int, 0, len(t.slots)-t.dead), slots: make([]slot, 0, len(t.slots)-t.dead)}
	start := 0
	for s, sl := range t.slots {
		if sl.rec != nil {
			live.text = append(live.text, t.text[start:t.ends[s]+1]...)
			live.ends = append(live.ends, len(live.text)-1)
			live.slots = append(live.slots, sl)
			renum[s] = int32(len(live.slots) - 1)
			sl.rec.slots[sc.which] = renum[s]
		}
		start = t.ends[s] + 1
	}
	sc.names = live
	for _, l := range sc.lists {
		if l != nil {
			for i := range l.entries {
				l.entries[i].slot = renum[l.entries[i].slot]
			}
		}
	}
}

// indexAdd indexes a new file (already in m.files). Callers hold m.mu.
func (m *Model) indexAdd(f *fileRec) {
	f.ix = indexOf(f, &indexed{})
	for _, sc := range m.scopesOf(f) {
		if f.ix.trashed {
			sc.trashed++
		}
		if sc.named != nil {
			sc.named[f.ix.fold] = append(sc.named[f.ix.fold], f)
		}
		f.slots[sc.which] = sc.names.add(f, &f.ix)
		for key, l := range sc.lists {
			if l != nil {
				l.entries = append(l.entries, entryOf(f, &f.ix, key, f.slots[sc.which]))
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
		if sc.named != nil && ix.fold != old.fold {
			sc.named[old.fold] = without(sc.named[old.fold], f)
			if len(sc.named[old.fold]) == 0 {
				delete(sc.named, old.fold)
			}
			sc.named[ix.fold] = append(sc.named[ix.fold], f)
		}
		was := f.slots[sc.which]
		if ix.lower != old.lower {
			sc.names.kill(was)
			f.slots[sc.which] = sc.names.add(f, &ix)
		} else {
			sc.names.slots[was].trashed = ix.trashed
		}
		for key, l := range sc.lists {
			if l == nil {
				continue
			}
			before, after := entryOf(f, &old, key, was), entryOf(f, &ix, key, f.slots[sc.which])
			i := l.find(before)
			if compareEntries(key, &before, &after) == 0 {
				l.entries[i] = after // same place: only what the filters read changed
				continue
			}
			l.remove(i)
			l.entries = append(l.entries, after)
		}
	}
	f.ix = ix
	for _, sc := range m.scopesOf(f) {
		sc.compact()
	}
}

// indexRemove drops a file (already deleted from m.files). Callers hold m.mu.
func (m *Model) indexRemove(f *fileRec) {
	for _, sc := range m.scopesOf(f) {
		if f.ix.trashed {
			sc.trashed--
		}
		if sc.named != nil {
			sc.named[f.ix.fold] = without(sc.named[f.ix.fold], f)
			if len(sc.named[f.ix.fold]) == 0 {
				delete(sc.named, f.ix.fold)
			}
		}
		sc.names.kill(f.slots[sc.which])
		for key, l := range sc.lists {
			if l != nil {
				l.remove(l.find(entryOf(f, &f.ix, key, f.slots[sc.which])))
			}
		}
		sc.compact()
	}
	if sc := m.scopes[f.Parent]; sc != nil && sc.len() == 0 {
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
