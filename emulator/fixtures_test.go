package emulator

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func fixtureApp(uid string) []byte {
	return []byte("fixtures:\n  weavy:\n    apps:\n      - uid: " + uid + "\n")
}

// appsOf lists the Weavy app uids a session answers.
func (h *harness) appsOf(t *testing.T, sessionPrefix string) string {
	t.Helper()
	r := h.do(t, "GET", sessionPrefix+"/api/apps", nil, "Authorization", "Bearer k")
	if r.status != 200 {
		t.Fatalf("apps = %d %s", r.status, r.body)
	}
	return string(r.body)
}

// --fixtures: loaded into the default session at start and into every new session (the admin
// API's createSession included) and back into a reset one; a change reloads the default session and new sessions, never
// another existing one (a test running in it); a bad change keeps the running state.
func TestFixturesReloadOnChange(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f.yaml")
	if err := os.WriteFile(file, fixtureApp("one"), 0o644); err != nil {
		t.Fatal(err)
	}
	h := start(t, Config{Fixtures: []string{dir}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := h.srv.WatchFixtures(ctx); err != nil {
		t.Fatal(err)
	}
	if got := h.appsOf(t, ""); !strings.Contains(got, `"uid":"one"`) {
		t.Fatalf("default session at start: %s", got)
	}
	if got := h.appsOf(t, "/_s/old"); !strings.Contains(got, `"uid":"one"`) {
		t.Fatalf("a new session: %s", got)
	}
	if r := h.do(t, "POST", "/__admin/sessions", strings.NewReader(`{"id":"made"}`), "Content-Type", "application/json"); r.status != 201 {
		t.Fatalf("createSession = %d %s", r.status, r.body)
	}
	if got := h.appsOf(t, "/_s/made"); !strings.Contains(got, `"uid":"one"`) {
		t.Fatalf("a session made by the admin API: %s", got)
	}

	if err := os.WriteFile(file, fixtureApp("two"), 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(h.appsOf(t, ""), `"uid":"two"`) {
		if time.Now().After(deadline) {
			t.Fatalf("the default session was not reloaded: %s", h.appsOf(t, ""))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := h.appsOf(t, "/_s/old"); !strings.Contains(got, `"uid":"one"`) || strings.Contains(got, `"uid":"two"`) {
		t.Errorf("an existing session changed on reload: %s", got)
	}
	if got := h.appsOf(t, "/_s/fresh"); !strings.Contains(got, `"uid":"two"`) {
		t.Errorf("a session created after the reload: %s", got)
	}

	// A reset goes back to the fixtures, of one session or of all.
	if r := h.do(t, "POST", "/_s/old/api/apps", strings.NewReader(`{"uid":"extra","type":"files"}`),
		"Authorization", "Bearer k", "Content-Type", "application/json"); r.status != 201 {
		t.Fatalf("create app = %d %s", r.status, r.body)
	}
	if r := h.do(t, "POST", "/__admin/reset?session=old", nil); r.status != 200 {
		t.Fatalf("reset = %d %s", r.status, r.body)
	}
	if got := h.appsOf(t, "/_s/old"); !strings.Contains(got, `"uid":"two"`) || strings.Contains(got, `"uid":"extra"`) {
		t.Errorf("a reset session: %s, want the fixtures", got)
	}
	if r := h.do(t, "POST", "/__admin/reset?drop=true", nil); r.status != 200 {
		t.Fatalf("reset all = %d %s", r.status, r.body)
	}
	if got := h.appsOf(t, ""); !strings.Contains(got, `"uid":"two"`) {
		t.Errorf("the default session after a reset of all: %s, want the fixtures", got)
	}

	if err := os.WriteFile(file, []byte("fixtures:\n  weavy:\n    apps:\n      - uid: three\n        colour: red\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond) // past the settle delay of the watch
	if got := h.appsOf(t, ""); !strings.Contains(got, `"uid":"two"`) {
		t.Errorf("a bad file changed the default session: %s", got)
	}
	if got := h.appsOf(t, "/_s/fresher"); !strings.Contains(got, `"uid":"two"`) {
		t.Errorf("a bad file changed what new sessions get: %s", got)
	}
}

// A bad fixture file fails the start with its position.
func TestBadFixturesFailTheStart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f.yaml")
	if err := os.WriteFile(file, []byte("fixtures:\n  desk:\n    files:\n      - nme: a.txt\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := New(Config{Fixtures: []string{file}})
	if err == nil || !strings.Contains(err.Error(), file+`:4:9: unknown field "nme" in a desk file`) {
		t.Errorf("New = %v, want the position of the unknown field", err)
	}
}
