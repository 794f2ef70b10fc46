package weavy

import (
	"slices"
	"strings"
)

// Scope selects the files a listing draws from. The zero Scope is every file.
type Scope struct {
	// App, when set, lists the files whose parent is this app (id or uid).
	App string
	// Parent, when set, lists the attachments of this message, post or comment.
	Parent Parent
}

// List runs a listing over the files of a scope; an unknown app, message, post or comment is
// a 404 problem.
func (m *Model) List(sc Scope, q ListQuery) (Page, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var parent *Parent
	switch {
	case sc.App != "":
		a, err := m.app(sc.App)
		if err != nil {
			return Page{}, err
		}
		parent = &Parent{Type: ParentApp, ID: a.ID}
	case sc.Parent.Type != "":
		if _, ok := m.messages[sc.Parent]; !ok {
			return Page{}, errNotFound("%s %d not found.", strings.ToUpper(sc.Parent.Type[:1])+sc.Parent.Type[1:], sc.Parent.ID)
		}
		parent = &sc.Parent
	}
	key := scopeAll
	if parent != nil {
		key = *parent
	}
	ix := m.scopes[key]
	if ix == nil {
		ix = &scope{} // no file is in it
	}
	return m.page(ix, q), nil
}

// page runs a listing over one scope's index: a walk of its files in the asked order that
// tests the filters on the entries alone and stops after the page when the count is known
// without it (no q, no tag).
func (m *Model) page(sc *scope, q ListQuery) Page {
	needle := strings.ToLower(q.Q)
	keeps := func(e *entry) bool {
		return (q.Trashed == nil || e.trashed == *q.Trashed) &&
			(needle == "" || strings.Contains(e.lower, needle)) &&
			(q.Tag == "" || slices.ContainsFunc(e.rec.Tags, func(t string) bool { return strings.EqualFold(t, q.Tag) }))
	}
	count := -1 // unknown until the walk has seen every file
	if q.Q == "" && q.Tag == "" {
		switch {
		case q.Trashed == nil:
			count = len(sc.files)
		case *q.Trashed:
			count = sc.trashed
		default:
			count = len(sc.files) - sc.trashed
		}
	}
	if q.CountOnly && count >= 0 {
		return Page{Count: count}
	}
	take := q.Take
	if take <= 0 {
		take = DefaultTake
	}
	start := max(q.Skip, 0)
	var l *sortedList
	if len(sc.files) > 0 {
		l = sc.list(sortKey(q.OrderBy))
	} else {
		l = &sortedList{}
	}
	// walk calls visit with each kept file in order and its rank among them, until visit
	// returns false; it returns how many it kept.
	walk := func(visit func(e *entry, rank int) bool) int {
		n := 0
		for i := range l.entries {
			if q.Desc {
				i = len(l.entries) - 1 - i
			}
			e := &l.entries[i]
			if !keeps(e) {
				continue
			}
			if !visit(e, n) {
				return n + 1
			}
			n++
		}
		return n
	}
	var files []*fileRec
	collect := func(e *entry, rank int) bool {
		if rank >= start && rank < start+take {
			files = append(files, e.rec)
		}
		return count < 0 || rank+1 < start+take
	}
	switch {
	case q.Around > 0 || q.CountOnly:
		// The count first (and where the around file is), then the page.
		at := -1
		count = walk(func(e *entry, rank int) bool {
			if e.id == q.Around {
				at = rank
			}
			return true
		})
		if q.CountOnly {
			return Page{Count: count}
		}
		if at >= 0 {
			// Centre the file on the page, but keep the page full where the listing allows.
			start = min(max(at-take/2, 0), max(count-take, 0))
		}
		if start < count {
			walk(collect)
		}
	case count >= 0:
		if start < count {
			walk(collect)
		}
	default:
		count = walk(collect)
	}
	p := Page{Count: count}
	p.Start = min(start, count)
	p.End = min(p.Start+take, count)
	for _, f := range files {
		p.Files = append(p.Files, m.current(f))
	}
	return p
}
