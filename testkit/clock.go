package testkit

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// ClockState is a clock as the admin API shows it (GET /__admin/clock,
// /__admin/sessions/{id}/clock).
type ClockState struct {
	Session string    `json:"session,omitempty"` // empty for the emulator clock
	Now     time.Time `json:"now"`               // what the clock reads
	// Offset is how far the clock is ahead of the one underneath it (negative: behind): real
	// time for the emulator clock, the emulator clock for a session's.
	Offset time.Duration `json:"-"`
	Moved  bool          `json:"moved"` // moved and not put back since
}

// clockWire is ClockState as sent: the offset in seconds.
type clockWire struct {
	ClockState
	OffsetSeconds float64 `json:"offset_seconds"`
}

func (w clockWire) state() ClockState {
	st := w.ClockState
	st.Offset = time.Duration(w.OffsetSeconds * float64(time.Second)).Round(time.Microsecond)
	return st
}

// clockPath is the admin path of a session's clock, or of the emulator clock when session is "".
func clockPath(session string) string {
	if session == "" {
		return "/clock"
	}
	return "/sessions/" + url.PathEscape(session) + "/clock"
}

func (a *Admin) clockCall(ctx context.Context, method, session string, body any) (ClockState, error) {
	var out clockWire
	err := a.call(ctx, method, clockPath(session), nil, body, []int{http.StatusOK}, &out)
	return out.state(), err
}

// GetClock reads a session's clock, or the emulator clock when session is "".
func (a *Admin) GetClock(ctx context.Context, session string) (ClockState, error) {
	return a.clockCall(ctx, http.MethodGet, session, nil)
}

// AdvanceClock moves a session's clock (the emulator clock when session is "") by d; a negative
// d goes back, never before the emulator's start. The clock keeps running from there.
func (a *Admin) AdvanceClock(ctx context.Context, session string, d time.Duration) (ClockState, error) {
	return a.clockCall(ctx, http.MethodPost, session, map[string]string{"advance": d.String()})
}

// SetClock makes a session's clock (the emulator clock when session is "") read t now; it keeps
// running from there. t may not be before the emulator's start.
func (a *Admin) SetClock(ctx context.Context, session string, t time.Time) (ClockState, error) {
	return a.clockCall(ctx, http.MethodPost, session, map[string]string{"set": t.Format(time.RFC3339Nano)})
}

// ResetClock puts a session's clock back on the emulator clock, or the emulator clock back on
// real time when session is "".
func (a *Admin) ResetClock(ctx context.Context, session string) (ClockState, error) {
	return a.clockCall(ctx, http.MethodDelete, session, nil)
}

// RemoteClock moves a clock of a running emulator over the admin API: a session's
// (Session.Clock) or the emulator's (Admin.Clock). It works the same on the in-process
// emulator and on a container. (Clock, with NewClock and WithClock, is another thing: the base
// clock an in-process emulator is started with.)
type RemoteClock struct {
	admin   *Admin
	session string // "" for the emulator clock
}

// Clock is this session's clock: moving it expires this session's URLs and files and leaves
// every other session alone.
//
//	s.Clock().Advance(t, 601*time.Second) // the session's presigned URLs have expired
func (s *Session) Clock() *RemoteClock { return &RemoteClock{admin: s.admin, session: s.ID} }

// Clock is the emulator clock: every session's clock runs on it, and the session idle TTL and
// the journal's timestamps follow it.
func (a *Admin) Clock() *RemoteClock { return &RemoteClock{admin: a} }

// Now is what the clock reads.
func (c *RemoteClock) Now(t testing.TB) time.Time {
	t.Helper()
	return c.check(t, "read")(c.admin.GetClock(context.Background(), c.session)).Now
}

// Advance moves the clock by d (negative: back, never before the emulator's start) and returns
// what it reads then.
func (c *RemoteClock) Advance(t testing.TB, d time.Duration) time.Time {
	t.Helper()
	return c.check(t, "advance")(c.admin.AdvanceClock(context.Background(), c.session, d)).Now
}

// Set makes the clock read tm now; it keeps running from there.
func (c *RemoteClock) Set(t testing.TB, tm time.Time) time.Time {
	t.Helper()
	return c.check(t, "set")(c.admin.SetClock(context.Background(), c.session, tm)).Now
}

// Reset puts the clock back: a session's on the emulator clock, the emulator's on real time.
func (c *RemoteClock) Reset(t testing.TB) {
	t.Helper()
	c.check(t, "reset")(c.admin.ResetClock(context.Background(), c.session))
}

// State is the whole answer of the admin API: now, offset, moved.
func (c *RemoteClock) State(t testing.TB) ClockState {
	t.Helper()
	return c.check(t, "read")(c.admin.GetClock(context.Background(), c.session))
}

// check fails t on an admin error, naming the clock.
func (c *RemoteClock) check(t testing.TB, what string) func(ClockState, error) ClockState {
	t.Helper()
	return func(st ClockState, err error) ClockState {
		t.Helper()
		if err != nil {
			name := "emulator clock"
			if c.session != "" {
				name = "clock of session " + c.session
			}
			t.Fatalf("testkit: %s %s: %v", what, name, err)
		}
		return st
	}
}
