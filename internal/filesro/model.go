// Package filesro emulates the files.ro share API, which runs on VueFileManager: shares of an
// owner's folders (editor or visitor, optionally password-protected, optionally expiring), simple
// and chunked uploads into them, folders created by upload paths or explicitly, browsing, and the
// file and thumbnail URLs. model.go holds the rules; handlers.go maps HTTP to them; form.go streams
// upload bodies; media.go and exif.go read what was uploaded.
package filesro

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strconv"
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

// Item is a folder or a file of the owner's tree.
type Item struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	ParentID string `json:"parent_id,omitempty"` // "" = the owner's root

	// Files only.
	Basename    string `json:"basename,omitempty"`
	Extension   string `json:"extension,omitempty"`
	MimeType    string `json:"mimetype,omitempty"`
	Type        string `json:"type,omitempty"` // image, video, audio, file
	Size        int64  `json:"size,omitempty"`
	SHA256      string `json:"sha256,omitempty"`
	Width       int    `json:"width,omitempty"`
	Height      int    `json:"height,omitempty"`
	Thumbnail   bool   `json:"thumbnail,omitempty"`
	Orientation int    `json:"orientation,omitempty"`
	Exif        *Exif  `json:"exif,omitempty"`

	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

// Share is a shared folder or file.
type Share struct {
	ID         string    `json:"id"`
	Token      string    `json:"token"`
	ItemID     string    `json:"item_id"`
	Type       string    `json:"type"`       // folder or file
	Permission string    `json:"permission"` // editor or visitor; "" for files
	Protected  bool      `json:"protected"`
	ExpireIn   int       `json:"expire_in,omitempty"` // hours after Created; 0 = never
	Created    time.Time `json:"created"`

	password string
}

// User is the owner of the session's files.
type User struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Entry is an item with what its resource shows of its surroundings.
type Entry struct {
	Item
	ParentName string // "" when the item is at the owner's root
	Items      int    // folders: direct children
	TotalSize  int64  // folders: size of every file below
}

// upload is a chunked upload under way.
type upload struct {
	Token    string    `json:"token"`
	Filename string    `json:"filename"`
	Chunks   []string  `json:"chunks"` // blob names, in arrival order
	Size     int64     `json:"size"`
	Last     time.Time `json:"last_chunk_at"`
}

type uploadKey struct{ token, filename string }

// Error is a files.ro error: {"type":"error","message"} with its status.
type Error struct {
	Status  int
	Code    string // for the journal
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// FieldError is one Laravel validation message.
type FieldError struct {
	Field   string
	Rule    string
	Message string
}

// Invalid is a Laravel validation failure: 422 with every message.
type Invalid struct{ Fields []FieldError }

func (e *Invalid) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return "invalid: " + strings.Join(parts, "; ")
}

func errShareNotFound() *Error {
	return &Error{404, "not_found", "The share was not found or has expired."}
}
func errItemNotFound(kind string) *Error {
	return &Error{404, "not_found", "The " + kind + " was not found."}
}
func errAccessDenied() *Error { return &Error{403, "access_denied", "Access Denied"} }
func errNoPermission() *Error {
	return &Error{403, "no_permission", "Sorry, you don't have permission"}
}
func errOutsideShare() *Error { return &Error{403, "unauthorized", "This action is unauthorized."} }
func errIncorrectPassword() *Error {
	return &Error{401, "incorrect_password", "Sorry, your password is incorrect."}
}
func errTooLarge(limit int64) *Error {
	return &Error{413, "too_large", "The file exceeds the upload limit of " + HumanSize(limit) + "."}
}
func errMalformed() *Error {
	return &Error{400, "malformed", "The multipart body is truncated or malformed; nothing was stored."}
}

// errStorageFull: the emulator's --max-storage is reached; nothing of the upload was kept.
func errStorageFull(limit int64) *Error {
	return &Error{507, "storage_full", fmt.Sprintf("The emulator's storage limit (--max-storage, %d bytes) is reached; nothing was stored.", limit)}
}

