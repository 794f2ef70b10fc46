package main

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
)

// blockSize is the unit of generated content: each block has its own seed, so any offset can
// be produced without generating what precedes it (retries and the S3 SDK seek back).
const blockSize = 32 << 10

// content is an upload's bytes, generated on demand from a seed: the load program never holds
// an upload in memory, and a retry sends exactly the same bytes again.
type content struct {
	seed uint64
	size int64
}

// readAt fills p with the bytes at off (p must not run past size).
func (c content) readAt(p []byte, off int64) {
	var key [32]byte
	for len(p) > 0 {
		block := off / blockSize
		binary.LittleEndian.PutUint64(key[:8], c.seed)
		binary.LittleEndian.PutUint64(key[8:16], uint64(block))
		g := rand.NewChaCha8(key)
		skip := off - block*blockSize
		var buf [blockSize]byte
		_, _ = g.Read(buf[:]) // ChaCha8.Read never fails
		n := copy(p, buf[skip:])
		p, off = p[n:], off+int64(n)
	}
}

// open returns a reader over the content; it also seeks and reads at offsets.
func (c content) open() *contentReader { return &contentReader{c: c} }

// sum is the client-side SHA-256 of the content, computed by streaming it.
func (c content) sum() string {
	h := sha256.New()
	_, _ = io.Copy(h, c.open())
	return hex.EncodeToString(h.Sum(nil))
}

type contentReader struct {
	c   content
	off int64
}

func (r *contentReader) Read(p []byte) (int, error) {
	if r.off >= r.c.size {
		return 0, io.EOF
	}
	if rest := r.c.size - r.off; int64(len(p)) > rest {
		p = p[:rest]
	}
	r.c.readAt(p, r.off)
	r.off += int64(len(p))
	return len(p), nil
}

func (r *contentReader) ReadAt(p []byte, off int64) (int, error) {
	if off >= r.c.size {
		return 0, io.EOF
	}
	n := len(p)
	var err error
	if rest := r.c.size - off; int64(n) > rest {
		n, err = int(rest), io.EOF
	}
	r.c.readAt(p[:n], off)
	return n, err
}

func (r *contentReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.off
	case io.SeekEnd:
		offset += r.c.size
	default:
		return 0, errors.New("content: bad whence")
	}
	if offset < 0 {
		return 0, errors.New("content: negative offset")
	}
	r.off = offset
	return offset, nil
}
