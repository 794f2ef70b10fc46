package weavy

import "strings"

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
	// page in full.
	m.scratch = m.scratch[:0]
	for _, f := range m.files {
		if parent == nil || f.Parent == *parent {
			m.scratch = append(m.scratch, File{ID: f.ID, Tags: f.Tags, Trashed: f.Trashed, CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt, Revision: *f.current()})
		}
	}
	p := Paginate(m.scratch, q)
	for i, f := range p.Files {
		p.Files[i] = m.current(m.files[f.ID])
	}
	return p, nil
}