func errNoThumbnail() *Error {
	return &Error{404, "not_found", "This file has no thumbnail."}
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

// NewModel returns the model of a new session: the seed shares, then opts.Fixtures.
func NewModel(blobs *blobstore.Store, opts Options) *Model {
	opts = opts.withDefaults()
	m := &Model{
		blobs: blobs, opts: opts,
		items: map[string]*Item{}, order: map[string]int64{}, children: map[string][]string{},
		shares: map[string]*Share{}, sharedBy: map[string]string{}, cookies: map[string]string{},
		uploads: map[uploadKey]*upload{},
	}
	m.owner = User{ID: seededUUID(opts.Seed, "owner"), Name: gofakeit.New(uint64(opts.Seed)).Name()}
	for _, f := range SeedShares() {
		folder := m.addFixture(f, seededUUID(opts.Seed, "folder "+f.Token), seededUUID(opts.Seed, "share "+f.Token))
		if f.Token == SeedReadonlyToken {
			m.newItem(seededUUID(opts.Seed, "photos"), KindFolder, "Photos", folder.ID)
		}
	}
	for _, f := range opts.Fixtures {
		m.addFixture(f, newUUID(), newUUID())
	}
	return m
}

// SeedShares are the shares every session starts with, before Options.Fixtures.
func SeedShares() []ShareFixture {
	return []ShareFixture{
		{Token: SeedToken, Folder: "Demo", Permission: PermissionEditor},
		{Token: SeedReadonlyToken, Folder: "Demo read-only", Permission: PermissionVisitor},
		{Token: SeedProtectedToken, Folder: "Demo protected", Permission: PermissionEditor, Password: SeedPassword},
	}
}

// ShareFixture is a share every session starts with: a new folder at the owner's root, shared.
type ShareFixture struct {
	Token      string
	Folder     string // the folder's name
	Permission string // editor (default) or visitor
	Password   string // non-empty: a protected share
	ExpireIn   int    // hours; 0 = never
}

// addFixture creates the fixture's folder and share; a fixture replaces a share of the same token.
func (m *Model) addFixture(f ShareFixture, folderID, shareID string) *Item {
	folder := m.newItem(folderID, KindFolder, f.Folder, "")
	if old, ok := m.shares[f.Token]; ok {
		m.dropShare(old)
	}
	perm := f.Permission
	if perm == "" {
		perm = PermissionEditor
	}
	m.addShare(&Share{ID: shareID, Token: f.Token, ItemID: folder.ID, Type: KindFolder, Permission: perm,
		Protected: f.Password != "", password: f.Password, ExpireIn: f.ExpireIn, Created: m.now()})
	return folder
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

func (m *Model) addShare(s *Share) {
	m.shares[s.Token] = s
	m.sharedBy[s.ItemID] = s.Token
}

func (m *Model) dropShare(s *Share) {
	delete(m.shares, s.Token)
	if m.sharedBy[s.ItemID] == s.Token {
		delete(m.sharedBy, s.ItemID)
	}
	for c, tok := range m.cookies {
		if tok == s.Token {
			delete(m.cookies, c)
		}
	}
}

func (m *Model) expired(s *Share) bool {
	return s.ExpireIn > 0 && !m.now().Before(s.Created.Add(time.Duration(s.ExpireIn)*time.Hour))
}

// sweep drops expired shares and abandoned chunked uploads, freeing their bytes. Every public
// method calls it first, so expiry is lazy but never observable. Callers hold m.mu.
func (m *Model) sweep() {
	for _, s := range m.shares {
		if m.expired(s) {
			m.dropShare(s)
		}
	}
	now := m.now()
	for k, u := range m.uploads {
		_, live := m.shares[k.token]
		if !live || now.Sub(u.Last) >= m.opts.ChunkExpiry {
			m.dropUpload(k)
		}
	}
}

func (m *Model) dropUpload(k uploadKey) {
	if u, ok := m.uploads[k]; ok {
		for _, b := range u.Chunks {
			m.blobs.Delete(b)
		}
		delete(m.uploads, k)
	}
}

// lookup returns the live share of token. Callers hold m.mu and have swept.
func (m *Model) lookup(token string) (*Share, error) {
	s, ok := m.shares[token]
	if !ok {
		return nil, errShareNotFound()
	}
	return s, nil
}

// Share returns the share of token, protected or not (its record is public).
func (m *Model) Share(token string) (Share, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep()
	s, err := m.lookup(token)
	if err != nil {
		return Share{}, err
	}
	return *s, nil
}

// access returns the share of token for a visitor presenting the share_session cookie.
// Callers hold m.mu and have swept.
func (m *Model) access(token, cookie string) (*Share, error) {
	s, err := m.lookup(token)
	if err != nil {
		return nil, err
	}
	if s.Protected && (cookie == "" || m.cookies[cookie] != token) {
		return nil, errNoPermission()
	}
	return s, nil
}

// Access returns the share of token if the visitor may use it.
func (m *Model) Access(token, cookie string) (Share, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep()
	s, err := m.access(token, cookie)
	if err != nil {
		return Share{}, err
	}
	return *s, nil
}

// writable returns the share of token if visitors may add to it. Callers hold m.mu and have swept.
func (m *Model) writable(token, cookie string, checkCookie bool) (*Share, error) {
	s, err := m.lookup(token)
	if err != nil {
		return nil, err
	}
	if checkCookie {
		if s, err = m.access(token, cookie); err != nil {
			return nil, err
		}
	}
	if s.Type != KindFolder || s.Permission != PermissionEditor {
		return nil, errAccessDenied()
	}
	return s, nil
}

// Writable returns the share of token if the visitor may upload to it and create folders in it.
func (m *Model) Writable(token, cookie string) (Share, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep()
	s, err := m.writable(token, cookie, true)
	if err != nil {
		return Share{}, err
	}
	return *s, nil
}

// Unlock checks the password of a protected share and returns a new share_session value
// ("" for a share without password, which needs no unlocking).
func (m *Model) Unlock(token, password string) (Share, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep()
	s, err := m.lookup(token)
	if err != nil {
		return Share{}, "", err
	}
	if !s.Protected {
		return *s, "", nil
	}
	if subtle.ConstantTimeCompare([]byte(password), []byte(s.password)) != 1 {
		return Share{}, "", errIncorrectPassword()
	}
	var b [24]byte
	_, _ = rand.Read(b[:])
	cookie := hex.EncodeToString(b[:])
	m.cookies[cookie] = token
	return *s, cookie, nil
}

// inTree reports whether item id is the shared item or below it. Callers hold m.mu.
func (m *Model) inTree(s *Share, id string) bool {
	for depth := 0; id != "" && depth <= len(m.items); depth++ {
		if id == s.ItemID {
			return true
		}
		it, ok := m.items[id]
		if !ok {
			return false
		}
		id = it.ParentID
	}
	return false
}

// parent resolves parent_id within the share: "" is the shared folder; anything but a folder of
// the share tree is refused. Callers hold m.mu.
func (m *Model) parent(s *Share, parentID string) (*Item, error) {
	if parentID == "" {
		parentID = s.ItemID
	}
	it, ok := m.items[parentID]
	if !ok || it.Kind != KindFolder || !m.inTree(s, parentID) {
		return nil, errOutsideShare()
	}
	return it, nil
}

// SplitPath returns the folder names of an upload path: /A/B/file.jpg is [A B]. The last segment
// (the file) is ignored, as are empty and "." segments; ".." is refused.
func SplitPath(path string) ([]string, error) {
	segs := strings.Split(strings.ReplaceAll(path, "\\", "/"), "/")
	segs = segs[:len(segs)-1]
	var out []string
	for _, s := range segs {
		s = strings.TrimSpace(s)
		switch s {
		case "", ".":
			continue
		case "..":
			return nil, &Invalid{[]FieldError{{"path", "path", "The path must not contain .. segments."}}}
		}
		out = append(out, s)
	}
	return out, nil
}

// folderPath finds or creates the folders of segs under parent. Callers hold m.mu.
func (m *Model) folderPath(parent *Item, segs []string) *Item {
	for _, name := range segs {
		var next *Item
		for _, id := range m.children[parent.ID] {
			if c := m.items[id]; c.Kind == KindFolder && c.Name == name {
				next = c
				break
			}
		}
		if next == nil {
			next = m.newItem(newUUID(), KindFolder, name, parent.ID)
		}
		parent = next
	}
	return parent
}

// entry describes an item with its surroundings. Callers hold m.mu.
func (m *Model) entry(it *Item) Entry {
	e := Entry{Item: *it}
	if p, ok := m.items[it.ParentID]; ok {
		e.ParentName = p.Name
	}
	if it.Kind == KindFolder {
		e.Items = len(m.children[it.ID])
		e.TotalSize = m.treeSize(it.ID, 0)
	}
	return e
}

func (m *Model) treeSize(id string, depth int) int64 {
	if depth > len(m.items) {
		return 0
	}
	var n int64
	for _, c := range m.children[id] {
		it := m.items[c]
		if it.Kind == KindFile {
			n += it.Size
		} else {
			n += m.treeSize(c, depth+1)
		}
	}
	return n
}

// FileIn is a stored upload to record.
type FileIn struct {
	Name, Extension, Path, ParentID string
	Size                            int64
	SHA256                          string
	Media                           Media
}

// AddFile records the file id whose content is stored under its blob name: in the folders of
// in.Path (created as needed) under in.ParentID, within the share of token.
func (m *Model) AddFile(token, id string, in FileIn) (Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep()
	s, err := m.writable(token, "", false)
	if err != nil {
		return Entry{}, err
	}
	parent, err := m.parent(s, in.ParentID)
	if err != nil {
		return Entry{}, err
	}
	segs, err := SplitPath(in.Path)
	if err != nil {
		return Entry{}, err
	}
	parent = m.folderPath(parent, segs)
	it := m.newItem(id, KindFile, in.Name, parent.ID)
	it.Extension = in.Extension
	it.Basename = id
	if in.Extension != "" {
		it.Basename += "." + in.Extension
	}
	it.Size, it.SHA256 = in.Size, in.SHA256
	md := in.Media
	it.MimeType, it.Type, it.Width, it.Height = md.MimeType, md.Type, md.Width, md.Height
	it.Thumbnail, it.Orientation, it.Exif = md.Thumbnail, md.Orientation, md.Exif
	return m.entry(it), nil
}

// ChunkBudget returns how many bytes the next chunk of filename on the share may hold.
func (m *Model) ChunkBudget(token, filename string) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep()
	if u, ok := m.uploads[uploadKey{token, filename}]; ok {
		return m.opts.MaxObjectSize - u.Size
	}
	return m.opts.MaxObjectSize
}

// AppendChunk appends a stored chunk (blob, size bytes) to the upload of filename on the share.
// The parent is checked on every chunk, so a chunk that could never complete is refused at once;
// over the size limit the whole upload is dropped. After the last chunk the upload ends and its
// chunks are returned in order: the caller assembles them. On error the caller keeps blob.
func (m *Model) AppendChunk(token, filename, parentID, blob string, size int64, last bool) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep()
	s, err := m.writable(token, "", false)
	if err != nil {
		return nil, err
	}
	if _, err := m.parent(s, parentID); err != nil {
		return nil, err
	}
	k := uploadKey{token, filename}
	u, ok := m.uploads[k]
	if !ok {
		u = &upload{Token: token, Filename: filename}
		m.uploads[k] = u
	}
	if u.Size+size > m.opts.MaxObjectSize {
		m.dropUpload(k)
		return nil, errTooLarge(m.opts.MaxObjectSize)
	}
	u.Chunks = append(u.Chunks, blob)
	u.Size += size
	u.Last = m.now()
	if !last {
		return nil, nil
	}
	delete(m.uploads, k)
	return u.Chunks, nil
}

