package admin_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/fileemu/fileemu/testkit"
)

type clockAnswer struct {
	Session       string    `json:"session"`
	Now           time.Time `json:"now"`
	Offset        string    `json:"offset"`
	OffsetSeconds float64   `json:"offset_seconds"`
	Moved         bool      `json:"moved"`
}

func near(a, b time.Time) bool { d := a.Sub(b); return d > -time.Minute && d < time.Minute }

// The emulator clock and a session's clock through the admin API: what they answer, how they
// layer (a session's offset is from the emulator clock), how they go back.
func TestClockRoutes(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	base := testkit.NewClock(t0)
	emu := testkit.Start(t, testkit.WithClock(base.Now))
	c := newClient(t, emu)
	s := emu.Session(t)
	sessionClock := "/__admin/sessions/" + s.ID + "/clock"

	var got clockAnswer
	c.json("GET", "/__admin/clock", nil, 200, &got)
	if !got.Now.Equal(t0) || got.Moved || got.OffsetSeconds != 0 || got.Offset != "0s" || got.Session != "" {
		t.Errorf("emulator clock at start = %+v", got)
	}
	c.json("POST", "/__admin/clock", map[string]string{"advance": "25h"}, 200, &got)
	if !got.Now.Equal(t0.Add(25*time.Hour)) || !got.Moved || got.Offset != "25h0m0s" || got.OffsetSeconds != 90000 {
		t.Errorf("emulator clock after advance 25h = %+v", got)
	}
	c.json("GET", sessionClock, nil, 200, &got)
	if !got.Now.Equal(t0.Add(25*time.Hour)) || got.Moved || got.Session != s.ID || got.Offset != "0s" {
		t.Errorf("session clock on the moved emulator clock = %+v", got)
	}
	c.json("POST", sessionClock, map[string]string{"set": "2030-01-01T00:00:00Z"}, 200, &got)
	want := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	if !got.Now.Equal(want) || !got.Moved || got.OffsetSeconds != want.Sub(t0.Add(25*time.Hour)).Seconds() {
		t.Errorf("session clock after set = %+v, want now %v, offset from the emulator clock", got, want)
	}
	base.Advance(time.Second) // a set clock runs on
	c.json("GET", sessionClock, nil, 200, &got)
	if !got.Now.Equal(want.Add(time.Second)) {
		t.Errorf("session clock 1 s after set = %v, want %v", got.Now, want.Add(time.Second))
	}
	// Going back is allowed down to the emulator's start.
	c.json("POST", sessionClock, map[string]string{"advance": "-1h"}, 200, &got)
	if !got.Now.Equal(want.Add(time.Second - time.Hour)) {
		t.Errorf("session clock after advance -1h = %v", got.Now)
	}
	c.json("POST", sessionClock, map[string]string{"set": t0.Format(time.RFC3339)}, 200, &got)
	if !got.Now.Equal(t0) {
		t.Errorf("session clock set to the start = %v", got.Now)
	}

	c.json("DELETE", sessionClock, nil, 200, &got)
	if got.Moved || !got.Now.Equal(t0.Add(25*time.Hour+time.Second)) {
		t.Errorf("session clock after DELETE = %+v, want the emulator clock", got)
	}
	c.json("DELETE", "/__admin/clock", nil, 200, &got)
	if got.Moved || !got.Now.Equal(t0.Add(time.Second)) {
		t.Errorf("emulator clock after DELETE = %+v, want the base clock", got)
	}
}

// Bad moves are refused whole with 422 invalid_clock, naming the accepted forms, and the clock
// does not move.
func TestClockRefusesBadMoves(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	emu := testkit.Start(t, testkit.WithClock(testkit.NewClock(t0).Now))
	c := newClient(t, emu)
	s := emu.Session(t)
	for _, path := range []string{"/__admin/clock", "/__admin/sessions/" + s.ID + "/clock"} {
		for _, tc := range []struct{ body, why string }{
			{`{"advance":"1h","set":"2030-01-01T00:00:00Z"}`, "both advance and set"},
			{`{}`, "neither advance nor set"},
			{``, "body is required"},
			{`{"advanced":"1h"}`, `"advanced"`},
			{`{"advance":"1 day"}`, `advance "1 day" is not a Go duration`},
			{`{"advance":"25"}`, `not a Go duration`},
			{`{"set":"2030-01-01"}`, `set "2030-01-01" is not an RFC 3339 time`},
			{`{"set":"2026-11-23T11:59:59Z"}`, "before the emulator started (2026-11-23T12:00:00Z)"},
			{`{"advance":"-1s"}`, "would put the clock at 2026-11-23T11:59:59Z, before the emulator started"},
			{`{"advance":"2000000h"}`, "more than 100 years from real time"},
			{`{"set":"2500-01-01T00:00:00Z"}`, "more than 100 years ahead of real time"},
			{`{"advance":3600}`, "must be a string"},
			{`{"advance":"1h"`, "body"},
		} {
			r := c.do("POST", path, []byte(tc.body), "Content-Type", "application/json")
			var e struct{ Error, Message string }
			_ = json.Unmarshal(r.body, &e)
			if r.status != 422 || plainError(t, r.body) != "invalid_clock" || !strings.Contains(e.Message, tc.why) ||
				!strings.Contains(e.Message, `{"advance":"<Go duration, e.g. 25h`) || !strings.Contains(e.Message, `{"set":"<RFC 3339 time`) {
				t.Errorf("POST %s %s = %d %s; want 422 invalid_clock saying %q and the accepted forms", path, tc.body, r.status, r.body, tc.why)
			}
		}
		var got clockAnswer
		c.json("GET", path, nil, 200, &got)
		if got.Moved || !got.Now.Equal(t0) {
			t.Errorf("%s after refused moves = %+v, want it unmoved", path, got)
		}
	}
}

