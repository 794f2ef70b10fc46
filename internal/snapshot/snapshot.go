// Package snapshot writes a session's whole state as one archive and restores one into a
// session: every API's state document (api.State) and every stored object, bytes and
// description.
//
// The archive is a tar file (gzip-compressed ones are read too). Its members, in this order:
//
//	manifest.json               format, format version, fileemu version, session id, time, APIs
//	state/{api}.json            each API's state document, by API name (APIs never used: none)
//	objects.json                the session's stored objects: name, size, hashes, type, metadata...
//	objects/{n}                 the bytes of the n-th object of objects.json (000001, 000002, ...)
//	side/{api}/objects.json     objects an API keeps apart (S3's parts of uploads in progress)
//	side/{api}/{n}              their bytes
//
// One state gives the same bytes: objects by name, maps in key order, every member of mode 0644
// with no owner, its time taken from the state (an object's creation time; for the others the
// newest creation time of all objects, also the manifest's time), no gzip.
package snapshot

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/session"
)

// Format names the archive format in the manifest.
const Format = "fileemu-snapshot"

// FormatVersion is the version of the archive format, members and state documents together.
// A fileemu restores archives of its own format version only, whatever fileemu version wrote
// them; it changes when something written cannot be read the same way any more.
const FormatVersion = 1

// ContentType is the media type of archives.
const ContentType = "application/x-tar"

// Member names.
const (
	manifestMember = "manifest.json"
	statePrefix    = "state/"
	objectsIndex   = "objects.json"
	objectsPrefix  = "objects/"
	sidePrefix     = "side/"
)

// Manifest describes an archive.
type Manifest struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	// Fileemu is the version of the fileemu that wrote it (informative: Version decides).
	Fileemu string `json:"fileemu"`
	// Session is the id of the session it was taken from.
	Session string `json:"session"`
	// Time is the newest creation time of the stored objects (zero without objects): taken from
	// the state, so the same state gives the same archive.
	Time time.Time `json:"time,omitzero"`
	// APIs are the APIs whose state the archive holds, by name.
	APIs []string `json:"apis"`
}

// Object describes one stored object and names the member holding its bytes.
type Object struct {
	Member        string            `json:"member"`
	Name          string            `json:"name"`
	Size          int64             `json:"size"`
	MD5           string            `json:"md5"`
	SHA256        string            `json:"sha256"`
	ContentType   string            `json:"content_type,omitempty"`
	Metadata      map[string]string `json:"metadata,omitempty"`
	Headers       map[string]string `json:"headers,omitempty"`
	Created       time.Time         `json:"created"`
	Infected      bool              `json:"infected,omitempty"`
	CompositeETag string            `json:"composite_etag,omitempty"`
	ChecksumName  string            `json:"checksum_name,omitempty"`
	ChecksumValue string            `json:"checksum_value,omitempty"`
}

func (o Object) blob() blobstore.Object {
	return blobstore.Object{Name: o.Name, Size: o.Size, MD5: o.MD5, SHA256: o.SHA256, ContentType: o.ContentType,
		Metadata: o.Metadata, Headers: o.Headers, Created: o.Created, Infected: o.Infected,
		CompositeETag: o.CompositeETag, ChecksumName: o.ChecksumName, ChecksumValue: o.ChecksumValue}
}

// API is an API whose state archives hold.
type API struct {
	Name  string
	State *api.State
}

// store is the objects of one store, opened when the archive was planned.
type store struct {
	prefix  string // "" for the session's store, "side/{api}/" for an API's side store
	objects []Object
	readers []*blobstore.Reader
}

// Archive is a session's state, captured and ready to be written.
type Archive struct {
	manifest Manifest
	states   map[string][]byte
	stores   []store
}

