package haufe_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/fileemu/fileemu/testkit"
)

// Moving one session's clock 601 s expires that session's upload URLs (600 s) and no other's,
// on the real clock (no WithClock): what a test against the container does.
func TestSessionClockExpiresUploadURLs(t *testing.T) {
	emu := testkit.Start(t)
	a, b := newClient(t, emu), newClient(t, emu)
	ua, ub := a.signedURL(user, "a.txt", ""), b.signedURL(user, "b.txt", "")
	a.s.Clock().Advance(t, 601*time.Second)
	if st, body := a.put(ua.FileURL, []byte("late"), ""); st != 403 || !bytes.Contains(body, []byte("Request has expired")) {
		t.Errorf("PUT to the URL after advancing its session 601 s = %d %s, want 403 Request has expired", st, body)
	}
	if n := len(a.s.State(t).Objects); n != 0 {
		t.Errorf("the expired URL stored %d objects", n)
	}
	if st, body := b.put(ub.FileURL, []byte("on time"), ""); st != 200 {
		t.Errorf("PUT to another session's URL = %d %s, want 200: its clock did not move", st, body)
	}
	// A URL handed out after the move is valid on the moved clock.
	fresh := a.signedURL(user, "c.txt", "")
	if st, body := a.put(fresh.FileURL, []byte("now"), ""); st != 200 {
		t.Errorf("PUT to a URL made on the moved clock = %d %s", st, body)
	}
	// Back on the emulator clock, that URL is dated 601 s in the future: S3 allows 15 minutes
	// of skew, so it still works, and the first one is no longer expired.
	a.s.Clock().Reset(t)
	if st, body := a.put(ua.FileURL, []byte("again"), ""); st != 200 {
		t.Errorf("PUT to the first URL after the clock was put back = %d %s", st, body)
	}
}

// A persist=false file is gone once its session's clock passes 24 h; a persisted file and
// another session's temporary file stay.
func TestSessionClockExpiresTemporaryFiles(t *testing.T) {
	emu := testkit.Start(t)
	a, b := newClient(t, emu), newClient(t, emu)
	tmpA, tmpB := a.signedURL(user, "tmp.txt", "&persist=false"), b.signedURL(user, "tmp.txt", "&persist=false")
	a.put(tmpA.FileURL, []byte("temporary"), "text/plain")
	b.put(tmpB.FileURL, []byte("temporary"), "text/plain")
	kept := a.upload(user, "kept.txt", []byte("kept"))
	a.s.Clock().Advance(t, 25*time.Hour)
	if st, _ := a.status(user, tmpA.FileID); st != 404 {
		t.Errorf("temporary file 25 h later = %d, want 404", st)
	}
	if st, _ := a.status(user, kept); st != 200 {
		t.Errorf("persisted file 25 h later = %d, want 200", st)
	}
	if st, _ := b.status(user, tmpB.FileID); st != 200 {
		t.Errorf("another session's temporary file = %d, want 200", st)
	}
}

// Processing paced by duration (a scenario's processing: {duration}) ends when the session's
// clock has passed it, without waiting.
func TestSessionClockPacesProcessing(t *testing.T) {
	emu := testkit.Start(t)
	c := newClient(t, emu)
	c.s.LoadScenarioText(t, "scenarios:\n  - name: slow\n    active: true\n    rules:\n      - match: {api: haufe}\n        processing: {duration: 1h}\n")
	id := c.upload(user, "slow.txt", []byte("some text"))
	if _, s := c.status(user, id); s.ProcessingStatus != "PROCESSING" {
		t.Fatalf("right after upload = %+v, want PROCESSING", s)
	}
	c.s.Clock().Advance(t, 59*time.Minute)
	if _, s := c.status(user, id); s.ProcessingStatus != "PROCESSING" {
		t.Fatalf("59 min later = %+v, want PROCESSING", s)
	}
	c.s.Clock().Advance(t, time.Minute)
	if _, s := c.status(user, id); s.ProcessingStatus != "PROCESSED" {
		t.Errorf("1 h later = %+v, want PROCESSED", s)
	}
}

// Timestamps in responses are on the session's clock.
func TestSessionClockDatesThreads(t *testing.T) {
	emu := testkit.Start(t)
	c := newClient(t, emu)
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	c.s.Clock().Set(t, at)
	var th struct {
		Created time.Time `json:"created_at"`
	}
	st, b := c.do("POST", "/v1/threads", "", strings.NewReader(`{"assistant_id":"`+assistant+`","user_id":"`+user+`","title":"t"}`), jsonCT, nil)
	if st != 201 {
		t.Fatalf("create thread = %d %s", st, b)
	}
	if err := json.Unmarshal(b, &th); err != nil {
		t.Fatal(err)
	}
	if d := th.Created.Sub(at); d < 0 || d > time.Minute {
		t.Errorf("created_at = %v, want just after %v", th.Created, at)
	}
}

// A snapshot taken right after an upload to a signed URL holds the upload: reading the state in
// between (which notices it) does not change the snapshot's bytes.
func TestSnapshotHoldsAnUploadNotYetNoticed(t *testing.T) {
	emu := testkit.Start(t)
	c := newClient(t, emu)
	u := c.signedURL(user, "a.txt", "")
	if st, body := c.put(u.FileURL, []byte("landed"), "text/plain"); st != 200 {
		t.Fatalf("PUT = %d %s", st, body)
	}
	before := c.s.Snapshot(t)
	c.s.State(t)
	if after := c.s.Snapshot(t); !bytes.Equal(before, after) {
		t.Error("reading the state changed the snapshot: the first one missed the upload")
	}
}
