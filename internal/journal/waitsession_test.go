package journal

import "testing"

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// TestWaitSession: a stream following one session is woken by that session's changes only,
// and the position it reads from moves past the others', so a busy other session never makes
// it lose changes.
func TestWaitSession(t *testing.T) {
	j := New(10, 0)
	pos, _ := j.Position()
	ready, from := j.WaitSession(pos, "a")
	if isClosed(ready) || from != pos {
		t.Fatalf("nothing changed: ready %v, from %d (pos %d)", isClosed(ready), from, pos)
	}
	for range changeRing + 10 { // more than the feed keeps, all of another session
		j.Add(Entry{Session: "b", Path: "/b"})
	}
	if isClosed(ready) {
		t.Fatal("woken by another session's changes")
	}
	ready2, from2 := j.WaitSession(from, "a")
	if isClosed(ready2) {
		t.Fatal("another session's changes count as this one's")
	}
	if entries, _, lost := j.Changes(from2, Filter{Session: "a"}); lost || len(entries) != 0 {
		t.Fatalf("Changes from the moved position: %d entries, lost %v", len(entries), lost)
	}
	seq := j.Add(Entry{Session: "a", Path: "/a"})
	if !isClosed(ready) || !isClosed(ready2) {
		t.Fatal("not woken by the session's own change")
	}
	ready3, from3 := j.WaitSession(from2, "a")
	if !isClosed(ready3) || from3 != from2 {
		t.Fatalf("a change of the session is pending: ready %v, from %d (was %d)", isClosed(ready3), from3, from2)
	}
	entries, _, lost := j.Changes(from3, Filter{Session: "a"})
	if lost || len(entries) != 1 || entries[0].Seq != seq {
		t.Fatalf("Changes: %+v, lost %v", entries, lost)
	}
	// "" follows every session: woken by any change, the position stays for Changes.
	pos, _ = j.Position()
	all, from4 := j.WaitSession(pos, "")
	if isClosed(all) || from4 != pos {
		t.Fatal("all sessions: ready before any change")
	}
	j.Add(Entry{Session: "c"})
	if !isClosed(all) {
		t.Fatal("all sessions: not woken")
	}
}
