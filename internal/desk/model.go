// Package desk emulates the Teamwork Desk v2 files API: an upload authorization that hands out a
// presigned S3 POST form, activation once the object landed, and file metadata, listing and
// deletion. model.go holds the rules; handlers.go maps HTTP to them; errors.go holds the errors and
// renders them in Desk's envelope; filter.go parses list filters.
package desk

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/fileemu/fileemu/internal/antivirus"
	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/media"
	"github.com/fileemu/fileemu/internal/s3"
)

// Bucket is the fake S3 bucket the upload forms post into.
const Bucket = "desk-uploads"

// File states.
const (
	StateTemp    = "temp"
	StateActive  = "active"
	StateDeleted = "deleted"
)

// userID is the user the emulator acts as.
const userID = 1

// File is one Desk file.
type File struct {
	ID          int64
	MimeType    string
	FileName    string
	Disposition string
	Type        string
	State       string
	Size        int64
	Key         string // S3 key of the upload
	PixelWidth  int
	PixelHeight int
	CreatedAt   time.Time
	UpdatedAt   time.Time
	DeletedAt   time.Time
	CreatedBy   int
	UpdatedBy   int
	DeletedBy   int
}

// S3Path is bucket/key of the upload.
func (f File) S3Path() string { return s3.ObjectName(Bucket, f.Key) }

// Model is the Desk state of one session.
type Model struct {
	blobs *blobstore.Store
	now   func() time.Time

	mu     sync.Mutex
	nextID int64
	files  map[int64]*File
}

// NewModel returns an empty model over a session's blob store.
func NewModel(blobs *blobstore.Store, now func() time.Time) *Model {
	return &Model{blobs: blobs, now: now, files: map[int64]*File{}}
}

// stamp is the emulator time at the precision Desk shows (microseconds).
func (m *Model) stamp() time.Time { return m.now().UTC().Truncate(time.Microsecond) }

// RefIn is what an upload authorization asks for. Empty Disposition and Type take their defaults.
type RefIn struct {
	FileName, MimeType, Disposition, Type string
}

// check names every required field that is missing. Pointers are relative to the object holding
// the fields (the body, or its "file").
func (in RefIn) check() error {
	var es Errors
	if in.MimeType == "" {
		es = append(es, errMissing("mimeType", `property "mimeType" is missing`))
	}
	if in.FileName == "" {
		es = append(es, errMissing("filename", `property "filename" is missing (fileName is accepted too)`))
	}
	if len(es) > 0 {
		return es
	}
	return nil
}

