package scenarios

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is the emulator clock of these tests.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time                { return c.now }
func (c *fakeClock) Advance(d time.Duration)       { c.now = c.now.Add(d) }
func newClock() *fakeClock                         { return &fakeClock{now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)} }
func newEngine(t *testing.T, c *fakeClock) *Engine { t.Helper(); return NewEngine(testCatalog, c.Now) }

// load loads one scenario file into e, failing t on errors.
func load(t *testing.T, e *Engine, lines ...string) {
	t.Helper()
	if err := e.LoadFiles(map[string][]byte{"test.yaml": []byte(doc(lines...))}); err != nil {
		t.Fatal(err)
	}
}

// req describes a request of session s for Evaluate.
type req struct {
	session string
	state   *SessionState
	api, op string
	method  string
	path    string
	cred    string
	named   []string
}

func (r req) input() Input {
	return Input{Session: r.session, State: r.state, API: r.api, Operation: r.op, Method: r.method, Path: r.path,
		Header: http.Header{}, Credential: r.cred, Named: r.named}
}

func signedURL(st *SessionState) req {
	return req{session: "s1", state: st, api: "haufe", op: "getSignedUrl", method: "GET", path: "/v1/files/signed-url", cred: "k1"}
}

// hits lists the rules that fired, or "-" when the decision is nil.
func hits(d *Decision) string {
	if d == nil {
		return "-"
	}
	var out []string
	for _, h := range d.Hits {
		out = append(out, h.Rule)
	}
	return strings.Join(out, ",")
}

// pattern evaluates n requests and returns x for each one a respond decided, . otherwise.
func pattern(e *Engine, r req, n int) string {
	var b strings.Builder
	for range n {
		if d := e.Evaluate(r.input()); d != nil && d.Respond != nil {
			b.WriteByte('x')
		} else {
			b.WriteByte('.')
		}
	}
	return b.String()
}

// The index finds the rules naming the request's api and operation, its operation alone, its
// api alone, and no api; they act in file order; rules of other apis and operations are never
// looked at.
func TestEvaluateFindsRulesThroughTheIndex(t *testing.T) {
	e := newEngine(t, newClock())
	load(t, e,
		"scenarios:",
		"  - name: idx",
		"    rules:",
		"      - match: {api: haufe, operation: getSignedUrl}",
		"        delay: 1ms",
		"      - match: {api: haufe}",
		"        delay: 10ms",
		"      - match: {}",
		"        delay: 100ms",
		"      - match: {api: desk, operation: createFileRef}",
		"        delay: 1s",
		"      - match: {api: haufe, operation: listFiles}",
		"        delay: 10s",
		"      - match: {operation: getFileStatus}",
		"        delay: 1h",
	)
	st := NewSessionState()
	cases := []struct {
		api, op string
		delay   time.Duration
		hits    string
	}{
		{"haufe", "getSignedUrl", 111 * time.Millisecond, "idx#0,idx#1,idx#2"},
		{"haufe", "getFileStatus", time.Hour + 110*time.Millisecond, "idx#1,idx#2,idx#5"},
		{"haufe", "listFiles", 10*time.Second + 110*time.Millisecond, "idx#1,idx#2,idx#4"},
		{"desk", "createFileRef", time.Second + 100*time.Millisecond, "idx#2,idx#3"},
		{"desk", "listFiles", 100 * time.Millisecond, "idx#2"},
		{"s3", "putObject", 100 * time.Millisecond, "idx#2"},
	}
	for _, tc := range cases {
		d := e.Evaluate(req{session: "s1", state: st, api: tc.api, op: tc.op, method: "GET"}.input())
		if d == nil || d.Delay != tc.delay || hits(d) != tc.hits || d.Respond != nil {
			t.Errorf("%s %s: %s delay %v, want %s delay %v", tc.api, tc.op, hits(d), d.Delay, tc.hits, tc.delay)
		}
	}
}

