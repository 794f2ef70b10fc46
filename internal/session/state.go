package session

// Lookup returns the session's model of the named API if one was created, without creating
// it: saving a session's state must not change it.
func Lookup[T any](s *Session, api string) (T, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.models[api]
	if !ok {
		var zero T
		return zero, false
	}
	t, ok := m.(T)
	return t, ok
}
