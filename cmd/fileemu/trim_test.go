package main

import (
	"context"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"
)

// forcedGCs counts the collections forced so far (debug.FreeOSMemory forces one).
func forcedGCs() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/forced:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

var sink []byte

// garbage allocates n bytes that are garbage at once.
func garbage(n int) {
	for i := 0; i < n; i += 64 << 10 {
		sink = make([]byte, 64<<10)
	}
	sink = nil
}

func TestTrimWhenIdle(t *testing.T) {
	var busy atomic.Bool
	busy.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		trimWhenIdle(ctx, busy.Load)
	}()
	defer func() {
		cancel()
		<-done
	}()

	// Requests in progress: no trim, however much was allocated.
	before := forcedGCs()
	garbage(4 << 20)
	time.Sleep(3 * trimEvery)
	if got := forcedGCs(); got != before {
		t.Errorf("%d forced collections while busy", got-before)
	}

	// Quiet after allocating: one trim, then none while nothing more is allocated.
	busy.Store(false)
	deadline := time.Now().Add(5 * time.Second)
	for forcedGCs() == before && time.Now().Before(deadline) {
		time.Sleep(trimEvery / 4)
	}
	if forcedGCs() == before {
		t.Fatal("no trim after going quiet")
	}
	after := forcedGCs()
	time.Sleep(3 * trimEvery)
	if got := forcedGCs(); got != after {
		t.Errorf("%d more trims while idle", got-after)
	}
}
