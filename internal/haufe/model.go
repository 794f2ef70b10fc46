// Package haufe emulates the Haufe Copilot API: presigned S3 PUT uploads, asynchronous
// processing (antivirus scan, text extraction) observed by polling, threads and their messages,
// and attachment of processed files to messages. model.go (files) and threads.go hold the rules;
// handlers.go maps HTTP to them; errors.go holds the documented errors and renders them.
package haufe

import (
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/fileemu/fileemu/internal/antivirus"
	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/s3"
	"github.com/fileemu/fileemu/internal/uuid"
)

// Bucket is the fake S3 bucket the upload URLs point into.
const Bucket = "haufe-files"

// Documented limits.
const (
	URLExpiry  = 600 * time.Second
	MaxSize    = 10 << 20 // file_limits.max_size: 10 MiB
	retention  = 24 * time.Hour
	textLimit  = MaxSize
	timeLayout = "2006-01-02T15:04:05.000000Z"
)

// allowedTypes is file_limits.allowed_types as documented.
func allowedTypes() []string {
	return []string{
		"text/csv",
		"text/plain",
		"application/pdf",
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	}
}

// Processing states and steps.
const (
	StatusProcessing = "PROCESSING"
	StatusProcessed  = "PROCESSED"
	StatusFailed     = "FAILED"

	StepAntivirus = "ANTIVIRUS_SCANNING"
	StepText      = "TEXT_EXTRACTION"
)

// Step is one processing step.
type Step struct {
	Status    string     `json:"status"`
	CreatedAt time.Time  `json:"createdAt"`
	EndedAt   *time.Time `json:"endedAt"`
}

// Warnings are the flags of a finished processing.
type Warnings struct {
	Empty    bool `json:"empty"`
	Infected bool `json:"infected"`
	Length   bool `json:"length"`
}

