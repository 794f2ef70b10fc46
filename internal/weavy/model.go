// Package weavy emulates the files surface of the Weavy Web API: blobs uploaded as multipart
// forms become files of Files apps, with revisions, trash, metadata and tags, attachments of
// minimal messages, posts and comments, and one listing implementation for every list endpoint.
// The model holds the rules: model.go the session state, apps.go, blobs.go, files.go, messages.go
// and users.go one kind each, views.go, list.go and index.go the listings. handlers*.go map HTTP
// to them; errors.go holds the errors and renders them as problem details.
package weavy

import (
	"maps"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/fileemu/fileemu/internal/blobstore"
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

// actor returns the acting user of a request: by, or user 1.
func actor(by int64) int64 {
	if by == 0 {
		return userID
	}
	return by
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
	scopes   map[Parent]*scope      // the listing index (index.go)
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
	m.scopes = newScopes()
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