// DropUpload abandons the chunked upload of filename on the share and frees its chunks.
func (m *Model) DropUpload(token, filename string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.dropUpload(uploadKey{token, filename})
}

// CreateFolder creates folder name under parentID ("" = the shared folder) in the share.
func (m *Model) CreateFolder(token, cookie, name, parentID string) (Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep()
	s, err := m.writable(token, cookie, true)
	if err != nil {
		return Entry{}, err
	}
	parent, err := m.parent(s, parentID)
	if err != nil {
		return Entry{}, err
	}
	return m.entry(m.newItem(newUUID(), KindFolder, name, parent.ID)), nil
}

// Sort orders a listing as VueFileManager's sortable() does: by name or created_at, ascending or
// descending. Folders always come before files (its browse lists folders, then files).
type Sort struct {
	Field string // SortName or SortCreated
	Desc  bool
}

// Sort fields.
const (
	SortName    = "name"
	SortCreated = "created_at"
)

// DefaultSort is newest first: what VueFileManager's client asks for until the visitor changes it.
func DefaultSort() Sort { return Sort{Field: SortCreated, Desc: true} }

// compare orders items a and b of one kind. Callers hold m.mu.
func (m *Model) compare(s Sort, a, b string) int {
	c := 0
	if s.Field == SortName {
		c = strings.Compare(strings.ToLower(m.items[a].Name), strings.ToLower(m.items[b].Name))
	}
	if c == 0 { // created_at, or equal names: creation order (a second's uploads keep their order)
		c = int(m.order[a] - m.order[b])
	}
	if s.Desc {
		c = -c
	}
	return c
}

