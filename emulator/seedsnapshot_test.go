package emulator_test

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/fileemu/fileemu/testkit"
)

// Seeding twice with the same seed gives byte-identical snapshots: two emulators, hours apart on
// their clocks, seed a session of the same id with every API's data and snapshot it.
func TestSeedingTwiceGivesIdenticalSnapshots(t *testing.T) {
	const counts = `{"weavy":{"apps":2,"files":6},"desk":{"files":4},"haufe":{"files":3,"threads":2},"filesro":{"shares":2,"folders":3,"files":5},"s3":{"buckets":1,"objects":3}}`
	snap := func(start time.Time) []byte {
		clock := testkit.NewClock(start)
		emu := testkit.Start(t, testkit.WithSeed(7), testkit.WithClock(clock.Now))
		ctx := context.Background()
		if err := emu.Admin.Seed(ctx, "seeded", counts); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute) // the snapshot is taken later than the seeding, as in real use
		b, err := emu.Admin.Snapshot(ctx, "seeded")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a := snap(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	b := snap(time.Date(2026, 11, 26, 14, 30, 0, 0, time.UTC))
	if len(a) < 10<<10 {
		t.Fatalf("a snapshot of %d bytes: the seed made little", len(a))
	}
	os.WriteFile("/tmp/snapB.tar", b, 0o644)
	if !bytes.Equal(a, b) {
		i := 0
		for i < min(len(a), len(b)) && a[i] == b[i] {
			i++
		}
		lo := max(0, i-200)
		t.Errorf("snapshots differ at byte %d of %d/%d:\n%q\n%q", i, len(a), len(b), a[lo:min(len(a), i+200)], b[lo:min(len(b), i+200)])
	}
}
