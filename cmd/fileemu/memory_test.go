package main

import (
	"io"
	"log/slog"
	"runtime/debug"
	"testing"
)

func TestMemoryLimitFollowsMaxStorage(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	t.Setenv("GOMEMLIMIT", "")
	setMemoryLimit(quiet, 256<<20, 64<<20)
	if got, want := debug.SetMemoryLimit(-1), int64(256+32+64+64)<<20; got != want {
		t.Errorf("limit = %d MiB, want %d MiB", got>>20, want>>20)
	}

	debug.SetMemoryLimit(old)
	t.Setenv("GOMEMLIMIT", "1GiB") // the user's own limit wins
	setMemoryLimit(quiet, 256<<20, 64<<20)
	if got := debug.SetMemoryLimit(-1); got != old {
		t.Errorf("with GOMEMLIMIT set the limit changed to %d", got)
	}
}
