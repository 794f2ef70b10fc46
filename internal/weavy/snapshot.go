package weavy

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/session"
)

// State is the saved Weavy state of a session (api.State): the id counters, apps, blobs, files
// with every revision, messages, posts and comments, users and their access tokens. The
// content of blobs and revisions lives in the session's blob store (Content.Object) and is
// saved with it.
type State struct {
	Version int `json:"version"`
	// Next is the last id given by kind (app, blob, file, message, post, comment, user): new
	// objects continue after them.
	Next map[string]int64 `json:"next"`
	// Uploads is how many uploads were staged (it names their objects).
	Uploads  int64            `json:"uploads"`
	Apps     []App            `json:"apps"`      // by id
	AppUIDs  map[string]int64 `json:"app_uids"`  // uid -> app id
	Blobs    []Blob           `json:"blobs"`     // by id
	Files    []FileState      `json:"files"`     // by id
	Messages []MessageState   `json:"messages"`  // by type, then id
	Users    []User           `json:"users"`     // by id
	UserUIDs map[string]int64 `json:"user_uids"` // uid -> user id
	Tokens   []Token          `json:"tokens"`    // by access token
}

// FileState is a stored file with its revisions, oldest first (the last one is current).
type FileState struct {
	ID         int64             `json:"id"`
	AppID      int64             `json:"app_id"`
	Parent     Parent            `json:"parent"`
	Metadata   map[string]string `json:"metadata,omitempty"`
	Tags       []string          `json:"tags,omitempty"`
	Trashed    bool              `json:"is_trashed"`
	CreatedAt  time.Time         `json:"created_at"`
	UpdatedAt  time.Time         `json:"updated_at"`
	CreatedBy  int64             `json:"created_by"`
	UpdatedBy  int64             `json:"updated_by"`
	Subscribed bool              `json:"is_subscribed,omitempty"`
	Revisions  []Revision        `json:"revisions"`
}

