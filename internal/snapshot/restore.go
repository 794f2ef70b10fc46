package snapshot

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/session"
)

// maxDocument bounds a JSON member (manifest, state, object index): they are read whole.
const maxDocument = 64 << 20

// Error is an archive that cannot be restored, and the member at fault ("" for the archive as
// a whole).
type Error struct {
	Member string
	Err    error
}

func (e *Error) Error() string {
	if e.Member == "" {
		return "snapshot: " + e.Err.Error()
	}
	return "snapshot member " + e.Member + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

func fault(member string, format string, args ...any) error {
	return &Error{Member: member, Err: fmt.Errorf(format, args...)}
}

// restoring is the state of one restore: the stores objects go to and what is still expected.
type restoring struct {
	sess   *session.Session
	apis   map[string]API
	states map[string][]byte
	// stores by member prefix ("" or "side/{api}/"), with the objects their index announced.
	stores  map[string]*blobstore.Store
	pending map[string]Object // member -> object not yet read
	indexed map[string]bool   // prefixes whose index was read
}

// Restore reads an archive (tar, or tar.gz) from r into sess, a fresh session (see
// session.Registry.Replace): objects stream into its stores as they are read, then every API
// state is loaded. Anything it cannot read is an *Error naming the member at fault; the session
// is then left half-filled, for the caller to drop. Stored bytes count against the session's
// quota as they are read (blobstore.ErrStorageFull).
func Restore(ctx context.Context, r io.Reader, sess *session.Session, apis []API) error {
	br := bufio.NewReader(r)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fault("", "not a gzip-compressed tar archive: %v", err)
		}
		defer zr.Close()
		r = zr
	} else {
		r = br
	}
	st := &restoring{sess: sess, apis: map[string]API{}, states: map[string][]byte{},
		stores: map[string]*blobstore.Store{"": sess.Blobs}, pending: map[string]Object{}, indexed: map[string]bool{}}
	for _, a := range apis {
		st.apis[a.Name] = a
	}
	tr := tar.NewReader(r)
	var manifest *Manifest
	for first := true; ; first = false {
		hdr, err := tr.Next()
		if err == io.EOF {
			if first {
				return fault("", "not a tar archive: it is empty")
			}
			break
		}
		if err != nil {
			if first {
				return fault("", "not a tar archive: %v", err)
			}
			return fault("", "reading the archive: %v", err)
		}
		if hdr.Typeflag == tar.TypeDir {
			continue // an archive unpacked and packed again may hold its directories
		}
		if hdr.Typeflag != tar.TypeReg {
			return fault(hdr.Name, "not a regular file (type %q)", hdr.Typeflag)
		}
		if manifest == nil {
			if hdr.Name != manifestMember {
				return fault(hdr.Name, "the first member must be %s", manifestMember)
			}
			m, err := readManifest(tr, hdr)
			if err != nil {
				return err
			}
			manifest = m
			continue
		}
		if err := st.member(ctx, tr, hdr); err != nil {
			return err
		}
	}
	if manifest == nil {
		return fault("", "no %s", manifestMember)
	}
	for member, o := range st.pending {
		return fault(member, "missing: object %q of the index has no content", o.Name)
	}
	for _, name := range manifest.APIs {
		if _, ok := st.states[name]; !ok {
			return fault(statePrefix+name+".json", "missing: the manifest lists the state of %s", name)
		}
	}
	for _, name := range sortedKeys(st.states) {
		a := st.apis[name]
		side, ok := st.stores[sidePrefix+name+"/"]
		if !ok {
			side = sess.Blobs.Sibling()
		}
		if err := a.State.Load(sess, st.states[name], side); err != nil {
			return &Error{Member: statePrefix + name + ".json", Err: err}
		}
	}
	return nil
}

func readManifest(tr *tar.Reader, hdr *tar.Header) (*Manifest, error) {
	data, err := readDocument(tr, hdr)
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := decodeStrict(data, &m); err != nil {
		return nil, fault(hdr.Name, "does not parse: %v", err)
	}
	if m.Format != Format {
		return nil, fault(hdr.Name, "format %q: not a fileemu snapshot (want %q)", m.Format, Format)
	}
	if m.Version != FormatVersion {
		return nil, fault(hdr.Name, "format version %d (written by fileemu %s): this fileemu reads version %d", m.Version, m.Fileemu, FormatVersion)
	}
	return &m, nil
}

