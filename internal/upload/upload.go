// Package upload is how every API takes a file: a body or a multipart/form-data part streamed
// into a session's blob store with nothing kept on error, and the text fields of a form read
// within the caller's bounds, a form that does not close told from one that does.
//
// Each API keeps its own policy: which fields, in which order, their limits, and how a refusal
// reads in its error envelope. This package only says what went wrong, with the errors below.
//
// Half-closed clients: the server gives every handler a request whose context the client cannot
// cancel (api.Request.DetachFromClient), so a complete body is stored to its end whatever the
// client does with its write side; a body cut short still fails its reads. That is why nothing
// here waits on the client's context, and why Form.Aborted looks at the body's reads.
package upload

import (
	"context"
	"errors"
	"io"

	"github.com/fileemu/fileemu/internal/blobstore"
)

// MaxDrain is how much of a refused upload (too large, storage full) is still read, so that a
// client that is still sending reads the answer rather than a reset connection.
const MaxDrain = 8 << 20

var (
	// ErrTooLarge: a Sized reader read more than its maximum.
	ErrTooLarge = errors.New("upload: content above the allowed size")
	// ErrTooSmall: a Sized reader ended below its minimum.
	ErrTooSmall = errors.New("upload: content below the allowed size")
)

// Put streams r into store under name. Nothing is kept unless all of r was read and stored
// (blobstore's guarantee: an object already under name stays as it was). A refused upload (r
// or PutOptions.MaxSize too large, the storage bound reached) still reads up to MaxDrain of
// the rest of r; a Sized reader counts those bytes too. The error is Store.Put's, unwrapped.
func Put(ctx context.Context, store *blobstore.Store, name string, r io.Reader, opts blobstore.PutOptions) (blobstore.Object, error) {
	obj, err := store.Put(ctx, name, r, opts)
	if err != nil && Refused(err) {
		drain(r)
	}
	return obj, err
}

// Refused reports whether err refuses an upload for its size rather than its form: a Sized
// reader's or the store's maximum, or the storage bound.
func Refused(err error) bool {
	var tooLarge *blobstore.TooLargeError
	return errors.As(err, &tooLarge) || errors.Is(err, ErrTooLarge) || errors.Is(err, blobstore.ErrStorageFull)
}

// drain reads up to MaxDrain of what is left of r, under a Sized reader's bound.
func drain(r io.Reader) {
	if s, ok := r.(*Sized); ok {
		n, _ := io.CopyN(io.Discard, s.r, MaxDrain)
		s.n += n
		return
	}
	_, _ = io.CopyN(io.Discard, r, MaxDrain)
}

// Sized bounds the size of what streams through it: it fails with ErrTooLarge as soon as more
// than max bytes were read, and at the end with ErrTooSmall when fewer than min were, so that
// the store keeps nothing.
type Sized struct {
	r        io.Reader
	n        int64
	min, max int64
}

// NewSized bounds r to [min, max] bytes.
func NewSized(r io.Reader, min, max int64) *Sized { return &Sized{r: r, min: min, max: max} }

// N is how many bytes were read, including what Put drained after a refusal.
func (s *Sized) N() int64 { return s.n }

func (s *Sized) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.n += int64(n)
	if s.n > s.max {
		return n, ErrTooLarge
	}
	if err == io.EOF && s.n < s.min {
		return n, ErrTooSmall
	}
	return n, err
}
