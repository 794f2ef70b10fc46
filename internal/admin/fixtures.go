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
)

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
	return invalidDoc("invalid_fixtures", err)
}

func (s *service) putFixtures(r *api.Request) error {
	id, err := fixtureSession(r)
	if err != nil {
		return err
	}
	body, err := readDocument(r, fixtures.MaxDocument, "a fixture document")
	if err != nil {
		return err
	}
	doc, err := fixtures.Parse("fixtures", body, fixtures.Options{})
	if err != nil {
		return invalidDoc("invalid_fixtures", err)
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
