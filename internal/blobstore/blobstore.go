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
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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

// SHA256MismatchError is returned (wrapped; use errors.As) by Put when the content's SHA-256 is
// not PutOptions.ContentSHA256.
type SHA256MismatchError struct {
	Want, Got string // hex, Want as given
}

// Error implements error.
func (e *SHA256MismatchError) Error() string {
	return fmt.Sprintf("blobstore: content SHA-256 %s, expected %s", e.Got, e.Want)
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
	// ContentSHA256, if set, is the hex SHA-256 the content must have (S3's x-amz-content-sha256,
	// compared as given), else Put fails with *SHA256MismatchError. It is checked before
	// ContentMD5, against the SHA-256 Put works out anyway: the caller need not hash the body again.
	ContentSHA256 string
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
	// CompositeETag restores an object assembled from parts (a snapshot): its S3 multipart ETag.
	CompositeETag string
}

// entry is one stored object: its description plus its immutable content, held by the store's
// backend (chunks in memory, or a file of a directory store).
type entry struct {
	obj Object
	content
}

// Store is an object store, in memory (New) or in a directory (OpenDir). The zero value is not
// usable. All methods are safe for concurrent use.
type Store struct {
	mu      sync.Mutex
	objects map[string]*entry
	bytes   int64 // sum of the sizes of all objects
	quota   *Quota
	be      backend // where content lives; the index, quota and hashing are the store's
	// siblings share the quota and are reset with this store (an API's side store of the
	// same session, such as S3's multipart parts).
	siblings []*Store
	// deferred, if set, holds deletes until the state naming the objects is written
	// (DeferDeletes); shared with the siblings.
	deferred atomic.Pointer[Deletions]
}

// New returns an empty Store with no bound.
func New() *Store { return NewIn(nil) }

// NewIn returns an empty Store whose bytes count against q (nil: no bound).
func NewIn(q *Quota) *Store {
	return &Store{objects: make(map[string]*entry), quota: q, be: memory{}}
}

