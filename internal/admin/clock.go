package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/clock"
)

// clockForms is what a clock move accepts, for the messages that refuse one.
const clockForms = `send exactly one of {"advance":"<Go duration, e.g. 25h, 90m, 601s, -10m>"} or {"set":"<RFC 3339 time, e.g. 2030-01-01T00:00:00Z>"}`

// maxClockBody bounds a clock move: two short strings.
const maxClockBody = 4 << 10

// clockView is how the admin API shows a clock.
type clockView struct {
	Session string    `json:"session,omitempty"`
	Now     time.Time `json:"now"`
	// Offset is from the clock underneath: real time (Config.Clock) for the emulator clock, the
	// emulator clock for a session's.
	Offset        string  `json:"offset"`
	OffsetSeconds float64 `json:"offset_seconds"`
	Moved         bool    `json:"moved"`
}

// maxClockOffset bounds how far a clock may be moved from real time: far beyond any expiry a
// test needs, and far from the limits of time.Duration (292 years), which would wrap.
const maxClockOffset = 100 * 365 * 24 * time.Hour

func viewClock(session string, c *clock.Clock) clockView {
	off, moved := c.Offset()
	return clockView{Session: session, Now: c.Now(), Offset: off.String(), OffsetSeconds: off.Seconds(), Moved: moved}
}

func (s *service) getClock(r *api.Request) error {
	return r.WriteJSON(http.StatusOK, "", viewClock("", s.d.Clock))
}

func (s *service) moveClock(r *api.Request) error {
	if err := s.move(r, s.d.Clock); err != nil {
		return err
	}
	return r.WriteJSON(http.StatusOK, "", viewClock("", s.d.Clock))
}

func (s *service) resetClock(r *api.Request) error {
	s.d.Clock.Reset()
	return r.WriteJSON(http.StatusOK, "", viewClock("", s.d.Clock))
}

func (s *service) getSessionClock(r *api.Request) error {
	sess, err := s.sessionParam(r, r.Param("id"))
	if sess == nil {
		return err
	}
	return r.WriteJSON(http.StatusOK, "", viewClock(sess.ID, sess.Clock))
}

func (s *service) moveSessionClock(r *api.Request) error {
	// Sessions are created on first use: a test may move its clock before its first request,
	// as it may turn scenarios on.
	sess, _, err := s.d.Sessions.Ensure(r.Param("id"))
	if err != nil {
		return Error{Status: 422, Code: "invalid_session", Message: err.Error()}
	}
	if err := s.move(r, sess.Clock); err != nil {
		return err
	}
	return r.WriteJSON(http.StatusOK, "", viewClock(sess.ID, sess.Clock))
}

func (s *service) resetSessionClock(r *api.Request) error {
	sess, err := s.sessionParam(r, r.Param("id"))
	if sess == nil {
		return err
	}
	sess.Clock.Reset()
	return r.WriteJSON(http.StatusOK, "", viewClock(sess.ID, sess.Clock))
}

// clockProblem words a clock move the spec refuses (no body, a number for a duration, an
// unknown field) as the handler words its own refusals: invalid_clock, with the accepted forms.
func clockProblem(r *api.Request, p api.Problem) (Error, bool) {
	if p.Kind != api.Invalid || r == nil || r.Route == nil ||
		r.Route.OperationID != "moveClock" && r.Route.OperationID != "moveSessionClock" {
		return Error{}, false
	}
	return Error{Status: 422, Code: "invalid_clock", Message: p.Detail + "; " + clockForms, Violations: p.Violations}, true
}

// move reads a clock move from the body and applies it to c, or refuses it whole: both or
// neither form, an unparsable value, or a time before the emulator's start (what every clock
// of the emulator has read at least once: nothing it holds can be older).
func (s *service) move(r *api.Request, c *clock.Clock) error {
	invalid := func(format string, a ...any) error {
		return Error{Status: 422, Code: "invalid_clock", Message: fmt.Sprintf(format, a...) + "; " + clockForms}
	}
	var in struct {
		Advance *string `json:"advance"`
		Set     *string `json:"set"`
	}
	dec := json.NewDecoder(io.LimitReader(r.Request().Body, maxClockBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		if errors.Is(err, io.EOF) {
			return invalid("empty body")
		}
		return invalid("body: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	start := s.d.Started
	switch {
	case in.Advance != nil && in.Set != nil:
		return invalid("both advance and set given")
	case in.Advance != nil:
		d, err := time.ParseDuration(*in.Advance)
		if err != nil {
			return invalid("advance %q is not a Go duration", *in.Advance)
		}
		if off, _ := c.Offset(); d > maxClockOffset || d < -maxClockOffset || off+d > maxClockOffset {
			return invalid("advance %s would move the clock more than %d years from real time", d, maxClockOffset/(365*24*time.Hour))
		}
		if to := c.Now().Add(d); to.Before(start) {
			return invalid("advance %s would put the clock at %s, before the emulator started (%s)",
				d, to.UTC().Format(time.RFC3339Nano), start.UTC().Format(time.RFC3339Nano))
		}
		c.Advance(d)
	case in.Set != nil:
		t, err := time.Parse(time.RFC3339Nano, *in.Set)
		if err != nil {
			return invalid("set %q is not an RFC 3339 time", *in.Set)
		}
		if t.Sub(time.Now()) > maxClockOffset-time.Hour {
			return invalid("set %s is more than %d years ahead of real time", t.UTC().Format(time.RFC3339Nano), maxClockOffset/(365*24*time.Hour))
		}
		if t.Before(start) {
			return invalid("set %s is before the emulator started (%s)", t.UTC().Format(time.RFC3339Nano), start.UTC().Format(time.RFC3339Nano))
		}
		c.Set(t)
	default:
		return invalid("neither advance nor set given")
	}
	return nil
}
