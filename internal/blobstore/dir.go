package blobstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// A directory store keeps each object as two files:
//
//	DIR/FORMAT                       the format version, written when DIR is created
//	DIR/data/<random id>             the content, never modified once written
//	DIR/objects/<hex SHA-256 of name>.json   the Object, naming its content file
//	DIR/tmp/                         records being written; emptied on open
//	DIR/side-<n>/                    the n-th Sibling store, laid out the same way
//
// The rename of the record into objects/ is the commit point: the content file is written
// and synced (file and directory) first, the record is written and synced in tmp/ and then
// renamed over the name's previous record, and objects/ is synced before Put returns. A crash
// leaves either the old record or the new one, each naming a complete content file; content
// files no record names (a crash before the rename, or after it but before the old content
// was removed) are removed on open.

// formatName is the file marking a directory store; formatLine its content for this version.
const (
	formatName = "FORMAT"
	formatLine = "fileemu blob store, format 1\n"
)

// ErrCorrupt is returned (wrapped, naming the file) by OpenDir for a directory it cannot trust:
// another format version, a record that does not parse, content of the wrong size.
var ErrCorrupt = errors.New("blobstore: directory refused")

// directory is the backend of a store in a directory.
type directory struct {
	root, objects, data, tmp string
	// err, if set, is why the directory could not be opened (a Sibling has no way to return
	// it): every write fails with it.
	err error
}

// copyBuffers holds the fixed buffer each upload streams through: memory per upload does
// not grow with its size.
var copyBuffers = sync.Pool{New: func() any { return new([chunkSize]byte) }}

// OpenDir returns a store keeping its objects in dir, whose bytes count against q (nil: no
// bound). An empty or missing dir is initialised; an existing store is loaded: every record
// is read and checked against its content file, content a crash left without a record is
// removed, and the objects are reserved in q. It refuses, naming the file, a directory of
// another format version, a corrupt record and content whose size differs from its record
// (ErrCorrupt), a directory holding more than q allows (ErrStorageFull), and a directory it
// cannot write (at open, not at the first Put).
func OpenDir(dir string, q *Quota) (*Store, error) {
	d, err := openDirectory(dir)
	if err != nil {
		return nil, err
	}
	entries, err := d.load()
	if err != nil {
		return nil, err
	}
	s := &Store{objects: make(map[string]*entry, len(entries)), quota: q, be: d}
	for _, e := range entries {
		s.objects[e.obj.Name] = e
		s.bytes += e.obj.Size
	}
	if err := q.reserve(s.bytes); err != nil {
		return nil, fmt.Errorf("open blob store %s: %w", dir, err)
	}
	return s, nil
}

// openDirectory checks or writes dir's format file, creates the subdirectories, proves that
// dir is writable and empties tmp/.
func openDirectory(dir string) (*directory, error) {
	d := &directory{root: dir, objects: filepath.Join(dir, "objects"), data: filepath.Join(dir, "data"), tmp: filepath.Join(dir, "tmp")}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("open blob store: %w", err)
	}
	format := filepath.Join(dir, formatName)
	got, err := os.ReadFile(format)
	switch {
	case errors.Is(err, os.ErrNotExist):
		names, err := readDirNames(dir)
		if err != nil {
			return nil, fmt.Errorf("open blob store: %w", err)
		}
		if len(names) > 0 {
			return nil, fmt.Errorf("%w: %s is not empty and has no %s file: not a fileemu blob store", ErrCorrupt, dir, formatName)
		}
		if err := writeFileSync(format, []byte(formatLine)); err != nil {
			return nil, fmt.Errorf("open blob store: %w", err)
		}
		if err := syncDir(dir); err != nil {
			return nil, fmt.Errorf("open blob store: %w", err)
		}
	case err != nil:
		return nil, fmt.Errorf("open blob store: %w", err)
	case string(got) != formatLine:
		return nil, fmt.Errorf("%w: %s says %q; this fileemu reads %q (a directory written by another version)",
			ErrCorrupt, format, strings.TrimSpace(string(got)), strings.TrimSpace(formatLine))
	}
	for _, sub := range []string{d.objects, d.data, d.tmp} {
		if err := os.Mkdir(sub, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("open blob store: %w", err)
		}
	}
	// Leftovers of a crash: records that were never committed.
	leftovers, err := readDirNames(d.tmp)
	if err != nil {
		return nil, fmt.Errorf("open blob store: %w", err)
	}
	for _, n := range leftovers {
		if err := os.RemoveAll(filepath.Join(d.tmp, n)); err != nil {
			return nil, fmt.Errorf("open blob store: remove a leftover: %w", err)
		}
	}
	// Writing is what a store does: fail now rather than at the first upload.
	probe := filepath.Join(d.tmp, "probe-"+newID())
	if err := writeFileSync(probe, []byte("probe")); err != nil {
		return nil, fmt.Errorf("open blob store: %s is not writable: %w", dir, err)
	}
	if err := os.Remove(probe); err != nil {
		return nil, fmt.Errorf("open blob store: %s is not writable: %w", dir, err)
	}
	return d, nil
}

