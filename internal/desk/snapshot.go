package desk

import (
	"fmt"
	"sort"
	"time"

	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/session"
)

// State is the saved Desk state of a session (api.State): the last file id given and every file,
// deleted ones included (Desk still answers them). An active file's upload lives in the
// session's blob store under its S3 path and is saved with it.
type State struct {
	Version int         `json:"version"`
	NextID  int64       `json:"next_id"` // the last id given: new files continue after it
	Files   []FileState `json:"files"`   // by id
}

// FileState is one Desk file.
type FileState struct {
	ID          int64     `json:"id"`
	MimeType    string    `json:"mime_type"`
	FileName    string    `json:"file_name"`
	Disposition string    `json:"disposition"`
	Type        string    `json:"type"`
	State       string    `json:"state"` // temp, active or deleted
	Size        int64     `json:"size"`
	Key         string    `json:"key"`
	PixelWidth  int       `json:"pixel_width,omitempty"`
	PixelHeight int       `json:"pixel_height,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	DeletedAt   time.Time `json:"deleted_at,omitzero"`
	CreatedBy   int       `json:"created_by"`
	UpdatedBy   int       `json:"updated_by"`
	DeletedBy   int       `json:"deleted_by,omitempty"`
}

// SaveState returns the model's state.
func (m *Model) SaveState() State {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := State{Version: api.StateVersion, NextID: m.nextID, Files: make([]FileState, 0, len(m.files))}
	for _, f := range m.files {
		st.Files = append(st.Files, FileState(*f))
	}
	sort.Slice(st.Files, func(i, j int) bool { return st.Files[i].ID < st.Files[j].ID })
	return st
}

// LoadState builds a model over blobs from st. An active file's upload must be in blobs.
func LoadState(st State, blobs *blobstore.Store, now func() time.Time) (*Model, error) {
	m := NewModel(blobs, now)
	m.nextID = st.NextID
	for _, fs := range st.Files {
		f := File(fs)
		switch {
		case f.ID <= 0 || f.ID > st.NextID:
			return nil, fmt.Errorf("file %d: id not in 1..next_id (%d)", f.ID, st.NextID)
		case m.files[f.ID] != nil:
			return nil, fmt.Errorf("file %d: listed twice", f.ID)
		case f.State != StateTemp && f.State != StateActive && f.State != StateDeleted:
			return nil, fmt.Errorf("file %d: unknown state %q", f.ID, f.State)
		}
		// An active file whose object is gone is kept: the object lives in the fake S3, where a
		// client may delete it (Desk then answers its download as the running model does).
		m.files[f.ID] = &f
	}
	return m, nil
}

// state is Desk's api.State.
func state() *api.State {
	return api.ModelState("desk", func(m *Model) (State, *blobstore.Store) { return m.SaveState(), nil },
		func(st State, s *session.Session, _ *blobstore.Store) (*Model, error) {
			return LoadState(st, s.Blobs, s.Clock.Now)
		})
}