// File is one file record: created by the signed-url call, completed by the upload.
type File struct {
	ID        string    `json:"file_id"`
	UserID    string    `json:"user_id"`
	Name      string    `json:"file_name"`
	Persist   bool      `json:"persist"`
	Created   time.Time `json:"created"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	Object    string    `json:"object"`

	// The upload being processed: a new PUT to the same URL restarts processing.
	UploadedAt  time.Time `json:"uploaded_at,omitzero"`
	uploadSum   string
	Size        int64    `json:"size"`
	ContentType string   `json:"content_type,omitempty"`
	Polls       int      `json:"polls"`
	Status      string   `json:"processing_status,omitempty"`
	Steps       []Step   `json:"processing_steps,omitempty"`
	Warnings    Warnings `json:"warnings"`
}

// Model is the Haufe state of one session.
type Model struct {
	blobs *blobstore.Store
	now   func() time.Time
	seed  int64
	// ProcessingPolls is how many status polls after an upload answer PROCESSING before the
	// final state (default 1).
	ProcessingPolls int

	mu      sync.Mutex
	files   map[string]*File
	threads map[string]*Thread
	// order holds the threads oldest first: lists page through it newest first, and a cursor
	// stays valid because threads are only ever soft-deleted.
	order []*Thread
}

// NewModel returns an empty model over a session's blob store.
func NewModel(blobs *blobstore.Store, now func() time.Time, seed int64) *Model {
	return &Model{blobs: blobs, now: now, seed: seed, ProcessingPolls: 1,
		files: map[string]*File{}, threads: map[string]*Thread{}}
}

// NewUUID returns a random version 4 UUID.
func NewUUID() string { return uuid.New() }

// CreateFile records a new file expecting an upload at its object key.
func (m *Model) CreateFile(userID, name string, persist bool) File {
	now := m.now()
	id := NewUUID()
	f := &File{ID: id, UserID: userID, Name: name, Persist: persist, Created: now,
		Object: s3.ObjectName(Bucket, ObjectKey(id, name))}
	if !persist {
		f.ExpiresAt = now.Add(retention)
	}
	m.mu.Lock()
	m.files[id] = f
	m.mu.Unlock()
	return *f
}

// ObjectKey is the S3 key of a file's upload.
func ObjectKey(id, name string) string { return id + "/" + name }

// lookup finds a live file of userID. Callers hold m.mu.
func (m *Model) lookup(userID, id string) (*File, *Error) {
	f, ok := m.files[id]
	if ok && !f.ExpiresAt.IsZero() && !m.now().Before(f.ExpiresAt) {
		m.drop(f) // persist=false: gone after 24 h
		ok = false
	}
	if !ok {
		return nil, errNoDocument()
	}
	if f.UserID != userID {
		return nil, errForbidden()
	}
	return f, nil
}

func (m *Model) drop(f *File) {
	delete(m.files, f.ID)
	m.blobs.Delete(f.Object)
}

// sync notices the upload of f and restarts processing when a new one landed. It reports
// whether f has an upload at all. Callers hold m.mu.
func (m *Model) sync(f *File) bool {
	obj, ok := m.blobs.Stat(f.Object)
	if !ok {
		return false
	}
	if obj.Created.Equal(f.UploadedAt) && obj.SHA256 == f.uploadSum {
		return true
	}
	f.UploadedAt, f.uploadSum = obj.Created, obj.SHA256
	f.Size, f.ContentType = obj.Size, obj.ContentType
	f.Polls, f.Status, f.Steps, f.Warnings = 0, "", nil, Warnings{}
	return true
}

// Pacing overrides how processing advances (scenarios): a number of PROCESSING polls or a
// duration after the upload, and whether it ends FAILED.
type Pacing struct {
	Set      bool
	Polls    int
	Duration time.Duration
	Fail     bool
}

// Poll answers a status request and advances processing by one poll.
func (m *Model) Poll(userID, id string, p Pacing) (File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, e := m.lookup(userID, id)
	if e != nil {
		return File{}, e
	}
	if !m.sync(f) {
		return File{}, errNoDocument()
	}
	f.Polls++
	if f.Status == StatusProcessed || f.Status == StatusFailed {
		return *f, nil
	}
	now := m.now()
	polls := m.ProcessingPolls
	if p.Set && p.Duration == 0 {
		polls = p.Polls
	}
	processing := f.Polls <= polls
	if p.Duration > 0 {
		processing = now.Before(f.UploadedAt.Add(p.Duration))
	}
	if processing {
		f.Status = StatusProcessing
		f.Steps = []Step{{Status: StepAntivirus, CreatedAt: f.UploadedAt}}
		halfway := f.Polls > (polls+1)/2
		if p.Duration > 0 {
			halfway = now.Sub(f.UploadedAt) >= p.Duration/2
		}
		if halfway {
			f.Steps[0].EndedAt = &now
			f.Steps = append(f.Steps, Step{Status: StepText, CreatedAt: now})
		}
		return *f, nil
	}
	if err := m.finish(f, now, p.Fail); err != nil {
		return File{}, err
	}
	return *f, nil
}

// finish runs the scan and the extraction checks and sets the final state.
// fail (a scenario's fail_processing) ends it FAILED without a warning.
func (m *Model) finish(f *File, now time.Time, fail bool) error {
	infected, err := antivirus.Scan(m.blobs, f.Object)
	if err != nil {
		return fmt.Errorf("process %s: %w", f.ID, err)
	}
	av := Step{Status: StepAntivirus, CreatedAt: f.UploadedAt, EndedAt: &now}
	text := Step{Status: StepText, CreatedAt: now, EndedAt: &now}
	switch {
	case infected:
		f.Status, f.Steps, f.Warnings.Infected = StatusFailed, []Step{av}, true
	case fail:
		f.Status, f.Steps = StatusFailed, []Step{av, text}
	case f.Size > MaxSize:
		f.Status, f.Steps, f.Warnings.Length = StatusFailed, []Step{av, text}, true
	default:
		f.Status, f.Steps, f.Warnings.Empty = StatusProcessed, []Step{av, text}, f.Size == 0
	}
	return nil
}

// Text returns the extracted text of a processed file, to read after the call: a text file's
// stored object is streamed (its reader is a snapshot, so the lock need not be held while a
// client reads), never held whole in memory.
func (m *Model) Text(userID, id string) (io.Reader, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, e := m.lookup(userID, id)
	if e != nil {
		return nil, e
	}
	if !m.sync(f) {
		return nil, errNoDocument()
	}
	if f.Status != StatusProcessed {
		return nil, errConflict()
	}
	return m.extract(f)
}

// extract returns the content of text files and a deterministic fake text for the others.
func (m *Model) extract(f *File) (io.Reader, error) {
	if f.Size == 0 {
		return strings.NewReader(""), nil
	}
	if isText(f.Name, f.ContentType) {
		_, rd, err := m.blobs.Open(f.Object)
		if err != nil {
			return nil, fmt.Errorf("extract %s: %w", f.ID, err)
		}
		return io.LimitReader(rd, textLimit), nil
	}
	var seed uint64
	for i := 0; i < 16 && i < len(f.uploadSum); i++ {
		seed = seed<<4 | uint64(hexVal(f.uploadSum[i]))
	}
	faker := gofakeit.New(seed ^ uint64(m.seed))
	return strings.NewReader(faker.Paragraph()), nil
}

func hexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return 0
}

func isText(name, contentType string) bool {
	if strings.HasPrefix(contentType, "text/") || strings.HasPrefix(contentType, "application/json") {
		return true
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".txt", ".csv", ".md", ".json":
		return true
	}
	return false
}

// List returns one page of the user's uploaded files, oldest first, and their total.
func (m *Model) List(userID string, page, limit int) ([]File, int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var all []*File
	for _, f := range m.files {
		if g, e := m.lookup(userID, f.ID); e == nil && m.sync(g) {
			all = append(all, g)
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if !all[i].Created.Equal(all[j].Created) {
			return all[i].Created.Before(all[j].Created)
		}
		return all[i].ID < all[j].ID
	})
	total := len(all)
	start := (page - 1) * limit
	if start > total {
		start = total
	}
	end := min(start+limit, total)
	out := make([]File, 0, end-start)
	for _, f := range all[start:end] {
		out = append(out, *f)
	}
	return out, total
}

// Delete removes a file and its upload.
func (m *Model) Delete(userID, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, e := m.lookup(userID, id)
	if e != nil {
		return e
	}
	m.drop(f)
	return nil
}

// Snapshot dumps the model for the admin state endpoint.
func (m *Model) Snapshot() any {
	m.mu.Lock()
	defer m.mu.Unlock()
	files := make([]File, 0, len(m.files))
	for _, f := range m.files {
		m.sync(f) // show uploads that landed since the last call
		files = append(files, *f)
	}
	sort.Slice(files, func(i, j int) bool {
		return files[i].Created.Before(files[j].Created) || files[i].Created.Equal(files[j].Created) && files[i].ID < files[j].ID
	})
	threads := make([]threadDump, 0, len(m.order))
	for _, t := range m.order {
		threads = append(threads, t.dump())
	}
	return map[string]any{"files": files, "threads": threads}
}
