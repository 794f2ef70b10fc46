package container_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/fileemu/fileemu/testkit"
)

// clockExpiry: advancing one session's clock over the admin API expires its Haufe upload URL
// (600 s) and its persist=false file (24 h) at once, with no sleep; another session's URL in
// the same emulator stays valid.
func clockExpiry(t *testing.T, tg testkit.Target) {
	a, b := newClient(t, tg), newClient(t, tg)
	var unused, tmp, other signed
	for _, g := range []struct {
		c    *client
		q    string
		into *signed
	}{
		{a, "filename=later.txt", &unused},
		{a, "filename=tmp.txt&persist=false", &tmp},
		{b, "filename=other.txt", &other},
	} {
		if st, body := g.c.haufe("GET", "/v1/files/signed-url?"+g.q, "", g.into); st != 200 {
			t.Fatalf("signed-url?%s = %d %s", g.q, st, body)
		}
	}
	put := func(c *client, u string) (int, []byte) {
		return c.do("PUT", u, map[string]string{"Content-Type": "text/plain"}, strings.NewReader("temporary text"), nil)
	}
	if st, body := put(a, tmp.FileURL); st != 200 {
		t.Fatalf("PUT of the persist=false file = %d %s", st, body)
	}
	if st, body := a.haufe("GET", "/v1/files/"+tmp.FileID+"/status", "", nil); st != 200 {
		t.Fatalf("status of the persist=false file = %d %s", st, body)
	}

	now := a.s.Clock().Advance(t, 25*time.Hour)
	if st := a.s.Clock().State(t); !st.Moved || st.Offset != 25*time.Hour || !st.Now.After(now.Add(-time.Minute)) {
		t.Errorf("session clock after Advance(25h) = %+v", st)
	}
	if st := b.s.Clock().State(t); st.Moved || st.Offset != 0 {
		t.Errorf("another session's clock = %+v, want it not moved", st)
	}

	if st, body := put(a, unused.FileURL); st != 403 || !bytes.Contains(body, []byte("Request has expired")) {
		t.Errorf("PUT to the upload URL 25 h later on its session's clock = %d %s, want 403 Request has expired", st, body)
	}
	if st, body := a.haufe("GET", "/v1/files/"+tmp.FileID+"/status", "", nil); st != 404 {
		t.Errorf("persist=false file 25 h later = %d %s, want 404", st, body)
	}
	if st, body := put(b, other.FileURL); st != 200 {
		t.Errorf("PUT to another session's URL = %d %s, want 200: its clock did not move", st, body)
	}

	a.s.Clock().Reset(t)
	if st := a.s.Clock().State(t); st.Moved {
		t.Errorf("session clock after Reset = %+v", st)
	}
}

func TestClockExpiresURLsAndFiles(t *testing.T) { onBoth(t, clockExpiry) }
