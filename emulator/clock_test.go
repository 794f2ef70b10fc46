package emulator_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fileemu/fileemu/internal/s3"
	"github.com/fileemu/fileemu/testkit"
)

// putTo PUTs a small body to an upload URL and returns the status and body.
func putTo(t *testing.T, client *http.Client, u string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("PUT", u, strings.NewReader("content"))
	resp, b := testkit.Do(t, client, req)
	return resp.StatusCode, b
}

// The emulator clock carries every session's clock: advancing it expires every session's
// URLs; a session's own offset adds to it.
func TestEmulatorClockMovesEverySession(t *testing.T) {
	emu := testkit.Start(t)
	client := emu.Client(t)
	a, b := emu.Session(t), emu.Session(t)
	ua, ub := signedPutURL(t, emu, a), signedPutURL(t, emu, b)
	emu.Admin.Clock().Advance(t, 601*time.Second)
	for name, u := range map[string]string{"a": ua, "b": ub} {
		if st, body := putTo(t, client, u); st != 403 || !bytes.Contains(body, []byte("Request has expired")) {
			t.Errorf("session %s's URL after the emulator clock moved 601 s = %d %s, want 403 expired", name, st, body)
		}
	}
	// A's own clock goes back 10 minutes on top of the emulator's: its URL is valid again.
	a.Clock().Advance(t, -10*time.Minute)
	if st, body := putTo(t, client, ua); st != 200 {
		t.Errorf("session a's URL with a's clock 10 min behind the emulator's = %d %s", st, body)
	}
	if st, _ := putTo(t, client, ub); st != 403 {
		t.Errorf("session b's URL = %d, want 403 still", st)
	}
}

// The session idle TTL and the journal run on the emulator clock: a session's own clock
// neither drops it nor dates its journal entries.
func TestTTLAndJournalStayOnTheEmulatorClock(t *testing.T) {
	emu := testkit.Start(t, testkit.WithSessionTTL(time.Hour))
	moved, idle := emu.Session(t), emu.Session(t)
	moved.Clock().Advance(t, 365*24*time.Hour)
	signedPutURL(t, emu, moved)
	if rs := moved.Requests(t, testkit.Operation("getSignedUrl")); len(rs) != 1 || time.Since(rs[0].Time) > time.Minute || time.Since(rs[0].Time) < -time.Minute {
		t.Errorf("journal of a request in a session a year ahead: %+v, want it dated now", rs)
	}
	if ids := sessionIDs(t, emu); !slices.Contains(ids, idle.ID) {
		t.Fatalf("session %s dropped by another session's clock: %v", idle.ID, ids)
	}
	emu.Admin.Clock().Advance(t, 61*time.Minute)
	signedPutURL(t, emu, moved) // a request after the TTL triggers the sweep
	if ids := sessionIDs(t, emu); slices.Contains(ids, idle.ID) || !slices.Contains(ids, moved.ID) {
		t.Errorf("sessions 61 min later on the emulator clock: %v (idle %s should be gone)", ids, idle.ID)
	}
	emu.Admin.CreateSession(t.Context(), idle.ID) // the kit drops its sessions when the test ends
}

