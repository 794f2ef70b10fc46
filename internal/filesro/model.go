// Package filesro emulates the files.ro share API, which runs on VueFileManager: shares of an
// owner's folders (editor or visitor, optionally password-protected, optionally expiring), simple
// and chunked uploads into them, folders created by upload paths or explicitly, browsing, and the
// file and thumbnail URLs. The model holds the rules: model.go the session state, shares.go the
// shares and their access, tree.go the folders and files, chunks.go chunked uploads. handlers.go
// maps HTTP to them; errors.go holds the errors and renders them as files.ro and Laravel do;
// form.go streams upload bodies; media.go, exif.go and thumbnails.go read what was uploaded.
package filesro

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/uuid"
)

// Share permissions and item kinds.
const (
	PermissionEditor  = "editor"
	PermissionVisitor = "visitor"

	KindFolder = "folder"
	KindFile   = "file"
)

// DefaultChunkExpiry is how long a chunked upload that receives no chunk is kept.
const DefaultChunkExpiry = time.Hour

// The seed shares every session starts with (documented in openapi/filesro.yaml).
const (
	SeedToken          = "demo"
	SeedReadonlyToken  = "demo-readonly"
	SeedProtectedToken = "demo-protected"
	SeedPassword       = "secret"
)

// Blob store names of what this API stores.
const blobPrefix = "_filesro/" // a name no S3 bucket can have: uploads to the fake S3 never collide

func fileBlob(id string) string  { return blobPrefix + "files/" + id }
func thumbBlob(id string) string { return blobPrefix + "thumbnails/" + id }
func chunkBlob() string          { return blobPrefix + "chunks/" + newUUID() }

// User is the owner of the session's files.
type User struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Model is the files.ro state of one session.
type Model struct {
	blobs *blobstore.Store
	opts  Options

	mu       sync.Mutex
	seq      int64
	owner    User
	items    map[string]*Item
	order    map[string]int64    // item id -> creation sequence
	children map[string][]string // parent id ("" = owner's root) -> child ids, oldest first
	shares   map[string]*Share   // by token
	sharedBy map[string]string   // item id -> token of its share
	cookies  map[string]string   // share_session value -> token it unlocks
	uploads  map[uploadKey]*upload
}

// NewModel returns the model of a new session, holding the shares of the default fixture.
func NewModel(blobs *blobstore.Store, opts Options) *Model {
	m := newModel(blobs, opts)
	if err := m.LoadFixtures(context.Background(), defaultFixture()); err != nil {
		panic("the default fixture does not load: " + err.Error()) // it stores no content: nothing can fail
	}
	return m
}

// newModel returns a model without shares.
func newModel(blobs *blobstore.Store, opts Options) *Model {
	opts = opts.withDefaults()
	m := &Model{
		blobs: blobs, opts: opts,
		items: map[string]*Item{}, order: map[string]int64{}, children: map[string][]string{},
		shares: map[string]*Share{}, sharedBy: map[string]string{}, cookies: map[string]string{},
		uploads: map[uploadKey]*upload{},
	}
	// gofakeit.New(0) seeds itself at random: the PCG that New makes of any other seed, for 0 too.
	seed := uint64(opts.Seed)
	m.owner = User{ID: seededUUID(opts.Seed, "owner"), Name: gofakeit.NewFaker(rand.NewPCG(seed, seed), true).Name()}
	return m
}

func (m *Model) now() time.Time { return m.opts.Clock() }

// Owner returns the owner of the session's files.
func (m *Model) Owner() User { return m.owner }

// newItem adds an item. Callers hold m.mu (or own m exclusively).
func (m *Model) newItem(id, kind, name, parentID string) *Item {
	now := m.now()
	it := &Item{ID: id, Kind: kind, Name: name, ParentID: parentID, Created: now, Updated: now}
	m.seq++
	m.items[id] = it
	m.order[id] = m.seq
	m.children[parentID] = append(m.children[parentID], id)
	return it
}

// Snapshot dumps the model for the admin state endpoint.
func (m *Model) Snapshot() any {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep()
	items := make([]Item, 0, len(m.items))
	for _, it := range m.items {
		items = append(items, *it)
	}
	slices.SortFunc(items, func(a, b Item) int { return int(m.order[a.ID] - m.order[b.ID]) })
	shares := make([]Share, 0, len(m.shares))
	for _, s := range m.shares {
		shares = append(shares, *s)
	}
	slices.SortFunc(shares, func(a, b Share) int { return strings.Compare(a.Token, b.Token) })
	uploads := make([]upload, 0, len(m.uploads))
	for _, u := range m.uploads {
		uploads = append(uploads, *u)
	}
	slices.SortFunc(uploads, func(a, b upload) int {
		return strings.Compare(a.Token+"\x00"+a.Filename, b.Token+"\x00"+b.Filename)
	})
	return map[string]any{"owner": m.owner, "shares": shares, "items": items, "uploads": uploads}
}

// newUUID returns a random version 4 UUID.
func newUUID() string { return uuid.New() }

// seededUUID returns a version 4 UUID derived from the emulator seed and a label, so seed data
// has the same ids in every session of every run with that seed.
func seededUUID(seed int64, label string) string { return uuid.FromSeed(seed, label) }
