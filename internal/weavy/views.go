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

// page runs a listing over one scope's index. With q, the scope's names are searched for it and
// the hits that pass the other filters marked; the list in the asked order is then walked up to
// the page, the marks (or without q, the filters) telling which files it keeps. The count is
// the search's, or the scope's counts without q or tag; only a tag without q, or around, walks
// the whole list.
func (m *Model) page(sc *scope, q ListQuery) Page {
	needle := strings.ToLower(q.Q)
	others := func(trashed bool, rec *fileRec) bool { // the filters other than q
		return (q.Trashed == nil || trashed == *q.Trashed) &&
			(q.Tag == "" || slices.ContainsFunc(rec.Tags, func(t string) bool { return strings.EqualFold(t, q.Tag) }))
	}
	count := -1 // unknown until the walk has seen every file
	var keeps func(e *entry) bool
	switch {
	case needle != "" && !strings.Contains(needle, "\x00"):
		count = sc.names.search([]byte(needle), func(sl *slot) bool { return others(sl.trashed, sl.rec) })
		keeps = func(e *entry) bool { return sc.names.marked(e.slot) }
	case needle != "": // a NUL: the names' separator
		keeps = func(e *entry) bool { return others(e.trashed, e.rec) && strings.Contains(e.lower, needle) }
	default:
		keeps = func(e *entry) bool { return others(e.trashed, e.rec) }
		if q.Tag == "" {
			switch {
			case q.Trashed == nil:
				count = sc.len()
			case *q.Trashed:
				count = sc.trashed
			default:
				count = sc.len() - sc.trashed
			}
		}
	}
	if q.CountOnly && count >= 0 || sc.len() == 0 {
		return Page{Count: max(count, 0)}
	}
	take := q.Take
	if take <= 0 {
		take = DefaultTake
	}
	l := sc.list(sortKey(q.OrderBy))
	// Walk the list, the far end first for Desc, noting where the kept files are up to the last
	// one the page can need: all of them while the count or the around file's place is unknown.
	need := max(q.Skip, 0) + take
	if count < 0 || q.Around > 0 {
		need = len(l.entries)
	}
	l.hits = l.hits[:0]
	for i := range l.entries {
		if len(l.hits) == need {
			break
		}
		if q.Desc {
			i = len(l.entries) - 1 - i
		}
		if keeps(&l.entries[i]) {
			l.hits = append(l.hits, i)
		}
	}
	if count < 0 {
		count = len(l.hits)
	}
	if q.CountOnly {
		return Page{Count: count}
	}
	start := max(q.Skip, 0)
	if q.Around > 0 {
		if r := slices.IndexFunc(l.hits, func(i int) bool { return l.entries[i].id == q.Around }); r >= 0 {
			// Centre the file on the page, but keep the page full where the listing allows.
			start = min(max(r-take/2, 0), max(count-take, 0))
		}
	}
	p := Page{Count: count}
	p.Start = min(start, count)
	p.End = min(p.Start+take, count)
	for _, i := range l.hits[p.Start:p.End] {
		p.Files = append(p.Files, m.current(l.entries[i].rec))
	}
	return p
}
