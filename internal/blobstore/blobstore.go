// Package blobstore holds the contents of uploaded objects in memory for one
// emulator session.
//
// Uploads can be large, so content is streamed into fixed-size chunks instead
// of one growing buffer: the memory held for an object is its size plus at
// most one partly filled chunk, and an upload is never copied while it is
// read. Size, MD5 and SHA-256 are computed in the same single pass.
//
// Stored chunks are never modified after a Put completes, which is what lets
// an open Reader keep a consistent snapshot without copying: a later Put or
// Delete only swaps the map entry.
package blobstore

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// chunkSize is the size of every stored chunk except the last one of an
// object. It is large enough that per-chunk overhead is negligible and small
// enough that the unused tail of the last chunk does not matter.
const chunkSize = 256 << 10

// Sentinel errors. They are returned wrapped with context; test for them with
// errors.Is.
var (
	// ErrNotFound is returned when no object is stored under a name.
	ErrNotFound = errors.New("blobstore: object not found")
	// ErrBadDigest is returned by Put when PutOptions.ContentMD5 does not
	// match the MD5 of the content that was read.
	ErrBadDigest = errors.New("blobstore: Content-MD5 does not match the content")
	// ErrInvalidDigest is returned by Put when PutOptions.ContentMD5 is not
	// the base64 encoding of 16 bytes.
	ErrInvalidDigest = errors.New("blobstore: Content-MD5 is not a valid base64 MD5")
)

// TooLargeError is returned (wrapped; use errors.As) by Put when the content
// is longer than PutOptions.MaxSize.
type TooLargeError struct {
	Max  int64 // the configured PutOptions.MaxSize
	Read int64 // bytes read before giving up; always > Max
}

// Error implements error.
func (e *TooLargeError) Error() string {
	return fmt.Sprintf("blobstore: content exceeds maximum size of %d bytes (read %d)", e.Max, e.Read)
}

// Object describes one stored object. It carries no content; use
// Store.Open to read it.
type Object struct {
	Name        string            // store key, e.g. "bucket/dir/key.txt"
	Size        int64             // content length in bytes
	MD5         string            // lower-case hex
	SHA256      string            // lower-case hex
	ContentType string            // as given to Put
	Metadata    map[string]string // user metadata as given to Put; may be nil
	// Headers are other response headers stored with the object (S3's Content-Disposition,
	// Cache-Control...), as given to Put; may be nil.
	Headers map[string]string
	Created time.Time // time the Put started, see PutOptions.Now
	// Infected marks content a scenario declared infected, whatever its bytes.
	Infected bool
	// CompositeETag is set on objects assembled by Concat: S3's multipart entity tag,
	// "<hex MD5 of the parts' binary MD5s>-<number of parts>".
	CompositeETag string
	// ChecksumName and ChecksumValue are a checksum the uploader sent and that was verified
	// (e.g. "x-amz-checksum-crc32", "i9aeUg=="), see PutOptions.Checksum; S3 returns it on
	// request.
	ChecksumName, ChecksumValue string
}

// ETag returns the S3-style entity tag: the quoted hex MD5 of the content, or the quoted
// CompositeETag of an object assembled from parts.
func (o Object) ETag() string {
	if o.CompositeETag != "" {
		return `"` + o.CompositeETag + `"`
	}
	return `"` + o.MD5 + `"`
}

// clone returns a copy of o that shares no mutable state with it, so callers
// may modify the Metadata they get back without racing with the store.
func (o Object) clone() Object {
	o.Metadata = maps.Clone(o.Metadata)
	o.Headers = maps.Clone(o.Headers)
	return o
}

// PutOptions configures Store.Put.
type PutOptions struct {
	ContentType string
	Metadata    map[string]string
	Headers     map[string]string
	// MaxSize is the largest accepted content length; 0 means unlimited.
	// Put reads at most MaxSize+1 bytes and then fails with *TooLargeError.
	MaxSize int64
	// SizeHint is the expected content length (e.g. Content-Length), or -1
	// or 0 if unknown. It is only used to size the chunks and is never
	// trusted for limits or correctness.
	SizeHint int64
	// ContentMD5 is an optional base64 Content-MD5 header value. If set, the
	// content must match it (else ErrBadDigest); if it is malformed, Put
	// fails with ErrInvalidDigest without reading the body.
	ContentMD5 string
	// Now is the creation time recorded in Object.Created; zero means
	// time.Now().
	Now time.Time
	// Infected is recorded in Object.Infected.
	Infected bool
	// Precondition, if set, is checked atomically with the replacement, against the object
	// stored under the name at that moment (exists false: none). An error it returns fails the
	// Put or Concat (wrapped), and nothing changes: conditional writes (If-None-Match: *) cannot
	// race.
	Precondition func(old Object, exists bool) error
	// Checksum, if set, is called once the content was read in full and returns the checksum
	// to record in Object.ChecksumName and ChecksumValue (a trailing checksum is only known then).
	Checksum func() (name, value string)
}