// sorted returns the children of folder id: folders first, then files, each ordered by s.
// Callers hold m.mu.
func (m *Model) sorted(id string, s Sort) []string {
	kids := slices.Clone(m.children[id])
	slices.SortStableFunc(kids, func(a, b string) int {
		ka, kb := m.items[a].Kind, m.items[b].Kind
		if ka != kb {
			if ka == KindFolder {
				return -1
			}
			return 1
		}
		return m.compare(s, a, b)
	})
	return kids
}

// isUUID reports whether id has the shape of a UUID, as Laravel's Str::isUuid checks it.
func isUUID(id string) bool {
	if len(id) != 36 {
		return false
	}
	for i, c := range id {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// Browse returns folder id of the share and its children ordered by s. An id that is not a UUID
// ("all", or "undefined" as VueFileManager's client sends before it knows the folder) is the shared
// folder, as in VueFileManager.
func (m *Model) Browse(token, cookie, id string, s Sort) (Entry, []Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep()
	sh, err := m.access(token, cookie)
	if err != nil {
		return Entry{}, nil, err
	}
	if sh.Type != KindFolder {
		return Entry{}, nil, errAccessDenied()
	}
	if !isUUID(id) {
		id = sh.ItemID
	}
	it, ok := m.items[id]
	if !ok || it.Kind != KindFolder {
		return Entry{}, nil, errItemNotFound("folder")
	}
	if !m.inTree(sh, id) {
		return Entry{}, nil, errOutsideShare()
	}
	kids := m.sorted(id, s)
	out := make([]Entry, 0, len(kids))
	for _, c := range kids {
		out = append(out, m.entry(m.items[c]))
	}
	return m.entry(it), out, nil
}

// TreeNode is a folder of the navigation tree with its subfolders.
type TreeNode struct {
	ID       string
	ParentID string
	Name     string
	Items    int // direct children, folders and files
	Folders  []TreeNode
}

// Tree returns the folders below the shared item, recursively, each level ordered by s: the
// navigation tree of VueFileManager's share page. A file share has none.
func (m *Model) Tree(token, cookie string, s Sort) ([]TreeNode, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep()
	sh, err := m.access(token, cookie)
	if err != nil {
		return nil, err
	}
	return m.tree(sh.ItemID, s, 0), nil
}

func (m *Model) tree(id string, s Sort, depth int) []TreeNode {
	out := []TreeNode{}
	if depth > len(m.items) { // a cycle cannot happen; this only bounds the recursion
		return out
	}
	for _, c := range m.sorted(id, s) {
		it := m.items[c]
		if it.Kind != KindFolder {
			break // folders come first
		}
		out = append(out, TreeNode{ID: it.ID, ParentID: it.ParentID, Name: it.Name,
			Items: len(m.children[it.ID]), Folders: m.tree(it.ID, s, depth+1)})
	}
	return out
}

// SharedFile returns the file a file share shares (VueFileManager's single-file share page).
func (m *Model) SharedFile(token, cookie string) (Share, Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep()
	sh, err := m.access(token, cookie)
	if err != nil {
		return Share{}, Entry{}, err
	}
	it, ok := m.items[sh.ItemID]
	if !ok || it.Kind != KindFile {
		return Share{}, Entry{}, errItemNotFound("file")
	}
	return *sh, m.entry(it), nil
}

// File returns file id if it lies in the share.
func (m *Model) File(token, cookie, id string) (Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep()
	s, err := m.access(token, cookie)
	if err != nil {
		return Entry{}, err
	}
	it, ok := m.items[id]
	if !ok || it.Kind != KindFile {
		return Entry{}, errItemNotFound("file")
	}
	if !m.inTree(s, id) {
		return Entry{}, errOutsideShare()
	}
	return m.entry(it), nil
}

// ShareIn is what the owner asks to share.
type ShareIn struct {
	ItemID, Type, Permission string
	IsPassword               bool
	Password                 string
	ExpireIn                 int // hours; 0 = never
	Name, Token              string
}

// CreateShare shares the owner's item in.ItemID, or a new folder at the owner's root.
func (m *Model) CreateShare(in ShareIn) (Share, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep()
	var fe []FieldError
	kind := KindFolder
	if in.ItemID != "" {
		it, ok := m.items[in.ItemID]
		switch {
		case !ok:
			fe = append(fe, FieldError{"id", "exists", "The selected id is invalid."})
		case m.sharedBy[in.ItemID] != "":
			fe = append(fe, FieldError{"id", "unique", "The item is currently shared."})
		}
		if ok {
			kind = it.Kind
		}
		switch {
		case in.Type == "":
			fe = append(fe, FieldError{"type", "required_with", "The type field is required when id is present."})
		case ok && in.Type != it.Kind:
			fe = append(fe, FieldError{"type", "in", "The selected type is invalid."})
		}
	} else if in.Type != "" && in.Type != KindFolder {
		fe = append(fe, FieldError{"type", "in", "The selected type is invalid."})
	}
	if kind == KindFolder && in.Permission == "" {
		fe = append(fe, FieldError{"permission", "required", "The permission field for folder is required."})
	}
	if in.IsPassword && in.Password == "" {
		fe = append(fe, FieldError{"password", "required_if", "The password field is required when is password is true."})
	}
	if in.Token != "" {
		if _, taken := m.shares[in.Token]; taken {
			fe = append(fe, FieldError{"token", "unique", "The token has already been taken."})
		}
	}
	if len(fe) > 0 {
		return Share{}, &Invalid{fe}
	}
	if in.ItemID == "" {
		name := in.Name
		if name == "" {
			name = "Shared folder"
		}
		in.ItemID = m.newItem(newUUID(), KindFolder, name, "").ID
	}
	perm := in.Permission
	if kind != KindFolder {
		perm = ""
	}
	token := in.Token
	for token == "" || m.shares[token] != nil {
		token = randomToken()
	}
	s := &Share{ID: newUUID(), Token: token, ItemID: in.ItemID, Type: kind, Permission: perm,
		Protected: in.IsPassword, ExpireIn: in.ExpireIn, Created: m.now()}
	if in.IsPassword {
		s.password = in.Password
	}
	m.addShare(s)
	return *s, nil
}

// ShareUpdate holds the fields of a share update; nil ones stay as they are.
type ShareUpdate struct {
	Protected  *bool
	Password   *string
	Permission *string
	ExpireIn   *int // 0 = never
}

// UpdateShare changes the share of token.
func (m *Model) UpdateShare(token string, in ShareUpdate) (Share, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep()
	s, err := m.lookup(token)
	if err != nil {
		return Share{}, err
	}
	protect := s.Protected
	if in.Protected != nil {
		protect = *in.Protected
	}
	if protect && s.password == "" && (in.Password == nil || *in.Password == "") {
		return Share{}, &Invalid{[]FieldError{{"password", "required_if", "The password field is required when protected is true."}}}
	}
	s.Protected = protect
	switch {
	case !protect:
		s.password = ""
	case in.Password != nil:
		s.password = *in.Password
	}
	if in.Permission != nil && s.Type == KindFolder {
		s.Permission = *in.Permission
	}
	if in.ExpireIn != nil {
		s.ExpireIn = *in.ExpireIn
	}
	if m.expired(s) {
		m.dropShare(s)
		return Share{}, errShareNotFound()
	}
	return *s, nil
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

// HumanSize formats a byte count as VueFileManager shows it: powers of 1000, one decimal,
// e.g. "512 B", "1.2 kB", "26.2 MB".
func HumanSize(n int64) string {
	if n < 1000 {
		return strconv.FormatInt(max(n, 0), 10) + " B"
	}
	v := float64(n)
	units := []string{"kB", "MB", "GB", "TB", "PB", "EB"}
	for i, u := range units {
		v /= 1000
		if math.Round(v*10)/10 < 1000 || i == len(units)-1 {
			return strconv.FormatFloat(v, 'f', 1, 64) + " " + u
		}
	}
	return "" // unreachable
}

// newUUID returns a random version 4 UUID.
func newUUID() string { return uuid.New() }

// seededUUID returns a version 4 UUID derived from the emulator seed and a label, so seed data
// has the same ids in every session of every run with that seed.
func seededUUID(seed int64, label string) string { return uuid.FromSeed(seed, label) }

// randomToken returns a share token as VueFileManager makes them: 16 random letters and digits.
func randomToken() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var b [16]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}
