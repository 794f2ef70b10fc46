package filesro_test

import (
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/fileemu/fileemu/testkit"
)

// An abandoned chunked upload and an expiring share follow the clock of their session: moving
// it frees the chunks and ends the share there, and nowhere else.
func TestSessionClockExpiresChunksAndShares(t *testing.T) {
	emu := testkit.Start(t) // the real clock: the admin API moves the session's
	session := func() *client {
		hc := emu.Client(t)
		hc.Jar, _ = cookiejar.New(nil)
		return &client{t: t, emu: emu, http: hc, s: emu.Session(t)}
	}
	c, other := session(), session()

	for _, cl := range []*client{c, other} {
		cl.upload("demo", text("name", "y.bin"), file("chunk", "r-y.bin.part", []byte("part")), text("extension", "bin"),
			text("is_last_chunk", "0"))
		if st, b := cl.json("POST", "/share", `{"permission":"editor","expiration":2,"token":"short"}`, true); st != 201 || !strings.Contains(string(b), `"expire_in":2`) {
			t.Fatalf("create expiring share = %d %s", st, b)
		}
	}
	c.s.Clock().Advance(t, 59*time.Minute)
	c.json("GET", "/shares/demo", "", false)
	if n := len(c.objects("_filesro/chunks/")); n != 1 {
		t.Fatalf("chunks 59 min later = %d, want 1", n)
	}
	c.s.Clock().Advance(t, time.Minute+time.Second)
	c.json("GET", "/shares/demo", "", false)
	if n := len(c.objects("_filesro/chunks/")); n != 0 {
		t.Errorf("chunks past the 1 h expiry = %d, want 0", n)
	}
	if st, _ := c.json("GET", "/shares/short", "", false); st != 200 {
		t.Errorf("share 1 h into its 2 = %d, want 200", st)
	}
	c.s.Clock().Advance(t, time.Hour)
	if st, _ := c.json("GET", "/shares/short", "", false); st != 404 {
		t.Errorf("share past its 2 h = %d, want 404", st)
	}

	other.json("GET", "/shares/demo", "", false)
	if n := len(other.objects("_filesro/chunks/")); n != 1 {
		t.Errorf("another session's chunks = %d, want 1: its clock did not move", n)
	}
	if st, _ := other.json("GET", "/shares/short", "", false); st != 200 {
		t.Errorf("another session's share = %d, want 200", st)
	}
}