// Method, path, header, query, user, key and filename narrow a match; globs follow path.Match.
func TestEvaluateMatchFields(t *testing.T) {
	e := newEngine(t, newClock())
	load(t, e,
		"scenarios:",
		"  - name: m",
		"    rules:",
		"      - match: {api: haufe, method: delete, path: '/v1/files/*', user: 'u-*', key: 'k?', headers: {X-Env: 'ci*'}, query: {mode: fast}}",
		"        respond: 500",
	)
	base := func() Input {
		return Input{Session: "s", State: NewSessionState(), API: "haufe", Operation: "deleteFile", Method: "DELETE",
			Path: "/v1/files/abc", Header: http.Header{"User-Id": {"u-1"}, "X-Env": {"ci-7"}}, Credential: "k1",
			Query: map[string][]string{"mode": {"fast"}}}
	}
	if d := e.Evaluate(base()); d == nil || d.Respond == nil {
		t.Fatalf("the full match did not fire: %+v", d)
	}
	for name, change := range map[string]func(*Input){
		"method":       func(in *Input) { in.Method = "GET" },
		"path":         func(in *Input) { in.Path = "/v1/files/abc/status" },
		"user":         func(in *Input) { in.Header.Set("User-Id", "v-1") },
		"key":          func(in *Input) { in.Credential = "k10" },
		"header":       func(in *Input) { in.Header.Del("X-Env") },
		"query value":  func(in *Input) { in.Query = map[string][]string{"mode": {"slow"}} },
		"query absent": func(in *Input) { in.Query = nil },
		"api":          func(in *Input) { in.API = "desk" },
	} {
		in := base()
		change(&in)
		if d := e.Evaluate(in); d != nil {
			t.Errorf("%s differs, still fired: %s", name, hits(d))
		}
	}
}

// when: after skips, times stops, every picks; counts are per rule and per session.
func TestEvaluateCounting(t *testing.T) {
	cases := []struct {
		when string
		want string
	}{
		{"{times: 2}", "xx........"},
		{"{after: 3}", "...xxxxxxx"},
		{"{after: 2, times: 3}", "..xxx....."},
		{"{every: 3}", "..x..x..x."},
		{"{after: 1, every: 2}", "..x.x.x.x."},
		{"{}", "xxxxxxxxxx"},
	}
	for _, tc := range cases {
		t.Run(tc.when, func(t *testing.T) {
			e := newEngine(t, newClock())
			load(t, e, "scenarios:", "  - name: c", "    rules:", "      - match: {api: haufe}",
				"        when: "+tc.when, "        respond: 500")
			if got := pattern(e, signedURL(NewSessionState()), 10); got != tc.want {
				t.Errorf("first session: %s, want %s", got, tc.want)
			}
			if got := pattern(e, signedURL(NewSessionState()), 10); got != tc.want {
				t.Errorf("a fresh session counts from 1: %s, want %s", got, tc.want)
			}
		})
	}

	// Requests of one session evaluated side by side: times still bounds the firings exactly
	// (the counts were read outside the session's lock: -race saw it, and two requests could
	// both take the last firing).
	{
		e := newEngine(t, newClock())
		load(t, e, "scenarios:", "  - name: c", "    rules:", "      - match: {api: haufe}",
			"        when: {after: 5, times: 7}", "        respond: 500")
		r := signedURL(NewSessionState())
		var fired atomic.Int64
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 50 {
					if d := e.Evaluate(r.input()); d != nil && d.Respond != nil {
						fired.Add(1)
					}
				}
			})
		}
		wg.Wait()
		if fired.Load() != 7 {
			t.Errorf("times 7 fired %d times for 400 requests side by side", fired.Load())
		}
	}

	// Two rules count separately; a request that does not match is not counted.
	e := newEngine(t, newClock())
	load(t, e, "scenarios:", "  - name: c", "    rules:",
		"      - match: {api: haufe, operation: getFileStatus}",
		"        when: {times: 1}",
		"        respond: 409",
		"      - match: {api: haufe, operation: getSignedUrl}",
		"        when: {after: 1, times: 1}",
		"        respond: 500",
	)
	st := NewSessionState()
	status := req{session: "s1", state: st, api: "haufe", op: "getFileStatus", method: "GET"}
	if got := pattern(e, signedURL(st), 1) + pattern(e, status, 2) + pattern(e, signedURL(st), 2); got != ".x.x." {
		t.Errorf("interleaved: %s, want .x.x.", got)
	}
}

