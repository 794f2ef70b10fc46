package emulator

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/clock"
	"github.com/fileemu/fileemu/internal/session"
	"github.com/fileemu/fileemu/internal/snapshot"
)

// With Config.DataDir the APIs' models and the clocks are kept beside the stored bytes:
//
//	DIR/clock.json                        the emulator clock's offset (when moved)
//	{store}/state/clock.json              the session's clock offset (when moved)
//	{store}/state/{api}.json              the API's state document (api.State), in an envelope
//	                                      naming its side store ({store}/side-N) if it has one
//
// {store} is the session's live blob store directory (DIR/sessions/{id}/blobs-<random>,
// which sessions/{id}/current names: a Replace switches it), so that a Replace (snapshot restore) switches stored bytes and models
// together: the states are written into the fresh store before the switch. Every file is
// written whole to a temporary name, synced, renamed and its directory synced: a crash leaves
// the old file or the new one. A request's state is written before its status is sent (see
// withPersist), so an answered request is on disk.

// persistVersion is the version of the files above; another is refused at start.
const persistVersion = 1

// persister writes the states of a data directory. Safe for concurrent use.
type persister struct {
	dir    string
	states func() []snapshot.API

	files sync.Map // path → *persisted: the emulator's clock file (a session's are in its Written)
}

// persisted is one state file: its lock (a Save and its write are one step, so that of two
// requests the later state is the one on disk) and what was last written (equal states are
// not written again).
type persisted struct {
	mu  sync.Mutex
	sum [sha256.Size]byte
	has bool // a file was written (sum is its content's) or found
}

// stateEnvelope is an API's state file.
type stateEnvelope struct {
	Version int `json:"version"`
	// Side names the API's side store (api.State), a sibling directory of the session's store.
	Side  string          `json:"side,omitempty"`
	State json.RawMessage `json:"state"`
}

// clockFile is a clock's offset from the clock underneath (real time for the emulator's).
type clockFile struct {
	Version  int           `json:"version"`
	Offset   string        `json:"offset"`
	OffsetNS time.Duration `json:"offset_ns"`
}

const clockFileName = "clock.json"

var sideName = regexp.MustCompile(`^side-([1-9][0-9]{0,5})$`)

func newPersister(dir string, states func() []snapshot.API) *persister {
	return &persister{dir: dir, states: states}
}

// file returns what is known of the file at path of sess (nil: the emulator's own files).
func (p *persister) file(sess *session.Session, path string) *persisted {
	files := &p.files
	if sess != nil {
		files = &sess.Written
	}
	f, _ := files.LoadOrStore(path, &persisted{})
	return f.(*persisted)
}

// withPersist writes, with a data directory, the state the request may have changed before its
// status is sent: the request's API's model on its session (an S3 upload into an API's bucket
// changes stored bytes, which the blob store keeps itself, not that API's model), and for the
// admin API (clocks, resets, restores) every session's states and clocks. A state that cannot
// be written breaks the request off (the client gets a 500, not a 2xx that is not on disk).
func (s *Server) withPersist(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x := exchangeOf(r)
		if s.persist == nil {
			x.pass(next)
			return
		}
		req, done := x.req, false
		resp := req.Response()
		save := func() error {
			done = true
			var err error
			if req.API.Sessionless {
				if m := req.Request().Method; m != http.MethodGet && m != http.MethodHead {
					err = s.persist.saveAll(s.sessions.List(), s.clock)
				}
			} else {
				err = s.persist.saveAPI(req.Session, req.API.Name)
			}
			return err
		}
		resp.Before(func() {
			if done {
				return // the 500 a failed write turned into
			}
			if err := save(); err != nil {
				s.cfg.Logger.Error("data dir: state not written; the request is answered 500", "request_id", req.RequestID, "error", err)
				panic(fmt.Errorf("data dir: %w", err)) // the recover stage answers 500
			}
		})
		// A request that sent no status through the hooks (a broken connection, a handler
		// that wrote nothing) may have changed state too.
		x.onDone(func() {
			if done {
				return
			}
			if err := save(); err != nil {
				s.cfg.Logger.Error("data dir: state not written", "request_id", req.RequestID, "error", err)
			}
		})
		x.pass(next)
	})
}

