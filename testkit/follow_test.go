package testkit_test

import (
	"bufio"
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fileemu/fileemu/testkit"
)

// next waits for an event that pass accepts, failing t after a few seconds.
func next(t *testing.T, events <-chan testkit.Event, pass func(testkit.Event) bool) testkit.Event {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("the stream ended")
			}
			if pass(ev) {
				return ev
			}
		case <-timeout:
			t.Fatal("no such event within 5 s")
		}
	}
}

func askSignedURL(t *testing.T, emu *testkit.Emulator, s *testkit.Session) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL("haufe")+"/v1/files/signed-url?filename=a.txt", nil)
	req.Header.Set("api-key", "k")
	req.Header.Set("user-id", "497f6eca-6276-4993-bfeb-53cbbbba6f08")
	if resp, _ := testkit.Do(t, emu.Client(t), req); resp.StatusCode != 200 {
		t.Fatalf("signed-url = %d", resp.StatusCode)
	}
}

// A session's requests arrive live, completed (the answer's body, its duration); another
// session's do not.
func TestFollowStreamsTheSessionsRequests(t *testing.T) {
	emu := testkit.Start(t)
	s, other := emu.Session(t), emu.Session(t)
	events := s.Follow(t)
	askSignedURL(t, emu, other)
	askSignedURL(t, emu, s)
	ev := next(t, events, func(ev testkit.Event) bool { return ev.Kind == "request" })
	if ev.Request.Session != s.ID || ev.Request.Operation != "getSignedUrl" {
		t.Errorf("first event %+v: want this session's signed-url (the other session's is not followed)", ev)
	}
	// It arrives completed, or an update completes it.
	for ev.Request.DurationMS <= 0 || !strings.Contains(ev.Request.ResponseBody, "file_url") {
		seq := ev.Request.Seq
		ev = next(t, events, func(ev testkit.Event) bool { return ev.Request.Seq == seq })
	}
	if ev.Request.Status != 200 {
		t.Errorf("completed event %+v", ev)
	}
}

// A client that reconnects with Last-Event-ID first gets what it missed.
func TestStreamResumesAfterLastEventID(t *testing.T) {
	emu := testkit.Start(t)
	s := emu.Session(t)
	askSignedURL(t, emu, s)
	rs := s.Requests(t)
	askSignedURL(t, emu, s)
	askSignedURL(t, emu, s)
	req, _ := http.NewRequest("GET", emu.URL+"/__admin/requests/stream?session="+s.ID, nil)
	req.Header.Set("Last-Event-ID", strconv.FormatUint(rs[len(rs)-1].Seq, 10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var ids []string
	sc := bufio.NewScanner(resp.Body)
	for len(ids) < 2 && sc.Scan() {
		if id, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
			ids = append(ids, id)
		}
	}
	want := []string{strconv.FormatUint(rs[len(rs)-1].Seq+1, 10), strconv.FormatUint(rs[len(rs)-1].Seq+2, 10)}
	if strings.Join(ids, ",") != strings.Join(want, ",") {
		t.Errorf("resumed with ids %v, want %v", ids, want)
	}
}

// Closing the emulator ends its streams (a graceful shutdown does not wait for them).
func TestCloseEndsStreams(t *testing.T) {
	emu, err := testkit.New()
	if err != nil {
		t.Fatal(err)
	}
	events, err := emu.Admin.Follow(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		emu.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close waits for a live stream")
	}
	for range events {
	}
}

// A client that resumes still gets the completion of a request it saw begin.
func TestResumedStreamGetsUpdatesOfEntriesItSaw(t *testing.T) {
	emu := testkit.Start(t)
	s := emu.Session(t)
	askSignedURL(t, emu, s)
	rs := s.Requests(t)
	seq := rs[len(rs)-1].Seq
	req, _ := http.NewRequest("GET", emu.URL+"/__admin/requests/stream?session="+s.ID, nil)
	req.Header.Set("Last-Event-ID", strconv.FormatUint(seq, 10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// A new request arrives as a request event with the next id, not as an update.
	askSignedURL(t, emu, s)
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "id: ") {
			if line != "id: "+strconv.FormatUint(seq+1, 10) {
				t.Fatalf("first id after resuming at %d: %s", seq, line)
			}
			return
		}
	}
	t.Fatal("the stream ended")
}