// Take captures the session's state: every API's state document, then every stored object
// (opened now: later changes do not reach the archive). It fails only if an API cannot save
// its state; writing it (WriteTo) cannot fail but for the writer.
//
// The APIs' states and the objects are captured one after the other, not at one instant: take
// a snapshot of a session no request is changing.
func Take(sess *session.Session, apis []API, version string) (*Archive, error) {
	a := &Archive{manifest: Manifest{Format: Format, Version: FormatVersion, Fileemu: version, Session: sess.ID, APIs: []string{}},
		states: map[string][]byte{}}
	apis = sorted(apis)
	var sides []struct {
		name  string
		store *blobstore.Store
	}
	for _, ap := range apis {
		data, side, err := ap.State.Save(sess)
		if err != nil {
			return nil, fmt.Errorf("save %s state: %w", ap.Name, err)
		}
		if data == nil {
			continue
		}
		a.states[ap.Name] = data
		a.manifest.APIs = append(a.manifest.APIs, ap.Name)
		if side != nil {
			sides = append(sides, struct {
				name  string
				store *blobstore.Store
			}{ap.Name, side})
		}
	}
	main, err := open("", sess.Blobs)
	if err != nil {
		return nil, err
	}
	a.stores = append(a.stores, main)
	for _, s := range sides {
		side, err := open(sidePrefix+s.name+"/", s.store)
		if err != nil {
			a.Close()
			return nil, err
		}
		a.stores = append(a.stores, side)
	}
	for _, s := range a.stores {
		for _, o := range s.objects {
			if o.Created.After(a.manifest.Time) {
				a.manifest.Time = o.Created
			}
		}
	}
	return a, nil
}

// open opens every object of st, by name. An object deleted in between is left out; any other
// failure (a file that cannot be opened) fails the snapshot rather than leaving an object out.
func open(prefix string, st *blobstore.Store) (store, error) {
	s := store{prefix: prefix, objects: []Object{}}
	for _, o := range st.List("") {
		obj, rd, err := st.Open(o.Name)
		if errors.Is(err, blobstore.ErrNotFound) {
			continue
		}
		if err != nil {
			s.close()
			return store{}, fmt.Errorf("open object %q: %w", o.Name, err)
		}
		s.readers = append(s.readers, rd)
		s.objects = append(s.objects, Object{Member: fmt.Sprintf("%s%s%06d", prefix, objectsPrefix, len(s.objects)+1),
			Name: obj.Name, Size: obj.Size, MD5: obj.MD5, SHA256: obj.SHA256, ContentType: obj.ContentType,
			Metadata: obj.Metadata, Headers: obj.Headers, Created: obj.Created, Infected: obj.Infected,
			CompositeETag: obj.CompositeETag, ChecksumName: obj.ChecksumName, ChecksumValue: obj.ChecksumValue})
	}
	return s, nil
}

// close releases the opened objects (files, in a data directory).
func (s store) close() {
	for _, rd := range s.readers {
		_ = rd.Close()
	}
}

// Close releases what Take opened; WriteTo calls it when done.
func (a *Archive) Close() {
	for _, s := range a.stores {
		s.close()
	}
}

func sorted(apis []API) []API {
	out := append([]API(nil), apis...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// WriteTo writes the archive to w, streaming the objects' bytes, and closes the archive.
func (a *Archive) WriteTo(w io.Writer) (int64, error) {
	defer a.Close()
	cw := &countingWriter{w: w}
	tw := tar.NewWriter(cw)
	mtime := a.manifest.Time
	manifest, err := encode(a.manifest)
	if err != nil {
		return cw.n, err
	}
	if err := writeMember(tw, manifestMember, mtime, bytes.NewReader(manifest), int64(len(manifest))); err != nil {
		return cw.n, err
	}
	for _, name := range a.manifest.APIs {
		data := a.states[name]
		if err := writeMember(tw, statePrefix+name+".json", mtime, bytes.NewReader(data), int64(len(data))); err != nil {
			return cw.n, err
		}
	}
	for _, s := range a.stores {
		index, err := encode(s.objects)
		if err != nil {
			return cw.n, err
		}
		if err := writeMember(tw, s.prefix+objectsIndex, mtime, bytes.NewReader(index), int64(len(index))); err != nil {
			return cw.n, err
		}
		for i, o := range s.objects {
			if err := writeMember(tw, o.Member, o.Created, s.readers[i], o.Size); err != nil {
				return cw.n, err
			}
		}
	}
	err = tw.Close()
	return cw.n, err
}

// encode is indented JSON, maps in key order.
func encode(v any) ([]byte, error) { return api.EncodeState(v) }

// epoch stands for a time the state does not have (no objects): tar headers need one.
var epoch = time.Unix(0, 0).UTC()

func writeMember(tw *tar.Writer, name string, mtime time.Time, r io.Reader, size int64) error {
	if mtime.IsZero() || mtime.Before(epoch) {
		mtime = epoch
	}
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: 0o644, ModTime: mtime.UTC().Truncate(time.Second),
		Format: tar.FormatPAX}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if _, err := io.Copy(tw, r); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// decodeStrict reads one JSON value into v, refusing unknown fields and trailing data.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("data after the JSON document")
	}
	return nil
}

func sortStrings(s []string) { sort.Strings(s) }