// Session clock routes follow the other session routes: reading or resetting an unknown
// session is 404; moving its clock creates it (a test may move time before its first request).
func TestSessionClockOfUnknownSession(t *testing.T) {
	emu := testkit.Start(t)
	c := newClient(t, emu)
	for _, m := range []string{"GET", "DELETE"} {
		if r := c.do(m, "/__admin/sessions/nobody/clock", nil); r.status != 404 || plainError(t, r.body) != "not_found" {
			t.Errorf("%s clock of an unknown session = %d %s, want 404", m, r.status, r.body)
		}
	}
	var got clockAnswer
	c.json("POST", "/__admin/sessions/newcomer/clock", map[string]string{"advance": "1h"}, 200, &got)
	if got.Session != "newcomer" || !got.Moved || got.OffsetSeconds != 3600 {
		t.Errorf("move of a new session's clock = %+v", got)
	}
	c.json("GET", "/__admin/sessions/newcomer", nil, 200, nil)
	if r := c.do("POST", "/__admin/sessions/bad%20id/clock", []byte(`{"advance":"1h"}`), "Content-Type", "application/json"); r.status != 422 {
		t.Errorf("move of an invalid session id = %d %s, want 422", r.status, r.body)
	}
}

// Reset puts clocks back: one session's with ?session=, every clock without.
func TestResetPutsClocksBack(t *testing.T) {
	emu := testkit.Start(t)
	c := newClient(t, emu)
	a, b := emu.Session(t), emu.Session(t)
	a.Clock().Advance(t, time.Hour)
	b.Clock().Advance(t, time.Hour)
	emu.Admin.Clock().Advance(t, time.Hour)
	c.json("POST", "/__admin/reset?session="+a.ID, nil, 200, nil)
	if a.Clock().State(t).Moved || !b.Clock().State(t).Moved || !emu.Admin.Clock().State(t).Moved {
		t.Errorf("reset of session a: a moved %v, b moved %v, emulator moved %v; want only a put back",
			a.Clock().State(t).Moved, b.Clock().State(t).Moved, emu.Admin.Clock().State(t).Moved)
	}
	c.json("POST", "/__admin/reset", nil, 200, nil)
	if b.Clock().State(t).Moved || emu.Admin.Clock().State(t).Moved {
		t.Error("reset of everything left a clock moved")
	}
}

// testkit's RemoteClock over the admin API: Now, Advance, Set, Reset, for a session and the
// emulator, and their offsets.
func TestRemoteClock(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	emu := testkit.Start(t, testkit.WithClock(testkit.NewClock(t0).Now))
	s := emu.Session(t)
	if got := s.Clock().Now(t); !got.Equal(t0) {
		t.Errorf("Now = %v, want %v", got, t0)
	}
	if got := s.Clock().Advance(t, 601*time.Second); !got.Equal(t0.Add(601 * time.Second)) {
		t.Errorf("Advance = %v", got)
	}
	if st := s.Clock().State(t); st.Offset != 601*time.Second || !st.Moved || st.Session != s.ID {
		t.Errorf("State = %+v", st)
	}
	at := time.Date(2031, 6, 1, 8, 30, 0, 250_000_000, time.UTC)
	if got := s.Clock().Set(t, at); !got.Equal(at) {
		t.Errorf("Set = %v, want %v", got, at)
	}
	emu.Admin.Clock().Advance(t, time.Hour)
	if got := s.Clock().Now(t); !got.Equal(at.Add(time.Hour)) {
		t.Errorf("session clock after the emulator's moved 1 h = %v, want %v", got, at.Add(time.Hour))
	}
	s.Clock().Reset(t)
	if got := s.Clock().Now(t); !got.Equal(t0.Add(time.Hour)) {
		t.Errorf("session clock after Reset = %v, want the emulator's %v", got, t0.Add(time.Hour))
	}
	emu.Admin.Clock().Reset(t)
	if st := emu.Admin.Clock().State(t); st.Moved || st.Offset != 0 || !st.Now.Equal(t0) || !near(st.Now, t0) {
		t.Errorf("emulator clock after Reset = %+v", st)
	}
	if _, err := emu.Admin.SetClock(t.Context(), s.ID, t0.Add(-time.Hour)); err == nil || !strings.Contains(err.Error(), "422") {
		t.Errorf("SetClock before the start: err = %v, want the 422", err)
	}
}