// probability draws from a source seeded by the rule's seed: two fresh sessions draw the same
// sequence, another seed another one, and about the given share fires.
func TestEvaluateProbabilityIsSeeded(t *testing.T) {
	run := func(seed string) string {
		e := newEngine(t, newClock())
		load(t, e, "scenarios:", "  - name: p", "    rules:", "      - match: {api: haufe}",
			"        when: {probability: 0.3, seed: "+seed+"}", "        respond: 503")
		return pattern(e, signedURL(NewSessionState()), 200)
	}
	first, second, other := run("42"), run("42"), run("43")
	if first != second {
		t.Errorf("seed 42 drew\n%s\nthen\n%s", first, second)
	}
	if first == other {
		t.Errorf("seeds 42 and 43 drew the same sequence %s", first)
	}
	for _, seq := range []string{first, other} {
		if n := strings.Count(seq, "x"); n < 40 || n > 80 {
			t.Errorf("%d of 200 fired with probability 0.3: %s", n, seq)
		}
	}

	// The same engine, two sessions: each session has its own source, both start alike.
	e := newEngine(t, newClock())
	load(t, e, "scenarios:", "  - name: p", "    rules:", "      - match: {api: haufe}",
		"        when: {probability: 0.3, seed: 42}", "        respond: 503")
	a, b := NewSessionState(), NewSessionState()
	var sa, sb strings.Builder
	for range 100 { // interleaved: b's draws do not move a's source
		sa.WriteString(pattern(e, signedURL(a), 1))
		sb.WriteString(pattern(e, req{session: "s2", state: b, api: "haufe", op: "getSignedUrl", method: "GET"}, 1))
	}
	if sa.String() != sb.String() || sa.String() != first[:100] {
		t.Errorf("sessions drew %s and %s, want both %s", sa.String(), sb.String(), first[:100])
	}
}

// window from/until counts from the scenario's start in the session: its first request there,
// or its activation.
func TestEvaluateWindow(t *testing.T) {
	clock := newClock()
	e := newEngine(t, clock)
	load(t, e, "scenarios:",
		"  - name: w",
		"    rules:",
		"      - match: {api: haufe}",
		"        when: {window: {from: 10s, until: 20s}}",
		"        respond: 503",
		"  - name: open",
		"    active: false",
		"    rules:",
		"      - match: {api: desk}",
		"        when: {window: {from: 1m}}",
		"        respond: 503",
	)
	st := NewSessionState()
	steps := []struct {
		advance time.Duration
		want    string
	}{{0, "."}, {9 * time.Second, "."}, {time.Second, "x"}, {9*time.Second + 999*time.Millisecond, "x"}, {time.Millisecond, "."}, {time.Hour, "."}}
	var got, want strings.Builder
	for _, s := range steps {
		clock.Advance(s.advance)
		got.WriteString(pattern(e, signedURL(st), 1))
		want.WriteString(s.want)
	}
	if got.String() != want.String() {
		t.Errorf("window 10s..20s: %s, want %s", got.String(), want.String())
	}
	// Another session's window starts at its own first request.
	other := NewSessionState()
	if got := pattern(e, req{session: "s2", state: other, api: "haufe", op: "listFiles"}, 1); got != "." {
		t.Errorf("another session's first request: %s, want .", got)
	}
	clock.Advance(10 * time.Second)
	if got := pattern(e, req{session: "s2", state: other, api: "haufe", op: "listFiles"}, 1); got != "x" {
		t.Errorf("another session 10s later: %s, want x", got)
	}

	// Activation starts the window; without until it stays open.
	desk := req{session: "s1", state: st, api: "desk", op: "listFiles"}
	st.Activate(clock.Now(), "open")
	clock.Advance(59 * time.Second)
	if got := pattern(e, desk, 1); got != "." {
		t.Errorf("59s after activation: %s", got)
	}
	clock.Advance(time.Second)
	if got := pattern(e, desk, 1); got != "x" {
		t.Errorf("1m after activation: %s", got)
	}
	clock.Advance(1000 * time.Hour)
	if got := pattern(e, desk, 1); got != "x" {
		t.Errorf("long after activation: %s", got)
	}
}

// rateCall evaluates one request and summarises the rate-limit outcome as the client sees it.
func rateCall(e *Engine, r req) string {
	d := e.Evaluate(r.input())
	if d == nil {
		return "none"
	}
	h := d.RateHeaders
	out := "ok"
	if d.RateLimited {
		out = "429"
	}
	out += " limit=" + h["X-RateLimit-Limit"] + " remaining=" + h["X-RateLimit-Remaining"] + " reset=" + h["X-RateLimit-Reset"]
	if ra, ok := h["Retry-After"]; ok {
		out += " retry=" + ra
	}
	return out
}