// entry is one stored object: its description plus immutable content chunks.
type entry struct {
	obj    Object
	chunks [][]byte
}

// Store is an in-memory object store. The zero value is not usable; call New.
// All methods are safe for concurrent use.
type Store struct {
	mu      sync.Mutex
	objects map[string]*entry
	bytes   int64 // sum of the sizes of all objects
	quota   *Quota
	// siblings share the quota and are reset with this store (an API's side store of the
	// same session, such as S3's multipart parts).
	siblings []*Store
}

// New returns an empty Store with no bound.
func New() *Store { return NewIn(nil) }

// NewIn returns an empty Store whose bytes count against q (nil: no bound).
func NewIn(q *Quota) *Store {
	return &Store{objects: make(map[string]*entry), quota: q}
}

// Sibling returns a new store sharing s's quota, reset whenever s is: a session's side store.
func (s *Store) Sibling() *Store {
	c := NewIn(s.quota)
	s.mu.Lock()
	s.siblings = append(s.siblings, c)
	s.mu.Unlock()
	return c
}

// Put streams r into the store under name.
//
// Nothing is stored unless the whole body was read successfully: if the
// content is too large, reading fails, ctx is cancelled or the Content-MD5
// does not match, Put returns an error and any previous object under name is
// left untouched. On success it atomically replaces the previous object.
//
// Cancellation is checked between reads; a Read that blocks is not
// interrupted (for HTTP request bodies the server does that by closing the
// body).
func (s *Store) Put(ctx context.Context, name string, r io.Reader, opts PutOptions) (Object, error) {
	var wantMD5 []byte
	if opts.ContentMD5 != "" {
		b, err := base64.StdEncoding.DecodeString(opts.ContentMD5)
		if err != nil || len(b) != md5.Size {
			return Object{}, fmt.Errorf("put %q: %w", name, ErrInvalidDigest)
		}
		wantMD5 = b
	}

	c, err := readChunks(ctx, r, opts.MaxSize, opts.SizeHint, s.quota)
	if err != nil {
		return Object{}, fmt.Errorf("put %q: %w", name, err)
	}
	if wantMD5 != nil && !bytes.Equal(wantMD5, c.md5) {
		s.quota.release(c.size)
		return Object{}, fmt.Errorf("put %q: %w", name, ErrBadDigest)
	}

	created := opts.Now
	if created.IsZero() {
		created = time.Now()
	}
	e := &entry{
		obj: Object{
			Name:        name,
			Size:        c.size,
			MD5:         hex.EncodeToString(c.md5),
			SHA256:      hex.EncodeToString(c.sha256),
			ContentType: opts.ContentType,
			Metadata:    maps.Clone(opts.Metadata), // the caller may reuse its map
			Headers:     maps.Clone(opts.Headers),
			Created:     created,
			Infected:    opts.Infected,
		},
		chunks: c.chunks,
	}

	if opts.Checksum != nil {
		e.obj.ChecksumName, e.obj.ChecksumValue = opts.Checksum()
	}
	if err := s.store(e, opts.Precondition); err != nil {
		s.quota.release(c.size)
		return Object{}, fmt.Errorf("put %q: %w", name, err)
	}
	return e.obj.clone(), nil
}

// store puts e under its name, replacing any previous object atomically, if precondition (when
// set) accepts the previous object.
func (s *Store) store(e *entry, precondition func(Object, bool) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.objects[e.obj.Name]
	if precondition != nil {
		var prev Object
		if ok {
			prev = old.obj.clone()
		}
		if err := precondition(prev, ok); err != nil {
			return err
		}
	}
	if ok {
		s.bytes -= old.obj.Size
		s.quota.release(old.obj.Size)
	}
	s.objects[e.obj.Name] = e
	s.bytes += e.obj.Size
	return nil
}

