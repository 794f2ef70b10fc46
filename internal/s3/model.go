package s3

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fileemu/fileemu/internal/blobstore"
)

// MinPartSize is the smallest part S3 accepts in a multipart upload, but for the last one.
const MinPartSize = 5 << 20

// MaxParts is the highest part number S3 accepts.
const MaxParts = 10000

// Model is the S3 state of one session beyond the objects themselves (which live in the
// session's blob store under ObjectName, where the other APIs' flows find them): the buckets
// that exist, and the multipart uploads in progress with their parts.
type Model struct {
	blobs *blobstore.Store

	mu      sync.Mutex
	buckets map[string]time.Time // bucket -> creation time
	uploads map[string]*Upload
	// parts holds the parts of uploads in progress, apart from the session's objects, so that
	// they are neither listed nor served until CompleteMultipartUpload assembles them.
	parts *blobstore.Store
}

// NewModel returns the S3 state of a session whose objects live in blobs.
func NewModel(blobs *blobstore.Store) *Model {
	return &Model{blobs: blobs, buckets: map[string]time.Time{}, uploads: map[string]*Upload{}, parts: blobs.Sibling()}
}

// Upload is a multipart upload in progress.
type Upload struct {
	ID, Bucket, Key string
	ContentType     string
	Metadata        map[string]string
	Headers         map[string]string // stored headers for the object (storedHeaders)
	Initiated       time.Time
	// ChecksumAlgorithm is x-amz-checksum-algorithm of CreateMultipartUpload (echoed), or "".
	ChecksumAlgorithm string
	Parts             map[int]Part
}

// Part is one uploaded part.
type Part struct {
	Number       int
	ETag         string // quoted hex MD5
	Size         int64
	LastModified time.Time
	// Checksum is the verified x-amz-checksum-* header name and value, if one was sent.
	ChecksumName, ChecksumValue string

	blobName string // where the part is kept in Model.parts
}

// CompletedPart is one entry of a CompleteMultipartUpload request.
type CompletedPart struct {
	Number int
	ETag   string
}

// Domain errors of the model; handlers render them as S3 errors.
var (
	errNoSuchUpload   = errors.New("no such upload")
	errNoSuchBucket   = errors.New("no such bucket")
	errBucketNotEmpty = errors.New("bucket not empty")
)

// CreateBucket makes bucket exist. It reports false if it already did (S3 in us-east-1 answers
// 200 to its owner then; nothing changes).
func (m *Model) CreateBucket(bucket string, now time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.buckets[bucket]; ok || m.holdsObjects(bucket) {
		m.buckets[bucket] = m.created(bucket, now)
		return false
	}
	m.buckets[bucket] = now
	return true
}

func (m *Model) created(bucket string, now time.Time) time.Time {
	if t, ok := m.buckets[bucket]; ok {
		return t
	}
	return now
}

// TouchBucket records that a write went to bucket: writes create buckets implicitly, so the
// presigned URLs and forms the API flows hand out work without a CreateBucket.
func (m *Model) TouchBucket(bucket string, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.buckets[bucket] = m.created(bucket, now)
}

// BucketExists reports whether bucket was created (explicitly or by a write) or holds objects
// (written into the blob store by another API's flow).
func (m *Model) BucketExists(bucket string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.buckets[bucket]
	return ok || m.holdsObjects(bucket)
}

func (m *Model) holdsObjects(bucket string) bool {
	return len(m.blobs.List(ObjectName(bucket, ""))) > 0
}

// DeleteBucket removes an empty bucket. It fails with errNoSuchBucket or errBucketNotEmpty.
func (m *Model) DeleteBucket(bucket string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.buckets[bucket]
	if m.holdsObjects(bucket) {
		return errBucketNotEmpty
	}
	if !ok {
		return errNoSuchBucket
	}
	for _, u := range m.uploads {
		if u.Bucket == bucket {
			return errBucketNotEmpty // S3 keeps a bucket with uploads in progress too
		}
	}
	delete(m.buckets, bucket)
	return nil
}

// CreateUpload starts a multipart upload of key into bucket.
func (m *Model) CreateUpload(bucket, key, contentType string, metadata, headers map[string]string, checksum string, now time.Time) *Upload {
	var b [24]byte
	_, _ = rand.Read(b[:])
	u := &Upload{ID: hex.EncodeToString(b[:]), Bucket: bucket, Key: key, ContentType: contentType,
		Metadata: metadata, Headers: headers, Initiated: now, ChecksumAlgorithm: checksum, Parts: map[int]Part{}}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.buckets[bucket] = m.created(bucket, now)
	m.uploads[u.ID] = u
	return u
}

// upload returns the upload id of bucket/key, or errNoSuchUpload. Call with m.mu held.
func (m *Model) upload(bucket, key, id string) (*Upload, error) {
	u, ok := m.uploads[id]
	if !ok || u.Bucket != bucket || u.Key != key {
		return nil, errNoSuchUpload
	}
	return u, nil
}

// Upload returns a copy of the upload id of bucket/key with its parts sorted by number.
func (m *Model) Upload(bucket, key, id string) (Upload, []Part, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, err := m.upload(bucket, key, id)
	if err != nil {
		return Upload{}, nil, err
	}
	parts := make([]Part, 0, len(u.Parts))
	for _, p := range u.Parts {
		parts = append(parts, p)
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].Number < parts[j].Number })
	cp := *u
	cp.Parts = nil
	return cp, parts, nil
}

func partName(id string, n int) string { return id + "/" + strconv.Itoa(n) }

