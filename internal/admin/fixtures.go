package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/fixtures"
	"github.com/fileemu/fileemu/internal/session"
	"github.com/fileemu/fileemu/scenarios"
)

// invalidFixtures is a fixture document that does not load: every problem with its position
// (none when the document parsed but a model refused it).
type invalidFixtures struct {
	err      error
	problems []problemItem
}

func (e *invalidFixtures) Error() string     { return e.err.Error() }
func (e *invalidFixtures) StatusCode() int   { return http.StatusUnprocessableEntity }
func (e *invalidFixtures) ErrorCode() string { return "invalid_fixtures" }

// fixtureSession is the ?session= of the fixture routes: the default session when absent; a
// new id creates the session.
func fixtureSession(r *api.Request) (string, error) {
	id := r.QueryParam("session")
	if id == "" {
		id = session.Default
	}
	if !session.ValidID(id) {
		return "", Error{Status: 422, Code: "invalid_request", Message: fmt.Sprintf("invalid session id %q", id)}
	}
	return id, nil
}

// loaded answers what a session now holds.
func loaded(r *api.Request, id string, doc *fixtures.Document) error {
	return r.WriteJSON(http.StatusOK, "", map[string]any{"session": id, "loaded": fixtures.Summary(doc)})
}

// loadError words a model's refusal: the storage bound is a 507, anything else a 422.
func loadError(err error) error {
	if errors.Is(err, blobstore.ErrStorageFull) {
		return Error{Status: http.StatusInsufficientStorage, Code: "storage_full", Message: err.Error()}
	}
	return &invalidFixtures{err: err, problems: []problemItem{{Message: err.Error()}}}
}

func (s *service) putFixtures(r *api.Request) error {
	id, err := fixtureSession(r)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(io.LimitReader(r.Request().Body, fixtures.MaxDocument+1))
	if err != nil {
		return Error{Status: 400, Code: "bad_body", Message: "reading the body: " + err.Error()}
	}
	if len(body) > fixtures.MaxDocument {
		return Error{Status: 413, Code: "too_large", Message: fmt.Sprintf("a fixture document is at most %d bytes", fixtures.MaxDocument)}
	}
	doc, err := fixtures.Parse("fixtures", body, fixtures.Options{})
	if err != nil {
		var es scenarios.Errors
		errors.As(err, &es)
		items := make([]problemItem, 0, len(es))
		for _, e := range es {
			items = append(items, problemItem{e.Line, e.Column, e.Msg})
		}
		return &invalidFixtures{err: err, problems: items}
	}
	if err := s.d.LoadFixtures(id, doc); err != nil {
		return loadError(err)
	}
	return loaded(r, id, doc)
}

func (s *service) fixtureSchema(r *api.Request) error {
	return r.Blob(http.StatusOK, "application/schema+json", fixtures.Schema)
}

func (s *service) seed(r *api.Request) error {
	id, err := fixtureSession(r)
	if err != nil {
		return err
	}
	var c fixtures.Counts
	dec := json.NewDecoder(io.LimitReader(r.Request().Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return Error{Status: 422, Code: "invalid_request", Message: "body: " + err.Error()}
	}
	if err := c.Check(); err != nil {
		return Error{Status: 422, Code: "invalid_request", Message: err.Error()}
	}
	doc, err := s.d.Seed(id, c)
	if err != nil {
		return loadError(err)
	}
	return loaded(r, id, doc)
}
