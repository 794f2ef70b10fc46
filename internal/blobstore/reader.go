package blobstore

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// Reader reads the content of one stored object. It implements io.Reader,
// io.Seeker and io.ReaderAt, so http.ServeContent can serve byte ranges from
// it. Read and Seek share an offset and must not be called concurrently;
// ReadAt may be called concurrently with anything.
type Reader struct {
	chunks [][]byte // immutable; every chunk but the last holds chunkSize bytes
	// f is the content file of a directory store's object (chunks are nil then). Held open, it
	// keeps the content readable after a Delete or a Put under the same name unlinks it.
	f    *os.File
	size int64
	off  int64 // offset of the next Read
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
	if r.f != nil {
		return r.readFileAt(p, off)
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

// readFileAt is ReadAt for a file: the file is never longer than size, but reading stops
// there all the same.
func (r *Reader) readFileAt(p []byte, off int64) (int, error) {
	if off >= r.size {
		return 0, io.EOF
	}
	want := min(int64(len(p)), r.size-off)
	n, err := r.f.ReadAt(p[:want], off)
	if err == io.EOF && int64(n) < want {
		return n, fmt.Errorf("blobstore: content file %s ends at %d of %d bytes: %w", r.f.Name(), off+int64(n), r.size, io.ErrUnexpectedEOF)
	}
	if err != nil && err != io.EOF {
		return n, fmt.Errorf("blobstore: read %s: %w", r.f.Name(), err)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Close releases the file a directory store's Reader holds; it is a no-op in memory. Reads
// after Close fail. Closing is optional: an unreachable Reader's file is closed by the
// garbage collector.
func (r *Reader) Close() error {
	if r == nil || r.f == nil {
		return nil
	}
	return r.f.Close()
}
