package scenarios

import (
	"testing"
	"time"
)

// at evaluates r as of now on the request's session clock (Input.Now).
func at(e *Engine, r req, now time.Time) *Decision {
	in := r.input()
	in.Now = now
	return e.Evaluate(in)
}

// Windows follow the session's clock (Input.Now), not the engine's: a session whose clock
// was moved enters its window; another, on the engine's clock, does not.
func TestWindowFollowsTheSessionClock(t *testing.T) {
	clock := newClock()
	e := newEngine(t, clock)
	load(t, e, "scenarios:", "  - name: w", "    rules:",
		"      - match: {api: haufe}",
		"        when: {window: {from: 1h}}",
		"        respond: 503",
	)
	moved, still := NewSessionState(), NewSessionState()
	r1 := req{session: "s1", state: moved, api: "haufe", op: "listFiles"}
	r2 := req{session: "s2", state: still, api: "haufe", op: "listFiles"}
	start := clock.Now()
	if d := at(e, r1, start); d != nil && d.Respond != nil {
		t.Fatal("the window is open at its start")
	}
	at(e, r2, start)
	if d := at(e, r1, start.Add(time.Hour)); d == nil || d.Respond == nil {
		t.Error("1 h later on the session's clock: the window is still shut")
	}
	if d := at(e, r2, time.Time{}); d != nil && d.Respond != nil {
		t.Error("a session on the engine's clock (zero Now) entered the window: the other session's clock leaked")
	}
	clock.Advance(time.Hour)
	if d := at(e, r2, time.Time{}); d == nil || d.Respond == nil {
		t.Error("zero Now does not fall back to the engine's clock")
	}
}

// Session-scoped buckets refill on the session's clock; global ones, shared by every session,
// only on the engine's: no session may refill them by moving its own clock. A clock set back
// refills nothing.
func TestRateLimitRefillFollowsTheSessionClock(t *testing.T) {
	for _, tc := range []struct {
		scope string
		want  string // after the burst is spent, a request 1 h later on the session's clock
	}{{"session", "ok"}, {"key", "ok"}, {"global", "429"}} {
		t.Run(tc.scope, func(t *testing.T) {
			clock := newClock()
			e := newEngine(t, clock)
			load(t, e, "scenarios:", "  - name: rl", "    rules:", "      - match: {api: haufe}",
				"        rate_limit: {rate: 1/h, scope: "+tc.scope+"}")
			st := NewSessionState()
			r := req{session: "s1", state: st, api: "haufe", op: "listFiles", cred: "k1"}
			now := clock.Now()
			if d := at(e, r, now); d.RateLimited {
				t.Fatal("first request limited")
			}
			if d := at(e, r, now.Add(-time.Hour)); !d.RateLimited {
				t.Error("a clock set back refilled the bucket")
			}
			if d := at(e, r, now); !d.RateLimited {
				t.Fatal("second request not limited")
			}
			got := map[bool]string{false: "ok", true: "429"}[at(e, r, now.Add(time.Hour)).RateLimited]
			if got != tc.want {
				t.Errorf("1 h later on the session's clock: %s, want %s", got, tc.want)
			}
		})
	}
}
