package session

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/fileemu/fileemu/internal/blobstore"
)

// A data directory keeps every session's stored bytes (and, written by the emulator into the
// live store's state/ directory, its models and clock: emulator/persist.go):
//
//	DIR/sessions/{id}/blobs-<random>   the session's blob store (blobstore.OpenDir)
//	DIR/sessions/{id}/current          names the live one of them
//	DIR/trash/                         deleted sessions on their way out; emptied at start
//
// A session is a directory under sessions/, so a restart finds every session again (one
// written before current existed has its store in blobs, and no current). Replace
// builds the new store beside the live one and switches by rewriting current (write, sync,
// rename), so a crash leaves the old state or the new one; stores current does not name are
// removed at start.

// currentName names the file that points at a session's live store.
const currentName = "current"

// validStoreName matches what current may name.
var validStoreName = regexp.MustCompile(`^blobs(-[A-Z2-7]+)?$`)

// OpenRegistry returns a registry keeping its sessions' stored bytes under dataDir (created if
// missing) and recreates every session found there, with its stored objects (counted against
// quota). It fails, naming the file, if dataDir is not writable or holds something it cannot
// read back (see blobstore.OpenDir).
func OpenRegistry(now func() time.Time, quota *blobstore.Quota, dataDir string) (*Registry, error) {
	r, err := openRegistry(now, quota, dataDir)
	if err != nil {
		return nil, fmt.Errorf("data dir %s: %w", dataDir, err)
	}
	return r, nil
}

func openRegistry(now func() time.Time, quota *blobstore.Quota, dataDir string) (*Registry, error) {
	r := &Registry{now: now, quota: quota, sessions: map[string]*Session{}, dir: dataDir}
	sessions := filepath.Join(dataDir, "sessions")
	if err := os.MkdirAll(sessions, 0o755); err != nil {
		return nil, err
	}
	// A deleted session moved to trash/ is gone, whatever was left of it.
	if err := os.RemoveAll(filepath.Join(dataDir, "trash")); err != nil {
		return nil, err
	}
	if err := probeWritable(dataDir); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(sessions)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		path := filepath.Join(sessions, e.Name())
		if !e.IsDir() || !ValidID(e.Name()) {
			return nil, fmt.Errorf("%s is not a session directory (want a directory named like %s)", path, validID)
		}
		blobs, err := r.reopen(e.Name())
		if err != nil {
			return nil, err
		}
		if blobs == nil {
			continue // a session whose creation a crash cut: never answered, removed
		}
		r.sessions[e.Name()] = newSessionWith(e.Name(), now, blobs)
	}
	if _, ok := r.sessions[Default]; !ok {
		s, err := r.create(Default)
		if err != nil {
			return nil, err
		}
		r.sessions[Default] = s
	}
	return r, nil
}

// probeWritable fails unless a file can be written in dir: the start fails, not the first upload.
func probeWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return fmt.Errorf("not writable: %w", err)
	}
	name := f.Name()
	_, werr := f.Write([]byte("probe"))
	cerr := f.Close()
	rerr := os.Remove(name)
	if err := errors.Join(werr, cerr, rerr); err != nil {
		return fmt.Errorf("not writable: %w", err)
	}
	return nil
}

func newSessionWith(id string, emulatorClock func() time.Time, blobs *blobstore.Store) *Session {
	s := newSession(id, emulatorClock, nil)
	s.Blobs = blobs
	return s
}

