package journal

import (
	"strings"
	"testing"
)

// TestComplete: the fields a request's end brings are stored redacted and bounded (as Add
// stores the rest), the byte count follows them, and an evicted entry is left alone.
func TestComplete(t *testing.T) {
	j := New(2, 0)
	first := j.Add(Entry{Path: "/a", Headers: map[string]string{"Authorization": "Bearer secret"}})
	seq := j.Add(Entry{Path: "/b"})
	bytesBefore := j.bytes
	ok := j.Complete(seq, Completion{DurationMS: 2.5, BodySize: 7, BodySHA256: "abc", Scenario: "flaky", Rule: "flaky#0",
		RequestBody:     strings.Repeat("x", maxBody+100),
		ResponseHeaders: map[string]string{"Set-Cookie": "sid=secret", "location": "http://h/s3/b/k?X-Amz-Signature=deadbeef"},
		ResponseBody:    "ok"})
	if !ok {
		t.Fatal("Complete of a present entry returned false")
	}
	got := j.Find(Filter{Path: "/b"})
	if len(got) != 1 {
		t.Fatalf("Find: %+v", got)
	}
	e := got[0]
	if e.DurationMS != 2.5 || e.BodySize != 7 || e.BodySHA256 != "abc" || e.Scenario != "flaky" || e.Rule != "flaky#0" || e.ResponseBody != "ok" {
		t.Errorf("completed entry: %+v", e)
	}
	if e.ResponseHeaders["Set-Cookie"] != Redacted || strings.Contains(e.ResponseHeaders["location"], "deadbeef") {
		t.Errorf("response headers not redacted: %v", e.ResponseHeaders)
	}
	if len(e.RequestBody) > maxBody+64 || !strings.Contains(e.RequestBody, "truncated") {
		t.Errorf("request body not bounded: %d bytes", len(e.RequestBody))
	}
	if j.bytes <= bytesBefore {
		t.Errorf("journal bytes %d after completing, %d before", j.bytes, bytesBefore)
	}
	if a := j.Find(Filter{Path: "/a"}); len(a) != 1 || a[0].Headers["Authorization"] != Redacted {
		t.Errorf("first entry: %+v", a)
	}
	j.Add(Entry{Path: "/c"})
	j.Add(Entry{Path: "/d"})
	if j.Complete(first, Completion{DurationMS: 1}) || j.Complete(seq, Completion{DurationMS: 1}) {
		t.Error("Complete of an evicted entry returned true")
	}
}