// saveAPI writes the state of the API name on sess if it changed. With deletes waiting in the
// session's store it writes every state of the session instead (see saveSession).
func (p *persister) saveAPI(sess *session.Session, name string) error {
	if _, waiting := sess.Blobs.Deletions().Mark(); waiting {
		return p.saveSession(sess)
	}
	for _, a := range p.states() {
		if a.Name == name {
			return p.saveState(sess, a)
		}
	}
	return nil // an API without state (none yet)
}

// saveSession writes every API state and the clock of sess, then removes from disk the objects
// deleted before it began (blobstore.Deletions): a state written here no longer names them. A
// delete may come from any API's request on the session, so every state is written before the
// flush. A model stops naming an object before it deletes it or while, under its lock, which
// Save takes too: a delete marked here is in the state Save reads.
func (p *persister) saveSession(sess *session.Session) error {
	d := sess.Blobs.Deletions()
	mark, waiting := d.Mark()
	for _, a := range p.states() {
		if err := p.saveState(sess, a); err != nil {
			return err
		}
	}
	if err := p.saveClock(sess, stateDir(sess), sess.Clock); err != nil {
		return err
	}
	if waiting {
		d.Flush(mark)
	}
	return nil
}

// saveAll writes the emulator clock and every session's states and clock.
func (p *persister) saveAll(sessions []*session.Session, emu *clock.Clock) error {
	if err := p.saveClock(nil, p.dir, emu); err != nil {
		return err
	}
	for _, sess := range sessions {
		if err := p.saveSession(sess); err != nil {
			return err
		}
	}
	return nil
}

func stateDir(sess *session.Session) string {
	if d := sess.Blobs.Dir(); d != "" {
		return filepath.Join(d, "state")
	}
	return ""
}

// saveState writes the state of a on sess, or removes its file when sess has no model of a.
func (p *persister) saveState(sess *session.Session, a snapshot.API) error {
	dir := stateDir(sess)
	if dir == "" {
		return nil
	}
	path := filepath.Join(dir, a.Name+".json")
	f := p.file(sess, path)
	f.mu.Lock()
	defer f.mu.Unlock()
	data, side, err := a.State.Save(sess)
	if err != nil {
		return fmt.Errorf("save %s state of session %s: %w", a.Name, sess.ID, err)
	}
	if data == nil {
		return p.remove(f, path)
	}
	// The envelope around the state document as it is (no second encoding pass: this runs on
	// every request); a stateEnvelope reads it.
	var b bytes.Buffer
	b.Grow(len(data) + 64)
	fmt.Fprintf(&b, "{\"version\": %d,\n", persistVersion)
	if side != nil && side.Dir() != "" {
		fmt.Fprintf(&b, "\"side\": %q,\n", filepath.Base(side.Dir()))
	}
	b.WriteString("\"state\": ")
	b.Write(bytes.TrimRight(data, "\n"))
	b.WriteString("}\n")
	return p.write(f, path, b.Bytes())
}

// saveClock writes the offset of c into dir/clock.json, or removes it when c is not moved; sess
// is the session whose clock c is (nil: the emulator's).
func (p *persister) saveClock(sess *session.Session, dir string, c *clock.Clock) error {
	if dir == "" {
		return nil
	}
	path := filepath.Join(dir, clockFileName)
	f := p.file(sess, path)
	f.mu.Lock()
	defer f.mu.Unlock()
	off, moved := c.Offset()
	if !moved {
		return p.remove(f, path)
	}
	b, err := json.Marshal(clockFile{Version: persistVersion, Offset: off.String(), OffsetNS: off})
	if err != nil {
		return err
	}
	return p.write(f, path, b)
}

// write puts b at path (write, sync, rename, sync the directory) unless it is what was last
// written there. A store directory that is gone (its session was dropped or replaced while the
// request ran) is no error: there is nothing left to keep.
func (p *persister) write(f *persisted, path string, b []byte) error {
	sum := sha256.Sum256(b)
	if f.has && f.sum == sum {
		return nil
	}
	dir := filepath.Dir(path)
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	if err := writeFileAtomic(path, b); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	f.sum, f.has = sum, true
	return nil
}

