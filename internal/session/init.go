package session

import "fmt"

// EnsureWith is Ensure for a registry whose new sessions start from a prepared state (fixtures):
// a new session is built by init before anyone can see it, so no request ever finds it half
// filled. When two requests create the same session at once, one build wins and the other is
// dropped. An init error creates nothing and is returned.
func (r *Registry) EnsureWith(id string, init func(*Session) error) (s *Session, created bool, err error) {
	if !ValidID(id) {
		return nil, false, fmt.Errorf("invalid session id %q: want %s, not only dots", id, validID)
	}
	if s, ok := r.Get(id); ok {
		s.lastUsed.Store(r.now().UnixNano())
		return s, false, nil
	}
	fresh, commit, err := r.createAside(id)
	if err != nil {
		return nil, false, err
	}
	if err := init(fresh); err != nil {
		r.abandon(fresh)
		return nil, false, err
	}
	r.mu.Lock()
	if s, ok := r.sessions[id]; ok {
		r.mu.Unlock()
		r.abandon(fresh)
		s.lastUsed.Store(r.now().UnixNano())
		return s, false, nil
	}
	if err := commit(); err != nil { // on disk under the lock, as Replace does
		r.mu.Unlock()
		r.abandon(fresh)
		return nil, false, err
	}
	r.sessions[id] = fresh
	r.mu.Unlock()
	return fresh, true, nil
}