func readDocument(tr *tar.Reader, hdr *tar.Header) ([]byte, error) {
	if hdr.Size > maxDocument {
		return nil, fault(hdr.Name, "%d bytes: a document may hold at most %d", hdr.Size, maxDocument)
	}
	data, err := io.ReadAll(io.LimitReader(tr, maxDocument))
	if err != nil {
		return nil, fault(hdr.Name, "reading: %v", err)
	}
	return data, nil
}

// member reads one member after the manifest.
func (st *restoring) member(ctx context.Context, tr *tar.Reader, hdr *tar.Header) error {
	name := hdr.Name
	switch {
	case strings.HasPrefix(name, statePrefix):
		api, ok := strings.CutSuffix(strings.TrimPrefix(name, statePrefix), ".json")
		if _, known := st.apis[api]; !ok || !known {
			return fault(name, "not the state of an API this fileemu serves")
		}
		if _, dup := st.states[api]; dup {
			return fault(name, "twice in the archive")
		}
		data, err := readDocument(tr, hdr)
		if err != nil {
			return err
		}
		st.states[api] = data
		return nil
	case name == objectsIndex:
		return st.index(tr, hdr, "")
	case strings.HasPrefix(name, sidePrefix) && strings.HasSuffix(name, "/"+objectsIndex):
		prefix := strings.TrimSuffix(name, objectsIndex)
		api := strings.TrimSuffix(strings.TrimPrefix(prefix, sidePrefix), "/")
		if _, known := st.apis[api]; !known || strings.Contains(api, "/") {
			return fault(name, "not the objects of an API this fileemu serves")
		}
		return st.index(tr, hdr, prefix)
	}
	o, ok := st.pending[name]
	if !ok {
		return fault(name, "not a member of a fileemu snapshot (or not listed by the objects index before it)")
	}
	delete(st.pending, name)
	if hdr.Size != o.Size {
		return fault(name, "holds %d bytes; object %q has %d", hdr.Size, o.Name, o.Size)
	}
	if _, err := st.stores[strings.TrimSuffix(name, name[strings.LastIndex(name, objectsPrefix):])].Restore(ctx, o.blob(), tr); err != nil {
		if errors.Is(err, blobstore.ErrStorageFull) {
			return &Error{Member: name, Err: err}
		}
		var tarErr, eof = errors.Is(err, tar.ErrHeader) || errors.Is(err, tar.ErrFieldTooLong), errors.Is(err, io.ErrUnexpectedEOF)
		if errors.Is(err, blobstore.ErrMismatch) || tarErr || eof {
			return fault(name, "object %q: %v", o.Name, err) // the archive's fault
		}
		return fmt.Errorf("restore object %q: %w", o.Name, err) // the server's (a disk error): a 500 naming it
	}
	return nil
}

// index reads the object index of the store at prefix.
func (st *restoring) index(tr *tar.Reader, hdr *tar.Header, prefix string) error {
	if st.indexed[prefix] {
		return fault(hdr.Name, "twice in the archive")
	}
	st.indexed[prefix] = true
	data, err := readDocument(tr, hdr)
	if err != nil {
		return err
	}
	var objs []Object
	if err := decodeStrict(data, &objs); err != nil {
		return fault(hdr.Name, "does not parse: %v", err)
	}
	if _, ok := st.stores[prefix]; !ok {
		st.stores[prefix] = st.sess.Blobs.Sibling()
	}
	names := map[string]bool{}
	for i, o := range objs {
		switch {
		case !strings.HasPrefix(o.Member, prefix+objectsPrefix) || strings.Contains(strings.TrimPrefix(o.Member, prefix+objectsPrefix), "/"):
			return fault(hdr.Name, "object %d (%q): member %q is not under %s", i+1, o.Name, o.Member, prefix+objectsPrefix)
		case o.Name == "":
			return fault(hdr.Name, "object %d: no name", i+1)
		case names[o.Name]:
			return fault(hdr.Name, "object %q listed twice", o.Name)
		case o.Size < 0:
			return fault(hdr.Name, "object %q: negative size", o.Name)
		}
		if _, dup := st.pending[o.Member]; dup {
			return fault(hdr.Name, "member %q named by two objects", o.Member)
		}
		names[o.Name] = true
		st.pending[o.Member] = o
	}
	return nil
}

func sortedKeys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sortStrings(out)
	return out
}
