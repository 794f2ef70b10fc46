package weavy

import (
	"maps"
	"slices"
	"time"
)

// Revision is one version of a file's content and name.
type Revision struct {
	Rev  int    `json:"rev"`
	Name string `json:"name"`
	Content
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Parent is what a file (or a comment) belongs to.
type Parent struct {
	Type string `json:"type"`
	ID   int64  `json:"id"`
}

// File is a snapshot of a file showing one revision (the current one unless asked otherwise).
type File struct {
	ID       int64
	App      AppRef
	Parent   Parent
	Metadata map[string]string
	Tags     []string
	Trashed  bool
	// CreatedAt is when the file was created; UpdatedAt when it last changed (for a past revision:
	// when that revision last changed).
	CreatedAt, UpdatedAt time.Time
	Revision
	// Latest is the number of the current revision.
	Latest int
	// Kind and PreviewFormat derive from the revision's name and media type.
	Kind, PreviewFormat string
	// CreatedBy and UpdatedBy are user ids.
	CreatedBy, UpdatedBy int64
	Subscribed           bool
}

// IsCurrent reports whether the snapshot shows the current revision.
func (f File) IsCurrent() bool { return f.Rev == f.Latest }

// fileRec is a stored file.
type fileRec struct {
	ID        int64             `json:"id"`
	AppID     int64             `json:"app_id"`
	Parent    Parent            `json:"parent"`
	Metadata  map[string]string `json:"metadata,omitempty"`
	Tags      []string          `json:"tags,omitempty"`
	Trashed   bool              `json:"is_trashed"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
	CreatedBy int64             `json:"created_by"`
	UpdatedBy int64             `json:"updated_by"`
	// Subscribed: someone subscribed to the file (one flag per file, not per user).
	Subscribed bool       `json:"is_subscribed,omitempty"`
	Revs       []Revision `json:"revisions"` // ascending by Rev; the last one is current
	// ix is what the listing index recorded of the file: a change of its name, size, dates or
	// trash state must end with m.reindex (index.go).
	ix    indexed
	slots [2]int32 // its slots in the names of its scopes: all files, its parent's
}

func (f *fileRec) current() *Revision { return &f.Revs[len(f.Revs)-1] }

func (f *fileRec) revision(rev int) (int, bool) {
	i := slices.IndexFunc(f.Revs, func(r Revision) bool { return r.Rev == rev })
	return i, i >= 0
}

// snapshot renders a stored file showing revision i. Callers hold m.mu.
func (m *Model) snapshot(f *fileRec, i int) File {
	rev := f.Revs[i]
	out := File{
		ID: f.ID, Parent: f.Parent, Metadata: maps.Clone(f.Metadata), Tags: slices.Clone(f.Tags), Trashed: f.Trashed,
		CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt, Revision: rev, Latest: f.current().Rev,
		Kind: Kind(rev.Name, rev.MediaType), PreviewFormat: PreviewFormat(rev.Name, rev.MediaType),
		CreatedBy: actor(f.CreatedBy), UpdatedBy: actor(f.UpdatedBy), Subscribed: f.Subscribed,
	}
	if i != len(f.Revs)-1 {
		out.UpdatedAt = rev.UpdatedAt
	}
	if a, ok := m.apps[f.AppID]; ok {
		out.App = a.ref()
	}
	return out
}

func (m *Model) current(f *fileRec) File { return m.snapshot(f, len(f.Revs)-1) }

// file returns a stored file; trashed ones only when trashed is true. Callers hold m.mu.
func (m *Model) file(id int64, trashed bool) (*fileRec, error) {
	f, ok := m.files[id]
	if !ok || (f.Trashed && !trashed) {
		return nil, errNotFound("File %d not found.", id)
	}
	return f, nil
}

// nameTaken returns the file other than except that holds name among the files of an app that
// are not trashed. Names of attachments are not unique. Callers hold m.mu.
func (m *Model) nameTaken(parent Parent, name string, except int64) *fileRec {
	if parent.Type != ParentApp || m.scopes[parent] == nil {
		return nil
	}
	// The index holds the app's files by folded name (the first of them, when fixtures or a
	// restored state hold several): no walk over the app's files.
	for _, f := range m.scopes[parent].named[foldKey(name)] {
		if f.ID != except && !f.Trashed {
			return f
		}
	}
	return nil
}

// FileIn is a file to create from a blob.
type FileIn struct {
	BlobID   int64
	Name     string // empty: the blob's name
	Metadata *map[string]string
	Tags     *[]string
	Replace  bool
	By       int64 // the acting user (0: user 1)
}

// CreateFile creates a file in a Files app. With Replace, a file of the same name gets a new
// revision instead (replaced is true); without, that is a conflict.
func (m *Model) CreateFile(appKey string, in FileIn) (f File, replaced bool, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, err := m.app(appKey)
	if err != nil {
		return File{}, false, err
	}
	if a.Type != AppFiles {
		return File{}, false, errBadRequest("App %q is a %s app: files are created in files apps.", appKey, a.Type)
	}
	b, err := m.blob("blob_id", in.BlobID)
	if err != nil {
		return File{}, false, err
	}
	name := in.Name
	if name == "" {
		name = b.Name
	}
	parent := Parent{Type: ParentApp, ID: a.ID}
	now := m.stamp()
	if existing := m.nameTaken(parent, name, 0); existing != nil {
		if !in.Replace {
			return File{}, false, errConflict("A file named %q already exists in app %q (file %d); send replace: true to add a new revision.",
				existing.current().Name, a.UID, existing.ID)
		}
		existing.Revs = append(existing.Revs, Revision{Rev: existing.current().Rev + 1, Name: name, Content: b.Content, CreatedAt: now, UpdatedAt: now})
		m.applyFile(existing, in.Metadata, in.Tags)
		existing.UpdatedAt, existing.UpdatedBy = now, actor(in.By)
		m.reindex(existing)
		return m.current(existing), true, nil
	}
	rec := m.addFile(a.ID, parent, name, b, now, in.By)
	m.applyFile(rec, in.Metadata, in.Tags)
	return m.current(rec), false, nil
}

// addFile stores a new file of one revision. Callers hold m.mu.
func (m *Model) addFile(appID int64, parent Parent, name string, b *Blob, now time.Time, by int64) *fileRec {
	rec := &fileRec{
		ID: m.newID("file"), AppID: appID, Parent: parent, CreatedAt: now, UpdatedAt: now, CreatedBy: actor(by), UpdatedBy: actor(by),
		Revs: []Revision{{Rev: 1, Name: name, Content: b.Content, CreatedAt: now, UpdatedAt: now}},
	}
	m.files[rec.ID] = rec
	m.indexAdd(rec)
	return rec
}

func (m *Model) applyFile(f *fileRec, md *map[string]string, ts *[]string) {
	if md != nil {
		f.Metadata = metadata(*md)
	}
	if ts != nil {
		f.Tags = tags(*ts)
	}
}

// File returns a file at its current revision; a trashed one only when trashed is true.
func (m *Model) File(id int64, trashed bool) (File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, err := m.file(id, trashed)
	if err != nil {
		return File{}, err
	}
	return m.current(f), nil
}

// FileUp holds the changes of a file update; nil fields are not given.
type FileUp struct {
	BlobID   *int64
	Name     *string
	Metadata *map[string]string
	Tags     *[]string
	// Backup keeps the current revision when BlobID replaces the content.
	Backup bool
	By     int64 // the acting user (0: user 1)
}

// UpdateFile changes a file that is not trashed. New content (BlobID) becomes a new revision
// with Backup, else it replaces the current revision's content in place.
func (m *Model) UpdateFile(id int64, in FileUp) (File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, err := m.file(id, false)
	if err != nil {
		return File{}, err
	}
	name := f.current().Name
	if in.Name != nil {
		name = *in.Name
		if other := m.nameTaken(f.Parent, name, f.ID); other != nil {
			return File{}, errConflict("Another file of the app is named %q (file %d).", other.current().Name, other.ID)
		}
	}
	var b *Blob
	if in.BlobID != nil {
		if b, err = m.blob("blob_id", *in.BlobID); err != nil {
			return File{}, err
		}
	}
	now := m.stamp()
	switch {
	case b != nil && in.Backup:
		f.Revs = append(f.Revs, Revision{Rev: f.current().Rev + 1, Name: name, Content: b.Content, CreatedAt: now, UpdatedAt: now})
	case b != nil:
		cur := f.current()
		cur.Name, cur.Content, cur.UpdatedAt = name, b.Content, now
	default:
		cur := f.current()
		if cur.Name != name {
			cur.Name, cur.UpdatedAt = name, now
		}
	}
	m.applyFile(f, in.Metadata, in.Tags)
	f.UpdatedAt, f.UpdatedBy = now, actor(in.By)
	m.reindex(f)
	return m.current(f), nil
}

// Revisions returns every revision of a file that is not trashed, newest first.
func (m *Model) Revisions(id int64) ([]File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, err := m.file(id, false)
	if err != nil {
		return nil, err
	}
	out := make([]File, 0, len(f.Revs))
	for i := len(f.Revs) - 1; i >= 0; i-- {
		out = append(out, m.snapshot(f, i))
	}
	return out, nil
}

// Revision returns a file that is not trashed as it was at revision rev.
func (m *Model) Revision(id int64, rev int) (File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, i, err := m.fileRevision(id, rev)
	if err != nil {
		return File{}, err
	}
	return m.snapshot(f, i), nil
}

// fileRevision resolves a revision of a file that is not trashed. Callers hold m.mu.
func (m *Model) fileRevision(id int64, rev int) (*fileRec, int, error) {
	f, err := m.file(id, false)
	if err != nil {
		return nil, 0, err
	}
	i, ok := f.revision(rev)
	if !ok {
		return nil, 0, errNotFound("File %d has no revision %d.", id, rev)
	}
	return f, i, nil
}

// RestoreRevision makes revision rev current by adding a new revision with its content and
// name; every revision is kept.
func (m *Model) RestoreRevision(id int64, rev int) (File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, i, err := m.fileRevision(id, rev)
	if err != nil {
		return File{}, err
	}
	old := f.Revs[i]
	if other := m.nameTaken(f.Parent, old.Name, f.ID); other != nil {
		return File{}, errConflict("Revision %d is named %q, which file %d of the app now uses.", rev, old.Name, other.ID)
	}
	now := m.stamp()
	f.Revs = append(f.Revs, Revision{Rev: f.current().Rev + 1, Name: old.Name, Content: old.Content, CreatedAt: now, UpdatedAt: now})
	f.UpdatedAt = now
	m.reindex(f)
	return m.current(f), nil
}

// DeleteRevision removes a revision other than the current one.
func (m *Model) DeleteRevision(id int64, rev int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, i, err := m.fileRevision(id, rev)
	if err != nil {
		return err
	}
	if i == len(f.Revs)-1 {
		return errBadRequest("Revision %d is the current revision of file %d and cannot be deleted; restore another revision first.", rev, id)
	}
	f.Revs = slices.Delete(f.Revs, i, i+1)
	return nil
}

// Trash moves a file to the trash (trashing twice is fine).
func (m *Model) Trash(id int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, err := m.file(id, true)
	if err != nil {
		return err
	}
	f.Trashed = true
	m.reindex(f)
	return nil
}

// Restore takes a file out of the trash, unless another file took its name meanwhile.
func (m *Model) Restore(id int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, err := m.file(id, true)
	if err != nil {
		return err
	}
	if !f.Trashed {
		return nil
	}
	if other := m.nameTaken(f.Parent, f.current().Name, f.ID); other != nil {
		return errConflict("File %d cannot be restored: file %d of the app is now named %q.", id, other.ID, other.current().Name)
	}
	f.Trashed = false
	m.reindex(f)
	return nil
}

// Delete removes a file, trashed or not, with all its revisions.
func (m *Model) Delete(id int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, err := m.file(id, true)
	if err != nil {
		return err
	}
	delete(m.files, id)
	m.indexRemove(f)
	return nil
}

// Download returns what a download of a file's revision serves (rev 0: the current one),
// trashed files included.
func (m *Model) Download(id int64, rev int) (name string, c Content, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, err := m.file(id, true)
	if err != nil {
		return "", Content{}, err
	}
	i := len(f.Revs) - 1
	if rev != 0 {
		var ok bool
		if i, ok = f.revision(rev); !ok {
			return "", Content{}, errNotFound("File %d has no revision %d.", id, rev)
		}
	}
	return f.Revs[i].Name, f.Revs[i].Content, nil
}
