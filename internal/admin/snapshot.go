package admin

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/session"
	"github.com/fileemu/fileemu/internal/snapshot"
	"github.com/fileemu/fileemu/scenarios"
)

// invalidSnapshot is an archive that cannot be restored: 422 naming the member at fault.
type invalidSnapshot struct{ err *snapshot.Error }

func (e *invalidSnapshot) Error() string     { return e.err.Error() }
func (e *invalidSnapshot) StatusCode() int   { return http.StatusUnprocessableEntity }
func (e *invalidSnapshot) ErrorCode() string { return "invalid_snapshot" }

// getSessionSnapshot is GET /__admin/sessions/{id}/snapshot: the session's state and stored
// bytes as one tar archive, streamed.
func (s *service) getSessionSnapshot(r *api.Request) error {
	sess, err := s.sessionParam(r, r.Param("id"))
	if sess == nil {
		return err
	}
	a, terr := snapshot.Take(sess, s.d.States(), s.d.Version)
	if terr != nil {
		return fmt.Errorf("snapshot of session %s: %w", sess.ID, terr)
	}
	h := r.Response().Header()
	h.Set("Content-Type", snapshot.ContentType)
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="fileemu-%s.tar"`, sess.ID))
	r.Response().WriteHeader(http.StatusOK)
	// Take captured everything that can fail; what is left can only fail by the client leaving.
	_, _ = a.WriteTo(r.Response())
	return nil
}

// putSessionSnapshot is PUT /__admin/sessions/{id}/snapshot: the archive in the body replaces
// the session's state whole (the session is created if needed), or nothing changes.
func (s *service) putSessionSnapshot(r *api.Request) error {
	id := r.Param("id")
	if !session.ValidID(id) {
		return Error{Status: 422, Code: "invalid_request", Message: fmt.Sprintf("invalid session id %q", id)}
	}
	hr := r.Request()
	var limit int64
	err := s.d.Sessions.Replace(id, func(fresh *session.Session) error {
		limit = fresh.Blobs.Quota().Limit()
		if err := snapshot.Restore(hr.Context(), hr.Body, fresh, s.d.States()); err != nil {
			return err
		}
		// The scenarios turned on for the session are not part of its state: they stay.
		if old, ok := s.d.Sessions.Get(id); ok {
			if st, ok := session.Lookup[*scenarios.SessionState](old, "scenarios"); ok {
				session.Model(fresh, "scenarios", func() *scenarios.SessionState { return st })
			}
		}
		if s.d.Persist != nil {
			// With a data dir the restored models are on disk before the switch: a crash
			// leaves the old state or the new one, stored bytes and models together.
			return s.d.Persist(fresh)
		}
		return nil
	})
	var se *snapshot.Error
	switch {
	case errors.Is(err, blobstore.ErrStorageFull):
		return Error{Status: http.StatusRequestEntityTooLarge, Code: "storage_full",
			Message: fmt.Sprintf("the archive's objects do not fit in the storage limit (--max-storage %d bytes): %v",
				limit, err)}
	case errors.As(err, &se):
		return &invalidSnapshot{se}
	case err != nil:
		return fmt.Errorf("restore session %s: %w", id, err)
	}
	sess, _ := s.d.Sessions.Get(id)
	return r.WriteJSON(http.StatusOK, "", view(sess))
}