// Desk's POST policy and timestamps, Weavy's timestamps, S3's signature dates and object dates
// follow the session's clock.
func TestTimestampsAndFormsFollowTheSessionClock(t *testing.T) {
	emu := testkit.Start(t)
	client := emu.Client(t)
	s, other := emu.Session(t), emu.Session(t)
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	s.Clock().Set(t, at)
	near := func(got time.Time) bool { return !got.Before(at) && got.Sub(at) < time.Minute }

	// Desk: the ref's form expires an hour later on the session's clock; the file is dated on it.
	r, _ := http.NewRequest("POST", s.URL("desk")+"/files/ref.json", strings.NewReader(`{"filename":"a.txt","mimeType":"text/plain"}`))
	r.Header.Set("Authorization", "Bearer k")
	r.Header.Set("Content-Type", "application/json")
	_, body := testkit.Do(t, client, r)
	var ref struct {
		URL    string            `json:"url"`
		Params map[string]string `json:"params"`
		File   struct {
			CreatedAt time.Time `json:"createdAt"`
		} `json:"file"`
	}
	if err := json.Unmarshal(body, &ref); err != nil {
		t.Fatalf("desk ref: %s", body)
	}
	if !near(ref.File.CreatedAt) {
		t.Errorf("desk createdAt = %v, want about %v", ref.File.CreatedAt, at)
	}
	s.Clock().Advance(t, time.Hour+time.Second)
	form, ct := multipartForm(ref.Params, "a.txt", []byte("late"))
	post, _ := http.NewRequest("POST", ref.URL, form)
	post.Header.Set("Content-Type", ct)
	if resp, b := testkit.Do(t, client, post); resp.StatusCode != 403 || !bytes.Contains(b, []byte("expired")) {
		t.Errorf("S3 POST after the session's clock passed the policy's expiration = %d %s, want 403", resp.StatusCode, b)
	}
	s.Clock().Set(t, at)

	// Weavy: an app is dated on the session's clock.
	r, _ = http.NewRequest("PUT", s.URL("weavy")+"/api/apps/clock-files", strings.NewReader(`{"type":"files"}`))
	r.Header.Set("Authorization", "Bearer k")
	r.Header.Set("Content-Type", "application/json")
	_, body = testkit.Do(t, client, r)
	var app struct {
		CreatedAt time.Time `json:"created_at"`
	}
	if err := json.Unmarshal(body, &app); err != nil || !near(app.CreatedAt) {
		t.Errorf("weavy app = %s, want created_at about %v", body, at)
	}

	// S3: a URL a client presigned on the real date has long expired on the session's clock.
	u, _ := s3.Presign(s3Creds, s3.PresignOptions{Method: "PUT", URL: s3.ObjectURL(s.URL(""), "bucket", "k.txt"), Expires: time.Hour, Now: time.Now()})
	if st, b := putTo(t, client, u); st != 403 || !bytes.Contains(b, []byte("Request has expired")) {
		t.Errorf("PUT presigned on the real date in a session set to 2030 = %d %s, want 403 expired", st, b)
	}
	// Signed on the session's clock it passes, and the object's Last-Modified is on that clock.
	for _, sess := range []*testkit.Session{s, other} {
		now := sess.Clock().Now(t)
		u, err := s3.Presign(s3Creds, s3.PresignOptions{Method: "PUT", URL: s3.ObjectURL(sess.URL(""), "bucket", "k.txt"), Expires: time.Hour, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if st, b := putTo(t, client, u); st != 200 {
			t.Fatalf("PUT signed on the session's clock = %d %s", st, b)
		}
		g, _ := s3.Presign(s3Creds, s3.PresignOptions{Method: "HEAD", URL: s3.ObjectURL(sess.URL(""), "bucket", "k.txt"), Expires: time.Hour, Now: now})
		req, _ := http.NewRequest("HEAD", g, nil)
		resp, _ := testkit.Do(t, client, req)
		lm, err := http.ParseTime(resp.Header.Get("Last-Modified"))
		if err != nil || lm.Sub(now.Truncate(time.Second)).Abs() > time.Minute {
			t.Errorf("Last-Modified in session %s = %q, want about %v", sess.ID, resp.Header.Get("Last-Modified"), now)
		}
	}
}

// Scenario windows start at activation on the session's clock and open when that clock has
// passed them; session rate limits refill on it.
func TestScenariosFollowTheSessionClock(t *testing.T) {
	emu := testkit.Start(t)
	client := emu.Client(t)
	doc := "scenarios:\n" +
		"  - name: later\n    active: false\n    rules:\n      - match: {api: haufe, operation: getSignedUrl}\n        when: {window: {from: 1h}}\n        respond: 503\n" +
		"  - name: slow\n    active: false\n    rules:\n      - match: {api: haufe, operation: listFiles}\n        rate_limit: {rate: 1/h, scope: session}\n"
	a, b := emu.Session(t), emu.Session(t)
	for _, s := range []*testkit.Session{a, b} {
		s.LoadScenarioText(t, doc)
		s.ActivateScenarios(t, "later", "slow")
	}
	status := func(s *testkit.Session, path string) int {
		req, _ := http.NewRequest("GET", s.URL("haufe")+path, nil)
		req.Header.Set("api-key", "k")
		req.Header.Set("user-id", "u")
		resp, _ := testkit.Do(t, client, req)
		return resp.StatusCode
	}
	calls := func(s *testkit.Session) string {
		return fmt.Sprint(status(s, "/v1/files/signed-url?filename=a.txt"), " ", status(s, "/v1/files"), " ", status(s, "/v1/files"))
	}
	if got := calls(a); got != "200 200 429" {
		t.Errorf("session a at activation: %s, want 200 200 429", got)
	}
	a.Clock().Advance(t, time.Hour)
	if got := calls(a); got != "503 200 429" {
		t.Errorf("session a 1 h later on its clock: %s, want 503 (window open) 200 (bucket refilled) 429", got)
	}
	if got := calls(b); got != "200 200 429" {
		t.Errorf("session b: %s, want 200 200 429: its clock did not move", got)
	}
}