// load reads and checks every record, and removes content files no record names.
func (d *directory) load() ([]*entry, error) {
	names, err := readDirNames(d.objects)
	if err != nil {
		return nil, fmt.Errorf("open blob store: %w", err)
	}
	entries := make([]*entry, 0, len(names))
	used := make(map[string]bool, len(names))
	for _, n := range names {
		path := filepath.Join(d.objects, n)
		e, err := d.readRecord(path)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrCorrupt, path, err)
		}
		if used[e.file] {
			return nil, fmt.Errorf("%w: %s: content file %s is named by another record too", ErrCorrupt, path, e.file)
		}
		used[e.file] = true
		entries = append(entries, e)
	}
	files, err := readDirNames(d.data)
	if err != nil {
		return nil, fmt.Errorf("open blob store: %w", err)
	}
	for _, n := range files {
		if p := filepath.Join(d.data, n); !used[p] {
			if err := os.Remove(p); err != nil {
				return nil, fmt.Errorf("open blob store: remove content no record names: %w", err)
			}
		}
	}
	return entries, nil
}

// readRecord reads and checks the record at path against its file name and content file.
func (d *directory) readRecord(path string) (*entry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r record
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("not a valid object record: %w", err)
	}
	if dec.More() {
		return nil, errors.New("not a valid object record: data after the record")
	}
	obj := r.object()
	if want := recordName(obj.Name); filepath.Base(path) != want {
		return nil, fmt.Errorf("holds object %q, whose record is named %s", obj.Name, want)
	}
	if !isID(r.Data) {
		return nil, fmt.Errorf("names content file %q, which is not a content file name", r.Data)
	}
	if len(obj.MD5) != 2*16 || len(obj.SHA256) != 2*sha256.Size || !isHex(obj.MD5) || !isHex(obj.SHA256) || obj.Size < 0 {
		return nil, fmt.Errorf("object %q: size or hashes are malformed", obj.Name)
	}
	file := filepath.Join(d.data, r.Data)
	fi, err := os.Stat(file)
	if err != nil {
		return nil, fmt.Errorf("object %q: content: %w", obj.Name, err)
	}
	if fi.Size() != obj.Size {
		return nil, fmt.Errorf("object %q: content file %s holds %d bytes, the record says %d", obj.Name, file, fi.Size(), obj.Size)
	}
	return &entry{obj: obj, content: content{file: file}}, nil
}

func (d *directory) ingest(ctx context.Context, r io.Reader, maxSize, _ int64, q *Quota) (ingested, error) {
	return d.write(newIntake(ctx, r, maxSize, q))
}

