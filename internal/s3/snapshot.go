package s3

import (
	"fmt"
	"maps"
	"sort"
	"time"

	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/session"
)

// State is the saved S3 state of a session (api.State): the buckets and the multipart uploads
// in progress. Objects live in the session's blob store and are saved with it; the parts of
// uploads in progress are the state's side objects, named by PartState.Blob.
type State struct {
	Version int `json:"version"`
	// Buckets maps each bucket that exists to its creation time.
	Buckets map[string]time.Time `json:"buckets"`
	// Uploads are the multipart uploads in progress, by id.
	Uploads []UploadState `json:"uploads"`
}

// UploadState is a multipart upload in progress.
type UploadState struct {
	ID                string            `json:"id"`
	Bucket            string            `json:"bucket"`
	Key               string            `json:"key"`
	ContentType       string            `json:"content_type,omitempty"`
	Metadata          map[string]string `json:"metadata,omitempty"`
	Headers           map[string]string `json:"headers,omitempty"`
	Initiated         time.Time         `json:"initiated"`
	ChecksumAlgorithm string            `json:"checksum_algorithm,omitempty"`
	Parts             []PartState       `json:"parts"` // by number
}

// PartState is an uploaded part; Blob names its content among the side objects.
type PartState struct {
	Number        int       `json:"number"`
	ETag          string    `json:"etag"`
	Size          int64     `json:"size"`
	LastModified  time.Time `json:"last_modified"`
	ChecksumName  string    `json:"checksum_name,omitempty"`
	ChecksumValue string    `json:"checksum_value,omitempty"`
	Blob          string    `json:"blob"`
}

// SaveState returns the model's state and the store of its parts.
func (m *Model) SaveState() (State, *blobstore.Store) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := State{Version: api.StateVersion, Buckets: maps.Clone(m.buckets), Uploads: []UploadState{}}
	for _, u := range m.uploads {
		us := UploadState{ID: u.ID, Bucket: u.Bucket, Key: u.Key, ContentType: u.ContentType,
			Metadata: maps.Clone(u.Metadata), Headers: maps.Clone(u.Headers), Initiated: u.Initiated,
			ChecksumAlgorithm: u.ChecksumAlgorithm, Parts: []PartState{}}
		for _, p := range u.Parts {
			us.Parts = append(us.Parts, PartState{Number: p.Number, ETag: p.ETag, Size: p.Size,
				LastModified: p.LastModified, ChecksumName: p.ChecksumName, ChecksumValue: p.ChecksumValue, Blob: p.blobName})
		}
		sort.Slice(us.Parts, func(i, j int) bool { return us.Parts[i].Number < us.Parts[j].Number })
		st.Uploads = append(st.Uploads, us)
	}
	sort.Slice(st.Uploads, func(i, j int) bool { return st.Uploads[i].ID < st.Uploads[j].ID })
	return st, m.parts
}

// LoadState builds a model over blobs from st, with parts holding the parts' content.
func LoadState(st State, blobs, parts *blobstore.Store) (*Model, error) {
	m := &Model{blobs: blobs, buckets: maps.Clone(st.Buckets), uploads: map[string]*Upload{}, parts: parts}
	if m.buckets == nil {
		m.buckets = map[string]time.Time{}
	}
	for _, us := range st.Uploads {
		if us.ID == "" || us.Bucket == "" || us.Key == "" {
			return nil, fmt.Errorf("upload %q: id, bucket and key are required", us.ID)
		}
		if _, dup := m.uploads[us.ID]; dup {
			return nil, fmt.Errorf("upload %q: listed twice", us.ID)
		}
		u := &Upload{ID: us.ID, Bucket: us.Bucket, Key: us.Key, ContentType: us.ContentType,
			Metadata: us.Metadata, Headers: us.Headers, Initiated: us.Initiated,
			ChecksumAlgorithm: us.ChecksumAlgorithm, Parts: map[int]Part{}}
		for _, p := range us.Parts {
			if p.Number < 1 || p.Number > MaxParts {
				return nil, fmt.Errorf("upload %q: part number %d out of 1..%d", us.ID, p.Number, MaxParts)
			}
			if _, dup := u.Parts[p.Number]; dup {
				return nil, fmt.Errorf("upload %q: part %d listed twice", us.ID, p.Number)
			}
			obj, ok := parts.Stat(p.Blob)
			if !ok {
				return nil, fmt.Errorf("upload %q part %d: object %q: %w", us.ID, p.Number, p.Blob, blobstore.ErrNotFound)
			}
			if obj.Size != p.Size {
				return nil, fmt.Errorf("upload %q part %d: object %q holds %d bytes, the part %d", us.ID, p.Number, p.Blob, obj.Size, p.Size)
			}
			u.Parts[p.Number] = Part{Number: p.Number, ETag: p.ETag, Size: p.Size, LastModified: p.LastModified,
				ChecksumName: p.ChecksumName, ChecksumValue: p.ChecksumValue, blobName: p.Blob}
		}
		m.uploads[u.ID] = u
	}
	return m, nil
}

// state is S3's api.State: its side objects are the parts of multipart uploads in progress.
func state() *api.State {
	return api.ModelState("s3", (*Model).SaveState,
		func(st State, s *session.Session, parts *blobstore.Store) (*Model, error) {
			return LoadState(st, s.Blobs, parts)
		})
}
