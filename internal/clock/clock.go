// Package clock is the movable time of an emulator and of its sessions. A Clock reads its base
// (the emulator's Config.Clock, or for a session the emulator's Clock) and adds an offset that
// the admin API moves: "set" makes the clock read a given time now and keep running from it,
// "advance" adds to the offset, Reset removes it. Reading is one atomic load and the base call:
// it sits on every request's path.
package clock

import (
	"sync/atomic"
	"time"
)

// Clock is a base clock plus an offset. The zero value is not usable; use New. Safe for
// concurrent use.
type Clock struct {
	base  func() time.Time
	state atomic.Pointer[state]
}

// state is immutable: every change publishes a new one, so Now never sees half a change.
type state struct {
	offset time.Duration
	moved  bool
}

var still = &state{}

// New returns a clock that reads base until it is moved.
func New(base func() time.Time) *Clock {
	c := &Clock{base: base}
	c.state.Store(still)
	return c
}

// Now is the base time plus the offset.
func (c *Clock) Now() time.Time { return c.base().Add(c.state.Load().offset) }

// Base is the time of the clock underneath, without this clock's offset.
func (c *Clock) Base() time.Time { return c.base() }

// Offset is how far the clock is ahead of its base (negative: behind), and whether it has been
// moved since it was created or last reset.
func (c *Clock) Offset() (time.Duration, bool) {
	st := c.state.Load()
	return st.offset, st.moved
}

// Advance adds d to the clock (d may be negative) and returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	for {
		old := c.state.Load()
		if c.state.CompareAndSwap(old, &state{offset: old.offset + d, moved: true}) {
			return c.base().Add(old.offset + d)
		}
	}
}

// Set makes the clock read t now; it runs on from there at the base's pace.
func (c *Clock) Set(t time.Time) time.Time {
	base := c.base()
	c.state.Store(&state{offset: t.Sub(base), moved: true})
	return t
}

// Reset removes the offset: the clock reads its base again.
func (c *Clock) Reset() { c.state.Store(still) }

// Follow gives c the offset of other (when a session's state is replaced, its clock stays
// where it was moved to).
func (c *Clock) Follow(other *Clock) { c.state.Store(other.state.Load()) }
