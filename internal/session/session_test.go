package session_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/session"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func fixedClock() time.Time { return t0 }

func TestSplitPrefix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path, id, rest string
		ok             bool
	}{
		{"/v1/files", "", "/v1/files", false},
		{"/", "", "/", false},
		{"", "", "", false},
		{"/_s", "", "/_s", false},
		{"/_sx/t1/v1/files", "", "/_sx/t1/v1/files", false},
		{"/v1/_s/t1/files", "", "/v1/_s/t1/files", false},
		{"/_s/t1/v1/files", "t1", "/v1/files", true},
		{"/_s/t1/s3/bucket/a/b.txt", "t1", "/s3/bucket/a/b.txt", true},
		{"/_s/t1", "t1", "/", true},
		{"/_s/t1/", "t1", "/", true},
		{"/_s/bad id!/v1/files", "bad id!", "/v1/files", true}, // returned as written: callers validate
		{"/_s/", "", "/", true},
		{"/_s//v1/files", "", "/v1/files", true},
		{"/_s/a%2Fb/v1", "a%2Fb", "/v1", true}, // on an escaped path the id keeps its escapes
	}
	for _, tt := range tests {
		id, rest, ok := session.SplitPrefix(tt.path)
		if id != tt.id || rest != tt.rest || ok != tt.ok {
			t.Errorf("SplitPrefix(%q) = %q, %q, %v; want %q, %q, %v", tt.path, id, rest, ok, tt.id, tt.rest, tt.ok)
		}
	}
}

