package filesro

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

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

// Entry is an item with what its resource shows of its surroundings.
type Entry struct {
	Item
	ParentName string // "" when the item is at the owner's root
	Items      int    // folders: direct children
	TotalSize  int64  // folders: size of every file below
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
