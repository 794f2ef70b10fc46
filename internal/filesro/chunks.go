package filesro

import "time"

// upload is a chunked upload under way.
type upload struct {
	Token    string    `json:"token"`
	Filename string    `json:"filename"`
	Chunks   []string  `json:"chunks"` // blob names, in arrival order
	Size     int64     `json:"size"`
	Last     time.Time `json:"last_chunk_at"`
}

type uploadKey struct{ token, filename string }

func (m *Model) dropUpload(k uploadKey) {
	if u, ok := m.uploads[k]; ok {
		for _, b := range u.Chunks {
			m.blobs.Delete(b)
		}
		delete(m.uploads, k)
	}
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
