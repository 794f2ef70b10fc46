package snapshot_test

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/fileemu/fileemu/testkit"
)

// The same state gives the same archive, byte for byte, even built by another emulator: two
// emulators on one clock get the same calls in sessions of the same id, and their snapshots are
// identical (no map order, no wall-clock time, no owner or mode of the machine in them).
func TestSameStateSameBytesAcrossEmulators(t *testing.T) {
	t0 := time.Now().UTC().Truncate(time.Second)
	var snaps [][]byte
	for range 2 {
		clock := testkit.NewClock(t0)
		emu := testkit.Start(t, testkit.WithClock(clock.Now), testkit.WithSeed(7))
		ctx := context.Background()
		if err := emu.Admin.CreateSession(ctx, "same"); err != nil {
			t.Fatal(err)
		}
		c := &api{t: t, http: emu.Client(t)}
		base := emu.URL + "/_s/same"
		c.must(201, "PUT", base+"/api/apps/project-files", with(weavyAuth, jsonCT), `{"type":"files","name":"Project files","metadata":{"b":"2","a":"1","c":"3"}}`, nil)
		for i, name := range []string{"z.txt", "a.txt", "m.txt"} {
			ct, body := form(nil, "blob", name, []byte("content of "+name))
			var blob struct{ ID int64 }
			c.must(201, "POST", base+"/api/blobs", with(weavyAuth, map[string]string{"Content-Type": ct}), body, &blob)
			c.must(201, "POST", base+"/api/apps/project-files/files", with(weavyAuth, jsonCT),
				fmt.Sprintf(`{"blob_id":%d,"metadata":{"k%d":"v","a":"b","z":"y"},"tags":["t%d","a"]}`, blob.ID, i, i), nil)
			clock.Advance(1500 * time.Millisecond)
		}
		var ref struct {
			URL    string            `json:"url"`
			Params map[string]string `json:"params"`
		}
		c.must(201, "POST", base+"/desk/api/v2/files/ref.json", with(deskAuth, jsonCT), `{"filename":"d.txt","mimeType":"text/plain"}`, &ref)
		var fields [][2]string
		for _, k := range slices.Sorted(maps.Keys(ref.Params)) {
			fields = append(fields, [2]string{k, ref.Params[k]})
		}
		ct, body := form(fields, "file", "d.txt", []byte("desk content"))
		c.must(201, "POST", ref.URL, map[string]string{"Content-Type": ct}, body, nil)
		c.must(200, "PATCH", base+"/desk/api/v2/files/1.json", deskAuth, nil, nil)
		snap, err := emu.Admin.Snapshot(ctx, "same")
		if err != nil {
			t.Fatal(err)
		}
		snaps = append(snaps, snap)
	}
	if !bytes.Equal(snaps[0], snaps[1]) {
		t.Errorf("two emulators in the same state gave different archives (%d and %d bytes)", len(snaps[0]), len(snaps[1]))
		m0, m1 := members(t, snaps[0]), members(t, snaps[1])
		for i := range min(len(m0), len(m1)) {
			if m0[i].name != m1[i].name || !bytes.Equal(m0[i].data, m1[i].data) {
				t.Errorf("member %s:\n%s\nand %s:\n%s", m0[i].name, m0[i].data, m1[i].name, m1[i].data)
			}
		}
	}
	ms := members(t, snaps[0])
	if len(ms) < 6 || ms[0].name != "manifest.json" || ms[1].name != "state/desk.json" || ms[2].name != "state/weavy.json" {
		t.Errorf("members = %v", ms)
	}
}