// Sibling returns a new store sharing s's quota, reset whenever s is: a session's side store.
// A directory store's siblings live in numbered subdirectories, so the n-th sibling of a
// reopened directory finds the objects of the n-th sibling before.
func (s *Store) Sibling() *Store {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.be.sibling(len(s.siblings)+1, s.quota)
	c.deferred.Store(s.deferred.Load())
	s.siblings = append(s.siblings, c)
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

	c, err := s.be.ingest(ctx, r, opts.MaxSize, opts.SizeHint, s.quota)
	if err != nil {
		return Object{}, fmt.Errorf("put %q: %w", name, err)
	}
	if want := opts.ContentSHA256; want != "" {
		if got := hex.EncodeToString(c.sha256); got != want {
			s.be.discard(c.content)
			s.quota.release(c.size)
			return Object{}, fmt.Errorf("put %q: %w", name, &SHA256MismatchError{Want: want, Got: got})
		}
	}
	if wantMD5 != nil && !bytes.Equal(wantMD5, c.md5) {
		s.be.discard(c.content)
		s.quota.release(c.size)
		return Object{}, fmt.Errorf("put %q: %w", name, ErrBadDigest)
	}

	e := newEntry(name, c, opts)
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
// set) accepts the previous object. The backend makes e durable before it enters the index; on
// error e's content is discarded.
func (s *Store) store(e *entry, precondition func(Object, bool) error) (err error) {
	defer func() {
		if err != nil {
			s.be.discard(e.content)
		}
	}()
	if err := s.be.stage(e); err != nil {
		return err
	}
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
	if err := s.be.commit(e); err != nil {
		return err
	}
	if ok {
		s.be.replaced(old)
		s.bytes -= old.obj.Size
		s.quota.release(old.obj.Size)
	}
	s.objects[e.obj.Name] = e
	s.bytes += e.obj.Size
	return nil
}

// Copy stores the content of the object src under dst without copying bytes: stored chunks
// are immutable, so both names share them (a directory store hard-links the file, or copies it
// where the file system has no hard links). With replace nil, dst keeps src's content type,
// metadata, headers and infected mark; otherwise those come from replace. now is dst's creation time.
func (s *Store) Copy(src, dst string, replace *PutOptions, now time.Time) (Object, error) {
	e, rd, err := s.open(src)
	if err != nil {
		return Object{}, fmt.Errorf("copy: %w", err)
	}
	defer rd.Close()
	obj := e.obj.clone()
	obj.Name, obj.Created = dst, now
	if replace != nil {
		obj.ContentType, obj.Metadata, obj.Infected = replace.ContentType, maps.Clone(replace.Metadata), replace.Infected
		obj.Headers = maps.Clone(replace.Headers)
	}
	// The chunks are shared, but the copy counts: deleting the source keeps them alive.
	if err := s.quota.reserve(obj.Size); err != nil {
		return Object{}, fmt.Errorf("copy: %w", err)
	}
	shared, err := s.be.share(e.content, rd)
	if err != nil {
		s.quota.release(obj.Size)
		return Object{}, fmt.Errorf("copy: %w", err)
	}
	c := &entry{obj: obj, content: shared}
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
	entries, readers, err := from.openAll(parts)
	if err != nil {
		return Object{}, fmt.Errorf("concat %q: %w", name, err)
	}
	defer closeAll(readers)
	var size int64
	for _, e := range entries {
		size += e.obj.Size
	}
	if opts.MaxSize > 0 && size > opts.MaxSize {
		return Object{}, fmt.Errorf("concat %q: %w", name, &TooLargeError{Max: opts.MaxSize, Read: size})
	}
	// The object counts on top of its parts until the caller drops them.
	if err := s.quota.reserve(size); err != nil {
		return Object{}, fmt.Errorf("concat %q: %w", name, err)
	}
	obj, err := s.concat(ctx, name, entries, readers, size, opts, true)
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
	var size int64
	s.mu.Lock()
	seen := make(map[string]bool, len(parts))
	for _, p := range parts {
		e, ok := s.objects[p]
		if !ok || seen[p] {
			s.mu.Unlock()
			return Object{}, fmt.Errorf("join %q: part %q: %w", name, p, ErrNotFound)
		}
		seen[p] = true
		size += e.obj.Size
	}
	entries, readers, err := s.openLocked(parts)
	if err != nil {
		s.mu.Unlock()
		return Object{}, fmt.Errorf("join %q: %w", name, err)
	}
	defer closeAll(readers)
	for _, e := range entries {
		delete(s.objects, e.obj.Name)
	}
	s.dropLocked(entries...)
	s.bytes -= size // the quota keeps the parts' reservation for the joined object
	s.mu.Unlock()
	if opts.MaxSize > 0 && size > opts.MaxSize {
		s.quota.release(size)
		return Object{}, fmt.Errorf("join %q: %w", name, &TooLargeError{Max: opts.MaxSize, Read: size})
	}
	obj, err := s.concat(ctx, name, entries, readers, size, opts, false)
	if err != nil {
		s.quota.release(size)
	}
	return obj, err
}

// concat stores the contents of entries, read through readers, under name; composite sets S3's
// multipart ETag.
func (s *Store) concat(ctx context.Context, name string, entries []*entry, readers []*Reader, size int64, opts PutOptions, composite bool) (Object, error) {
	partSums := md5.New()
	for _, e := range entries {
		sum, err := hex.DecodeString(e.obj.MD5)
		if err != nil {
			return Object{}, fmt.Errorf("concat %q: part %q: %w", name, e.obj.Name, err)
		}
		partSums.Write(sum)
	}
	c, err := s.be.concat(ctx, readers, size)
	if err != nil {
		return Object{}, fmt.Errorf("concat %q: %w", name, err)
	}
	c.size = size
	e := newEntry(name, c, opts)
	if composite {
		e.obj.CompositeETag = fmt.Sprintf("%x-%d", partSums.Sum(nil), len(entries))
	}
	if err := s.store(e, opts.Precondition); err != nil {
		return Object{}, fmt.Errorf("concat %q: %w", name, err)
	}
	return e.obj.clone(), nil
}

// newEntry is the object name holding c, as opts describe it.
func newEntry(name string, c ingested, opts PutOptions) *entry {
	created := opts.Now
	if created.IsZero() {
		created = time.Now()
	}
	return &entry{
		obj: Object{
			Name:          name,
			Size:          c.size,
			MD5:           hex.EncodeToString(c.md5),
			SHA256:        hex.EncodeToString(c.sha256),
			ContentType:   opts.ContentType,
			Metadata:      maps.Clone(opts.Metadata), // the caller may reuse its map
			Headers:       maps.Clone(opts.Headers),
			Created:       created,
			Infected:      opts.Infected,
			CompositeETag: opts.CompositeETag,
		},
		content: c.content,
	}
}

// content is where the bytes of one object are, depending on the store's backend. Either way
// they never change once stored.
type content struct {
	chunks [][]byte // in memory: every chunk but the last holds chunkSize bytes
	file   string   // in a directory: the path of the content file
}

// ingested is the result of reading one upload or assembling one object.
type ingested struct {
	content
	size   int64
	md5    []byte
	sha256 []byte
}

// intake reads one upload body once, hashing it, counting it against the quota and checking
// the size cap and ctx as it goes: the part of reading an upload both backends share.
type intake struct {
	ctx       context.Context
	r         io.Reader
	maxSize   int64 // 0: unlimited
	q         *Quota
	sums      *sums
	read      int64 // bytes read, all reserved in q
	exhausted bool  // r returned io.EOF
}

func newIntake(ctx context.Context, r io.Reader, maxSize int64, q *Quota) *intake {
	return &intake{ctx: ctx, r: r, maxSize: maxSize, q: q, sums: newSums()}
}

// fill reads once from the body into p, hashes it before returning (p may be reused), and
// returns the count read. After an error nothing more may be read; call fail to give the
// reservation back.
func (in *intake) fill(p []byte) (int, error) {
	n, err := in.fillUnhashed(p)
	in.sums.write(p[:n])
	return n, err
}

// fillUnhashed is fill for a caller that hands what was read to in.sums.feed itself, once it
// will no longer change.
func (in *intake) fillUnhashed(p []byte) (int, error) {
	if err := in.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := in.r.Read(p)
	if n > 0 {
		if qerr := in.q.reserve(int64(n)); qerr != nil {
			return 0, qerr
		}
		in.read += int64(n)
	}
	if in.maxSize > 0 && in.read > in.maxSize {
		return n, &TooLargeError{Max: in.maxSize, Read: in.read}
	}
	if err == io.EOF {
		in.exhausted = true
		return n, nil
	}
	if err != nil {
		return n, fmt.Errorf("read body: %w", err)
	}
	return n, nil
}

// fail gives back the quota reserved for the bytes read: nothing is stored.
func (in *intake) fail() {
	in.sums.abandon()
	in.q.release(in.read)
}

// result returns what was read, with its hashes.
func (in *intake) result(c content) ingested {
	md5Sum, sha256Sum := in.sums.finish()
	return ingested{content: c, size: in.read, md5: md5Sum, sha256: sha256Sum}
}

// readChunks reads r to EOF into chunks, hashing as it goes. maxSize 0 means
// unlimited; otherwise at most maxSize+1 bytes are read. Reads go straight into the chunk being
// filled; each chunk is hashed once full (it never changes then), beside the next reads.
func readChunks(ctx context.Context, r io.Reader, maxSize, hint int64, q *Quota) (ingested, error) {
	in := newIntake(ctx, r, maxSize, q)
	var (
		chunks [][]byte
		cur    []byte // chunk being filled; appended to chunks once full
	)
	for !in.exhausted {
		if len(cur) == cap(cur) {
			if len(cur) == chunkSize {
				in.sums.feed(cur)
				chunks = append(chunks, cur)
				cur = nil
			}
			cur = growChunk(cur, nextCap(len(cur), in.read, hint, maxSize))
		}
		n, err := in.fillUnhashed(cur[len(cur):cap(cur)])
		if err != nil {
			in.fail()
			return ingested{}, err
		}
		cur = cur[:len(cur)+n]
	}
	if len(cur) > 0 {
		cur = trim(cur)
		in.sums.feed(cur)
		chunks = append(chunks, cur)
	}
	return in.result(content{chunks: chunks}), nil
}

// nextCap returns the capacity for the chunk being filled, which already
// holds used bytes, after read bytes of the body.
// firstChunk is the first chunk of an upload of unknown size.
const firstChunk = 16 << 10

func nextCap(used int, read, hint, maxSize int64) int {
	c := int64(chunkSize)
	// Size a fresh chunk to the expected rest of the body. The +1 leaves
	// room to observe EOF without allocating another chunk. Once the hint
	// has proven wrong (a partly filled chunk is full) it is ignored.
	if used == 0 && hint > 0 && hint >= read {
		c = min(c, hint-read+1)
	} else if hint < 0 && read < chunkSize {
		// No size given (a multipart part): the first chunk starts small and doubles, so a small
		// upload does not take (and clear) a whole chunk. Copying stays within that one chunk.
		c = min(c, max(2*int64(used), firstChunk))
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
//
// A Reader of a directory store holds an open file, closed by Reader.Close or else when the
// Reader is garbage collected (callers that hand it to http.ServeContent need not close it).
func (s *Store) Open(name string) (Object, *Reader, error) {
	e, rd, err := s.open(name)
	if err != nil {
		return Object{}, nil, fmt.Errorf("open: %w", err)
	}
	return e.obj.clone(), rd, nil
}

// open returns the entry for name with a Reader over its content, taken under the lock so that
// a concurrent Delete cannot remove a directory store's file first.
func (s *Store) open(name string) (*entry, *Reader, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	entries, readers, err := s.openLocked([]string{name})
	if err != nil {
		return nil, nil, err
	}
	return entries[0], readers[0], nil
}

// openAll is open for several names at once, all from the same moment.
func (s *Store) openAll(names []string) ([]*entry, []*Reader, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.openLocked(names)
}

// openLocked is openAll with s.mu held.
func (s *Store) openLocked(names []string) ([]*entry, []*Reader, error) {
	entries := make([]*entry, len(names))
	readers := make([]*Reader, len(names))
	for i, name := range names {
		e, ok := s.objects[name]
		if !ok {
			closeAll(readers[:i])
			return nil, nil, fmt.Errorf("%q: %w", name, ErrNotFound)
		}
		rd, err := s.be.open(e)
		if err != nil {
			closeAll(readers[:i])
			return nil, nil, fmt.Errorf("%q: %w", name, err)
		}
		entries[i], readers[i] = e, rd
	}
	return entries, readers, nil
}

func closeAll(readers []*Reader) {
	for _, r := range readers {
		r.Close()
	}
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
		s.dropLocked(e)
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
	s.dropLocked(slices.Collect(maps.Values(s.objects))...)
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
	e, rd, err := s.open(name)
	if err != nil {
		return false, fmt.Errorf("contains: %w", err)
	}
	defer rd.Close()
	if e.file == "" {
		return containsChunks(e.chunks, needle), nil
	}
	found, err := containsReader(rd, needle)
	if err != nil {
		return false, fmt.Errorf("contains %q: %w", name, err)
	}
	return found, nil
}

// containsChunks searches chunks without joining them. An occurrence that
// ends in chunk c but does not fit in it starts at most k = len(needle)-1
// bytes before c and ends within the first k bytes of c, so searching the
// last k bytes seen before c followed by the first k bytes of c finds it.
func containsChunks(chunks [][]byte, needle []byte) bool {
	f := newFinder(needle)
	for _, c := range chunks {
		if f.scan(c) {
			return true
		}
	}
	return f.k < 0
}

// containsReader is containsChunks over content read from r one buffer at a time.
func containsReader(r io.Reader, needle []byte) (bool, error) {
	f := newFinder(needle)
	if f.k < 0 {
		return true, nil
	}
	buf := make([]byte, chunkSize)
	for {
		n, err := io.ReadFull(r, buf)
		if n > 0 && f.scan(buf[:n]) {
			return true, nil
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
	}
}

// finder looks for needle in content handed to it in consecutive pieces.
type finder struct {
	needle []byte
	k      int    // len(needle)-1; -1 for an empty needle, which every content contains
	carry  []byte // last k bytes before the current piece
}

func newFinder(needle []byte) *finder {
	k := len(needle) - 1
	return &finder{needle: needle, k: k, carry: make([]byte, 0, 2*max(k, 0))}
}

// scan reports whether needle occurs in the content so far and ends in c.
func (f *finder) scan(c []byte) bool {
	needle, k := f.needle, f.k
	if k < 0 || bytes.Contains(c, needle) {
		return true
	}
	window := append(f.carry, c[:min(len(c), k)]...)
	if bytes.Contains(window, needle) {
		return true
	}
	if len(c) >= k {
		f.carry = append(f.carry[:0], c[len(c)-k:]...)
	} else {
		// A piece shorter than k: keep the tail of carry+c, which is
		// exactly window here. append handles the overlapping copy.
		f.carry = append(f.carry[:0], window[len(window)-min(k, len(window)):]...)
	}
	return false
}

// Head returns a copy of up to n first bytes of the content stored under name,
// for content sniffing and image dimension decoding.
func (s *Store) Head(name string, n int) ([]byte, error) {
	e, r, err := s.open(name)
	if err != nil {
		return nil, fmt.Errorf("head: %w", err)
	}
	defer r.Close()
	n = int(min(int64(max(n, 0)), e.obj.Size))
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, 0); err != nil && err != io.EOF {
		return nil, fmt.Errorf("head %q: %w", name, err)
	}
	return buf, nil
}
