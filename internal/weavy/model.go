// Package weavy emulates the files surface of the Weavy Web API: blobs uploaded as multipart
// forms become files of Files apps, with revisions, trash, metadata and tags, attachments of
// minimal messages, posts and comments, and one listing implementation for every list endpoint.
// model.go holds the rules; handlers.go maps HTTP to them; errors.go renders problem details.
package weavy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fileemu/fileemu/internal/antivirus"
	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/media"
	"github.com/fileemu/fileemu/internal/upload"
)

// App types.
const (
	AppFiles    = "files"
	AppChat     = "chat"
	AppPosts    = "posts"
	AppComments = "comments"
)

// Parent types of files (and of comments: a post).
const (
	ParentApp     = "app"
	ParentMessage = "message"
	ParentPost    = "post"
	ParentComment = "comment"
	ParentFile    = "file" // of comments
)

// userID is the user the emulator acts as.
const userID = 1

// sniffLen is how much of an upload content sniffing looks at.
const sniffLen = 512

// App is a Weavy app.
type App struct {
	ID          int64             `json:"id"`
	UID         string            `json:"uid"`
	Type        string            `json:"type"`
	Access      string            `json:"access"`
	Name        string            `json:"name,omitempty"`
	Description string            `json:"description,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
	Tags        []string          `json:"tags,omitempty"`
	CreatedAt   time.Time         `json:"created_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
	CreatedBy   int64             `json:"created_by"`
	UpdatedBy   int64             `json:"updated_by"`
	// Members are the ids of the app's members: its creator and the users of apps/init.
	Members []int64 `json:"members,omitempty"`
}

func (a App) clone() App {
	a.Metadata, a.Tags, a.Members = maps.Clone(a.Metadata), slices.Clone(a.Tags), slices.Clone(a.Members)
	return a
}

// addMember makes user a member (once).
func (a *App) addMember(user int64) {
	if !slices.Contains(a.Members, user) {
		a.Members = append(a.Members, user)
	}
}

// AppRef is the summary of an app that files and messages carry.
type AppRef struct {
	ID   int64  `json:"id"`
	UID  string `json:"uid"`
	Type string `json:"type"`
	Name string `json:"name,omitempty"`
}

func (a App) ref() AppRef { return AppRef{ID: a.ID, UID: a.UID, Type: a.Type, Name: a.Name} }

// AppIn holds the properties of an app to create or update; nil ones are not given.
type AppIn struct {
	Type        string
	UID         string
	Access      *string
	Name        *string
	Description *string
	Metadata    *map[string]string
	Tags        *[]string
	// By is the acting user (0: user 1).
	By int64
}

// actor returns the acting user of a request: by, or user 1.
func actor(by int64) int64 {
	if by == 0 {
		return userID
	}
	return by
}

// Content is what a blob holds and a revision shows.
type Content struct {
	BlobID    int64  `json:"blob_id"`
	MediaType string `json:"media_type"`
	Size      int64  `json:"size"`
	Width     int    `json:"width,omitempty"`
	Height    int    `json:"height,omitempty"`
	Object    string `json:"object,omitempty"` // name in the session's blob store; empty for external blobs
	// Provider and Link describe an external blob (a file in a cloud drive): no bytes are held.
	Provider string `json:"provider,omitempty"`
	Link     string `json:"link,omitempty"`
}

// Blob is uploaded content waiting to become (or already used by) files.
type Blob struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Content
	SHA256    string    `json:"sha256"`
	CreatedAt time.Time `json:"created_at"`
}

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
}

func (f *fileRec) current() *Revision { return &f.Revs[len(f.Revs)-1] }

func (f *fileRec) revision(rev int) (int, bool) {
	i := slices.IndexFunc(f.Revs, func(r Revision) bool { return r.Rev == rev })
	return i, i >= 0
}

// Message is a message, post or comment.
type Message struct {
	ID          int64
	Type        string // ParentMessage, ParentPost or ParentComment
	App         AppRef
	Parent      *Parent // the post of a comment
	Text        string
	Attachments []File
	CreatedAt   time.Time
	CreatedBy   int64
}