// Copy stores the content of the object src under dst without copying bytes: stored chunks
// are immutable, so both names share them. With replace nil, dst keeps src's content type,
// metadata, headers and infected mark; otherwise those come from replace. now is dst's creation time.
func (s *Store) Copy(src, dst string, replace *PutOptions, now time.Time) (Object, error) {
	e, err := s.get(src)
	if err != nil {
		return Object{}, fmt.Errorf("copy: %w", err)
	}
	obj := e.obj.clone()
	obj.Name, obj.Created = dst, now
	if replace != nil {
		obj.ContentType, obj.Metadata, obj.Infected = replace.ContentType, maps.Clone(replace.Metadata), replace.Infected
		obj.Headers = maps.Clone(replace.Headers)
	}
	c := &entry{obj: obj, chunks: e.chunks}
	// The chunks are shared, but the copy counts: deleting the source keeps them alive.
	if err := s.quota.reserve(obj.Size); err != nil {
		return Object{}, fmt.Errorf("copy: %w", err)
	}
	if err := s.store(c, nil); err != nil {
		s.quota.release(obj.Size)
		return Object{}, fmt.Errorf("copy: %w", err)
	}
	return c.obj.clone(), nil
}

// Concat stores the contents of the objects parts of the store from, in order, as one object
// under name in s (S3's CompleteMultipartUpload). Chunks are shared where the parts line up
// with the chunk size (parts of a multiple of 256 KiB, as SDKs send them); otherwise the bytes
// are copied one chunk at a time. The object's CompositeETag is S3's multipart ETag. Like Put it
// stores nothing on error (a missing part, opts.MaxSize exceeded, ctx cancelled) and replaces
// any previous object atomically on success; the parts are left in from.
func (s *Store) Concat(ctx context.Context, name string, from *Store, parts []string, opts PutOptions) (Object, error) {
	entries := make([]*entry, len(parts))
	var size int64
	for i, p := range parts {
		e, err := from.get(p)
		if err != nil {
			return Object{}, fmt.Errorf("concat %q: %w", name, err)
		}
		entries[i] = e
		size += e.obj.Size
	}
	if opts.MaxSize > 0 && size > opts.MaxSize {
		return Object{}, fmt.Errorf("concat %q: %w", name, &TooLargeError{Max: opts.MaxSize, Read: size})
	}
	// The object counts on top of its parts until the caller drops them.
	if err := s.quota.reserve(size); err != nil {
		return Object{}, fmt.Errorf("concat %q: %w", name, err)
	}
	obj, err := s.concat(ctx, name, entries, size, opts, true)
	if err != nil {
		s.quota.release(size)
	}
	return obj, err
}

// Join replaces the objects parts of s by one object under name holding their contents in order
// (a chunked upload's last step). The parts leave the store first and their bytes stay counted
// once, for the joined object; their chunks are shared where they line up, as in Concat, so
// joining parts of a multiple of 256 KiB allocates nothing. Like Put it stores nothing on error
// (a missing part, opts.MaxSize exceeded, ctx cancelled); the parts are gone either way, except
// when one is missing, which changes nothing.
func (s *Store) Join(ctx context.Context, name string, parts []string, opts PutOptions) (Object, error) {
	entries := make([]*entry, len(parts))
	var size int64
	s.mu.Lock()
	seen := make(map[string]bool, len(parts))
	for i, p := range parts {
		e, ok := s.objects[p]
		if !ok || seen[p] {
			s.mu.Unlock()
			return Object{}, fmt.Errorf("join %q: part %q: %w", name, p, ErrNotFound)
		}
		seen[p], entries[i] = true, e
		size += e.obj.Size
	}
	for _, p := range parts {
		delete(s.objects, p)
	}
	s.bytes -= size // the quota keeps the parts' reservation for the joined object
	s.mu.Unlock()
	if opts.MaxSize > 0 && size > opts.MaxSize {
		s.quota.release(size)
		return Object{}, fmt.Errorf("join %q: %w", name, &TooLargeError{Max: opts.MaxSize, Read: size})
	}
	obj, err := s.concat(ctx, name, entries, size, opts, false)
	if err != nil {
		s.quota.release(size)
	}
	return obj, err
}

