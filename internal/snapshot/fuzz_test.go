package snapshot_test

import (
	"bytes"
	"compress/gzip"
	"testing"

	"github.com/fileemu/fileemu/testkit"
)

// FuzzRestore sends archives to PUT /__admin/sessions/{id}/snapshot: whatever the bytes, the
// answer is a restore (200) or a refusal (413, 422), never a panic or a 500. The seeds are a real
// snapshot of every API's state, compressed and not, and cut.
func FuzzRestore(f *testing.F) {
	emu := testkit.Start(f)
	a := &api{t: f, http: emu.Client(f), s: emu.Session(f)}
	prepare(f, a, 1000)
	snap := a.s.Snapshot(f)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(snap)
	zw.Close()
	f.Add(snap)
	f.Add(gz.Bytes())
	f.Add(snap[:len(snap)/2])
	f.Add(snap[:512])
	f.Add([]byte{})
	target := emu.Session(f)
	f.Fuzz(func(t *testing.T, archive []byte) {
		c := &api{t: t, http: emu.Client(t), s: target}
		st, body := c.call("PUT", "admin /sessions/"+target.ID+"/snapshot", nil, archive)
		switch st {
		case 200, 413, 422:
		default:
			t.Fatalf("PUT = %d %s", st, body)
		}
	})
}