// A token bucket on the emulator clock: burst passes at once, then one token per 1/rate;
// X-RateLimit-Reset is the seconds until the bucket is full, Retry-After until the next token.
func TestEvaluateTokenBucket(t *testing.T) {
	clock := newClock()
	e := newEngine(t, clock)
	load(t, e, "scenarios:", "  - name: rl", "    rules:",
		"      - match: {api: haufe}",
		"        rate_limit: {rate: 2/s, burst: 3}",
		"      - match: {api: desk}",
		"        rate_limit: {rate: 1/m}",
	)
	st := NewSessionState()
	r := signedURL(st)
	steps := []struct {
		advance time.Duration
		want    string
	}{
		{0, "ok limit=2 remaining=2 reset=1"},
		{0, "ok limit=2 remaining=1 reset=1"},
		{0, "ok limit=2 remaining=0 reset=2"},
		{0, "429 limit=2 remaining=0 reset=2 retry=1"},
		{500 * time.Millisecond, "ok limit=2 remaining=0 reset=2"},          // one token back
		{250 * time.Millisecond, "429 limit=2 remaining=0 reset=2 retry=1"}, // half a token
		{250 * time.Millisecond, "ok limit=2 remaining=0 reset=2"},
		{time.Hour, "ok limit=2 remaining=2 reset=1"}, // refilled up to the burst, no more
		{0, "ok limit=2 remaining=1 reset=1"},
	}
	for i, s := range steps {
		clock.Advance(s.advance)
		if got := rateCall(e, r); got != s.want {
			t.Errorf("step %d (+%v): %s, want %s", i, s.advance, got, s.want)
		}
	}
	// A refused request takes no token and names the rule.
	d := e.Evaluate(r.input())
	d = e.Evaluate(r.input())
	d = e.Evaluate(r.input())
	if !d.RateLimited || hits(d) != "rl#0" || d.Respond != nil {
		t.Errorf("refused: %+v", d)
	}

	// 1/m with the default burst (the limit, 1): a minute to wait.
	desk := req{session: "s1", state: st, api: "desk", op: "listFiles"}
	if got := rateCall(e, desk); got != "ok limit=1 remaining=0 reset=60" {
		t.Errorf("1/m first: %s", got)
	}
	if got := rateCall(e, desk); got != "429 limit=1 remaining=0 reset=60 retry=60" {
		t.Errorf("1/m second: %s", got)
	}
	clock.Advance(45 * time.Second)
	if got := rateCall(e, desk); got != "429 limit=1 remaining=0 reset=15 retry=15" {
		t.Errorf("1/m after 45s: %s", got)
	}
	clock.Advance(15 * time.Second)
	if got := rateCall(e, desk); got != "ok limit=1 remaining=0 reset=60" {
		t.Errorf("1/m after 60s: %s", got)
	}
}

// Two limits on one request: both take a token, the headers show the tighter one, and the
// first exhausted one refuses.
func TestEvaluateTwoLimitsShowTheTighter(t *testing.T) {
	clock := newClock()
	e := newEngine(t, clock)
	load(t, e, "scenarios:", "  - name: two", "    rules:",
		"      - match: {api: haufe}",
		"        rate_limit: {rate: 10/s}",
		"      - match: {api: haufe}",
		"        rate_limit: {rate: 12/m}",
	)
	r := signedURL(NewSessionState())
	var got []string
	for range 13 {
		got = append(got, rateCall(e, r))
	}
	if got[0] != "ok limit=10 remaining=9 reset=1" || got[9] != "ok limit=10 remaining=0 reset=1" || got[10] != "429 limit=10 remaining=0 reset=1 retry=1" {
		t.Errorf("second 0: %v", got)
	}
	clock.Advance(time.Second)
	// The refused calls took no token of the minute's bucket: 12 - 10 + 0.2 = 2.2 tokens. Two
	// pass, showing the minute's limit as the tighter one, then it refuses.
	got = got[:0]
	for range 3 {
		got = append(got, rateCall(e, r))
	}
	want := []string{"ok limit=12 remaining=1 reset=54", "ok limit=12 remaining=0 reset=59", "429 limit=12 remaining=0 reset=59 retry=4"}
	if !slices.Equal(got, want) {
		t.Errorf("second 1:\n%v\nwant\n%v", got, want)
	}
}

