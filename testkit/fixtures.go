package testkit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/fileemu/fileemu/internal/fixtures"
)

// ResolveFixtures reads fixture files as --fixtures does (each checked, its path: contents read
// relative to its own directory, all merged) and returns them as one fixture document (JSON,
// contents inline) that PUT /__admin/fixtures takes. A problem is an error with every
// file:line:column message.
func ResolveFixtures(files ...string) ([]byte, error) {
	doc, err := fixtures.ReadFiles(files)
	if err != nil {
		return nil, err
	}
	return fixtures.Marshal(doc)
}

// PutFixtures replaces the state of session (the default session when "") with a fixture
// document (YAML or JSON, contents inline: see ResolveFixtures).
func (a *Admin) PutFixtures(ctx context.Context, session string, doc []byte) error {
	return a.load(ctx, http.MethodPut, "/fixtures", session, "application/yaml", doc)
}

// Seed replaces the state of session (the default session when "") with generated data:
// counts is the JSON body of POST /__admin/seed, e.g. {"weavy":{"apps":2,"files":10},"seed":7}.
func (a *Admin) Seed(ctx context.Context, session, counts string) error {
	return a.load(ctx, http.MethodPost, "/seed", session, "application/json", []byte(counts))
}

func (a *Admin) load(ctx context.Context, method, path, session, contentType string, body []byte) error {
	var q url.Values
	if session != "" {
		q = url.Values{"session": {session}}
	}
	resp, err := a.do(ctx, method, path, q, contentType, bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(b, &e) == nil && e.Message != "" {
			return fmt.Errorf("admin %s %s: status %d: %s", method, path, resp.StatusCode, e.Message)
		}
		return fmt.Errorf("admin %s %s: status %d: %s", method, path, resp.StatusCode, bytes.TrimSpace(b))
	}
	return nil
}

// LoadFixtures replaces this session's state with what the fixture file declares, its path:
// contents read next to it on this machine (also against a container). A file with a problem
// fails t with every file:line:column message, and the session is left as it was.
func (s *Session) LoadFixtures(t testing.TB, file string) {
	t.Helper()
	doc, err := ResolveFixtures(file)
	if err != nil {
		t.Fatalf("testkit: fixtures: %v", err)
	}
	if err := s.admin.PutFixtures(context.Background(), s.ID, doc); err != nil {
		t.Fatalf("testkit: load fixtures %s: %v", file, err)
	}
}

// Seed replaces this session's state with generated data (see Admin.Seed).
func (s *Session) Seed(t testing.TB, counts string) {
	t.Helper()
	if err := s.admin.Seed(context.Background(), s.ID, counts); err != nil {
		t.Fatalf("testkit: seed: %v", err)
	}
}
