package session_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/session"
)

func openRegistry(t *testing.T, dir string, q *blobstore.Quota) *session.Registry {
	t.Helper()
	r, err := session.OpenRegistry(fixedClock, q, dir)
	if err != nil {
		t.Fatalf("OpenRegistry: %v", err)
	}
	return r
}

// names lists a session's stored objects with their content, "name=content".
func names(t *testing.T, s *session.Session) []string {
	t.Helper()
	var out []string
	for _, o := range s.Blobs.List("") {
		_, rd, err := s.Blobs.Open(o.Name)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rd)
		rd.Close()
		out = append(out, o.Name+"="+string(b))
	}
	return out
}

func TestDataDirSurvivesRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := openRegistry(t, dir, nil)
	def, _ := r.Get(session.Default)
	put(t, def, "d", "default's")
	a, _, err := r.Ensure("a")
	if err != nil {
		t.Fatal(err)
	}
	put(t, a, "bucket/old", "old")
	b, _, _ := r.Ensure("b.1")
	put(t, b, "x", "b's")
	if !r.Delete("b.1") {
		t.Fatal("Delete b.1 found nothing")
	}
	// Replace builds aside: a failing build changes nothing, a good one replaces everything.
	boom := errors.New("boom")
	if err := r.Replace("a", func(s *session.Session) error { put(t, s, "half", "built"); return boom }); !errors.Is(err, boom) {
		t.Fatalf("failing Replace = %v", err)
	}
	if err := r.Replace("a", func(s *session.Session) error { put(t, s, "bucket/new", "new"); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := r.Replace("a", func(s *session.Session) error { put(t, s, "bucket/newer", "newer"); return nil }); err != nil {
		t.Fatal(err)
	}
	c, _, _ := r.Ensure("c")
	put(t, c, "s3/key with spaces/../ü", "c's")

	q := blobstore.NewQuota(0) // a restart
	r = openRegistry(t, dir, q)
	var ids []string
	for _, s := range r.List() {
		ids = append(ids, s.ID)
	}
	if !slices.Equal(ids, []string{"a", "c", session.Default}) {
		t.Errorf("sessions after restart = %v", ids)
	}
	for id, want := range map[string][]string{
		session.Default: {"d=default's"},
		"a":             {"bucket/newer=newer"},
		"c":             {"s3/key with spaces/../ü=c's"},
	} {
		s, _ := r.Get(id)
		if got := names(t, s); !slices.Equal(got, want) {
			t.Errorf("session %s holds %v, want %v", id, got, want)
		}
	}
	if want := int64(len("default's") + len("newer") + len("c's")); q.Used() != want {
		t.Errorf("quota after restart = %d, want %d", q.Used(), want)
	}
	// Only the live store of a is left; nothing of b.1 nor of the replaced stores.
	left, _ := filepath.Glob(filepath.Join(dir, "sessions", "a", "blobs*"))
	if len(left) != 1 {
		t.Errorf("stores of a on disk: %v", left)
	}
	if _, err := os.Stat(filepath.Join(dir, "sessions", "b.1")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("deleted session still on disk: %v", err)
	}
}

func TestDataDirRemovesUnfinishedReplace(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := openRegistry(t, dir, nil)
	a, _, _ := r.Ensure("a")
	put(t, a, "k", "live")
	// A Replace cut by a crash: its store exists, current was never switched to it.
	half, err := blobstore.OpenDir(filepath.Join(dir, "sessions", "a", "blobs-HALF"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := half.Put(t.Context(), "k", strings.NewReader("half"), blobstore.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	r = openRegistry(t, dir, nil)
	a, _ = r.Get("a")
	if got := names(t, a); !slices.Equal(got, []string{"k=live"}) {
		t.Errorf("after restart a holds %v", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "sessions", "a", "blobs-HALF")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("unfinished store kept: %v", err)
	}
}

func TestDataDirRefused(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	if _, err := session.OpenRegistry(fixedClock, nil, filepath.Join(file, "data")); err == nil {
		t.Error("a data dir under a file was accepted")
	}

	dir := t.TempDir()
	openRegistry(t, dir, nil)
	stray := filepath.Join(dir, "sessions", "not a session!")
	os.Mkdir(stray, 0o755)
	if _, err := session.OpenRegistry(fixedClock, nil, dir); err == nil || !strings.Contains(err.Error(), stray) {
		t.Errorf("OpenRegistry with %s = %v, want an error naming it", stray, err)
	}
	os.Remove(stray)

	store, err := session.StoreDir(dir, session.Default)
	if err != nil {
		t.Fatal(err)
	}
	format := filepath.Join(store, "FORMAT")
	os.WriteFile(format, []byte("fileemu blob store, format 0\n"), 0o644)
	if _, err := session.OpenRegistry(fixedClock, nil, dir); !errors.Is(err, blobstore.ErrCorrupt) || !strings.Contains(err.Error(), format) {
		t.Errorf("OpenRegistry of another version = %v, want an error naming %s", err, format)
	}
}

// A request still storing into a session when it is dropped and made again under the same id
// cannot write into the new one: each store has a directory of its own.
func TestDataDirRecreatedSessionGetsNothingOfTheOld(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := openRegistry(t, dir, nil)
	old, _, err := r.Ensure("x")
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := old.Blobs.Put(t.Context(), "late", pr, blobstore.PutOptions{})
		done <- err
	}()
	if _, err := pw.Write([]byte("first half, ")); err != nil {
		t.Fatal(err)
	}
	if !r.Delete("x") {
		t.Fatal("Delete x found nothing")
	}
	fresh, created, err := r.Ensure("x")
	if err != nil || !created {
		t.Fatalf("Ensure x again = %v, %v", created, err)
	}
	pw.Write([]byte("second half"))
	pw.Close()
	<-done // it may fail (its directory is gone) or not; either way it is not the new session's
	if got := names(t, fresh); len(got) != 0 {
		t.Errorf("the new session x holds %v", got)
	}
	r = openRegistry(t, dir, nil)
	again, _ := r.Get("x")
	if got := names(t, again); len(got) != 0 {
		t.Errorf("after a restart the new session x holds %v", got)
	}
}

// A session directory whose creation a crash cut (a store, no current naming it) is not a
// session: the restart removes it.
func TestDataDirRemovesUnfinishedCreate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	openRegistry(t, dir, nil)
	cut := filepath.Join(dir, "sessions", "cut")
	if _, err := blobstore.OpenDir(filepath.Join(cut, "blobs-CUT"), nil); err != nil {
		t.Fatal(err)
	}
	r := openRegistry(t, dir, nil)
	if _, ok := r.Get("cut"); ok {
		t.Error("a session whose creation was cut is served")
	}
	if _, err := os.Stat(cut); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("its directory is kept: %v", err)
	}
}
