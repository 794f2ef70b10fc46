package session_test

import (
	"errors"
	"testing"
	"time"

	"github.com/fileemu/fileemu/internal/session"
)

// Each session has its own clock on top of the registry's (the emulator clock).
func TestSessionClocksAreSeparate(t *testing.T) {
	t.Parallel()
	r := session.NewRegistry(fixedClock)
	a, _, _ := r.Ensure("a")
	b, _, _ := r.Ensure("b")
	a.Clock.Advance(time.Hour)
	if got := a.Clock.Now(); !got.Equal(t0.Add(time.Hour)) {
		t.Errorf("a.Clock = %v, want %v", got, t0.Add(time.Hour))
	}
	if got := b.Clock.Now(); !got.Equal(t0) {
		t.Errorf("b.Clock = %v, want the emulator clock %v", got, t0)
	}
	a.Reset() // state, not time: the admin API's reset puts the clock back itself
	if got := a.Clock.Now(); !got.Equal(t0.Add(time.Hour)) {
		t.Errorf("a.Clock after Reset = %v, want it still moved", got)
	}
}

// Replace swaps in a fresh Session: its clock keeps the offset, during build already (what
// build creates is dated on the moved clock) and after the swap.
func TestReplaceKeepsTheClock(t *testing.T) {
	t.Parallel()
	r := session.NewRegistry(fixedClock)
	old, _, _ := r.Ensure("t1")
	old.Clock.Advance(25 * time.Hour)
	var during time.Time
	err := r.Replace("t1", func(s *session.Session) error {
		during = s.Clock.Now()
		old.Clock.Advance(time.Hour) // moved while build runs: carried over too
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !during.Equal(t0.Add(25 * time.Hour)) {
		t.Errorf("clock during build = %v, want %v", during, t0.Add(25*time.Hour))
	}
	fresh, _ := r.Get("t1")
	if fresh == old {
		t.Fatal("Replace kept the old session")
	}
	if got := fresh.Clock.Now(); !got.Equal(t0.Add(26 * time.Hour)) {
		t.Errorf("clock after Replace = %v, want %v", got, t0.Add(26*time.Hour))
	}

	// A failed build changes nothing, the clock included.
	if err := r.Replace("t1", func(s *session.Session) error { s.Clock.Reset(); return errors.New("bad") }); err == nil {
		t.Fatal("Replace with a failing build succeeded")
	}
	if got, _ := r.Get("t1"); got != fresh || !got.Clock.Now().Equal(t0.Add(26*time.Hour)) {
		t.Errorf("after a failed Replace: session %p (want %p), clock %v", got, fresh, got.Clock.Now())
	}

	// A deleted session comes back with a clock on the emulator's time.
	r.Delete("t1")
	again, _, _ := r.Ensure("t1")
	if _, moved := again.Clock.Offset(); moved {
		t.Error("a session created after Delete inherited the old clock")
	}
}
