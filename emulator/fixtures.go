package emulator

import (
	"context"
	"fmt"

	"github.com/fileemu/fileemu/internal/fixtures"
	"github.com/fileemu/fileemu/internal/session"
)

// LoadFixtures replaces the whole state of session id (created if new) with what the fixture
// document declares: each API loads its section through its model (api.API.Fixtures) into a
// fresh session, which takes the old one's place only when every API succeeded. A failure leaves
// the old state untouched and stores nothing.
func (s *Server) LoadFixtures(id string, doc *fixtures.Document) error {
	return s.sessions.Replace(id, func(fresh *session.Session) error { return s.buildFixtures(fresh, doc) })
}

// buildFixtures loads doc into a fresh session through every API's model and, with a data
// directory, writes the session's state before it is put in place.

func (s *Server) buildFixtures(fresh *session.Session, doc *fixtures.Document) error {
	for _, a := range s.apis {
		if a.Fixtures == nil {
			continue
		}
		if err := a.Fixtures(fresh, doc); err != nil {
			return fmt.Errorf("fixtures %s: %w", doc.Source, err)
		}
	}
	return s.persistSession(fresh)
}

// Seed replaces the state of session id with generated data: Generate builds a fixture document
// from the counts and seed, loaded as any other (one path).
func (s *Server) Seed(id string, c fixtures.Counts) (*fixtures.Document, error) {
	doc, err := fixtures.Generate(c)
	if err != nil {
		return nil, err
	}
	return doc, s.LoadFixtures(id, doc)
}

// ReloadFixtures reads the --fixtures files again and, when they are valid, loads them into the
// default session and makes them the state every session created from now on starts from.
// Other existing sessions keep theirs (a test running in one is not disturbed). A bad set is
// returned and changes nothing.
func (s *Server) ReloadFixtures() error { return s.reloadFixtures(true) }

// reloadFixtures is ReloadFixtures; intoDefault false leaves the default session as it is (a
// restart with a data directory that holds its state serves what was there).
func (s *Server) reloadFixtures(intoDefault bool) error {
	if len(s.cfg.Fixtures) == 0 {
		return nil
	}
	doc, err := fixtures.ReadFiles(s.cfg.Fixtures)
	if err != nil {
		return err
	}
	if intoDefault {
		if err := s.LoadFixtures(session.Default, doc); err != nil {
			return err
		}
	}
	s.fixtures.Store(doc)
	return nil
}

// WatchFixtures reloads the --fixtures files whenever they change (ReloadFixtures), until ctx
// ends. Bad files are logged and nothing changes. A change of a file that a path: content names
// is seen only when it lies in a watched directory and is itself a fixture file: touch the
// fixture file to reload it.
func (s *Server) WatchFixtures(ctx context.Context) error {
	if len(s.cfg.Fixtures) == 0 {
		return nil
	}
	return s.watch(ctx, "fixtures", s.cfg.Fixtures, func() {
		if err := s.ReloadFixtures(); err != nil {
			s.cfg.Logger.Error("fixture files changed but do not load; keeping the running state", "error", err)
			return
		}
		s.cfg.Logger.Info("fixtures reloaded into the default session and new sessions")
	})
}

// refill loads the --fixtures into a session that was just reset: a reset goes back to the
// state a session starts from.
func (s *Server) refill(id string) {
	doc := s.fixtures.Load()
	if doc == nil {
		return
	}
	if err := s.LoadFixtures(id, doc); err != nil {
		s.cfg.Logger.Error("reset session without its fixtures", "session", id, "error", err)
	}
}

// ensureSession returns the session id, creating it on first use; with --fixtures a new session
// starts from them, built before any request can see it. A session whose fixtures no longer
// fit (the storage bound) is created empty, with the reason logged.
func (s *Server) ensureSession(id string) (*session.Session, bool, error) {
	doc := s.fixtures.Load()
	if doc == nil {
		return s.sessions.Ensure(id)
	}
	sess, created, err := s.sessions.EnsureWith(id, func(fresh *session.Session) error { return s.buildFixtures(fresh, doc) })
	if err != nil && session.ValidID(id) {
		s.cfg.Logger.Error("new session without its fixtures", "session", id, "error", err)
		return s.sessions.Ensure(id)
	} else if created {
		s.cfg.Logger.Debug("new session from the fixtures", "session", id)
	}
	return sess, created, err
}