// PutPart streams a part into the upload: put is called with the store and name to stream
// into (so the caller keeps its own body and error handling). A part number uploaded again
// replaces the earlier part; checksum returns the part's verified checksum header or trailer
// once streamed. It fails with errNoSuchUpload if the upload is unknown, or ends
// (completed, aborted) while the part streams; then nothing is kept.
func (m *Model) PutPart(bucket, key, id string, n int, now time.Time, put func(*blobstore.Store, string) (blobstore.Object, error), checksum func() (name, value string)) (Part, error) {
	m.mu.Lock()
	_, err := m.upload(bucket, key, id)
	m.mu.Unlock()
	if err != nil {
		return Part{}, err
	}
	// Each attempt streams under its own name, so a failed re-upload keeps the earlier part.
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := partName(id, n) + "." + hex.EncodeToString(b[:])
	obj, err := put(m.parts, name)
	if err != nil {
		return Part{}, err
	}
	p := Part{Number: n, ETag: obj.ETag(), Size: obj.Size, LastModified: now}
	p.ChecksumName, p.ChecksumValue = checksum()
	m.mu.Lock()
	defer m.mu.Unlock()
	u, err := m.upload(bucket, key, id)
	if err != nil {
		m.parts.Delete(name)
		return Part{}, err
	}
	if old, ok := u.Parts[n]; ok {
		m.parts.Delete(old.blobName)
	}
	p.blobName = name
	u.Parts[n] = p
	return p, nil
}

// Uploads returns copies of bucket's uploads in progress whose keys start with prefix, sorted
// by key, then by initiation time and id, as ListMultipartUploads lists them.
func (m *Model) Uploads(bucket, prefix string) []Upload {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Upload
	for _, u := range m.uploads {
		if u.Bucket == bucket && strings.HasPrefix(u.Key, prefix) {
			cp := *u
			cp.Parts = nil
			out = append(out, cp)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Key != b.Key {
			return a.Key < b.Key
		}
		if !a.Initiated.Equal(b.Initiated) {
			return a.Initiated.Before(b.Initiated)
		}
		return a.ID < b.ID
	})
	return out
}

// Abort drops the upload and its parts.
func (m *Model) Abort(bucket, key, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, err := m.upload(bucket, key, id)
	if err != nil {
		return err
	}
	m.drop(u)
	return nil
}

// drop forgets u and frees its parts. Call with m.mu held.
func (m *Model) drop(u *Upload) {
	for _, p := range u.Parts {
		m.parts.Delete(p.blobName)
	}
	delete(m.uploads, u.ID)
}

// CompletionError is why CompleteMultipartUpload refused a part list.
type CompletionError struct {
	Code   string // InvalidPartOrder, InvalidPart, EntityTooSmall, MalformedXML
	Part   CompletedPart
	Size   int64 // for EntityTooSmall
	Detail string
}

func (e *CompletionError) Error() string { return e.Code + ": " + e.Detail }

// Complete assembles the listed parts into the object bucket/key, checked as S3 checks them:
// at least one part, part numbers ascending, each part uploaded with that ETag, each but the last
// at least MinPartSize. On success the upload ends; on failure it stays as it was (the client may
// fix the list and complete again) and no object changes.
func (m *Model) Complete(ctx context.Context, bucket, key, id string, list []CompletedPart, opts blobstore.PutOptions) (blobstore.Object, error) {
	m.mu.Lock()
	u, err := m.upload(bucket, key, id)
	if err != nil {
		m.mu.Unlock()
		return blobstore.Object{}, err
	}
	names := make([]string, len(list))
	cerr := func() error {
		if len(list) == 0 {
			return &CompletionError{Code: "MalformedXML", Detail: "no parts"}
		}
		for i, c := range list {
			if i > 0 && c.Number <= list[i-1].Number {
				return &CompletionError{Code: "InvalidPartOrder", Part: c}
			}
		}
		for i, c := range list {
			p, ok := u.Parts[c.Number]
			if !ok || strings.Trim(c.ETag, `"`) != strings.Trim(p.ETag, `"`) {
				return &CompletionError{Code: "InvalidPart", Part: c}
			}
			if i < len(list)-1 && p.Size < MinPartSize {
				return &CompletionError{Code: "EntityTooSmall", Part: c, Size: p.Size}
			}
			names[i] = p.blobName
		}
		return nil
	}()
	if cerr != nil {
		m.mu.Unlock()
		return blobstore.Object{}, cerr
	}
	// Parts are only replaced or dropped under m.mu, and blobs are immutable: holding the lock
	// while assembling keeps a concurrent re-upload of a part from slipping in.
	defer m.mu.Unlock()
	opts.ContentType, opts.Metadata, opts.Headers = u.ContentType, u.Metadata, u.Headers
	obj, err := m.blobs.Concat(ctx, ObjectName(bucket, key), m.parts, names, opts)
	if err != nil {
		return blobstore.Object{}, err
	}
	m.drop(u)
	m.buckets[bucket] = m.created(bucket, opts.Now)
	return obj, nil
}

// Snapshot dumps the buckets and the uploads in progress for the admin API's state.
func (m *Model) Snapshot() any {
	m.mu.Lock()
	defer m.mu.Unlock()
	type upload struct {
		ID     string `json:"id"`
		Bucket string `json:"bucket"`
		Key    string `json:"key"`
		Parts  int    `json:"parts"`
	}
	out := struct {
		Buckets []string `json:"buckets"`
		Uploads []upload `json:"uploads"`
	}{Buckets: []string{}, Uploads: []upload{}}
	for b := range m.buckets {
		out.Buckets = append(out.Buckets, b)
	}
	sort.Strings(out.Buckets)
	for _, u := range m.uploads {
		out.Uploads = append(out.Uploads, upload{u.ID, u.Bucket, u.Key, len(u.Parts)})
	}
	sort.Slice(out.Uploads, func(i, j int) bool { return out.Uploads[i].ID < out.Uploads[j].ID })
	return out
}
