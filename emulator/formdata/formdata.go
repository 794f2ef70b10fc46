// Package formdata holds what every multipart/form-data upload reader needs beyond
// mime/multipart: telling a complete body from a cut one.
package formdata

import (
	"bytes"
	"io"
)

// tailSize is how many of the last bytes are kept: room for the final delimiter and a short
// epilogue.
const tailSize = 4 << 10

// Body wraps a multipart/form-data body and remembers its last bytes. multipart.Reader answers
// io.EOF both for a body closed by its final delimiter and for one that ends inside a part's
// headers or just after a delimiter line without the closing "--": Complete tells them apart.
type Body struct {
	r    io.Reader
	tail []byte
	n    int64
}

// NewBody wraps r.
func NewBody(r io.Reader) *Body { return &Body{r: r} }

func (b *Body) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	b.tail = append(b.tail, p[:n]...)
	if len(b.tail) > 2*tailSize {
		b.tail = append(b.tail[:0], b.tail[len(b.tail)-tailSize:]...)
	}
	return n, err
}

// Complete reports whether what was read so far ends with the final delimiter of boundary
// (and at most a short epilogue).
func (b *Body) Complete(boundary string) bool {
	final := []byte("--" + boundary + "--")
	if b.n == int64(len(b.tail)) && bytes.HasPrefix(b.tail, final) {
		return true // a form without parts
	}
	return bytes.Contains(b.tail, append([]byte("\n"), final...))
}
