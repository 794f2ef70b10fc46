package weavy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/fileemu/fileemu/internal/antivirus"
	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/media"
	"github.com/fileemu/fileemu/internal/upload"
)

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

// Staged is an upload stored but not yet a blob: Commit makes it one, Discard drops it.
type Staged struct {
	Object   string
	Name     string
	PartType string
	Size     int64
	SHA256   string
	created  time.Time // the blob's date when given (a fixture's); zero: when it is committed
}

// Stage streams an upload into the blob store. Nothing is stored if reading fails or the content
// is larger than maxSize (0: unlimited), which is a 413 problem. infected marks the upload as a
// virus whatever its content (a scenario's infect rule).
func (m *Model) Stage(ctx context.Context, name, partType string, r io.Reader, maxSize int64, infected bool) (Staged, error) {
	return m.stageAt(ctx, name, partType, r, maxSize, infected, m.now())
}

// stageAt is Stage with the stored object's time given (a fixture's date).
func (m *Model) stageAt(ctx context.Context, name, partType string, r io.Reader, maxSize int64, infected bool, at time.Time) (Staged, error) {
	m.mu.Lock()
	m.uploads++
	object := fmt.Sprintf("_weavy/blobs/upload-%d", m.uploads) // no S3 bucket name starts with _
	m.mu.Unlock()
	obj, err := upload.Put(ctx, m.blobs, object, r, blobstore.PutOptions{ContentType: partType, MaxSize: maxSize, SizeHint: -1,
		Now: at, Infected: infected})
	if err != nil {
		var tooLarge *blobstore.TooLargeError
		if errors.As(err, &tooLarge) {
			return Staged{}, errBlobTooLarge(maxSize)
		}
		if errors.Is(err, blobstore.ErrStorageFull) {
			return Staged{}, errStorageFull(m.blobs.Quota().Limit())
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
	created := st.created
	if created.IsZero() {
		created = m.stamp()
	}
	b := &Blob{
		ID: m.newID("blob"), Name: st.Name, SHA256: st.SHA256, CreatedAt: created,
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