// sessionDir is the directory of the session id, which ValidID accepted; it is checked again
// here so that no id can name a path outside the data directory.
func (r *Registry) sessionDir(id string) (string, error) {
	if !ValidID(id) || !filepath.IsLocal(id) || strings.ContainsAny(id, `/\`) {
		return "", fmt.Errorf("invalid session id %q", id)
	}
	return filepath.Join(r.dir, "sessions", id), nil
}

// create returns a new, empty session id: in memory, or with its store in the data directory.
// A store directory is never used twice (blobs-<random>, named by current): a request still
// storing into a session that was dropped cannot write into a new session of the same id.
func (r *Registry) create(id string) (*Session, error) {
	s, commit, err := r.createAside(id)
	if err != nil {
		return nil, err
	}
	if err := commit(); err != nil {
		r.abandon(s)
		return nil, err
	}
	return s, nil
}

// createAside returns a fresh session id for Replace to build, beside the live one; commit
// makes it the live one on disk.
func (r *Registry) createAside(id string) (s *Session, commit func() error, err error) {
	if r.dir == "" {
		return newSession(id, r.now, r.quota), func() error { return nil }, nil
	}
	dir, err := r.sessionDir(id)
	if err != nil {
		return nil, nil, err
	}
	name := "blobs-" + rand.Text()
	blobs, err := r.openStore(id, filepath.Join(dir, name))
	if err != nil {
		return nil, nil, err
	}
	commit = func() error {
		tmp := filepath.Join(dir, currentName+".tmp-"+rand.Text())
		if err := writeSynced(tmp, name+"\n"); err != nil {
			return fmt.Errorf("session %q: %w", id, err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, currentName)); err != nil {
			return fmt.Errorf("session %q: %w", id, err)
		}
		if err := syncDir(dir); err != nil {
			return fmt.Errorf("session %q: %w", id, err)
		}
		// A new session's directory must be durable too: the session may be answered now.
		if err := syncDir(filepath.Dir(dir)); err != nil {
			return fmt.Errorf("session %q: %w", id, err)
		}
		return nil
	}
	return newSessionWith(id, r.now, blobs), commit, nil
}

// openStore opens a session's store in a data directory. Its deletes wait on disk until the
// states naming its objects are written (blobstore.Store.DeferDeletes): the emulator flushes
// them after each write.
func (r *Registry) openStore(id, dir string) (*blobstore.Store, error) {
	blobs, err := blobstore.OpenDir(dir, r.quota)
	if err != nil {
		return nil, fmt.Errorf("session %q: %w", id, err)
	}
	blobs.DeferDeletes()
	return blobs, nil
}

// reopen opens the live store of the session id found on disk and removes the others (a
// Replace that did not finish, or the store a finished one replaced). A session directory
// with no live store (a crash cut its creation before current was written) is removed: it
// returns nil.
func (r *Registry) reopen(id string) (*blobstore.Store, error) {
	dir, err := r.sessionDir(id)
	if err != nil {
		return nil, err
	}
	live, err := liveStore(dir)
	if err != nil {
		return nil, err
	}
	if live == "" {
		return nil, os.RemoveAll(dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if n := e.Name(); n != live && (strings.HasPrefix(n, "blobs") || strings.HasPrefix(n, currentName+".tmp")) {
			if err := os.RemoveAll(filepath.Join(dir, n)); err != nil {
				return nil, err
			}
		}
	}
	return r.openStore(id, filepath.Join(dir, live))
}

// liveStore returns the name of the live store in the session directory dir: the one current
// names, or blobs in a directory without current (written by an earlier fileemu), or "" when
// there is neither.
func liveStore(dir string) (string, error) {
	cur := filepath.Join(dir, currentName)
	b, err := os.ReadFile(cur)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if _, err := os.Stat(filepath.Join(dir, "blobs")); errors.Is(err, os.ErrNotExist) {
			return "", nil
		}
		return "blobs", nil
	case err != nil:
		return "", err
	}
	live := strings.TrimSuffix(string(b), "\n")
	if !validStoreName.MatchString(live) {
		return "", fmt.Errorf("%s: %q does not name a store (want blobs-<id>)", cur, live)
	}
	if _, err := os.Stat(filepath.Join(dir, live)); err != nil {
		return "", fmt.Errorf("%s: %w", cur, err)
	}
	return live, nil
}

// StoreDir returns the directory of the live store of the session id in the data directory
// dataDir (its stored objects, and the APIs' states under state/), for tools and tests that
// read a data directory.
func StoreDir(dataDir, id string) (string, error) {
	r := &Registry{dir: dataDir}
	dir, err := r.sessionDir(id)
	if err != nil {
		return "", err
	}
	live, err := liveStore(dir)
	if err != nil {
		return "", err
	}
	if live == "" {
		return "", fmt.Errorf("session %q has no store in %s", id, dir)
	}
	return filepath.Join(dir, live), nil
}

// abandon drops a session Replace built but did not put in place, with its directories.
func (r *Registry) abandon(fresh *Session) {
	fresh.Reset()
	removeStore(fresh.Blobs)
	if dir, err := r.sessionDir(fresh.ID); err == nil && r.dir != "" {
		os.Remove(dir) // only if empty: a session that did not exist before
	}
}

// removeStore deletes the directory of a store that left service (after a Replace), whose
// objects were reset already.
func removeStore(blobs *blobstore.Store) {
	if d := blobs.Dir(); d != "" {
		os.RemoveAll(d)
	}
}

// trashSession moves the directory of a deleted session into trash/, so that a crash leaves no
// half session behind and the id is free at once; it returns where the directory went ("":
// nothing to remove). removeTrash then deletes it.
func (r *Registry) trashSession(id string) string {
	if r.dir == "" {
		return ""
	}
	dir, err := r.sessionDir(id)
	if err != nil {
		return ""
	}
	trash := filepath.Join(r.dir, "trash")
	if err := os.MkdirAll(trash, 0o755); err != nil {
		return ""
	}
	gone := filepath.Join(trash, id+"-"+rand.Text())
	if err := os.Rename(dir, gone); err != nil {
		return ""
	}
	_ = syncDir(filepath.Join(r.dir, "sessions"))
	return gone
}

func removeTrash(gone string) {
	if gone != "" {
		os.RemoveAll(gone)
	}
}

func writeSynced(path, content string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, werr := f.WriteString(content)
	serr := f.Sync()
	cerr := f.Close()
	return errors.Join(werr, serr, cerr)
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	serr := f.Sync()
	return errors.Join(serr, f.Close())
}