// concat stores the entries' contents under name; composite sets S3's multipart ETag.
func (s *Store) concat(ctx context.Context, name string, entries []*entry, size int64, opts PutOptions, composite bool) (Object, error) {
	md5h, shah, partSums := md5.New(), sha256.New(), md5.New()
	var (
		chunks [][]byte
		cur    []byte // a chunk being filled by copying, when parts do not line up
	)
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return Object{}, fmt.Errorf("concat %q: %w", name, err)
		}
		sum, err := hex.DecodeString(e.obj.MD5)
		if err != nil {
			return Object{}, fmt.Errorf("concat %q: part %q: %w", name, e.obj.Name, err)
		}
		partSums.Write(sum)
		for _, c := range e.chunks {
			md5h.Write(c)
			shah.Write(c)
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
	created := opts.Now
	if created.IsZero() {
		created = time.Now()
	}
	e := &entry{
		obj: Object{
			Name:        name,
			Size:        size,
			MD5:         hex.EncodeToString(md5h.Sum(nil)),
			SHA256:      hex.EncodeToString(shah.Sum(nil)),
			ContentType: opts.ContentType,
			Metadata:    maps.Clone(opts.Metadata),
			Headers:     maps.Clone(opts.Headers),
			Created:     created,
			Infected:    opts.Infected,
		},
		chunks: chunks,
	}
	if composite {
		e.obj.CompositeETag = fmt.Sprintf("%x-%d", partSums.Sum(nil), len(entries))
	}
	if err := s.store(e, opts.Precondition); err != nil {
		return Object{}, fmt.Errorf("concat %q: %w", name, err)
	}
	return e.obj.clone(), nil
}

// content is the result of reading one upload.
type content struct {
	chunks [][]byte
	size   int64
	md5    []byte
	sha256 []byte
}

// readChunks reads r to EOF into chunks, hashing as it goes. maxSize 0 means
// unlimited; otherwise at most maxSize+1 bytes are read.
func readChunks(ctx context.Context, r io.Reader, maxSize, hint int64, q *Quota) (c content, err error) {
	var reserved int64
	defer func() {
		if err != nil {
			q.release(reserved) // nothing is stored: give back what was counted
		}
	}()
	md5h, shah := md5.New(), sha256.New()
	var (
		chunks [][]byte
		cur    []byte // chunk being filled; appended to chunks once full
		read   int64
	)
	for {
		if err := ctx.Err(); err != nil {
			return content{}, err
		}
		if len(cur) == cap(cur) {
			if len(cur) == chunkSize {
				chunks = append(chunks, cur)
				cur = nil
			}
			cur = growChunk(cur, nextCap(len(cur), read, hint, maxSize))
		}

		n, err := r.Read(cur[len(cur):cap(cur)])
		if n > 0 {
			p := cur[len(cur) : len(cur)+n]
			md5h.Write(p) // hash.Hash writes never fail
			shah.Write(p)
			cur = cur[:len(cur)+n]
			read += int64(n)
			if qerr := q.reserve(int64(n)); qerr != nil {
				return content{}, qerr
			}
			reserved += int64(n)
		}
		if maxSize > 0 && read > maxSize {
			return content{}, &TooLargeError{Max: maxSize, Read: read}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return content{}, fmt.Errorf("read body: %w", err)
		}
	}
	if len(cur) > 0 {
		chunks = append(chunks, trim(cur))
	}
	return content{chunks: chunks, size: read, md5: md5h.Sum(nil), sha256: shah.Sum(nil)}, nil
}

// nextCap returns the capacity for the chunk being filled, which already
// holds used bytes, after read bytes of the body.
func nextCap(used int, read, hint, maxSize int64) int {
	c := int64(chunkSize)
	// Size a fresh chunk to the expected rest of the body. The +1 leaves
	// room to observe EOF without allocating another chunk. Once the hint
	// has proven wrong (a partly filled chunk is full) it is ignored.
	if used == 0 && hint > 0 && hint >= read {
		c = min(c, hint-read+1)
	}
	// Never allocate room for more than MaxSize+1 bytes in total.
	if maxSize > 0 {
		c = min(c, int64(used)+maxSize+1-read)
	}
	return int(c)
}

// growChunk returns cur copied into a chunk of capacity newCap. Copying is
// bounded by one chunk, so it never doubles the memory of the whole object.
func growChunk(cur []byte, newCap int) []byte {
	if cur == nil {
		return make([]byte, 0, newCap)
	}
	grown := make([]byte, len(cur), newCap)
	copy(grown, cur)
	return grown
}

// trim copies the last chunk down to its length when more than half of it
// is unused, i.e. when the copy saves more memory than it costs.
func trim(last []byte) []byte {
	if cap(last)-len(last) <= len(last) {
		return last
	}
	return bytes.Clone(last)
}