// write streams in's body into a new content file through one fixed buffer and syncs it.
// On error it removes the file and gives the reservation back.
func (d *directory) write(in *intake) (res ingested, err error) {
	if d.err != nil {
		return ingested{}, d.err
	}
	path := filepath.Join(d.data, newID())
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return ingested{}, fmt.Errorf("store content: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(path)
			in.fail()
		}
	}()
	buf := copyBuffers.Get().(*[chunkSize]byte)
	defer copyBuffers.Put(buf)
	for !in.exhausted {
		n, err := in.fill(buf[:])
		if err != nil {
			return ingested{}, err
		}
		if _, err := f.Write(buf[:n]); err != nil {
			return ingested{}, fmt.Errorf("store content: %w", err)
		}
	}
	if err := f.Sync(); err != nil {
		return ingested{}, fmt.Errorf("store content: %w", err)
	}
	if err := f.Close(); err != nil {
		return ingested{}, fmt.Errorf("store content: %w", err)
	}
	// The file's name must be durable before a record can name it.
	if err := syncDir(d.data); err != nil {
		return ingested{}, fmt.Errorf("store content: %w", err)
	}
	return in.result(content{file: path}), nil
}

// concat copies the parts into a new content file; the caller reserved the quota already.
func (d *directory) concat(ctx context.Context, parts []*Reader, size int64) (ingested, error) {
	readers := make([]io.Reader, len(parts))
	for i, p := range parts {
		readers[i] = io.NewSectionReader(p, 0, p.size)
	}
	c, err := d.write(newIntake(ctx, io.MultiReader(readers...), 0, nil))
	if err == nil && c.size != size {
		d.discard(c.content)
		return ingested{}, fmt.Errorf("parts hold %d bytes, expected %d", c.size, size)
	}
	return c, err
}

// share hard-links the content file (never modified, so both names may share it), or copies
// it where the file system has no hard links.
func (d *directory) share(c content, rd *Reader) (content, error) {
	if d.err != nil {
		return content{}, d.err
	}
	path := filepath.Join(d.data, newID())
	if c.file == "" || os.Link(c.file, path) != nil {
		in := newIntake(context.Background(), io.NewSectionReader(rd, 0, rd.size), 0, nil)
		n, err := d.write(in)
		return n.content, err
	}
	if err := syncDir(d.data); err != nil {
		os.Remove(path)
		return content{}, fmt.Errorf("store content: %w", err)
	}
	return content{file: path}, nil
}

// stage writes e's record into tmp/, synced, for commit to rename into place.
func (d *directory) stage(e *entry) error {
	b, err := json.Marshal(newRecord(e))
	if err != nil {
		return fmt.Errorf("store object record: %w", err)
	}
	if err := writeFileSync(d.staged(e.content), b); err != nil {
		return fmt.Errorf("store object record: %w", err)
	}
	return nil
}

// staged is where stage writes the record of the object with content c.
func (d *directory) staged(c content) string {
	return filepath.Join(d.tmp, filepath.Base(c.file)+".json")
}

func (d *directory) commit(e *entry) error {
	path := filepath.Join(d.objects, recordName(e.obj.Name))
	if err := os.Rename(d.staged(e.content), path); err != nil {
		return fmt.Errorf("store object record: %w", err)
	}
	if err := syncDir(d.objects); err != nil {
		os.Remove(path) // not durable: do not leave a record that names content about to go
		return fmt.Errorf("store object record: %w", err)
	}
	return nil
}

func (d *directory) discard(c content) {
	if c.file != "" {
		os.Remove(d.staged(c))
		os.Remove(c.file)
	}
}

func (d *directory) replaced(old *entry) { os.Remove(old.file) }

// drop removes the records first, durably, then the content: a crash in between leaves
// content no record names, which the next open removes.
func (d *directory) drop(es ...*entry) {
	for _, e := range es {
		os.Remove(filepath.Join(d.objects, recordName(e.obj.Name)))
	}
	_ = syncDir(d.objects) // a failure here cannot be reported through Delete; the next write's sync reports a failing disk
	for _, e := range es {
		os.Remove(e.file)
	}
}

func (d *directory) open(e *entry) (*Reader, error) {
	f, err := os.Open(e.file)
	if err != nil {
		return nil, fmt.Errorf("open content: %w", err)
	}
	return &Reader{f: f, size: e.obj.Size}, nil
}

