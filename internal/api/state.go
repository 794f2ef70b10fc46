package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/session"
)

// StateVersion is the version of every API's saved state (the "version" field of its JSON).
// It changes when a state's JSON form changes in a way an older fileemu could not read; a
// state of another version is refused, never guessed at.
const StateVersion = 1

// State saves and restores an API's state of one session: what session snapshots archive and
// what a data directory persists. Its JSON form is the API's documented state document
// (the package's snapshot.go), never the admin state dump, which is for display.
type State struct {
	// Save returns the API's state on s as JSON, or nil when s has no model of the API (it was
	// never used: restoring nothing gives the same fresh model). side, when not nil, holds
	// stored objects the model keeps outside s.Blobs (S3's parts of uploads in progress); they
	// belong to the state as much as its JSON.
	Save func(s *session.Session) (state []byte, side *blobstore.Store, err error)
	// Load builds the API's model on s, a session with no model of the API yet, from a state
	// Save wrote. The objects the state refers to are already in s.Blobs, its side objects in
	// side (a sibling store of s.Blobs, empty when Save returned none). A state that does not
	// parse, names an unknown field, or refers to a missing object is an error, and nothing is
	// installed on s.
	Load func(s *session.Session, state []byte, side *blobstore.Store) error
}

// EncodeState writes a state document: indented JSON (diffable when snapshots are kept in a
// repository) whose maps are written in key order, so that one state gives the same bytes.
func EncodeState(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode state: %w", err)
	}
	return b.Bytes(), nil
}

// DecodeState reads a state document into v strictly: a "version" equal to StateVersion (read
// first: a document of another version is refused as such, whatever else it holds), one JSON
// value, no unknown field.
func DecodeState(data []byte, v any) error {
	var head struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return fmt.Errorf("parse state: %w", err)
	}
	if head.Version != StateVersion {
		return fmt.Errorf("state version %d: this fileemu reads version %d", head.Version, StateVersion)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("parse state: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("parse state: data after the state document")
	}
	return nil
}

// ModelState is the State of an API whose state is its model of a session, kept under name
// (session.Model): save gives the model's state document and the store of side objects it
// keeps (nil: none), load builds a model on s from a document (side: where its side objects
// were restored).
func ModelState[M, S any](name string, save func(M) (S, *blobstore.Store),
	load func(st S, s *session.Session, side *blobstore.Store) (M, error)) *State {
	return &State{
		Save: func(s *session.Session) ([]byte, *blobstore.Store, error) {
			m, ok := session.Lookup[M](s, name)
			if !ok {
				return nil, nil, nil
			}
			st, side := save(m)
			b, err := EncodeState(st)
			return b, side, err
		},
		Load: func(s *session.Session, data []byte, side *blobstore.Store) error {
			var st S
			if err := DecodeState(data, &st); err != nil {
				return err
			}
			m, err := load(st, s, side)
			if err != nil {
				return err
			}
			session.Model(s, name, func() M { return m })
			return nil
		},
	}
}