// Stat returns the description of the object stored under name.
func (s *Store) Stat(name string) (Object, bool) {
	s.mu.Lock()
	e, ok := s.objects[name]
	s.mu.Unlock()
	if !ok {
		return Object{}, false
	}
	return e.obj.clone(), true
}

// Open returns the object stored under name and a Reader over a snapshot of
// its content; a later Put or Delete of name does not affect the Reader.
// It returns an error wrapping ErrNotFound if there is no such object.
func (s *Store) Open(name string) (Object, *Reader, error) {
	e, err := s.get(name)
	if err != nil {
		return Object{}, nil, fmt.Errorf("open: %w", err)
	}
	return e.obj.clone(), &Reader{chunks: e.chunks, size: e.obj.Size}, nil
}

// get returns the entry for name. The entry is immutable, so it may be used
// after the lock is released.
func (s *Store) get(name string) (*entry, error) {
	s.mu.Lock()
	e, ok := s.objects[name]
	s.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("%q: %w", name, ErrNotFound)
	}
	return e, nil
}

// Delete removes the object stored under name and reports whether there was
// one.
func (s *Store) Delete(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.objects[name]
	if ok {
		delete(s.objects, name)
		s.bytes -= e.obj.Size
		s.quota.release(e.obj.Size)
	}
	return ok
}

// List returns the objects whose names start with prefix, sorted by name.
func (s *Store) List(prefix string) []Object {
	s.mu.Lock()
	var objs []Object
	for name, e := range s.objects {
		if strings.HasPrefix(name, prefix) {
			objs = append(objs, e.obj.clone())
		}
	}
	s.mu.Unlock()
	slices.SortFunc(objs, func(a, b Object) int { return strings.Compare(a.Name, b.Name) })
	return objs
}

// Len returns the number of stored objects.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.objects)
}

// Bytes returns the total size of all stored objects.
func (s *Store) Bytes() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bytes
}

// Reset drops all objects. Open Readers keep working on their snapshots.
func (s *Store) Reset() {
	s.mu.Lock()
	s.objects = make(map[string]*entry)
	s.quota.release(s.bytes)
	s.bytes = 0
	siblings := s.siblings
	s.mu.Unlock()
	for _, c := range siblings {
		c.Reset()
	}
}

// Contains reports whether the content stored under name contains needle,
// including occurrences that span chunk boundaries. An empty needle is
// always contained. It is used for virus (EICAR) detection.
func (s *Store) Contains(name string, needle []byte) (bool, error) {
	e, err := s.get(name)
	if err != nil {
		return false, fmt.Errorf("contains: %w", err)
	}
	return containsChunks(e.chunks, needle), nil
}

// containsChunks searches chunks without joining them. An occurrence that
// ends in chunk c but does not fit in it starts at most k = len(needle)-1
// bytes before c and ends within the first k bytes of c, so searching the
// last k bytes seen before c followed by the first k bytes of c finds it.
func containsChunks(chunks [][]byte, needle []byte) bool {
	if len(needle) == 0 {
		return true
	}
	k := len(needle) - 1
	carry := make([]byte, 0, 2*k) // last k bytes before the current chunk
	for _, c := range chunks {
		if bytes.Contains(c, needle) {
			return true
		}
		window := append(carry, c[:min(len(c), k)]...)
		if bytes.Contains(window, needle) {
			return true
		}
		if len(c) >= k {
			carry = append(carry[:0], c[len(c)-k:]...)
		} else {
			// A chunk shorter than k: keep the tail of carry+c, which is
			// exactly window here. append handles the overlapping copy.
			carry = append(carry[:0], window[len(window)-min(k, len(window)):]...)
		}
	}
	return false
}

// Head returns a copy of up to n first bytes of the content stored under name,
// for content sniffing and image dimension decoding.
func (s *Store) Head(name string, n int) ([]byte, error) {
	e, err := s.get(name)
	if err != nil {
		return nil, fmt.Errorf("head: %w", err)
	}
	n = int(min(int64(max(n, 0)), e.obj.Size))
	buf := make([]byte, n)
	r := Reader{chunks: e.chunks, size: e.obj.Size}
	if _, err := r.ReadAt(buf, 0); err != nil && err != io.EOF {
		return nil, fmt.Errorf("head %q: %w", name, err)
	}
	return buf, nil
}
