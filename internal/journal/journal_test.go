package journal

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// seqs returns the sequence numbers of entries, for compact comparisons.
func seqs(entries []Entry) []uint64 {
	out := []uint64{}
	for _, e := range entries {
		out = append(out, e.Seq)
	}
	return out
}

func TestNewCapacity(t *testing.T) {
	for _, tt := range []struct{ in, want int }{{-1, DefaultCapacity}, {0, DefaultCapacity}, {1, 1}, {5, 5}} {
		if got := New(tt.in, 0).Capacity(); got != tt.want {
			t.Errorf("New(%d, 0).Capacity() = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestRingEviction(t *testing.T) {
	j := New(3, 0)
	for i := 1; i <= 7; i++ {
		if seq := j.Add(Entry{Seq: 999, Path: fmt.Sprint("/", i)}); seq != uint64(i) {
			t.Fatalf("Add #%d returned seq %d", i, seq)
		}
		all := j.Find(Filter{})
		var want []uint64
		for s := max(1, i-2); s <= i; s++ {
			want = append(want, uint64(s))
		}
		if got := seqs(all); !reflect.DeepEqual(got, want) {
			t.Fatalf("after %d adds: seqs %v, want %v", i, got, want)
		}
		if last := all[len(all)-1]; last.Path != fmt.Sprint("/", i) {
			t.Fatalf("newest entry = %+v", last)
		}
	}
}

func TestUpdate(t *testing.T) {
	j := New(3, 0)
	first := j.Add(Entry{Path: "/a"})
	for range 3 {
		j.Add(Entry{Path: "/b"})
	}
	if j.Update(first, func(*Entry) { t.Error("fn called for evicted entry") }) {
		t.Error("Update of evicted entry returned true")
	}
	if j.Update(100, func(*Entry) { t.Error("fn called for future seq") }) {
		t.Error("Update of unknown seq returned true")
	}
	ok := j.Update(3, func(e *Entry) {
		e.Status = 201
		e.DurationMS = 1.5
		e.Seq = 42 // must be ignored
		e.Query = "token=secret"
	})
	if !ok {
		t.Fatal("Update of present entry returned false")
	}
	got := j.Find(Filter{Status: 201})
	if len(got) != 1 || got[0].Seq != 3 || got[0].DurationMS != 1.5 || got[0].Query != "token=REDACTED" {
		t.Errorf("after Update: %+v", got)
	}

	// Update must also find entries after the ring wrapped and after Remove.
	j.Remove(Filter{Status: 201})
	for _, s := range []uint64{2, 4} {
		if !j.Update(s, func(e *Entry) { e.Error = "x" }) {
			t.Errorf("Update(%d) after Remove = false", s)
		}
	}
}

func TestFilterMatch(t *testing.T) {
	e := Entry{Seq: 5, Session: "s1", API: "s3", Operation: "PutObject", Method: "PUT", Path: "/bucket/dir/key.txt", Status: 200}
	tests := []struct {
		name string
		f    Filter
		want bool
	}{
		{"zero filter", Filter{}, true},
		{"session", Filter{Session: "s1"}, true},
		{"other session", Filter{Session: "s2"}, false},
		{"session is exact", Filter{Session: "s"}, false},
		{"api", Filter{API: "s3"}, true},
		{"other api", Filter{API: "haufe"}, false},
		{"operation", Filter{Operation: "PutObject"}, true},
		{"other operation", Filter{Operation: "GetObject"}, false},
		{"method any case", Filter{Method: "put"}, true},
		{"other method", Filter{Method: "GET"}, false},
		{"status", Filter{Status: 200}, true},
		{"other status", Filter{Status: 404}, false},
		{"exact path", Filter{Path: "/bucket/dir/key.txt"}, true},
		{"glob", Filter{Path: "/bucket/*/*.txt"}, true},
		{"glob no match", Filter{Path: "/bucket/*.txt"}, false},
		{"prefix star", Filter{Path: "/bucket/*"}, true},
		{"prefix star no match", Filter{Path: "/other/*"}, false},
		{"bad pattern", Filter{Path: "/bucket/["}, false},
		{"after below", Filter{AfterSeq: 4}, true},
		{"after equal", Filter{AfterSeq: 5}, false},
		{"limit ignored", Filter{Limit: 1}, true},
		{"all fields", Filter{Session: "s1", API: "s3", Operation: "PutObject", Method: "Put", Status: 200, Path: "/bucket/*", AfterSeq: 1}, true},
		{"all but one", Filter{Session: "s1", API: "s3", Operation: "PutObject", Method: "Put", Status: 201, Path: "/bucket/*"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f.Match(e); got != tt.want {
				t.Errorf("%+v.Match = %v, want %v", tt.f, got, tt.want)
			}
		})
	}
}

// sample fills a journal with entries of two sessions, interleaved.
func sample() *Journal {
	j := New(100, 0)
	for i := range 10 {
		session := []string{"a", "b"}[i%2]
		method := []string{"GET", "PUT"}[i/5]
		j.Add(Entry{Session: session, API: "s3", Method: method, Path: fmt.Sprintf("/b/k%d", i), Status: 200})
	}
	return j
}

func TestFindCountRemove(t *testing.T) {
	tests := []struct {
		name string
		f    Filter
		want []uint64
	}{
		{"all", Filter{}, []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
		{"session", Filter{Session: "a"}, []uint64{1, 3, 5, 7, 9}},
		{"session and method", Filter{Session: "a", Method: "put"}, []uint64{7, 9}},
		{"limit keeps newest", Filter{Limit: 3}, []uint64{8, 9, 10}},
		{"limit with session", Filter{Session: "b", Limit: 2}, []uint64{8, 10}},
		{"limit larger than matches", Filter{Session: "b", Limit: 50}, []uint64{2, 4, 6, 8, 10}},
		{"after", Filter{AfterSeq: 7}, []uint64{8, 9, 10}},
		{"after and limit", Filter{AfterSeq: 2, Limit: 2, Session: "a"}, []uint64{7, 9}},
		{"path", Filter{Path: "/b/k1"}, []uint64{2}},
		{"none", Filter{Session: "zzz"}, []uint64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := sample()
			if got := seqs(j.Find(tt.f)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Find = %v, want %v", got, tt.want)
			}
			if got := j.Count(tt.f); got != len(tt.want) {
				t.Errorf("Count = %d, want %d", got, len(tt.want))
			}
			if got := j.Remove(tt.f); got != len(tt.want) {
				t.Errorf("Remove = %d, want %d", got, len(tt.want))
			}
			removed := map[uint64]bool{}
			for _, s := range tt.want {
				removed[s] = true
			}
			var rest []uint64
			for s := uint64(1); s <= 10; s++ {
				if !removed[s] {
					rest = append(rest, s)
				}
			}
			if got := seqs(j.Find(Filter{})); len(rest) > 0 && !reflect.DeepEqual(got, rest) {
				t.Errorf("after Remove: %v, want %v", got, rest)
			}
		})
	}
}

func TestRemoveSessionThenAdd(t *testing.T) {
	j := New(4, 0)
	for i := range 6 { // wraps the ring: seqs 3..6 remain
		j.Add(Entry{Session: []string{"a", "b"}[i%2]})
	}
	if n := j.Remove(Filter{Session: "a"}); n != 2 {
		t.Fatalf("Remove = %d, want 2", n)
	}
	for range 3 {
		j.Add(Entry{Session: "c"})
	}
	if got, want := seqs(j.Find(Filter{})), []uint64{6, 7, 8, 9}; !reflect.DeepEqual(got, want) {
		t.Errorf("seqs = %v, want %v", got, want)
	}
	j.Clear()
	if j.Count(Filter{}) != 0 {
		t.Error("Clear left entries")
	}
	if seq := j.Add(Entry{}); seq != 10 {
		t.Errorf("seq after Clear = %d, want 10", seq)
	}
}

func TestFindReturnsCopies(t *testing.T) {
	j := New(10, 0)
	j.Add(Entry{Headers: map[string]string{"Accept": "*/*"}}) // Add keeps the map it is handed
	got := j.Find(Filter{})
	got[0].Headers["Accept"] = "changed via Find"
	if again := j.Find(Filter{}); again[0].Headers["Accept"] != "*/*" {
		t.Errorf("stored headers aliased: %v", again[0].Headers)
	}
}

func TestAddRedacts(t *testing.T) {
	j := New(10, 0)
	j.Add(Entry{
		Query:   "X-Amz-Signature=abc&part=1",
		Headers: map[string]string{"authorization": "Bearer x", "Accept": "*/*"},
	})
	e := j.Find(Filter{})[0]
	if e.Query != "X-Amz-Signature=REDACTED&part=1" || e.Headers["authorization"] != Redacted || e.Headers["Accept"] != "*/*" {
		t.Errorf("Add stored credentials: %+v", e)
	}
}

func TestRedact(t *testing.T) {
	h := http.Header{
		"Authorization":         {"AWS4-HMAC-SHA256 Credential=x"},
		"Proxy-Authorization":   {"Basic x"},
		"Api-Key":               {"k"},
		"X-Api-Key":             {"k"},
		"Cookie":                {"a=1", "b=2"},
		"Set-Cookie":            {"c=3"},
		"X-Amz-Security-Token":  {"t"},
		"X-Fileemu-Admin-Token": {"t"},
		"Content-Type":          {"text/plain"},
		"Accept":                {"a", "b"},
		"x-amz-meta-color":      {"red"}, // non-canonical key
		"x-api-key":             {"also secret"},
	}
	want := map[string]string{
		"Authorization":         Redacted,
		"Proxy-Authorization":   Redacted,
		"Api-Key":               Redacted,
		"X-Api-Key":             Redacted,
		"Cookie":                Redacted,
		"Set-Cookie":            Redacted,
		"X-Amz-Security-Token":  Redacted,
		"X-Fileemu-Admin-Token": Redacted,
		"Content-Type":          "text/plain",
		"Accept":                "a, b",
		"X-Amz-Meta-Color":      "red",
	}
	if got := Redact(h); !reflect.DeepEqual(got, want) {
		t.Errorf("Redact =\n%v\nwant\n%v", got, want)
	}
	if got := Redact(nil); got != nil {
		t.Errorf("Redact(nil) = %v", got)
	}
	if h.Get("Authorization") == Redacted {
		t.Error("Redact modified its argument")
	}
}

func TestRedactQuery(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"a=1&b=2", "a=1&b=2"},
		{
			"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20240101%2Fus-east-1&X-Amz-Date=20240101T000000Z&X-Amz-Signature=deadbeef&X-Amz-Security-Token=tok",
			"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=REDACTED&X-Amz-Date=20240101T000000Z&X-Amz-Signature=REDACTED&X-Amz-Security-Token=REDACTED",
		},
		{"api-key=k&x=1&token=t&access_token=a", "api-key=REDACTED&x=1&token=REDACTED&access_token=REDACTED"},
		{"TOKEN=t", "TOKEN=REDACTED"},
		{"%74oken=t", "%74oken=REDACTED"},                    // escaped key
		{"token=a&token=b", "token=REDACTED&token=REDACTED"}, // repeated
		{"token", "token"},                                   // no value
		{"tokens=1&my_token=2", "tokens=1&my_token=2"},       // exact names only
		{"token=%zz", "token=REDACTED"},                      // a bad escape still hides the secret
		{"a=1;token=x", "a=1;token=REDACTED"},                // semicolons separate too
	}
	for _, tt := range tests {
		if got := RedactQuery(tt.in); got != tt.want {
			t.Errorf("RedactQuery(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFilterFromQuery(t *testing.T) {
	q := url.Values{
		"session": {"s1"}, "api": {"s3"}, "operation": {"PutObject"}, "method": {"put"},
		"status": {"201"}, "path": {"/b/*"}, "after": {"12"}, "limit": {"5"},
	}
	want := Filter{Session: "s1", API: "s3", Operation: "PutObject", Method: "put", Status: 201, Path: "/b/*", AfterSeq: 12, Limit: 5}
	if got, err := FilterFromQuery(q); err != nil || got != want {
		t.Errorf("FilterFromQuery = %+v, %v; want %+v", got, err, want)
	}
	if got, err := FilterFromQuery(url.Values{}); err != nil || got != (Filter{}) {
		t.Errorf("FilterFromQuery(empty) = %+v, %v", got, err)
	}

	for _, tt := range []struct{ param, value string }{
		{"status", "ok"},
		{"status", "-1"},
		{"limit", "1.5"},
		{"limit", "-3"},
		{"after", "-1"},
		{"after", "x"},
		{"path", "/b/["},
	} {
		_, err := FilterFromQuery(url.Values{tt.param: {tt.value}})
		if err == nil || !strings.Contains(err.Error(), tt.param) {
			t.Errorf("FilterFromQuery(%s=%s) error = %v, want one naming %s", tt.param, tt.value, err, tt.param)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	j := New(50, 0)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			session := fmt.Sprint("s", g%3)
			for i := range 200 {
				seq := j.Add(Entry{Session: session, Method: "GET", Path: "/x", Headers: map[string]string{"A": "b"}})
				j.Update(seq, func(e *Entry) { e.Status = 200; e.DurationMS = float64(i) })
				got := j.Find(Filter{Session: session, Limit: 10})
				for k := 1; k < len(got); k++ {
					if got[k-1].Seq >= got[k].Seq {
						t.Errorf("Find not ordered: %v", seqs(got))
						return
					}
				}
				_ = j.Count(Filter{Status: 200})
				if i%50 == 0 {
					j.Remove(Filter{Session: session, AfterSeq: seq / 2})
				}
			}
		})
	}
	wg.Wait()
	if n := j.Count(Filter{}); n > 50 {
		t.Errorf("journal holds %d entries, capacity 50", n)
	}
	if seq := j.Add(Entry{}); seq != 8*200+1 {
		t.Errorf("last seq = %d, want %d", seq, 8*200+1)
	}
}

func BenchmarkAdd(b *testing.B) {
	j := New(DefaultCapacity, 0)
	h := Redact(http.Header{"Authorization": {"Bearer x"}, "Content-Type": {"text/plain"}, "User-Agent": {"bench"}})
	e := Entry{Session: "s1", API: "s3", Operation: "PutObject", Method: "PUT", Path: "/bucket/key", Query: "partNumber=1&uploadId=abc", Status: 200, Headers: h}
	b.ReportAllocs()
	for b.Loop() {
		j.Add(e)
	}
}

// A huge header, path or query is cut, with a marker; the entry stays small.
func TestEntriesAreBounded(t *testing.T) {
	j := New(10, 0)
	h := http.Header{"X-Big": {strings.Repeat("é", 600_000)}, "Authorization": {"Bearer secret"}}
	for i := range 200 {
		h.Set(fmt.Sprintf("X-Many-%03d", i), "v")
	}
	j.Add(Entry{Session: "s", Path: "/" + strings.Repeat("p", 1<<20), Query: "a=" + strings.Repeat("q", 1<<20), Headers: Redact(h)})
	e := j.Find(Filter{})[0]
	if n := len(e.Headers); n != maxHeaders+1 || e.Headers["X-Fileemu-Journal-Truncated"] != fmt.Sprintf("%d more headers not kept", 202-maxHeaders) {
		t.Errorf("%d headers kept, marker %q", n, e.Headers["X-Fileemu-Journal-Truncated"])
	}
	if v := e.Headers["Authorization"]; v != Redacted {
		t.Errorf("Authorization = %q", v)
	}
	if v := e.Headers["X-Big"]; len(v) > maxHeaderValue+40 || !strings.HasSuffix(v, "bytes truncated]") || !utf8.ValidString(v) {
		t.Errorf("X-Big kept %d bytes: %q", len(v), v[len(v)-40:])
	}
	if len(e.Path) > maxPath+40 || len(e.Query) > maxQuery+40 {
		t.Errorf("path %d, query %d bytes kept", len(e.Path), len(e.Query))
	}
	if b := j.Bytes(); b > 200<<10 {
		t.Errorf("one bounded entry takes %d bytes", b)
	}
}

// The journal keeps to its byte bound by dropping the oldest entries; counts stay right.
func TestJournalByteBound(t *testing.T) {
	j := New(1000, 100<<10)
	big := Redact(http.Header{"X-Big": {strings.Repeat("x", 1000)}})
	for i := range 500 {
		j.Add(Entry{Session: "s", Path: fmt.Sprint("/", i), Headers: big})
		if b := j.Bytes(); b > 100<<10 {
			t.Fatalf("after %d adds the journal holds %d bytes", i+1, b)
		}
	}
	got := j.Find(Filter{})
	if len(got) == 0 || len(got) >= 500 || got[len(got)-1].Path != "/499" {
		t.Fatalf("kept %d entries, last %v", len(got), got[len(got)-1].Path)
	}
	for i := 1; i < len(got); i++ {
		if got[i].Seq != got[i-1].Seq+1 {
			t.Fatalf("entries not contiguous: %d then %d", got[i-1].Seq, got[i].Seq)
		}
	}
	// Update keeps the accounting right; Remove and Clear give the bytes back.
	j.Update(got[0].Seq, func(e *Entry) { e.Error = strings.Repeat("e", 100) })
	before := j.Bytes()
	j.Remove(Filter{Session: "s", Limit: 10})
	if j.Bytes() >= before || j.Count(Filter{}) != len(got)-10 {
		t.Errorf("remove: bytes %d -> %d, count %d", before, j.Bytes(), j.Count(Filter{}))
	}
	j.Add(Entry{Session: "t"})
	j.Clear()
	if j.Bytes() != 0 || j.Count(Filter{}) != 0 {
		t.Errorf("after clear: %d bytes, %d entries", j.Bytes(), j.Count(Filter{}))
	}
}

// The ring doubles as it fills: adding an entry allocates nothing once there is room. (It once
// regrew on every Add, copying the whole journal each time: gigabytes of garbage under load.)
func TestAddDoesNotRegrowTheRing(t *testing.T) {
	j := New(10_000, 64<<20)
	for range 1000 {
		j.Add(Entry{Path: "/a"})
	}
	if allocs := testing.AllocsPerRun(100, func() { j.Add(Entry{Path: "/a"}) }); allocs > 0.05 {
		t.Errorf("Add allocates %.2f times per entry with room in the ring, want ~0", allocs)
	}
	if n := j.Count(Filter{}); n != 1101 {
		t.Errorf("Count = %d, want 1101", n)
	}
}

// The change feed hands a live stream every entry added or updated since it last looked, once
// each, and says when it fell too far behind.
func TestChangeFeed(t *testing.T) {
	j := New(100, 0)
	pos, _ := j.Position()
	wait := j.Wait(pos)
	select {
	case <-wait:
		t.Fatal("Wait closed before any change")
	default:
	}
	a := j.Add(Entry{Path: "/a"})
	<-wait // closed by the Add
	b := j.Add(Entry{Path: "/b"})
	j.Update(a, func(e *Entry) { e.Status = 200 })
	select {
	case <-j.Wait(pos): // behind: closed at once
	default:
		t.Fatal("Wait blocks while changes are waiting")
	}
	es, next, lost := j.Changes(pos, Filter{})
	if len(es) != 2 || es[0].Seq != a || es[0].Status != 200 || es[1].Seq != b || lost || next != pos+3 {
		t.Errorf("Changes = %+v %d %v", es, next, lost)
	}
	if es, _, _ := j.Changes(pos, Filter{Path: "/b"}); len(es) != 1 || es[0].Seq != b {
		t.Errorf("Changes of /b = %+v", es)
	}
	if es, _, _ := j.Changes(next, Filter{}); len(es) != 0 {
		t.Errorf("nothing changed, yet %v", es)
	}
	for range changeRing + 1 {
		j.Add(Entry{})
	}
	if _, _, lost := j.Changes(next, Filter{}); !lost {
		t.Error("a feed more than the ring behind is not told")
	}
	if es, _, _ := j.Changes(pos, Filter{}); len(es) != 0 && es[0].Seq == a {
		t.Error("an evicted entry is still handed on")
	}
}

// An Update that replaces the whole entry leaves the journal's byte count as it would be for that entry.
func TestUpdateReplacingTheEntryKeepsTheByteCount(t *testing.T) {
	j := New(10, 0)
	seq := j.Add(Entry{Path: "/a", Headers: map[string]string{"Accept": "*/*"}})
	before := j.Bytes()
	j.Update(seq, func(e *Entry) { *e = Entry{Path: "/a", Headers: map[string]string{"Accept": "*/*"}} })
	if after := j.Bytes(); after != before {
		t.Errorf("bytes %d after replacing the entry with an equal one, %d before", after, before)
	}
}
