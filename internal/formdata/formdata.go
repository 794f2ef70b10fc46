// Package formdata holds what every multipart/form-data upload reader needs beyond
// mime/multipart: telling a complete body from a cut one.
package formdata

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
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

// ErrTruncated: the body ended without its closing boundary (inside a part's headers, or after
// a delimiter line without the final "--").
var ErrTruncated = errors.New("multipart body truncated: it does not end with its closing boundary")

// Reader reads the parts of a multipart/form-data body, telling a cut body from a complete one.
type Reader struct {
	*multipart.Reader
	body     *Body
	boundary string
}

// NewReader reads the parts of r, delimited by boundary.
func NewReader(r io.Reader, boundary string) *Reader {
	b := NewBody(r)
	return &Reader{Reader: multipart.NewReader(b, boundary), body: b, boundary: boundary}
}

// NextPart is multipart.Reader's, except that the end of a body that does not close with its
// final delimiter is ErrTruncated, not io.EOF.
func (r *Reader) NextPart() (*multipart.Part, error) {
	p, err := r.Reader.NextPart()
	if errors.Is(err, io.EOF) { // mime/multipart wraps the EOF of a body cut after a delimiter
		if !r.body.Complete(r.boundary) {
			return nil, ErrTruncated
		}
		return nil, io.EOF
	}
	return p, err
}