// scope session: a bucket per session; key: per credential within a session (parallel tests
// sharing a key stay apart); global: one for everything.
func TestEvaluateRateLimitScopes(t *testing.T) {
	for _, tc := range []struct {
		scope string
		// outcomes of: s1/k1, s1/k1, s2/k1, s1/k2, s2/k2
		want string
	}{
		{"session", "ok 429 ok 429 429"},
		{"key", "ok 429 ok ok ok"},
		{"global", "ok 429 429 429 429"},
	} {
		t.Run(tc.scope, func(t *testing.T) {
			e := newEngine(t, newClock())
			load(t, e, "scenarios:", "  - name: rl", "    rules:", "      - match: {api: haufe}",
				"        rate_limit: {rate: 1/h, scope: "+tc.scope+"}")
			s1, s2 := NewSessionState(), NewSessionState()
			var got []string
			for _, c := range []struct {
				st   *SessionState
				id   string
				cred string
			}{{s1, "s1", "k1"}, {s1, "s1", "k1"}, {s2, "s2", "k1"}, {s1, "s1", "k2"}, {s2, "s2", "k2"}} {
				d := e.Evaluate(req{session: c.id, state: c.st, api: "haufe", op: "listFiles", cred: c.cred}.input())
				got = append(got, map[bool]string{false: "ok", true: "429"}[d.RateLimited])
			}
			if strings.Join(got, " ") != tc.want {
				t.Errorf("got %s, want %s", strings.Join(got, " "), tc.want)
			}
		})
	}
}

// Scenarios put for one session apply there only; another session may use the same name for
// its own; dropping the session removes them; global ones apply everywhere.
func TestSessionScenariosAreInvisibleToOtherSessions(t *testing.T) {
	e := newEngine(t, newClock())
	one := doc("scenarios:", "  - name: mine", "    rules:", "      - match: {api: haufe}", "        respond: 503")
	two := strings.Replace(one, "503", "502", 1)
	if names, err := e.Put("s1", []byte(one)); err != nil || !slices.Equal(names, []string{"mine"}) {
		t.Fatalf("put = %v %v", names, err)
	}
	status := func(session string) int {
		d := e.Evaluate(req{session: session, state: NewSessionState(), api: "haufe", op: "listFiles"}.input())
		if d == nil || d.Respond == nil {
			return 200
		}
		return d.Respond.Status
	}
	if status("s1") != 503 || status("s2") != 200 || status("") != 200 {
		t.Errorf("after put for s1: s1 %d, s2 %d, default %d", status("s1"), status("s2"), status(""))
	}
	if _, ok := e.Get("s2", "mine"); ok {
		t.Error("s2 sees s1's scenario")
	}
	// A request of s2 naming s1's scenario does not turn it on.
	d := e.Evaluate(req{session: "s2", state: NewSessionState(), api: "haufe", op: "listFiles", named: []string{"mine"}}.input())
	if d != nil {
		t.Errorf("s2 naming s1's scenario: %s", hits(d))
	}
	if _, err := e.Put("s2", []byte(two)); err != nil {
		t.Fatal(err)
	}
	if status("s1") != 503 || status("s2") != 502 {
		t.Errorf("same name in two sessions: s1 %d, s2 %d", status("s1"), status("s2"))
	}
	if got := len(e.List("s1")); got != 1 {
		t.Errorf("s1 lists %d scenarios", got)
	}
	if got := len(e.List("*")); got != 2 {
		t.Errorf("* lists %d scenarios", got)
	}
	e.DropSession("s1")
	if status("s1") != 200 || status("s2") != 502 {
		t.Errorf("after dropping s1: s1 %d, s2 %d", status("s1"), status("s2"))
	}
	// A global scenario applies to every session; a session's own of the same name wins there.
	if _, err := e.Put("", []byte(strings.Replace(one, "503", "500", 1))); err != nil {
		t.Fatal(err)
	}
	if sc, _ := e.Get("s2", "mine"); sc.Session != "s2" {
		t.Errorf("Get(s2) = the scenario of session %q", sc.Session)
	}
	if sc, _ := e.Get("s3", "mine"); sc.Session != "" {
		t.Errorf("Get(s3) = the scenario of session %q, want the global one", sc.Session)
	}
	if status("s3") != 500 {
		t.Errorf("global scenario in s3: %d", status("s3"))
	}
}