// MessageState is a message, post or comment; Files are the ids of its attachments.
type MessageState struct {
	ID        int64     `json:"id"`
	Type      string    `json:"type"`
	AppID     int64     `json:"app_id"`
	Parent    *Parent   `json:"parent,omitempty"`
	Text      string    `json:"text,omitempty"`
	Files     []int64   `json:"files,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy int64     `json:"created_by"`
}

// SaveState returns the model's state.
func (m *Model) SaveState() State {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := State{Version: api.StateVersion, Next: maps.Clone(m.next), Uploads: m.uploads,
		AppUIDs: maps.Clone(m.uids), UserUIDs: maps.Clone(m.userUIDs),
		Apps: []App{}, Blobs: []Blob{}, Files: []FileState{}, Messages: []MessageState{}, Users: []User{}, Tokens: []Token{}}
	for _, a := range m.apps {
		st.Apps = append(st.Apps, a.clone())
	}
	sort.Slice(st.Apps, func(i, j int) bool { return st.Apps[i].ID < st.Apps[j].ID })
	for _, b := range m.blobRecs {
		st.Blobs = append(st.Blobs, *b)
	}
	sort.Slice(st.Blobs, func(i, j int) bool { return st.Blobs[i].ID < st.Blobs[j].ID })
	for _, f := range m.files {
		st.Files = append(st.Files, FileState{ID: f.ID, AppID: f.AppID, Parent: f.Parent, Metadata: maps.Clone(f.Metadata),
			Tags: slices.Clone(f.Tags), Trashed: f.Trashed, CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt,
			CreatedBy: f.CreatedBy, UpdatedBy: f.UpdatedBy, Subscribed: f.Subscribed, Revisions: slices.Clone(f.Revs)})
	}
	sort.Slice(st.Files, func(i, j int) bool { return st.Files[i].ID < st.Files[j].ID })
	for _, msg := range m.messages {
		st.Messages = append(st.Messages, MessageState(*msg))
		st.Messages[len(st.Messages)-1].Files = slices.Clone(msg.Files)
	}
	sort.Slice(st.Messages, func(i, j int) bool {
		a, b := st.Messages[i], st.Messages[j]
		return a.Type < b.Type || a.Type == b.Type && a.ID < b.ID
	})
	for _, u := range m.users {
		st.Users = append(st.Users, u.clone())
	}
	sort.Slice(st.Users, func(i, j int) bool { return st.Users[i].ID < st.Users[j].ID })
	for _, t := range m.tokens {
		st.Tokens = append(st.Tokens, *t)
	}
	sort.Slice(st.Tokens, func(i, j int) bool { return st.Tokens[i].AccessToken < st.Tokens[j].AccessToken })
	return st
}

// LoadState builds a model over blobs from st. The content of blobs and revisions must be in
// blobs.
func LoadState(st State, blobs *blobstore.Store, now func() time.Time) (*Model, error) {
	m := NewModel(blobs, now)
	m.next, m.uploads = maps.Clone(st.Next), st.Uploads
	if m.next == nil {
		m.next = map[string]int64{}
	}
	m.uids, m.userUIDs = maps.Clone(st.AppUIDs), maps.Clone(st.UserUIDs)
	if m.uids == nil {
		m.uids = map[string]int64{}
	}
	if m.userUIDs == nil {
		m.userUIDs = map[string]int64{}
	}
	m.users = map[int64]*User{}
	stored := func(c Content) error {
		if c.Object == "" {
			return nil // an external blob: no bytes
		}
		if _, ok := blobs.Stat(c.Object); !ok {
			return fmt.Errorf("object %q: %w", c.Object, blobstore.ErrNotFound)
		}
		return nil
	}
	for _, a := range st.Apps {
		if m.apps[a.ID] != nil {
			return nil, fmt.Errorf("app %d: listed twice", a.ID)
		}
		a := a.clone()
		m.apps[a.ID] = &a
	}
	for _, b := range st.Blobs {
		if m.blobRecs[b.ID] != nil {
			return nil, fmt.Errorf("blob %d: listed twice", b.ID)
		}
		if err := stored(b.Content); err != nil {
			return nil, fmt.Errorf("blob %d: %w", b.ID, err)
		}
		b := b
		m.blobRecs[b.ID] = &b
	}
	for _, fs := range st.Files {
		if m.files[fs.ID] != nil {
			return nil, fmt.Errorf("file %d: listed twice", fs.ID)
		}
		if len(fs.Revisions) == 0 {
			return nil, fmt.Errorf("file %d: no revision", fs.ID)
		}
		for _, r := range fs.Revisions {
			if err := stored(r.Content); err != nil {
				return nil, fmt.Errorf("file %d revision %d: %w", fs.ID, r.Rev, err)
			}
		}
		m.files[fs.ID] = &fileRec{ID: fs.ID, AppID: fs.AppID, Parent: fs.Parent, Metadata: maps.Clone(fs.Metadata),
			Tags: slices.Clone(fs.Tags), Trashed: fs.Trashed, CreatedAt: fs.CreatedAt, UpdatedAt: fs.UpdatedAt,
			CreatedBy: fs.CreatedBy, UpdatedBy: fs.UpdatedBy, Subscribed: fs.Subscribed, Revs: slices.Clone(fs.Revisions)}
		m.indexAdd(m.files[fs.ID])
	}
	for _, ms := range st.Messages {
		p := Parent{Type: ms.Type, ID: ms.ID}
		if m.messages[p] != nil {
			return nil, fmt.Errorf("%s %d: listed twice", ms.Type, ms.ID)
		}
		rec := messageRec(ms)
		rec.Files = slices.Clone(ms.Files)
		m.messages[p] = &rec
	}
	for _, u := range st.Users {
		if m.users[u.ID] != nil {
			return nil, fmt.Errorf("user %d: listed twice", u.ID)
		}
		u := u.clone()
		m.users[u.ID] = &u
	}
	if m.users[userID] == nil {
		return nil, fmt.Errorf("user %d (who API-key requests act as) is missing", userID)
	}
	for _, t := range st.Tokens {
		t := t
		m.tokens[t.AccessToken] = &t
	}
	return m, nil
}

// state is Weavy's api.State.
func state() *api.State {
	return api.ModelState("weavy", func(m *Model) (State, *blobstore.Store) { return m.SaveState(), nil },
		func(st State, s *session.Session, _ *blobstore.Store) (*Model, error) {
			return LoadState(st, s.Blobs, s.Clock.Now)
		})
}