type messageRec struct {
	ID        int64     `json:"id"`
	Type      string    `json:"type"`
	AppID     int64     `json:"app_id"`
	Parent    *Parent   `json:"parent,omitempty"`
	Text      string    `json:"text,omitempty"`
	Files     []int64   `json:"files,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy int64     `json:"created_by"`
}

// Model is the Weavy state of one session.
type Model struct {
	blobs *blobstore.Store
	now   func() time.Time

	mu       sync.Mutex
	next     map[string]int64 // last id given, by kind: app, blob, file, message, post, comment
	uploads  int64            // uploads staged, for their object names
	apps     map[int64]*App
	uids     map[string]int64
	blobRecs map[int64]*Blob
	files    map[int64]*fileRec
	messages map[Parent]*messageRec // by type and id
	scratch  []File                 // reused by List, under mu
	users    map[int64]*User
	userUIDs map[string]int64
	tokens   map[string]*Token
}

// NewModel returns an empty model over a session's blob store.
func NewModel(blobs *blobstore.Store, now func() time.Time) *Model {
	m := &Model{
		blobs: blobs, now: now,
		next: map[string]int64{}, apps: map[int64]*App{}, uids: map[string]int64{},
		blobRecs: map[int64]*Blob{}, files: map[int64]*fileRec{}, messages: map[Parent]*messageRec{},
		users: map[int64]*User{}, userUIDs: map[string]int64{}, tokens: map[string]*Token{},
	}
	m.addUser("", UserIn{}) // user 1: who API-key requests act as
	return m
}

// NewModelWithUser returns an empty model whose default user (id 1, the user of API-key requests)
// has the given name.
func NewModelWithUser(blobs *blobstore.Store, now func() time.Time, name string) *Model {
	m := NewModel(blobs, now)
	m.users[userID].Name = name
	return m
}

func (m *Model) stamp() time.Time { return m.now().UTC() }

// newID returns the next id of a kind. Callers hold m.mu.
func (m *Model) newID(kind string) int64 {
	m.next[kind]++
	return m.next[kind]
}

// ParseID parses a numeric id of a path: a positive decimal integer, nothing else.
func ParseID(s string) (int64, bool) {
	if !isDigits(s) {
		return 0, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}

// ---- apps ----

// app resolves an app by id or uid. Callers hold m.mu.
func (m *Model) app(key string) (*App, error) {
	if id, ok := ParseID(key); ok {
		if a, ok := m.apps[id]; ok {
			return a, nil
		}
	} else if id, ok := m.uids[key]; ok {
		return m.apps[id], nil
	}
	return nil, errNotFound("App %q not found.", key)
}

// App returns an app by id or uid.
func (m *Model) App(key string) (App, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, err := m.app(key)
	if err != nil {
		return App{}, err
	}
	return a.clone(), nil
}

// CreateApp creates an app; a uid in use is a conflict.
func (m *Model) CreateApp(in AppIn) (App, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id, ok := m.uids[in.UID]; ok {
		return App{}, errConflict("An app with uid %q already exists (id %d).", in.UID, id)
	}
	return m.addApp(in), nil
}

// UpsertApp creates the app uid (created true) or updates it with the given properties.
func (m *Model) UpsertApp(uid string, in AppIn) (App, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	id, ok := m.uids[uid]
	if !ok {
		in.UID = uid
		return m.addApp(in), true, nil
	}
	a := m.apps[id]
	if in.Type != a.Type {
		return App{}, false, errConflict("App %q is a %s app, not a %s app.", uid, a.Type, in.Type)
	}
	m.applyApp(a, in)
	a.UpdatedAt, a.UpdatedBy = m.stamp(), actor(in.By)
	return a.clone(), false, nil
}

// addApp stores a new app. Callers hold m.mu.
func (m *Model) addApp(in AppIn) App {
	now := m.stamp()
	by := actor(in.By)
	a := &App{ID: m.newID("app"), UID: in.UID, Type: in.Type, Access: "none", CreatedAt: now, UpdatedAt: now,
		CreatedBy: by, UpdatedBy: by, Members: []int64{by}}
	m.applyApp(a, in)
	m.apps[a.ID], m.uids[a.UID] = a, a.ID
	return a.clone()
}

func (m *Model) applyApp(a *App, in AppIn) {
	if in.Access != nil {
		a.Access = *in.Access
	}
	if in.Name != nil {
		a.Name = *in.Name
	}
	if in.Description != nil {
		a.Description = *in.Description
	}
	if in.Metadata != nil {
		a.Metadata = metadata(*in.Metadata)
	}
	if in.Tags != nil {
		a.Tags = tags(*in.Tags)
	}
}

// metadata copies metadata; empty is nil (omitted).
func metadata(md map[string]string) map[string]string {
	if len(md) == 0 {
		return nil
	}
	return maps.Clone(md)
}

// tags copies tags without case-insensitive duplicates; empty is nil (omitted).
func tags(ts []string) []string {
	var out []string
	for _, t := range ts {
		if !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, t) }) {
			out = append(out, t)
		}
	}
	return out
}

// ---- blobs ----

// Staged is an upload stored but not yet a blob: Commit makes it one, Discard drops it.
type Staged struct {
	Object   string
	Name     string
	PartType string
	Size     int64
	SHA256   string
}

// Stage streams an upload into the blob store. Nothing is stored if reading fails or the content
// is larger than maxSize (0: unlimited), which is a 413 problem. infected marks the upload as a
// virus whatever its content (a scenario's infect rule).
func (m *Model) Stage(ctx context.Context, name, partType string, r io.Reader, maxSize int64, infected bool) (Staged, error) {
	m.mu.Lock()
	m.uploads++
	object := fmt.Sprintf("_weavy/blobs/upload-%d", m.uploads) // no S3 bucket name starts with _
	m.mu.Unlock()
	obj, err := upload.Put(ctx, m.blobs, object, r, blobstore.PutOptions{ContentType: partType, MaxSize: maxSize, SizeHint: -1,
		Now: m.now(), Infected: infected})
	if err != nil {
		var tooLarge *blobstore.TooLargeError
		if errors.As(err, &tooLarge) {
			return Staged{}, newProblem(http.StatusRequestEntityTooLarge, "The blob is larger than the maximum of %d bytes.", maxSize)
		}
		if errors.Is(err, blobstore.ErrStorageFull) {
			return Staged{}, newProblem(http.StatusInsufficientStorage,
				"The emulator's storage limit (--max-storage, %d bytes) is reached: delete files or sessions, or raise the limit.", m.blobs.Quota().Limit())
		}
		return Staged{}, err
	}
	return Staged{Object: object, Name: name, PartType: partType, Size: obj.Size, SHA256: obj.SHA256}, nil
}

// Discard drops a staged upload.
func (m *Model) Discard(st Staged) { m.blobs.Delete(st.Object) }

// Commit turns a staged upload into a blob: scanned for viruses (EICAR: a 409 problem, and the
// upload is dropped), its media type sniffed and its image dimensions read.
func (m *Model) Commit(st Staged) (Blob, error) {
	infected, err := antivirus.Scan(m.blobs, st.Object)
	if err != nil {
		m.Discard(st)
		return Blob{}, err
	}
	if infected {
		m.Discard(st)
		return Blob{}, errConflict("The blob %q is infected with a virus (EICAR test signature) and was not stored.", st.Name)
	}
	head, err := m.blobs.Head(st.Object, sniffLen)
	if err != nil {
		m.Discard(st)
		return Blob{}, err
	}
	w, h := media.Dimensions(m.blobs, st.Object)
	m.mu.Lock()
	defer m.mu.Unlock()
	b := &Blob{
		ID: m.newID("blob"), Name: st.Name, SHA256: st.SHA256, CreatedAt: m.stamp(),
		Content: Content{MediaType: MediaType(st.PartType, st.Name, head), Size: st.Size, Width: w, Height: h, Object: st.Object},
	}
	b.BlobID = b.ID
	m.blobRecs[b.ID] = b
	return *b, nil
}

// ExternalIn is a blob of a cloud drive (POST /api/blobs/external).
type ExternalIn struct {
	Provider, Link, Name, MediaType string
	Size                            int64
	Width, Height                   int
}

// CreateExternalBlob stores a blob that only references a file in a cloud drive.
func (m *Model) CreateExternalBlob(in ExternalIn) Blob {
	m.mu.Lock()
	defer m.mu.Unlock()
	mt := baseType(in.MediaType)
	if mt == "" {
		if mt = media.TypeByExtension(in.Name); mt == "" {
			mt = "application/octet-stream"
		}
	}
	b := &Blob{ID: m.newID("blob"), Name: in.Name, CreatedAt: m.stamp(), Content: Content{
		MediaType: mt, Size: in.Size, Width: in.Width, Height: in.Height, Provider: in.Provider, Link: in.Link,
	}}
	b.BlobID = b.ID
	m.blobRecs[b.ID] = b
	return *b
}

// CreateBlob stages and commits content in one go (seeding and tests).
func (m *Model) CreateBlob(ctx context.Context, name, partType string, r io.Reader) (Blob, error) {
	st, err := m.Stage(ctx, name, partType, r, 0, false)
	if err != nil {
		return Blob{}, err
	}
	return m.Commit(st)
}

// Blob returns a blob.
func (m *Model) Blob(id int64) (Blob, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.blobRecs[id]
	if !ok {
		return Blob{}, errNotFound("Blob %d not found.", id)
	}
	return *b, nil
}

// blob resolves a blob referenced by a body field (an unknown one is a 422 on that field).
// Callers hold m.mu.
func (m *Model) blob(field string, id int64) (*Blob, error) {
	b, ok := m.blobRecs[id]
	if !ok {
		return nil, errInvalid(field, "Blob %d does not exist.", id)
	}
	return b, nil
}

// ---- files ----

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
	if parent.Type != ParentApp {
		return nil
	}
	for _, f := range m.files {
		if f.ID != except && f.Parent == parent && !f.Trashed && strings.EqualFold(f.current().Name, name) {
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
	return nil
}

// Delete removes a file, trashed or not, with all its revisions.
func (m *Model) Delete(id int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.file(id, true); err != nil {
		return err
	}
	delete(m.files, id)
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

// ---- messages, posts and comments ----

// MessageIn is a message, post or comment to create.
type MessageIn struct {
	Text  string
	Blobs []int64
	By    int64 // the acting user (0: user 1)
}

// appTypeOf is the app type that holds each kind of message.
var appTypeOf = map[string]string{ParentMessage: AppChat, ParentPost: AppPosts}

// CreateMessage creates a message (in a chat app) or a post (in a posts app); typ is
// ParentMessage or ParentPost. Each blob becomes an attachment.
func (m *Model) CreateMessage(typ, appKey string, in MessageIn) (Message, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, err := m.app(appKey)
	if err != nil {
		return Message{}, err
	}
	if want := appTypeOf[typ]; a.Type != want && !(want == AppChat && isChat(a.Type)) {
		return Message{}, errBadRequest("App %q is a %s app: %ss are created in %s apps.", appKey, a.Type, typ, want)
	}
	return m.addMessage(typ, a.ID, nil, in)
}

// addMessage stores a message with its attachments, checking every blob first. Callers hold m.mu.
func (m *Model) addMessage(typ string, appID int64, parent *Parent, in MessageIn) (Message, error) {
	if in.Text == "" && len(in.Blobs) == 0 {
		return Message{}, errInvalid("text", "A %s needs text or blobs.", typ)
	}
	blobs := make([]*Blob, 0, len(in.Blobs))
	for i, id := range in.Blobs {
		b, err := m.blob(fmt.Sprintf("blobs[%d]", i), id)
		if err != nil {
			return Message{}, err
		}
		blobs = append(blobs, b)
	}
	now := m.stamp()
	rec := &messageRec{ID: m.newID(typ), Type: typ, AppID: appID, Parent: parent, Text: in.Text, CreatedAt: now, CreatedBy: actor(in.By)}
	for _, b := range blobs {
		f := m.addFile(appID, Parent{Type: typ, ID: rec.ID}, b.Name, b, now, in.By)
		rec.Files = append(rec.Files, f.ID)
	}
	m.messages[Parent{Type: typ, ID: rec.ID}] = rec
	return m.message(rec), nil
}

// message renders a stored message with its attachments that still exist. Callers hold m.mu.
func (m *Model) message(rec *messageRec) Message {
	out := Message{ID: rec.ID, Type: rec.Type, Parent: rec.Parent, Text: rec.Text, CreatedAt: rec.CreatedAt, CreatedBy: actor(rec.CreatedBy)}
	if a, ok := m.apps[rec.AppID]; ok {
		out.App = a.ref()
	}
	for _, id := range rec.Files {
		if f, ok := m.files[id]; ok && !f.Trashed {
			out.Attachments = append(out.Attachments, m.current(f))
		}
	}
	return out
}

// ---- listings ----

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

// Snapshot dumps the model for the admin state endpoint.
func (m *Model) Snapshot() any {
	m.mu.Lock()
	defer m.mu.Unlock()
	apps := make([]App, 0, len(m.apps))
	for _, a := range m.apps {
		apps = append(apps, a.clone())
	}
	sort.Slice(apps, func(i, j int) bool { return apps[i].ID < apps[j].ID })
	blobs := make([]Blob, 0, len(m.blobRecs))
	for _, b := range m.blobRecs {
		blobs = append(blobs, *b)
	}
	sort.Slice(blobs, func(i, j int) bool { return blobs[i].ID < blobs[j].ID })
	files := make([]fileRec, 0, len(m.files))
	for _, f := range m.files {
		c := *f
		c.Metadata, c.Tags, c.Revs = maps.Clone(f.Metadata), slices.Clone(f.Tags), slices.Clone(f.Revs)
		files = append(files, c)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].ID < files[j].ID })
	msgs := make([]messageRec, 0, len(m.messages))
	for _, msg := range m.messages {
		c := *msg
		c.Files = slices.Clone(msg.Files)
		msgs = append(msgs, c)
	}
	sort.Slice(msgs, func(i, j int) bool {
		if msgs[i].Type != msgs[j].Type {
			return msgs[i].Type < msgs[j].Type
		}
		return msgs[i].ID < msgs[j].ID
	})
	users := make([]User, 0, len(m.users))
	for _, u := range m.users {
		users = append(users, u.clone())
	}
	sort.Slice(users, func(i, j int) bool { return users[i].ID < users[j].ID })
	return map[string]any{"apps": apps, "blobs": blobs, "files": files, "messages": msgs, "users": users, "tokens": len(m.tokens)}
}
