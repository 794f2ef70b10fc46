package snapshot_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/fileemu/fileemu/testkit"
)

type member struct {
	name string
	data []byte
}

func members(t *testing.T, archive []byte) []member {
	t.Helper()
	var out []member
	tr := tar.NewReader(bytes.NewReader(archive))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		out = append(out, member{h.Name, b})
	}
}

func pack(t *testing.T, ms []member) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range ms {
		if err := tw.WriteHeader(&tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(m.data)
	}
	tw.Close()
	return buf.Bytes()
}

// edit returns the archive with f applied to every member (nil drops it).
func edit(t *testing.T, archive []byte, f func(m member) *member) []byte {
	var out []member
	for _, m := range members(t, archive) {
		if e := f(m); e != nil {
			out = append(out, *e)
		}
	}
	return pack(t, out)
}

// objectMember returns the member holding the object whose name starts with prefix.
func objectMember(t *testing.T, archive []byte, prefix string) string {
	for _, m := range members(t, archive) {
		if m.name != "objects.json" {
			continue
		}
		var objs []struct{ Member, Name string }
		json.Unmarshal(m.data, &objs)
		for _, o := range objs {
			if strings.HasPrefix(o.Name, prefix) {
				return o.Member
			}
		}
	}
	t.Fatalf("no object %s*", prefix)
	return ""
}

// An archive the emulator cannot read is refused with 422 naming the member at fault, and the
// target session keeps its state.
func TestRefusedArchivesChangeNothing(t *testing.T) {
	emuA, emuB := testkit.Start(t), testkit.Start(t)
	a := &api{t: t, http: emuA.Client(t), s: emuA.Session(t)}
	prepare(t, a, 1000)
	good := a.s.Snapshot(t)
	deskObject := objectMember(t, good, "desk-uploads/1/")
	filesroObject := objectMember(t, good, "_filesro/files/")

	b := &api{t: t, http: emuB.Client(t), s: emuB.Session(t)}
	var ref struct{ File struct{ ID int64 } }
	b.must(201, "POST", "desk /files/ref.json", with(deskAuth, jsonCT), `{"filename":"mine.txt","mimeType":"text/plain"}`, &ref)
	before, _ := json.Marshal(b.s.State(t))

	gz := func(b []byte) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(b)
		zw.Close()
		return buf.Bytes()
	}
	replace := func(name string, f func([]byte) []byte) func(m member) *member {
		return func(m member) *member {
			if m.name == name {
				m.data = f(m.data)
			}
			return &m
		}
	}
	for _, tc := range []struct {
		name    string
		archive []byte
		member  string
		message string // a regexp the message matches
	}{
		{"not an archive", []byte("PK\x03\x04 this is a zip, not a tar"), "", "not a tar archive"},
		{"empty", nil, "", "not a tar archive"},
		{"gzip of garbage", gz([]byte("no tar in here")), "", "not a tar archive"},
		{"format version", edit(t, good, replace("manifest.json", func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"version": 1`), []byte(`"version": 99`), 1)
		})), "manifest.json", "format version 99.*reads version 1"},
		{"not a fileemu snapshot", edit(t, good, replace("manifest.json", func(b []byte) []byte {
			return bytes.Replace(b, []byte(`fileemu-snapshot`), []byte(`something-else`), 1)
		})), "manifest.json", "not a fileemu snapshot"},
		{"manifest not first", pack(t, append(members(t, good)[1:], members(t, good)[0])), "state/desk.json", "first member must be manifest.json"},
		{"state does not parse", edit(t, good, replace("state/desk.json", func(b []byte) []byte { return b[:len(b)/2] })),
			"state/desk.json", "parse state"},
		{"unknown field in a state", edit(t, good, replace("state/weavy.json", func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"version": 1,`), []byte(`"version": 1, "colour": "red",`), 1)
		})), "state/weavy.json", `unknown field "colour"`},
		{"unknown field in the manifest", edit(t, good, replace("manifest.json", func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"version": 1,`), []byte(`"version": 1, "extra": true,`), 1)
		})), "manifest.json", `unknown field "extra"`},
		{"unknown field in the object index", edit(t, good, replace("objects.json", func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"size":`), []byte(`"owner": "me", "size":`), 1)
		})), "objects.json", `unknown field "owner"`},
		{"state of an unknown API", pack(t, append(members(t, good), member{"state/dropbox.json", []byte(`{}`)})),
			"state/dropbox.json", "not the state of an API"},
		{"unknown member", pack(t, append(members(t, good), member{"notes.txt", []byte(`hi`)})), "notes.txt", "not a member"},
		{"object the state refers to is missing", edit(t, good, func(m member) *member {
			switch {
			case m.name == filesroObject:
				return nil
			case m.name == "objects.json":
				var objs []map[string]any
				json.Unmarshal(m.data, &objs)
				var keep []map[string]any
				for _, o := range objs {
					if o["member"] != filesroObject {
						keep = append(keep, o)
					}
				}
				m.data, _ = json.Marshal(keep)
			}
			return &m
		}), "state/filesro.json", `_filesro/files/.*not found`},
		{"object listed, content missing", edit(t, good, func(m member) *member {
			if m.name == deskObject {
				return nil
			}
			return &m
		}), deskObject, "missing"},
		{"hash mismatch", edit(t, good, replace(deskObject, func(b []byte) []byte {
			c := bytes.Clone(b)
			c[0] ^= 0xff
			return c
		})), deskObject, "does not match.*SHA-256"},
		{"part of an upload missing", edit(t, good, func(m member) *member {
			if m.name == "side/s3/objects/000001" {
				return nil
			}
			return &m
		}), "side/s3/objects/000001", "missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, body := b.call("PUT", "admin /sessions/"+b.s.ID+"/snapshot", nil, tc.archive)
			var e struct {
				Error, Message string
				Member         *string
			}
			json.Unmarshal(body, &e)
			if st != 422 || e.Error != "invalid_snapshot" || e.Member == nil || *e.Member != tc.member || !regexp.MustCompile(tc.message).MatchString(e.Message) {
				t.Errorf("PUT = %d %s, want 422 invalid_snapshot for member %q matching %q", st, body, tc.member, tc.message)
			}
			if after, _ := json.Marshal(b.s.State(t)); !bytes.Equal(after, before) {
				t.Errorf("the session changed:\n%s\nwas\n%s", after, before)
			}
			b.must(200, "GET", "desk /files/1.json", deskAuth, nil, nil)
		})
	}

	// The good archive, compressed, restores; the session's scenarios stay on.
	b.s.LoadScenarioText(t, "scenarios:\n  - name: desk-down\n    rules:\n      - match: {api: desk}\n        respond: 503\n")
	b.s.ActivateScenarios(t, "desk-down")
	b.must(200, "PUT", "admin /sessions/"+b.s.ID+"/snapshot", nil, gz(good), nil)
	if after, _ := json.Marshal(b.s.State(t)); bytes.Equal(after, before) {
		t.Error("a good archive changed nothing")
	}
	var active struct{ Active []string }
	b.must(200, "GET", "admin /sessions/"+b.s.ID+"/scenarios", nil, nil, &active)
	if len(active.Active) != 1 || active.Active[0] != "desk-down" {
		t.Errorf("scenarios on after the restore = %v, want desk-down", active.Active)
	}
	if st, _ := b.call("GET", "desk /files/1.json", deskAuth, nil); st != 503 {
		t.Errorf("desk with desk-down on after the restore = %d, want 503", st)
	}
}

