package weavy

import (
	"strings"
	"unicode/utf8"
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
	// Filter and sort light snapshots (sharing the stored tags: the lock is held), then render the
	// page in full. The filters run on the records first, so only the files they keep are
	// copied (a q matching one file in ten of 100,000: 10,000 copies, not 100,000); Paginate
	// applies them again to what it gets, with the same result.
	needle := strings.ToLower(q.Q)
	m.scratch = m.scratch[:0]
	for _, f := range m.files {
		if parent != nil && f.Parent != *parent {
			continue
		}
		if q.Trashed != nil && f.Trashed != *q.Trashed || q.Tag != "" && !q.keeps(&File{Tags: f.Tags, Trashed: f.Trashed}) {
			continue
		}
		cur := f.current()
		if needle != "" && !containsLower(cur.Name, needle) {
			continue
		}
		m.scratch = append(m.scratch, File{ID: f.ID, Tags: f.Tags, Trashed: f.Trashed, CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt, Revision: *cur})
	}
	p := Paginate(m.scratch, q)
	for i, f := range p.Files {
		p.Files[i] = m.current(m.files[f.ID])
	}
	return p, nil
}

// containsLower reports whether strings.ToLower(s) contains needle (lower case), without
// allocating the lower-case copy when s is ASCII, as file names mostly are.
func containsLower(s, needle string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return strings.Contains(strings.ToLower(s), needle)
		}
	}
	for i := 0; i+len(needle) <= len(s); i++ {
		j := 0
		for ; j < len(needle); j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != needle[j] {
				break
			}
		}
		if j == len(needle) {
			return true
		}
	}
	return false
}
