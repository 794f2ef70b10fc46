package main

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Idle trimming: an emulator mostly waits (for a test suite's next run, in a container kept up
// all day), and what it allocated in its last burst of work stays resident until the heap
// grows again: the garbage of start-up, of parsing an API's spec on its first request (a few MB
// each), of the last uploads. trimWhenIdle hands it back to the system once the process has
// gone quiet after allocating: one forced collection and scavenge per quiet period, not while
// requests are in progress or the process keeps allocating (a request arriving during the
// collection runs beside it; connections a scenario fault hijacked are not counted, they close).
const (
	trimEvery   = 200 * time.Millisecond // how often to look; a quiet tick is one such period
	trimAfter   = 1 << 20                // bytes allocated since the last trim that make one worth it
	trimQuietAt = 64 << 10               // allocating less than this in a tick counts as quiet
)

// trimWhenIdle returns memory to the system each time the process goes quiet after allocating
// at least trimAfter bytes, until ctx ends. busy reports requests in progress.
func trimWhenIdle(ctx context.Context, busy func() bool) {
	sample := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	allocated := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	t := time.NewTicker(trimEvery)
	defer t.Stop()
	trimmed := allocated() // as of the last trim
	prev := trimmed
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := allocated()
		quiet := now-prev < trimQuietAt && !busy()
		prev = now
		if quiet && now-trimmed >= trimAfter {
			debug.FreeOSMemory()
			trimmed = allocated()
			prev = trimmed
		}
	}
}