// An archive whose objects do not fit in the storage limit is refused with 413, nothing kept.
func TestRestoreIsBoundByTheStorageLimit(t *testing.T) {
	emuA := testkit.Start(t)
	a := &api{t: t, http: emuA.Client(t), s: emuA.Session(t)}
	prepare(t, a, 2<<20) // more than the target's limit
	snap := a.s.Snapshot(t)

	emuB := testkit.Start(t, testkit.WithMaxStorage(1<<20))
	b := &api{t: t, http: emuB.Client(t), s: emuB.Session(t)}
	b.must(201, "POST", "desk /files/ref.json", with(deskAuth, jsonCT), `{"filename":"mine.txt","mimeType":"text/plain"}`, nil)
	before, _ := json.Marshal(b.s.State(t))
	st, body := b.call("PUT", "admin /sessions/"+b.s.ID+"/snapshot", nil, snap)
	if st != 413 || !strings.Contains(string(body), "storage_full") {
		t.Errorf("PUT = %d %s, want 413 storage_full", st, body)
	}
	if after, _ := json.Marshal(b.s.State(t)); !bytes.Equal(after, before) {
		t.Errorf("the session changed:\n%s\nwas\n%s", after, before)
	}
	// Nothing of the refused archive stays counted: a small upload still fits.
	b.must(201, "POST", "desk /files/ref.json", with(deskAuth, jsonCT), `{"filename":"more.txt","mimeType":"text/plain"}`, nil)
	ct, body2 := form(nil, "blob", "small.txt", bytes.Repeat([]byte("x"), 512<<10))
	b.must(201, "POST", "weavy /api/blobs", with(weavyAuth, map[string]string{"Content-Type": ct}), body2, nil)
}