// CreateRef records a file in state temp, waiting for its upload.
func (m *Model) CreateRef(in RefIn) (File, error) {
	if err := in.check(); err != nil {
		return File{}, err
	}
	if in.Disposition == "" {
		in.Disposition = "attachment"
	}
	if in.Type == "" {
		in.Type = "attachment"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.nextID++
	now := m.stamp()
	f := &File{
		ID: m.nextID, MimeType: in.MimeType, FileName: in.FileName, Disposition: in.Disposition, Type: in.Type,
		State: StateTemp, Key: fmt.Sprintf("%d/%s", m.nextID, in.FileName),
		CreatedAt: now, UpdatedAt: now, CreatedBy: userID, UpdatedBy: userID,
	}
	m.files[f.ID] = f
	return *f, nil
}

// Get returns a file, deleted ones included.
func (m *Model) Get(id int64) (File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, ok := m.files[id]
	if !ok {
		return File{}, errNotFound(id)
	}
	return *f, nil
}

// live returns a file that may still change. Callers hold m.mu.
func (m *Model) live(id int64) (*File, error) {
	f, ok := m.files[id]
	if !ok || f.State == StateDeleted {
		return nil, errNotFound(id)
	}
	return f, nil
}

// Activate completes an upload: the object must exist and be clean.
func (m *Model) Activate(id int64) (File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, err := m.live(id)
	if err != nil {
		return File{}, err
	}
	obj, ok := m.blobs.Stat(f.S3Path())
	if !ok {
		return File{}, &Error{Status: 400, Code: "upload_missing",
			Detail: fmt.Sprintf("file %d has no upload: POST the file to the url with the params of files/ref.json first", id)}
	}
	infected, err := antivirus.Scan(m.blobs, f.S3Path())
	if err != nil {
		return File{}, err
	}
	if infected {
		return File{}, &Error{Status: 400, Code: "infected",
			Detail: fmt.Sprintf("file %d is infected with a virus (EICAR test signature) and was not activated", id)}
	}
	f.Size = obj.Size
	f.PixelWidth, f.PixelHeight = media.Dimensions(m.blobs, f.S3Path())
	f.State, f.UpdatedAt, f.UpdatedBy = StateActive, m.stamp(), userID
	return *f, nil
}

// UpdateIn is a change of a file's metadata. Empty values keep the current ones; ID, when not 0,
// must be the file's own (clients send back what they read).
type UpdateIn struct {
	ID                    int64
	FileName, Disposition string
}

// Update changes the name and disposition of a file. Error pointers are relative to the object
// holding the fields.
func (m *Model) Update(id int64, in UpdateIn) (File, error) {
	if in.ID != 0 && in.ID != id {
		return File{}, Errors{{Status: 400, Code: "invalid", Pointer: "/id",
			Detail: fmt.Sprintf("id %d is not the id of the file being updated (%d); send 0 or %d", in.ID, id, id)}}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	f, err := m.live(id)
	if err != nil {
		return File{}, err
	}
	if in.FileName != "" {
		f.FileName = in.FileName
	}
	if in.Disposition != "" {
		f.Disposition = in.Disposition
	}
	f.UpdatedAt, f.UpdatedBy = m.stamp(), userID
	return *f, nil
}

// Delete marks a file deleted and drops its upload. Deleting twice is fine.
func (m *Model) Delete(id int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, ok := m.files[id]
	if !ok {
		return errNotFound(id)
	}
	if f.State == StateDeleted {
		return nil
	}
	now := m.stamp()
	f.State, f.DeletedAt, f.DeletedBy, f.UpdatedAt, f.UpdatedBy = StateDeleted, now, userID, now, userID
	m.blobs.Delete(f.S3Path())
	return nil
}

// ListQuery selects, orders and pages a list of files.
type ListQuery struct {
	Offset, PageSize int      // the page: files [Offset, Offset+PageSize) of the ordered list
	IDs              []int64  // nil for any id
	State            string   // "" for any state
	Filters          []Filter // all must match
	OrderBy          string   // a field name (see fields); "" for createdAt
	Desc             bool
}

// List returns one page of the files that are not deleted and match q, and how many match.
func (m *Model) List(q ListQuery) ([]File, int) {
	m.mu.Lock()
	all := make([]File, 0, len(m.files))
	for _, f := range m.files {
		if f.State != StateDeleted && (q.State == "" || f.State == q.State) &&
			(q.IDs == nil || slices.Contains(q.IDs, f.ID)) && matchAll(q.Filters, *f) {
			all = append(all, *f)
		}
	}
	m.mu.Unlock()
	by := q.OrderBy
	if by == "" {
		by = "createdAt"
	}
	slices.SortFunc(all, func(a, b File) int {
		c := compareValues(a.value(by), b.value(by))
		if c == 0 {
			c = cmp.Compare(a.ID, b.ID) // a stable order among equal values
		}
		if q.Desc {
			return -c
		}
		return c
	})
	start := min(q.Offset, len(all))
	end := min(start+q.PageSize, len(all))
	return all[start:end], len(all)
}

// Snapshot dumps the model for the admin state endpoint.
func (m *Model) Snapshot() any {
	m.mu.Lock()
	defer m.mu.Unlock()
	files := make([]File, 0, len(m.files))
	for _, f := range m.files {
		files = append(files, *f)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].ID < files[j].ID })
	return map[string]any{"files": files}
}
