package clock_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fileemu/fileemu/internal/clock"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// manual is a base clock the test moves: it stands for real time passing.
type manual struct{ ns atomic.Int64 }

func newManual() *manual {
	m := &manual{}
	m.ns.Store(t0.UnixNano())
	return m
}
func (m *manual) now() time.Time       { return time.Unix(0, m.ns.Load()).UTC() }
func (m *manual) pass(d time.Duration) { m.ns.Add(int64(d)) }

func TestNewReadsBase(t *testing.T) {
	t.Parallel()
	base := newManual()
	c := clock.New(base.now)
	if got := c.Now(); !got.Equal(t0) {
		t.Fatalf("Now = %v, want the base %v", got, t0)
	}
	if off, moved := c.Offset(); off != 0 || moved {
		t.Errorf("Offset = %v, %v; want 0, false", off, moved)
	}
	base.pass(time.Minute)
	if got := c.Now(); !got.Equal(t0.Add(time.Minute)) {
		t.Errorf("Now after the base moved = %v, want %v", got, t0.Add(time.Minute))
	}
}

func TestAdvanceAddsAndKeepsRunning(t *testing.T) {
	t.Parallel()
	base := newManual()
	c := clock.New(base.now)
	if got := c.Advance(25 * time.Hour); !got.Equal(t0.Add(25 * time.Hour)) {
		t.Fatalf("Advance returned %v, want %v", got, t0.Add(25*time.Hour))
	}
	c.Advance(time.Hour)
	c.Advance(-30 * time.Minute)
	want := t0.Add(25*time.Hour + 30*time.Minute)
	if got := c.Now(); !got.Equal(want) {
		t.Fatalf("Now = %v, want %v", got, want)
	}
	base.pass(10 * time.Second)
	if got := c.Now(); !got.Equal(want.Add(10 * time.Second)) {
		t.Errorf("an advanced clock stood still: Now = %v, want %v", got, want.Add(10*time.Second))
	}
	if off, moved := c.Offset(); off != 25*time.Hour+30*time.Minute || !moved {
		t.Errorf("Offset = %v, %v; want 25h30m, true", off, moved)
	}
}

func TestSetReadsTheTimeNowAndRunsOn(t *testing.T) {
	t.Parallel()
	base := newManual()
	c := clock.New(base.now)
	target := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	c.Set(target)
	if got := c.Now(); !got.Equal(target) {
		t.Fatalf("Now after Set = %v, want %v", got, target)
	}
	base.pass(3 * time.Second)
	if got := c.Now(); !got.Equal(target.Add(3 * time.Second)) {
		t.Errorf("Now 3 s after Set = %v, want %v", got, target.Add(3*time.Second))
	}
	c.Advance(time.Hour) // advance after set adds to it
	if got := c.Now(); !got.Equal(target.Add(time.Hour + 3*time.Second)) {
		t.Errorf("Now after Set and Advance = %v", got)
	}
	c.Reset()
	if got := c.Now(); !got.Equal(base.now()) {
		t.Errorf("Now after Reset = %v, want the base %v", got, base.now())
	}
	if off, moved := c.Offset(); off != 0 || moved {
		t.Errorf("Offset after Reset = %v, %v; want 0, false", off, moved)
	}
}

// A session clock runs on the emulator clock: moving the emulator moves the session, moving
// the session leaves the emulator and other sessions alone.
func TestLayeredClocks(t *testing.T) {
	t.Parallel()
	base := newManual()
	emu := clock.New(base.now)
	a, b := clock.New(emu.Now), clock.New(emu.Now)
	a.Advance(601 * time.Second)
	if got := b.Now(); !got.Equal(t0) {
		t.Errorf("other session's clock = %v, want %v", got, t0)
	}
	if got := emu.Now(); !got.Equal(t0) {
		t.Errorf("emulator clock = %v, want %v", got, t0)
	}
	emu.Advance(time.Hour)
	if got := a.Now(); !got.Equal(t0.Add(time.Hour + 601*time.Second)) {
		t.Errorf("session a after the emulator moved = %v", got)
	}
	if got := b.Now(); !got.Equal(t0.Add(time.Hour)) {
		t.Errorf("session b after the emulator moved = %v", got)
	}
	if got := a.Base(); !got.Equal(emu.Now()) {
		t.Errorf("a.Base = %v, want the emulator's now %v", got, emu.Now())
	}
	a.Reset()
	if got := a.Now(); !got.Equal(emu.Now()) {
		t.Errorf("session a after Reset = %v, want the emulator clock %v", got, emu.Now())
	}
}

func TestFollowCopiesTheOffset(t *testing.T) {
	t.Parallel()
	base := newManual()
	old, fresh := clock.New(base.now), clock.New(base.now)
	old.Advance(48 * time.Hour)
	fresh.Follow(old)
	if got := fresh.Now(); !got.Equal(t0.Add(48 * time.Hour)) {
		t.Fatalf("fresh after Follow = %v", got)
	}
	if _, moved := fresh.Offset(); !moved {
		t.Error("fresh after Follow of a moved clock: not moved")
	}
	old.Advance(time.Hour) // they are copies, not one clock
	if got := fresh.Now(); !got.Equal(t0.Add(48 * time.Hour)) {
		t.Errorf("fresh moved with old: %v", got)
	}
}

// Concurrent advances all count (no lost update) while readers read (run with -race).
func TestConcurrentAdvance(t *testing.T) {
	t.Parallel()
	base := newManual()
	c := clock.New(base.now)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				c.Advance(time.Second)
				_ = c.Now()
			}
		})
	}
	wg.Wait()
	if got := c.Now(); !got.Equal(t0.Add(8000 * time.Second)) {
		t.Errorf("Now after 8000 concurrent 1 s advances = %v, want %v", got, t0.Add(8000*time.Second))
	}
}

func BenchmarkNow(b *testing.B) {
	c := clock.New(clock.New(time.Now).Now)
	c.Advance(time.Hour)
	for b.Loop() {
		_ = c.Now()
	}
}