// remove deletes path if a state was written or found there.
func (p *persister) remove(f *persisted, path string) error {
	if !f.has {
		if _, err := os.Stat(path); err != nil {
			return nil // not there (the usual case: an API never used)
		}
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	f.has = false
	if err := syncDirectory(filepath.Dir(path)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func writeFileAtomic(path string, b []byte) error {
	tmp := path + ".tmp-" + rand.Text()
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, werr := f.Write(b)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDirectory(filepath.Dir(path))
}

func syncDirectory(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	serr := d.Sync()
	return errors.Join(serr, d.Close())
}

// load restores, at start, the emulator clock and every session's clock and models from the
// files saveAll wrote. A file it cannot read, of another version, of an API this fileemu does
// not serve, or whose state the API refuses (unknown field, missing object) fails the start,
// named.
func (p *persister) load(sessions []*session.Session, emu *clock.Clock) error {
	if err := p.loadClock(nil, filepath.Join(p.dir, clockFileName), emu); err != nil {
		return err
	}
	for _, sess := range sessions {
		if err := p.loadSession(sess); err != nil {
			return err
		}
	}
	return nil
}

func (p *persister) loadClock(sess *session.Session, path string, c *clock.Clock) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	var cf clockFile
	if err := decodeFile(b, &cf); err != nil {
		return fmt.Errorf("data dir: %s: %w", path, err)
	}
	if cf.Version != persistVersion {
		return fmt.Errorf("data dir: %s: version %d: this fileemu reads version %d", path, cf.Version, persistVersion)
	}
	c.Advance(cf.OffsetNS)
	p.file(sess, path).has = true
	return nil
}

func (p *persister) loadSession(sess *session.Session) error {
	dir := stateDir(sess)
	if dir == "" {
		return nil
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	apis := map[string]snapshot.API{}
	for _, a := range p.states() {
		apis[a.Name] = a
	}
	// The clock first: the models are rebuilt on the session's time.
	if err := p.loadClock(sess, filepath.Join(dir, clockFileName), sess.Clock); err != nil {
		return err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	var sides []*blobstore.Store
	for _, n := range names {
		path := filepath.Join(dir, n)
		if strings.Contains(n, ".tmp-") {
			// A write a crash cut: the file it was to replace is still there.
			if err := os.Remove(path); err != nil {
				return fmt.Errorf("data dir: %w", err)
			}
			continue
		}
		if n == clockFileName {
			continue
		}
		name, ok := strings.CutSuffix(n, ".json")
		a, known := apis[name]
		if !ok || !known {
			return fmt.Errorf("data dir: %s: not the state of an API this fileemu serves", path)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("data dir: %w", err)
		}
		var env stateEnvelope
		if err := decodeFile(b, &env); err != nil {
			return fmt.Errorf("data dir: %s: %w", path, err)
		}
		if env.Version != persistVersion {
			return fmt.Errorf("data dir: %s: version %d: this fileemu reads version %d", path, env.Version, persistVersion)
		}
		var side *blobstore.Store
		if env.Side != "" {
			m := sideName.FindStringSubmatch(env.Side)
			if m == nil {
				return fmt.Errorf("data dir: %s: side %q is not a side store (want side-N)", path, env.Side)
			}
			// The n-th sibling of the store is the directory side-n (blobstore.Store.Sibling).
			n, _ := strconv.Atoi(m[1])
			for len(sides) < n {
				sides = append(sides, sess.Blobs.Sibling())
			}
			side = sides[n-1]
		} else {
			side = blobstore.New() // none saved: an empty store, and no side directory made for it
		}
		if err := a.State.Load(sess, env.State, side); err != nil {
			return fmt.Errorf("data dir: %s: %w", path, err)
		}
		sum := sha256.Sum256(b)
		f := p.file(sess, path)
		f.sum, f.has = sum, true
	}
	return nil
}

// decodeFile reads one JSON document strictly.
func decodeFile(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("does not parse: %w", err)
	}
	if dec.More() {
		return errors.New("does not parse: data after the document")
	}
	return nil
}

// persistSession writes every state and the clock of sess, a session a Replace built, before
// it is switched in (admin.Deps.Persist): nothing without a data directory.
func (s *Server) persistSession(sess *session.Session) error {
	if s.persist == nil {
		return nil
	}
	return s.persist.saveSession(sess)
}