func (d *directory) sibling(n int, q *Quota) *Store {
	s, err := OpenDir(filepath.Join(d.root, fmt.Sprintf("side-%d", n)), q)
	if err != nil {
		return &Store{objects: make(map[string]*entry), quota: q, be: &directory{err: err}}
	}
	return s
}

// recordName is the file name of the record of the object name: any string (S3 keys with
// slashes, "..", any bytes) maps to a safe, fixed-length name.
func recordName(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:]) + ".json"
}

// newID returns a fresh random content file name.
func newID() string {
	return rand.Text()
}

// isID reports whether s is a name newID could have returned.
func isID(s string) bool {
	if len(s) != len(rand.Text()) {
		return false
	}
	for _, c := range s {
		if !('A' <= c && c <= 'Z' || '2' <= c && c <= '7') {
			return false
		}
	}
	return true
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}

// writeFileSync writes b to a new file at path and syncs it.
func writeFileSync(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir makes the entries of dir (creations, renames, removals) durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func readDirNames(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Readdirnames(-1)
}

// record is an Object as stored in objects/. Strings go through text, so that names, metadata
// and headers that are not valid UTF-8 survive (encoding/json would replace their bytes).
type record struct {
	Name          text      `json:"name"`
	Data          string    `json:"data"` // the content file's name in data/
	Size          int64     `json:"size"`
	MD5           string    `json:"md5"`
	SHA256        string    `json:"sha256"`
	ContentType   text      `json:"contentType"`
	Metadata      []pair    `json:"metadata"` // nil: none; empty: an empty map
	Headers       []pair    `json:"headers"`
	Created       time.Time `json:"created"`
	Infected      bool      `json:"infected"`
	CompositeETag string    `json:"compositeETag"`
	ChecksumName  text      `json:"checksumName"`
	ChecksumValue text      `json:"checksumValue"`
}

// pair is one map entry of a record.
type pair [2]text

func newRecord(e *entry) record {
	o := e.obj
	return record{
		Name: text(o.Name), Data: filepath.Base(e.file), Size: o.Size, MD5: o.MD5, SHA256: o.SHA256,
		ContentType: text(o.ContentType), Metadata: pairs(o.Metadata), Headers: pairs(o.Headers),
		Created: o.Created, Infected: o.Infected, CompositeETag: o.CompositeETag,
		ChecksumName: text(o.ChecksumName), ChecksumValue: text(o.ChecksumValue),
	}
}

func (r record) object() Object {
	return Object{
		Name: string(r.Name), Size: r.Size, MD5: r.MD5, SHA256: r.SHA256, ContentType: string(r.ContentType),
		Metadata: fromPairs(r.Metadata), Headers: fromPairs(r.Headers), Created: r.Created, Infected: r.Infected,
		CompositeETag: r.CompositeETag, ChecksumName: string(r.ChecksumName), ChecksumValue: string(r.ChecksumValue),
	}
}

func pairs(m map[string]string) []pair {
	if m == nil {
		return nil
	}
	p := make([]pair, 0, len(m))
	for k, v := range m {
		p = append(p, pair{text(k), text(v)})
	}
	return p
}

func fromPairs(p []pair) map[string]string {
	if p == nil {
		return nil
	}
	m := make(map[string]string, len(p))
	for _, kv := range p {
		m[string(kv[0])] = string(kv[1])
	}
	return m
}

// text is a string stored as a JSON string when it is valid UTF-8 and as {"base64": ...}
// otherwise.
type text string

type base64Text struct {
	Base64 []byte `json:"base64"`
}

func (t text) MarshalJSON() ([]byte, error) {
	if utf8.ValidString(string(t)) {
		return json.Marshal(string(t))
	}
	return json.Marshal(base64Text{Base64: []byte(t)})
}

func (t *text) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '{' {
		var v base64Text
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&v); err != nil {
			return err
		}
		*t = text(v.Base64)
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*t = text(s)
	return nil
}

// Dir returns the directory of a store opened by OpenDir, "" for one in memory.
func (s *Store) Dir() string {
	if d, ok := s.be.(*directory); ok {
		return d.root
	}
	return ""
}
