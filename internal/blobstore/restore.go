package blobstore

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// ErrMismatch is returned by Restore when the content read is not the content the description
// names: another size, MD5 or SHA-256.
var ErrMismatch = errors.New("blobstore: content does not match its description")

// Restore streams r into the store as the object obj describes (a snapshot being restored):
// under obj.Name, with its content type, metadata, headers, creation time, infected mark,
// checksum and S3 multipart ETag. The content must have obj's size and hashes, else Restore
// fails with ErrMismatch and stores nothing; like Put it stores nothing on any error and counts
// against the quota as it reads.
func (s *Store) Restore(ctx context.Context, obj Object, r io.Reader) (Object, error) {
	max := obj.Size
	if max <= 0 {
		max = 1 // 0 would mean unlimited; a 1-byte body of an empty object is a mismatch below
	}
	got, err := s.Put(ctx, obj.Name, r, PutOptions{
		ContentType: obj.ContentType, Metadata: obj.Metadata, Headers: obj.Headers,
		MaxSize: max, SizeHint: obj.Size, Now: obj.Created, Infected: obj.Infected,
		Checksum:      func() (string, string) { return obj.ChecksumName, obj.ChecksumValue },
		CompositeETag: obj.CompositeETag,
	})
	var tooLarge *TooLargeError
	if errors.As(err, &tooLarge) {
		return Object{}, fmt.Errorf("restore %q: %w: longer than its size %d", obj.Name, ErrMismatch, obj.Size)
	}
	if err != nil {
		return Object{}, fmt.Errorf("restore: %w", err)
	}
	var bad string
	switch {
	case got.Size != obj.Size:
		bad = fmt.Sprintf("size %d, described as %d", got.Size, obj.Size)
	case got.SHA256 != obj.SHA256:
		bad = fmt.Sprintf("SHA-256 %s, described as %s", got.SHA256, obj.SHA256)
	case got.MD5 != obj.MD5:
		bad = fmt.Sprintf("MD5 %s, described as %s", got.MD5, obj.MD5)
	}
	if bad != "" {
		s.Delete(obj.Name)
		return Object{}, fmt.Errorf("restore %q: %w: %s", obj.Name, ErrMismatch, bad)
	}
	return got, nil
}