// An inactive scenario applies to requests that name it (X-Fileemu-Scenario) and to sessions
// that activated it, until they deactivate it.
func TestNamedAndSessionActivation(t *testing.T) {
	clock := newClock()
	e := newEngine(t, clock)
	load(t, e, "scenarios:",
		"  - name: sleepy", "    active: false", "    rules:", "      - match: {api: haufe}", "        respond: 502",
		"  - name: other", "    active: false", "    rules:", "      - match: {api: haufe}", "        respond: 500")
	st := NewSessionState()
	r := signedURL(st)
	if d := e.Evaluate(r.input()); d != nil {
		t.Errorf("inactive scenario applied: %s", hits(d))
	}
	r.named = []string{"sleepy"}
	if d := e.Evaluate(r.input()); hits(d) != "sleepy#0" {
		t.Errorf("named: %s", hits(d))
	}
	r.named = nil
	if d := e.Evaluate(r.input()); d != nil {
		t.Errorf("the header applies to its request only: %s", hits(d))
	}
	st.Activate(clock.Now(), "other")
	if d := e.Evaluate(r.input()); hits(d) != "other#0" || d.Respond.Status != 500 {
		t.Errorf("activated: %s", hits(d))
	}
	if got := st.Active(); !slices.Equal(got, []string{"other"}) {
		t.Errorf("Active() = %v", got)
	}
	if d := e.Evaluate(req{session: "s2", state: NewSessionState(), api: "haufe", op: "listFiles"}.input()); d != nil {
		t.Errorf("another session sees the activation: %s", hits(d))
	}
	st.Deactivate("other")
	if d := e.Evaluate(r.input()); d != nil {
		t.Errorf("deactivated: %s", hits(d))
	}
	st.Activate(clock.Now(), "other", "sleepy")
	st.Deactivate()
	if got := st.Active(); len(got) != 0 {
		t.Errorf("Deactivate() left %v", got)
	}
}

// Rules act in order: delays add up, state effects collect, rate limits take their token, and
// the first respond or fault ends the evaluation (later rules and scenarios do not count it).
func TestFirstRespondEndsEvaluationDelaysAddUp(t *testing.T) {
	e := newEngine(t, newClock())
	load(t, e, "scenarios:",
		"  - name: a",
		"    rules:",
		"      - match: {api: haufe}",
		"        delay: 10ms",
		"      - match: {api: haufe}",
		"        rate_limit: {rate: 5/s}",
		"      - match: {api: haufe}",
		"        delay: 20ms",
		"      - match: {api: haufe}",
		"        when: {times: 1}",
		"        respond: 503",
		"      - match: {api: haufe}",
		"        when: {times: 1}",
		"        respond: 500",
		"      - match: {api: haufe}",
		"        delay: 40ms",
		"  - name: b",
		"    rules:",
		"      - match: {api: haufe}",
		"        when: {times: 1}",
		"        fault: reset",
		"  - name: c",
		"    rules:",
		"      - match: {api: haufe}",
		"        processing: {polls: 3}",
		"      - match: {api: haufe}",
		"        fail_processing: true",
	)
	r := signedURL(NewSessionState())
	d := e.Evaluate(r.input())
	if hits(d) != "a#0,a#2,a#3" || d.Delay != 30*time.Millisecond || d.Respond == nil || d.Respond.Status != 503 ||
		d.Fault != "" || d.RateHeaders["X-RateLimit-Remaining"] != "4" || d.Processing != nil {
		t.Errorf("first request: %s delay %v respond %+v fault %q headers %v", hits(d), d.Delay, d.Respond, d.Fault, d.RateHeaders)
	}
	// 503 is used up: the next respond (500) was not counted before, so it fires now.
	d = e.Evaluate(r.input())
	if hits(d) != "a#0,a#2,a#4" || d.Respond.Status != 500 || d.Delay != 30*time.Millisecond {
		t.Errorf("second request: %s respond %+v", hits(d), d.Respond)
	}
	// Both responds used up: every delay, then scenario b's fault ends it.
	d = e.Evaluate(r.input())
	if hits(d) != "a#0,a#2,a#5,b#0" || d.Delay != 70*time.Millisecond || d.Fault != FaultReset || d.Respond != nil {
		t.Errorf("third request: %s delay %v fault %q", hits(d), d.Delay, d.Fault)
	}
	// Then scenario c's state effects collect.
	d = e.Evaluate(r.input())
	if hits(d) != "a#0,a#2,a#5,c#0,c#1" || d.Processing == nil || d.Processing.Polls != 3 || !d.FailProcessing || d.Respond != nil || d.Fault != "" {
		t.Errorf("fourth request: %s %+v", hits(d), d)
	}
	if d.RateHeaders["X-RateLimit-Remaining"] != "1" {
		t.Errorf("the rate limit took a token each time: %v", d.RateHeaders)
	}
	// A rate limit that refuses ends it as well.
	d = e.Evaluate(r.input())
	d = e.Evaluate(r.input())
	if !d.RateLimited || hits(d) != "a#0,a#1" || d.Delay != 10*time.Millisecond {
		t.Errorf("sixth request: %s limited %v delay %v", hits(d), d.RateLimited, d.Delay)
	}
}

