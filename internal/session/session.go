// Package session keeps the namespaces of emulator state. A session holds everything one test
// may change (uploaded objects, each API's model), so tests sharing one emulator never see each
// other. A session is chosen by the path prefix /_s/{id}/... or the X-Fileemu-Session header.
package session

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/clock"
)

// Default is the session used when a request names none.
const Default = "default"

// Header names a session on a request that carries no path prefix.
const Header = "X-Fileemu-Session"

// PathPrefix starts a session path prefix: /_s/{id}/...
const PathPrefix = "/_s/"

var validID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// ValidID reports whether id may name a session. Ids of dots only are refused: "/_s/../" in a
// handed-out URL would be collapsed by clients into another path.
func ValidID(id string) bool { return validID.MatchString(id) && strings.Trim(id, ".") != "" }

// Snapshotter is implemented by API models that can dump their state for the admin API.
type Snapshotter interface {
	Snapshot() any
}

// Session is one namespace of state.
type Session struct {
	lastUsed atomic.Int64 // unix nanoseconds on the emulator clock, for the idle TTL

	ID      string
	Created time.Time
	// Blobs holds every stored content of the session: S3 objects and uploads of the APIs.
	Blobs *blobstore.Store
	// Clock is the session's time: the emulator clock plus the session's own offset. Every
	// time-based rule of the session's APIs reads it; the idle TTL does not (emulator clock).
	Clock *clock.Clock
	// Written is the data directory writer's record of the state files it wrote for the session
	// (emulator/persist.go), kept here so that it goes when the session does.
	Written sync.Map

	mu     sync.Mutex
	models map[string]any
}

func newSession(id string, emulatorClock func() time.Time, quota *blobstore.Quota) *Session {
	now := emulatorClock()
	s := &Session{ID: id, Created: now, Blobs: blobstore.NewIn(quota), Clock: clock.New(emulatorClock), models: map[string]any{}}
	s.lastUsed.Store(now.UnixNano())
	return s
}

// Model returns the session's model of the named API, creating it with create on first use.
// It is generic over the model type so API packages get their own type back without asserting.
func Model[T any](s *Session, api string, create func() T) T {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.models[api]; ok {
		return m.(T)
	}
	m := create()
	s.models[api] = m
	return m
}

// Snapshot dumps every model that can dump itself, by API name.
func (s *Session) Snapshot() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]any{}
	for name, m := range s.models {
		if sn, ok := m.(Snapshotter); ok {
			out[name] = sn.Snapshot()
		}
	}
	return out
}

// Reset drops all state of the session: models and stored objects. The clock stays where it
// is (the admin API's reset moves it back itself): Replace resets the session it replaces.
func (s *Session) Reset() {
	s.mu.Lock()
	s.models = map[string]any{}
	s.mu.Unlock()
	s.Blobs.Reset()
}

// Registry holds the sessions of one emulator. Safe for concurrent use.
type Registry struct {
	now   func() time.Time
	quota *blobstore.Quota // shared by every session's stores
	dir   string           // the data directory (see OpenRegistry); "": in memory

	mu       sync.RWMutex
	sessions map[string]*Session
}

// NewRegistry returns a registry holding the default session. now is the emulator clock: the
// sessions' clocks run on it.
func NewRegistry(now func() time.Time) *Registry { return NewRegistryIn(now, nil) }

// NewRegistryIn returns a registry whose sessions' stored bytes all count against quota (nil:
// no bound).
func NewRegistryIn(now func() time.Time, quota *blobstore.Quota) *Registry {
	r := &Registry{now: now, quota: quota, sessions: map[string]*Session{}}
	r.sessions[Default] = newSession(Default, now, quota)
	return r
}

// Get returns the session with id, if it exists.
func (r *Registry) Get(id string) (*Session, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s, ok := r.sessions[id]
	return s, ok
}

// Ensure returns the session with id, creating it if needed; created reports whether it was new.
// Sessions are created on first use so that a client given a prefixed base URL is isolated
// without any setup call.
func (r *Registry) Ensure(id string) (s *Session, created bool, err error) {
	if !ValidID(id) {
		return nil, false, fmt.Errorf("invalid session id %q: want %s, not only dots", id, validID)
	}
	if s, ok := r.Get(id); ok {
		s.lastUsed.Store(r.now().UnixNano())
		return s, false, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if s, ok := r.sessions[id]; ok {
		s.lastUsed.Store(r.now().UnixNano())
		return s, false, nil
	}
	s, err = r.create(id)
	if err != nil {
		return nil, false, err
	}
	r.sessions[id] = s
	return s, true, nil
}

// Idle returns the sessions (never the default one) not used since before.
func (r *Registry) Idle(before time.Time) []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []string
	for id, s := range r.sessions {
		if id != Default && s.lastUsed.Load() < before.UnixNano() {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// Delete drops a session and its state. The default session is reset instead of dropped.
func (r *Registry) Delete(id string) bool {
	if id == Default {
		if s, ok := r.Get(id); ok {
			s.Reset()
			return true
		}
		return false
	}
	r.mu.Lock()
	s, ok := r.sessions[id]
	delete(r.sessions, id)
	var gone string
	if ok {
		gone = r.trashSession(id) // before the lock is released: Ensure may reuse the id
	}
	r.mu.Unlock()
	if ok {
		s.Reset() // release the stored bytes even if a request still holds the session
		removeTrash(gone)
	}
	return ok
}

// Replace builds a new state for the session id on a fresh, empty session (created if the id
// is new) and puts it in place of the old one only if build succeeds: a fixture or snapshot
// that fails half-way leaves the old state untouched and stores nothing. Requests already
// holding the old session finish on it; later ones see the new state. The old session's stored
// bytes are released. The session's clock keeps its offset: build already sees it, and a move
// made while build ran is carried over too.
func (r *Registry) Replace(id string, build func(*Session) error) error {
	if !ValidID(id) {
		return fmt.Errorf("invalid session id %q: want %s, not only dots", id, validID)
	}
	fresh, commit, err := r.createAside(id)
	if err != nil {
		return err
	}
	if old, ok := r.Get(id); ok {
		fresh.Clock.Follow(old.Clock)
	}
	if err := build(fresh); err != nil {
		r.abandon(fresh)
		return err
	}
	r.mu.Lock()
	// On disk the switch happens under the lock too, so that of two Replaces the one live in
	// memory is the one live on disk.
	if err := commit(); err != nil {
		r.mu.Unlock()
		r.abandon(fresh)
		return err
	}
	old, ok := r.sessions[id]
	if ok {
		fresh.Created = old.Created
		fresh.Clock.Follow(old.Clock)
	}
	r.sessions[id] = fresh
	r.mu.Unlock()
	if ok {
		old.Reset()
		removeStore(old.Blobs)
	}
	return nil
}

// List returns all sessions sorted by id.
func (r *Registry) List() []*Session {
	r.mu.RLock()
	out := make([]*Session, 0, len(r.sessions))
	for _, s := range r.sessions {
		out = append(out, s)
	}
	r.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// SplitPrefix splits "/_s/{id}/rest" into id and "/rest". ok is false when path has no prefix.
// The id is returned as written; callers validate it.
func SplitPrefix(path string) (id, rest string, ok bool) {
	if !strings.HasPrefix(path, PathPrefix) {
		return "", path, false
	}
	tail := path[len(PathPrefix):]
	i := strings.IndexByte(tail, '/')
	if i < 0 {
		return tail, "/", true
	}
	return tail[:i], tail[i:], true
}
