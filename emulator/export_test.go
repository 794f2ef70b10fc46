package emulator

import (
	"github.com/fileemu/fileemu/internal/journal"
	"github.com/fileemu/fileemu/internal/session"
	"github.com/fileemu/fileemu/internal/validate"
)

// Hooks for this package's tests: the state the public API keeps to itself.

// Sessions is the session registry.
func (s *Server) Sessions() *session.Registry { return s.sessions }

// Journal is the request journal.
func (s *Server) Journal() *journal.Journal { return s.journal }

// Spec returns the loaded spec of an API ("haufe", "s3", "admin").
func (s *Server) Spec(name string) (*validate.Spec, bool) {
	sp, ok := s.specs[name]
	return sp, ok
}
