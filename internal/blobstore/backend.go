package blobstore

import (
	"context"
	"io"
)

// backend keeps the content of a store's objects; the Store keeps the index, the quota, the
// hashing and the rules (preconditions, caps, atomic replacement) for both kinds.
type backend interface {
	// ingest reads an upload to EOF into new content through an intake (hashing, quota, cap).
	// On error nothing is left and nothing stays reserved.
	ingest(ctx context.Context, r io.Reader, maxSize, hint int64, q *Quota) (ingested, error)
	// concat writes the contents read through parts, in order, as new content, hashing it.
	concat(ctx context.Context, parts []*Reader, size int64) (ingested, error)
	// share returns content for a copy of c (rd reads c) without copying bytes where it can.
	share(c content, rd *Reader) (content, error)
	// stage prepares e's durable record, outside the store's lock.
	stage(e *entry) error
	// commit makes the staged e the object under its name, durably; called with the store's
	// lock held, after the precondition passed.
	commit(e *entry) error
	// discard removes content (and a staged record) that never entered the index.
	discard(c content)
	// replaced frees the content of old, whose name now holds a committed new object.
	replaced(old *entry)
	// drop removes es, which left the index, with their records; called with the store's lock
	// held.
	drop(es ...*entry)
	// open returns a Reader over e's content; called with the store's lock held.
	open(e *entry) (*Reader, error)
	// sibling returns the n-th side store (counting from 1) sharing q.
	sibling(n int, q *Quota) *Store
}

// memory keeps content in immutable chunks in memory.
type memory struct{}

func (memory) ingest(ctx context.Context, r io.Reader, maxSize, hint int64, q *Quota) (ingested, error) {
	return readChunks(ctx, r, maxSize, hint, q)
}

// concat shares whole chunks where the parts line up with the chunk size and copies the rest
// one chunk at a time.
func (memory) concat(ctx context.Context, parts []*Reader, size int64) (ingested, error) {
	sums := newSums() // fed the parts' chunks, which never change
	var (
		chunks [][]byte
		cur    []byte // a chunk being filled by copying, when parts do not line up
	)
	for _, p := range parts {
		if err := ctx.Err(); err != nil {
			sums.abandon()
			return ingested{}, err
		}
		pc := p.chunks
		if p.f != nil { // a part from a directory store: read into chunks first
			c, err := readChunks(ctx, io.NewSectionReader(p, 0, p.size), 0, p.size, nil)
			if err != nil {
				sums.abandon()
				return ingested{}, err
			}
			pc = c.chunks
		}
		for _, c := range pc {
			sums.feed(c)
			if cur == nil && len(c) == chunkSize {
				chunks = append(chunks, c) // immutable: shared, not copied
				continue
			}
			for len(c) > 0 {
				if cur == nil {
					cur = make([]byte, 0, min(chunkSize, size-int64(len(chunks))*chunkSize))
				}
				n := copy(cur[len(cur):cap(cur)], c)
				cur, c = cur[:len(cur)+n], c[n:]
				if len(cur) == chunkSize {
					chunks, cur = append(chunks, cur), nil
				}
			}
		}
	}
	if len(cur) > 0 {
		chunks = append(chunks, cur)
	}
	md5Sum, sha256Sum := sums.finish()
	return ingested{content: content{chunks: chunks}, size: size, md5: md5Sum, sha256: sha256Sum}, nil
}

func (memory) share(c content, rd *Reader) (content, error) {
	if c.file != "" { // never happens within one store; kept correct anyway
		in, err := readChunks(context.Background(), io.NewSectionReader(rd, 0, rd.size), 0, rd.size, nil)
		return in.content, err
	}
	return c, nil
}

func (memory) stage(*entry) error  { return nil }
func (memory) commit(*entry) error { return nil }
func (memory) discard(content)     {}
func (memory) replaced(*entry)     {}
func (memory) drop(...*entry)      {}

func (memory) open(e *entry) (*Reader, error) {
	return &Reader{chunks: e.chunks, size: e.obj.Size}, nil
}

func (memory) sibling(_ int, q *Quota) *Store { return NewIn(q) }
