package blobstore

import (
	"errors"
	"fmt"
	"io"
)

// Reader reads the content of one stored object. It implements io.Reader,
// io.Seeker and io.ReaderAt, so http.ServeContent can serve byte ranges from
// it. Read and Seek share an offset and must not be called concurrently;
// ReadAt may be called concurrently with anything.
type Reader struct {
	chunks [][]byte // immutable; every chunk but the last holds chunkSize bytes
	size   int64
	off    int64 // offset of the next Read
}

// Compile-time checks for the interfaces http.ServeContent relies on.
var (
	_ io.ReadSeeker = (*Reader)(nil)
	_ io.ReaderAt   = (*Reader)(nil)
)

// Size returns the length of the content.
func (r *Reader) Size() int64 {
	return r.size
}

// Read implements io.Reader.
func (r *Reader) Read(p []byte) (int, error) {
	n, err := r.ReadAt(p, r.off)
	r.off += int64(n)
	if err == io.EOF && n > 0 {
		// Report EOF on the next call, as most readers do.
		err = nil
	}
	return n, err
}

// ReadAt implements io.ReaderAt. It copies across chunk boundaries and
// returns io.EOF when fewer than len(p) bytes are available.
func (r *Reader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("blobstore: ReadAt: negative offset")
	}
	n := 0
	for n < len(p) && off < r.size {
		// Every chunk but the last is full, so the chunk index follows
		// directly from the offset.
		c := r.chunks[off/chunkSize]
		m := copy(p[n:], c[off%chunkSize:])
		n += m
		off += int64(m)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Seek implements io.Seeker. Seeking past the end is allowed; reads there
// return io.EOF.
func (r *Reader) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = r.off + offset
	case io.SeekEnd:
		abs = r.size + offset
	default:
		return 0, fmt.Errorf("blobstore: Seek: invalid whence %d", whence)
	}
	if abs < 0 {
		return 0, fmt.Errorf("blobstore: Seek: negative position %d", abs)
	}
	r.off = abs
	return abs, nil
}