// A delay range draws from the rule's seeded source: within bounds, the same in a fresh session.
func TestDelayRange(t *testing.T) {
	e := newEngine(t, newClock())
	load(t, e, "scenarios:", "  - name: d", "    rules:", "      - match: {api: haufe}", "        delay: 100ms..200ms")
	draw := func() []time.Duration {
		r := signedURL(NewSessionState())
		var out []time.Duration
		for range 20 {
			out = append(out, e.Evaluate(r.input()).Delay)
		}
		return out
	}
	a, b := draw(), draw()
	if !slices.Equal(a, b) {
		t.Errorf("fresh sessions drew %v and %v", a, b)
	}
	for _, d := range a {
		if d < 100*time.Millisecond || d >= 200*time.Millisecond {
			t.Errorf("delay %v outside 100ms..200ms", d)
		}
	}
	if slices.Min(a) == slices.Max(a) {
		t.Errorf("every delay is %v", a[0])
	}
}

// Infect rules wait for the upload handler: Infects matches the file's name and type.
func TestInfects(t *testing.T) {
	e := newEngine(t, newClock())
	load(t, e, "scenarios:", "  - name: v", "    rules:",
		"      - match: {filename: '*.exe'}",
		"        infect: true",
		"      - match: {api: s3, content_type: 'application/x-msdownload'}",
		"        infect: true",
		"  - name: off", "    active: false", "    rules:",
		"      - match: {filename: '*.bat'}",
		"        infect: true",
	)
	put := req{session: "s1", state: NewSessionState(), api: "s3", op: "putObject", method: "PUT"}
	d := e.Evaluate(put.input())
	if d == nil || len(d.Hits) != 0 {
		t.Fatalf("an upload with infect rules needs a decision without hits yet: %+v", d)
	}
	if d.Infects("notes.txt", "text/plain") || d.Infects("a.bat", "") {
		t.Error("clean or inactive names infected")
	}
	if !d.Infects("setup.exe", "application/octet-stream") || hits(d) != "v#0" {
		t.Errorf("setup.exe: hits %s", hits(d))
	}
	d = e.Evaluate(put.input())
	if !d.Infects("tool.bin", "application/x-msdownload") || hits(d) != "v#1" {
		t.Errorf("by content type: %s", hits(d))
	}
	desk := req{session: "s1", state: NewSessionState(), api: "desk", op: "createFileRef"}
	if d := e.Evaluate(desk.input()); d.Infects("tool.bin", "application/x-msdownload") {
		t.Error("an s3 rule infected another api's upload")
	}
	var none *Decision
	if none.Infects("a.exe", "") {
		t.Error("nil decision infects")
	}
}