func TestValidID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id   string
		want bool
	}{
		{"a", true},
		{"default", true},
		{"Test_Upload-1.2", true},
		{"TestSessions_are_isolated-0a1b2c3d", true},
		{strings.Repeat("x", 64), true},
		{strings.Repeat("x", 65), false},
		{"", false},
		{"a b", false},
		{"a/b", false},
		{"a%2Fb", false},
		{"bad id!", false},
		{"ümlaut", false},
		{"a\nb", false},
		{"a\x00", false},
	}
	for _, tt := range tests {
		if got := session.ValidID(tt.id); got != tt.want {
			t.Errorf("ValidID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

func TestRegistryStartsWithDefault(t *testing.T) {
	t.Parallel()
	r := session.NewRegistry(fixedClock)
	s, ok := r.Get(session.Default)
	if !ok || s.ID != session.Default || !s.Created.Equal(t0) || s.Blobs == nil {
		t.Fatalf("default session = %+v, %v; want one created on the registry clock", s, ok)
	}
	if l := r.List(); len(l) != 1 || l[0] != s {
		t.Errorf("List = %v, want only the default session", l)
	}
	if _, ok := r.Get("t1"); ok {
		t.Error("Get of a session never created succeeded")
	}
}

func TestEnsure(t *testing.T) {
	t.Parallel()
	now := t0
	r := session.NewRegistry(func() time.Time { return now })
	now = t0.Add(time.Minute)
	s, created, err := r.Ensure("t1")
	if err != nil || !created || s.ID != "t1" || !s.Created.Equal(now) {
		t.Fatalf("first Ensure = %+v, %v, %v; want a new session created at %v", s, created, err, now)
	}
	again, created, err := r.Ensure("t1")
	if err != nil || created || again != s {
		t.Errorf("second Ensure = %p, %v, %v; want the same session %p, not created", again, created, err, s)
	}
	if got, ok := r.Get("t1"); !ok || got != s {
		t.Errorf("Get after Ensure = %p, %v", got, ok)
	}
	if d, created, err := r.Ensure(session.Default); err != nil || created || d.ID != session.Default {
		t.Errorf("Ensure(default) = %+v, %v, %v; want the existing default", d, created, err)
	}

	for _, bad := range []string{"", "a b", strings.Repeat("x", 65), "../x"} {
		s, created, err := r.Ensure(bad)
		if err == nil || s != nil || created {
			t.Errorf("Ensure(%q) = %v, %v, %v; want an error", bad, s, created, err)
			continue
		}
		if !strings.Contains(err.Error(), "invalid session id") {
			t.Errorf("Ensure(%q) error %q does not say the id is invalid", bad, err)
		}
		if _, ok := r.Get(bad); ok {
			t.Errorf("Ensure(%q) failed but registered the session", bad)
		}
	}
}

func TestEnsureConcurrentCreatesOnce(t *testing.T) {
	t.Parallel()
	r := session.NewRegistry(fixedClock)
	const goroutines, rounds = 50, 100 // several rounds make a lost race likely to show
	for round := range rounds {
		id := fmt.Sprint("shared-", round)
		sessions := make([]*session.Session, goroutines)
		createdBy := make([]bool, goroutines)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range goroutines {
			wg.Go(func() {
				<-start
				s, created, err := r.Ensure(id)
				if err != nil {
					t.Errorf("Ensure: %v", err)
				}
				sessions[i], createdBy[i] = s, created
			})
		}
		close(start)
		wg.Wait()
		creators := 0
		for i := range goroutines {
			if createdBy[i] {
				creators++
			}
			if sessions[i] != sessions[0] {
				t.Fatalf("%s: goroutine %d got session %p, goroutine 0 got %p", id, i, sessions[i], sessions[0])
			}
		}
		if creators != 1 {
			t.Fatalf("%s: %d goroutines were told they created the session, want exactly 1", id, creators)
		}
		if got, _ := r.Get(id); got != sessions[0] {
			t.Fatalf("%s: registry holds %p, goroutines got %p", id, got, sessions[0])
		}
	}
	if l := r.List(); len(l) != rounds+1 {
		t.Errorf("List has %d sessions, want default and %d shared", len(l), rounds)
	}
}

func put(t *testing.T, s *session.Session, name, content string) {
	t.Helper()
	if _, err := s.Blobs.Put(context.Background(), name, strings.NewReader(content), blobstore.PutOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestDelete(t *testing.T) {
	t.Parallel()
	r := session.NewRegistry(fixedClock)
	s, _, _ := r.Ensure("t1")
	put(t, s, "b/k", "data")
	session.Model(s, "haufe", func() *counter { return &counter{} })

	if !r.Delete("t1") {
		t.Fatal("Delete of an existing session = false")
	}
	if _, ok := r.Get("t1"); ok {
		t.Error("session still there after Delete")
	}
	// A request still holding the session must not keep its bytes alive.
	if s.Blobs.Len() != 0 || len(s.Snapshot()) != 0 {
		t.Errorf("deleted session still holds %d objects, models %v", s.Blobs.Len(), s.Snapshot())
	}
	if r.Delete("t1") {
		t.Error("second Delete = true, want false")
	}
	if r.Delete("never") {
		t.Error("Delete of an unknown session = true")
	}
	again, created, err := r.Ensure("t1")
	if err != nil || !created || again == s || again.Blobs.Len() != 0 {
		t.Errorf("Ensure after Delete = %p (old %p), created %v, %v; want a fresh session", again, s, created, err)
	}
}

func TestDeleteDefaultResetsIt(t *testing.T) {
	t.Parallel()
	r := session.NewRegistry(fixedClock)
	d, _ := r.Get(session.Default)
	put(t, d, "b/k", "data")
	first := session.Model(d, "haufe", func() *counter { return &counter{} })

	if !r.Delete(session.Default) {
		t.Fatal("Delete(default) = false, want true (reset)")
	}
	got, ok := r.Get(session.Default)
	if !ok || got != d {
		t.Fatalf("default after Delete = %p, %v; want the same session kept", got, ok)
	}
	if d.Blobs.Len() != 0 || d.Blobs.Bytes() != 0 {
		t.Errorf("default still holds %d objects (%d bytes) after Delete", d.Blobs.Len(), d.Blobs.Bytes())
	}
	if m := session.Model(d, "haufe", func() *counter { return &counter{} }); m == first {
		t.Error("default kept its model after Delete")
	}
}

// counter is a model that can dump itself.
type counter struct{ n int }

func (c *counter) Snapshot() any { return map[string]int{"n": c.n} }

// opaque is a model without a dump.
type opaque struct{ _ int }

func TestModel(t *testing.T) {
	t.Parallel()
	r := session.NewRegistry(fixedClock)
	s, _, _ := r.Ensure("t1")
	calls := 0
	create := func() *counter { calls++; return &counter{} }

	m := session.Model(s, "haufe", create)
	m.n = 7
	if again := session.Model(s, "haufe", create); again != m || calls != 1 {
		t.Errorf("second Model = %p (first %p), create called %d times; want the same model, created once", again, m, calls)
	}
	if other := session.Model(s, "desk", create); other == m || calls != 2 {
		t.Errorf("Model of another API = %p, the same as haufe's %p (create called %d times)", other, m, calls)
	}
	o, _, _ := r.Ensure("t2")
	if theirs := session.Model(o, "haufe", create); theirs == m {
		t.Error("two sessions share one model")
	}

	s.Reset()
	fresh := session.Model(s, "haufe", create)
	if fresh == m || fresh.n != 0 || calls != 4 {
		t.Errorf("Model after Reset = %+v (old %p, new %p), create called %d times; want a new empty model", fresh, m, fresh, calls)
	}
}

func TestModelConcurrentCreatesOnce(t *testing.T) {
	t.Parallel()
	s, _, _ := session.NewRegistry(fixedClock).Ensure("t1")
	var mu sync.Mutex
	calls := 0
	create := func() *counter {
		mu.Lock()
		calls++
		mu.Unlock()
		return &counter{}
	}
	const n = 50
	got := make([]*counter, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { got[i] = session.Model(s, "haufe", create) })
	}
	wg.Wait()
	for i := range n {
		if got[i] != got[0] {
			t.Fatalf("goroutine %d got model %p, goroutine 0 got %p", i, got[i], got[0])
		}
	}
	if calls != 1 {
		t.Errorf("create called %d times, want 1", calls)
	}
}

func TestSnapshot(t *testing.T) {
	t.Parallel()
	s, _, _ := session.NewRegistry(fixedClock).Ensure("t1")
	if snap := s.Snapshot(); snap == nil || len(snap) != 0 {
		t.Errorf("Snapshot of an unused session = %#v, want an empty non-nil map", snap)
	}
	session.Model(s, "haufe", func() *counter { return &counter{n: 3} })
	session.Model(s, "quiet", func() *opaque { return &opaque{} })
	snap := s.Snapshot()
	if len(snap) != 1 {
		t.Fatalf("Snapshot = %#v, want only the model that can dump itself", snap)
	}
	if got, ok := snap["haufe"].(map[string]int); !ok || got["n"] != 3 {
		t.Errorf("Snapshot[haufe] = %#v, want the model's own dump", snap["haufe"])
	}
	s.Reset()
	if snap := s.Snapshot(); len(snap) != 0 {
		t.Errorf("Snapshot after Reset = %#v, want empty", snap)
	}
}

func TestResetKeepsSessionDropsState(t *testing.T) {
	t.Parallel()
	r := session.NewRegistry(fixedClock)
	s, _, _ := r.Ensure("t1")
	o, _, _ := r.Ensure("t2")
	put(t, s, "b/one", "1")
	put(t, s, "b/two", "22")
	put(t, o, "b/other", "333")
	s.Reset()
	if s.Blobs.Len() != 0 || s.Blobs.Bytes() != 0 {
		t.Errorf("after Reset: %d objects, %d bytes; want none", s.Blobs.Len(), s.Blobs.Bytes())
	}
	if got, ok := r.Get("t1"); !ok || got != s {
		t.Error("Reset dropped the session itself")
	}
	if o.Blobs.Len() != 1 || o.Blobs.Bytes() != 3 {
		t.Errorf("Reset of t1 changed t2: %d objects, %d bytes", o.Blobs.Len(), o.Blobs.Bytes())
	}
}

func TestListSortedByID(t *testing.T) {
	t.Parallel()
	r := session.NewRegistry(fixedClock)
	for _, id := range []string{"zeta", "Alpha", "beta", "1"} {
		if _, _, err := r.Ensure(id); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	for _, s := range r.List() {
		ids = append(ids, s.ID)
	}
	if got, want := strings.Join(ids, ","), "1,Alpha,beta,default,zeta"; got != want {
		t.Errorf("List ids = %s, want %s", got, want)
	}
}

func TestReplaceKeepsOldStateOnError(t *testing.T) {
	r := session.NewRegistry(time.Now)
	s, _, _ := r.Ensure("a")
	session.Model(s, "x", func() *int { v := 1; return &v })
	if _, err := s.Blobs.Put(context.Background(), "old", strings.NewReader("old"), blobstore.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	err := r.Replace("a", func(n *session.Session) error {
		if _, err := n.Blobs.Put(context.Background(), "new", strings.NewReader("new"), blobstore.PutOptions{}); err != nil {
			return err
		}
		return errors.New("bad fixture")
	})
	if err == nil || err.Error() != "bad fixture" {
		t.Fatalf("err = %v", err)
	}
	got, _ := r.Get("a")
	if got != s || got.Blobs.Len() != 1 {
		t.Fatalf("old session replaced or changed: same=%v objects=%d", got == s, got.Blobs.Len())
	}
	if err := r.Replace("a", func(n *session.Session) error {
		session.Model(n, "x", func() *int { v := 2; return &v })
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got, _ = r.Get("a")
	if got == s || got.Blobs.Len() != 0 || *session.Model(got, "x", func() *int { return nil }) != 2 {
		t.Fatalf("new state not in place")
	}
	if s.Blobs.Len() != 0 {
		t.Fatal("old session's bytes not released")
	}
	if err := r.Replace("..", func(*session.Session) error { return nil }); err == nil {
		t.Fatal("invalid id accepted")
	}
}