// LoadFiles is all or nothing: a bad file leaves the running set; admin scenarios survive
// reloads; a name defined in two files is refused.
func TestLoadFilesKeepsTheRunningSetOnErrors(t *testing.T) {
	e := newEngine(t, newClock())
	good := doc("scenarios:", "  - name: g", "    rules:", "      - match: {api: haufe}", "        respond: 503")
	if _, err := e.Put("", []byte(strings.Replace(good, "name: g", "name: adm", 1))); err != nil {
		t.Fatal(err)
	}
	if err := e.LoadFiles(map[string][]byte{"a.yaml": []byte(good)}); err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(good, "503", "99", 1)
	err := e.LoadFiles(map[string][]byte{"a.yaml": []byte(good), "b.yaml": []byte(bad)})
	if err == nil || err.Error() != "b.yaml:5:18: status must be within 100-599, not 99" {
		t.Errorf("bad reload: %v", err)
	}
	names := func() []string {
		var out []string
		for _, sc := range e.List("") {
			out = append(out, sc.Name+"@"+sc.Source)
		}
		return out
	}
	if got := names(); !slices.Equal(got, []string{"adm@admin", "g@a.yaml"}) {
		t.Errorf("after a bad reload: %v", got)
	}
	err = e.LoadFiles(map[string][]byte{"a.yaml": []byte(good), "b.yaml": []byte(good)})
	if err == nil || err.Error() != "b.yaml: scenario g is also defined in a.yaml" {
		t.Errorf("duplicate across files: %v", err)
	}
	if err := e.LoadFiles(map[string][]byte{}); err != nil {
		t.Fatal(err)
	}
	if got := names(); !slices.Equal(got, []string{"adm@admin"}) {
		t.Errorf("after loading no files: %v", got)
	}
	if !e.Delete("", "adm") || e.Delete("", "adm") {
		t.Error("Delete reports wrongly")
	}
	e.Clear()
	if d := e.Evaluate(signedURL(NewSessionState()).input()); d != nil || len(e.List("*")) != 0 {
		t.Errorf("after Clear: %v", hits(d))
	}
}

// Reloading unchanged files swaps nothing in: their rules, and with them counters and token
// buckets, go on. A changed file starts afresh; Delete and Clear interplay with reloads.
func TestReloadKeepsUnchangedFilesRuleState(t *testing.T) {
	c := newClock()
	e := newEngine(t, c)
	limited := []byte(doc("scenarios:", "  - name: slow", "    rules:", "      - match: {api: haufe}", "        rate_limit: {rate: 2/m}"))
	other := []byte(doc("scenarios:", "  - name: other", "    rules:", "      - match: {api: desk}", "        respond: 500"))
	files := map[string][]byte{"a.yaml": limited, "b.yaml": other}
	if changed, err := e.Reload(files); !changed || err != nil {
		t.Fatalf("first load = %v %v", changed, err)
	}
	st := NewSessionState()
	r := req{session: "s", state: st, api: "haufe", op: "listFiles", method: "GET", path: "/v1/files"}
	limitedAfter := func(n int) bool {
		for range n - 1 {
			e.Evaluate(r.input())
		}
		d := e.Evaluate(r.input())
		return d != nil && d.RateLimited
	}
	if limitedAfter(3) != true {
		t.Fatal("the third request is not limited")
	}
	if changed, err := e.Reload(map[string][]byte{"a.yaml": limited, "b.yaml": other}); changed || err != nil {
		t.Fatalf("unchanged reload = %v %v", changed, err)
	}
	if !limitedAfter(1) {
		t.Error("after an unchanged reload the bucket started afresh")
	}
	// Another file changes: a.yaml's rules (and bucket) stay.
	files["b.yaml"] = []byte(strings.Replace(string(other), "500", "503", 1))
	if changed, err := e.Reload(files); !changed || err != nil {
		t.Fatalf("reload of a changed b.yaml = %v %v", changed, err)
	}
	if !limitedAfter(1) {
		t.Error("a change to b.yaml reset a.yaml's bucket")
	}
	// a.yaml changes: fresh rules, full bucket.
	files["a.yaml"] = []byte(strings.Replace(string(limited), "2/m", "3/m", 1))
	if changed, _ := e.Reload(files); !changed || limitedAfter(1) {
		t.Error("a changed a.yaml kept the old bucket")
	}
	// Delete keeps the files' record: an unchanged reload does not bring the scenario back.
	e.Delete("", "other")
	if changed, _ := e.Reload(files); changed {
		t.Error("an unchanged reload after Delete swapped scenarios in")
	}
	if _, ok := e.Get("", "other"); ok {
		t.Error("the deleted scenario came back")
	}
	// Clear forgets them: the next reload loads everything again.
	e.Clear()
	if changed, _ := e.Reload(files); !changed || len(e.List("")) != 2 {
		t.Errorf("reload after Clear: changed=%v, %d scenarios", changed, len(e.List("")))
	}
	// Reloads racing with Delete and Clear (run with -race).
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 200 {
			e.Delete("", "slow")
			e.Clear()
		}
	}()
	for i := range 200 {
		files["a.yaml"] = []byte(strings.Replace(string(limited), "2/m", fmt.Sprintf("%d/m", i%5+1), 1))
		_, _ = e.Reload(files)
	}
	<-done
}
