package scenarios

import (
	"crypto/sha256"
	"hash/fnv"
	"maps"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"path"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Engine holds the loaded scenarios and the state shared by all sessions (global and per-key
// rate limits). Per-session state lives in a SessionState kept with the session. Safe for
// concurrent use; the loaded set is swapped atomically, so evaluation never waits on a reload.
type Engine struct {
	cat   Catalog
	clock func() time.Time

	set atomic.Pointer[set]

	mu      sync.Mutex
	buckets map[bucketKey]*bucket // global token buckets (session and key scopes live in SessionState)
	// files remembers what LoadFiles last loaded from each file, so an unchanged file keeps its
	// rules, and with them their counters, windows and buckets.
	files map[string]loadedFile
}

// loadedFile is one file's content hash and the scenarios parsed from it.
type loadedFile struct {
	sum [sha256.Size]byte
	scs []*Scenario
}

// bucketKey names a token bucket: the rule (this generation's: a reloaded rule starts full)
// and, for key scope, the credential.
type bucketKey struct {
	rule *Rule
	key  string
}

// set is one immutable generation of loaded scenarios with its match index.
type set struct {
	byName map[string]*Scenario
	// index maps "api operation" keys to the rules that could match: rules naming an operation
	// sit under "api op", rules naming only an api under "api ", the rest under " ". A request
	// looks at three short lists, whatever the number of loaded rules.
	index map[string][]*Rule
	// uploadRules are infect rules, evaluated by upload handlers once they know the file.
	uploadRules []*Rule
	// order is each rule's position in this set (file order). Rules are shared between
	// generations, so the order lives here: a published rule is never written again.
	order map[*Rule]int
}

// NewEngine returns an engine with no scenarios. cat names the APIs and operations rules may use.
func NewEngine(cat Catalog, clock func() time.Time) *Engine {
	e := &Engine{cat: cat, clock: clock, buckets: map[bucketKey]*bucket{}, files: map[string]loadedFile{}}
	e.set.Store(buildSet(nil))
	return e
}

// Catalog returns the APIs and operations rules may name.
func (e *Engine) Catalog() Catalog { return e.cat }

func buildSet(scs map[string]*Scenario) *set {
	s := &set{byName: map[string]*Scenario{}, index: map[string][]*Rule{}, order: map[*Rule]int{}}
	names := make([]string, 0, len(scs))
	for n := range scs {
		names = append(names, n)
	}
	sort.Strings(names) // a stable rule order across generations
	seq := 0
	for _, n := range names {
		sc := scs[n]
		s.byName[n] = sc // n is sc.key()
		for _, r := range sc.Rules {
			seq++
			s.order[r] = seq
			if r.Action.Kind == ActInfect {
				s.uploadRules = append(s.uploadRules, r)
				continue
			}
			key := r.Match.API + " " + r.Match.Operation
			s.index[key] = append(s.index[key], r)
		}
	}
	return s
}

// candidates returns the rules that could match a request to api's operation, in file order
// (scenarios by name, rules as written). It reads at most four short index lists, so its cost
// does not grow with the rules of other operations.
func (s *set) candidates(api, op string) []*Rule {
	keys := [4]string{api + " " + op, " " + op, api + " ", " "}
	var out []*Rule
	for i, k := range keys {
		if slices.Contains(keys[:i], k) {
			continue // the same key twice when api or op is empty
		}
		out = append(out, s.index[k]...)
	}
	// Insertion sort by sequence: the lists are short and each already sorted.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && s.order[out[j]] < s.order[out[j-1]]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// replace swaps in a new generation built by edit from a copy of the current scenarios.
func (e *Engine) replace(edit func(map[string]*Scenario)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	cur := e.set.Load()
	next := make(map[string]*Scenario, len(cur.byName))
	for n, sc := range cur.byName {
		next[n] = sc
	}
	edit(next)
	ns := buildSet(next)
	e.set.Store(ns)
	live := map[*Rule]bool{}
	for _, sc := range ns.byName {
		for _, r := range sc.Rules {
			live[r] = true
		}
	}
	for k := range e.buckets {
		if !live[k.rule] {
			delete(e.buckets, k) // rules that are gone take their buckets along
		}
	}
}

// LoadFiles replaces every scenario that came from a file with those of files (name → content).
// Nothing changes unless every file is valid; the error lists every problem. A file whose
// content is what was loaded from it before keeps its scenarios as they were, rule state
// included: reloading unchanged files starts no counter, window or rate limit afresh.
func (e *Engine) LoadFiles(files map[string][]byte) error {
	_, err := e.Reload(files)
	return err
}

// Reload is LoadFiles that also reports whether anything changed: the same names with the
// same contents change nothing (and swap nothing in).
func (e *Engine) Reload(files map[string][]byte) (changed bool, err error) {
	e.mu.Lock()
	prev := maps.Clone(e.files) // Delete and Clear write e.files under the lock
	e.mu.Unlock()
	var errs Errors
	fresh := map[string]*Scenario{}
	loaded := make(map[string]loadedFile, len(files))
	reused := 0
	for _, name := range slices.Sorted(maps.Keys(files)) {
		lf := loadedFile{sum: sha256.Sum256(files[name])}
		if old, ok := prev[name]; ok && old.sum == lf.sum {
			lf.scs = old.scs
			reused++
		} else {
			scs, err := Parse(name, files[name], e.cat)
			if err != nil {
				errs = append(errs, err.(Errors)...)
				continue
			}
			lf.scs = scs
		}
		loaded[name] = lf
		for _, sc := range lf.scs {
			if prev, dup := fresh[sc.Name]; dup {
				errs = append(errs, Error{File: name, Msg: "scenario " + sc.Name + " is also defined in " + prev.Source})
			}
			fresh[sc.Name] = sc
		}
	}
	if len(errs) > 0 {
		return true, errs
	}
	if reused == len(files) && len(prev) == len(files) {
		return false, nil
	}
	e.replace(func(m map[string]*Scenario) {
		for n, sc := range m {
			if sc.Source != SourceAdmin {
				delete(m, n)
			}
		}
		for _, sc := range fresh {
			m[sc.key()] = sc
		}
		e.files = loaded
	})
	return true, nil
}

// SourceAdmin marks scenarios added through the admin API; file reloads keep them.
const SourceAdmin = "admin"

// Put adds or replaces the scenarios of one document sent through the admin API. With a
// session, they apply to that session only (and their names may repeat across sessions).
func (e *Engine) Put(session string, data []byte) ([]string, error) {
	scs, err := Parse(SourceAdmin, data, e.cat)
	if err != nil {
		return nil, err
	}
	names := []string{}
	e.replace(func(m map[string]*Scenario) {
		for _, sc := range scs {
			sc.Session = session
			for _, r := range sc.Rules {
				r.Session = session
			}
			m[sc.key()] = sc
			names = append(names, sc.Name)
		}
	})
	return names, nil
}

// Delete removes a scenario (of a session, when given); it reports whether there was one.
func (e *Engine) Delete(session, name string) bool {
	found := false
	e.replace(func(m map[string]*Scenario) {
		_, found = m[scopedKey(session, name)]
		delete(m, scopedKey(session, name))
	})
	return found
}

// DropSession removes the scenarios loaded for one session.
func (e *Engine) DropSession(session string) {
	e.replace(func(m map[string]*Scenario) {
		for k, sc := range m {
			if sc.Session == session {
				delete(m, k)
			}
		}
	})
}

// Clear removes every scenario.
func (e *Engine) Clear() {
	e.replace(func(m map[string]*Scenario) {
		clear(m)
		clear(e.files)
	})
}

// Get returns a scenario visible to a session: its own first, then the global one.
func (e *Engine) Get(session, name string) (*Scenario, bool) {
	s := e.set.Load()
	if sc, ok := s.byName[scopedKey(session, name)]; ok && session != "" {
		return sc, true
	}
	sc, ok := s.byName[name]
	return sc, ok
}

// List returns the scenarios visible to a session (all global ones plus its own; every one
// when session is "*"), sorted by name.
func (e *Engine) List(session string) []*Scenario {
	s := e.set.Load()
	out := make([]*Scenario, 0, len(s.byName))
	for _, sc := range s.byName {
		if sc.Session == "" || sc.Session == session || session == "*" {
			out = append(out, sc)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Session < out[j].Session
	})
	return out
}

// Input describes a request for evaluation.
type Input struct {
	Session    string
	State      *SessionState
	API        string
	Operation  string
	Method     string
	Path       string
	Header     http.Header
	Query      url.Values
	Credential string   // api-key or Bearer token, for key matches and key-scoped rate limits
	Named      []string // scenarios the request turns on (X-Fileemu-Scenario)
	Filename   string   // when known from the URL (query filename, last path segment)
	// Owner is the API that handed out the URL the request uses (an S3 upload to a bucket of
	// Haufe's or Desk's): infect rules naming that API apply.
	Owner string
}

// Hit names a rule that acted on a request.
type Hit struct{ Scenario, Rule string }

// Decision is what the rules say about one request.
type Decision struct {
	// Hits lists the rules that fired, in order.
	Hits []Hit
	// Respond, when set, replaces the API's answer.
	Respond *Action
	// Fault, when set, breaks the connection that way.
	Fault string
	// Delay is waited before answering.
	Delay time.Duration
	// RateLimited answers 429 with RateHeaders.
	RateLimited bool
	// RateHeaders are the X-RateLimit-* (and on 429 Retry-After) headers of the tightest limit.
	RateHeaders map[string]string
	// Processing overrides Haufe's pacing; FailProcessing makes processing end FAILED.
	Processing     *Action
	FailProcessing bool
	// upload is kept to evaluate infect rules once the upload handler knows the file.
	upload *uploadCheck
}

type uploadCheck struct {
	e     *Engine
	in    Input
	rules []*Rule
	now   time.Time
}

// Infects reports whether a scenario marks the upload of filename with contentType infected,
// and adds the firing rule to the hits.
func (d *Decision) Infects(filename, contentType string) bool {
	if d == nil || d.upload == nil {
		return false
	}
	in := d.upload.in
	in.Filename = filename
	for _, r := range d.upload.rules {
		if !d.upload.e.matches(r, &in, contentType) || !d.upload.e.fires(r, &in, d.upload.now) {
			continue
		}
		d.Hits = append(d.Hits, Hit{r.Scenario, r.ID()})
		return true
	}
	return false
}

// Evaluate applies the active scenarios to a request. Rules act in order: delays add up, rate
// limits take a token, state effects collect; the first respond, fault or exhausted rate limit
// ends the evaluation.
func (e *Engine) Evaluate(in Input) *Decision {
	s := e.set.Load()
	if len(s.byName) == 0 {
		return nil
	}
	now := e.clock()
	d := &Decision{}
	for _, r := range s.candidates(in.API, in.Operation) {
		if !e.active(s, r, &in) || !e.matches(r, &in, in.Header.Get("Content-Type")) || !e.fires(r, &in, now) {
			continue
		}
		if e.apply(r, &in, d, now) {
			return d
		}
	}
	if len(s.uploadRules) > 0 {
		var rules []*Rule
		for _, r := range s.uploadRules {
			if e.active(s, r, &in) {
				rules = append(rules, r)
			}
		}
		if len(rules) > 0 {
			d.upload = &uploadCheck{e: e, in: in, rules: rules, now: now}
		}
	}
	if len(d.Hits) == 0 && d.upload == nil && d.RateHeaders == nil {
		return nil
	}
	return d
}

// apply performs a firing rule's action; it reports whether evaluation ends.
func (e *Engine) apply(r *Rule, in *Input, d *Decision, now time.Time) bool {
	a := &r.Action
	switch a.Kind {
	case ActRateLimit:
		ok, h := e.take(r, in, now)
		if d.RateHeaders == nil || !ok || tighter(h, d.RateHeaders) {
			d.RateHeaders = h
		}
		if ok {
			return false
		}
		d.RateLimited = true
	case ActRespond:
		d.Respond = a
	case ActFault:
		d.Fault = a.Fault
	case ActDelay:
		d.Delay += a.DelayMin
		if a.DelayMax > a.DelayMin {
			d.Delay += time.Duration(in.State.rand(r).Int64N(int64(a.DelayMax - a.DelayMin)))
		}
		d.Hits = append(d.Hits, Hit{r.Scenario, r.ID()})
		return false
	case ActProcessing:
		d.Processing = a
		d.Hits = append(d.Hits, Hit{r.Scenario, r.ID()})
		return false
	case ActFailProcessing:
		d.FailProcessing = true
		d.Hits = append(d.Hits, Hit{r.Scenario, r.ID()})
		return false
	}
	d.Hits = append(d.Hits, Hit{r.Scenario, r.ID()})
	return true
}

func tighter(a, b map[string]string) bool {
	ra, _ := strconv.Atoi(a["X-RateLimit-Remaining"])
	rb, _ := strconv.Atoi(b["X-RateLimit-Remaining"])
	return ra < rb
}

// active reports whether the rule's scenario applies to the request: loaded as active, turned
// on for the session, or named by the request; a session's own scenarios only in that session.
func (e *Engine) active(s *set, r *Rule, in *Input) bool {
	if r.Session != "" && r.Session != in.Session {
		return false
	}
	if sc := s.byName[scopedKey(r.Session, r.Scenario)]; sc != nil && sc.Active {
		return true
	}
	if slices.Contains(in.Named, r.Scenario) {
		return true
	}
	return in.State != nil && in.State.activated(r.Scenario)
}

func (e *Engine) matches(r *Rule, in *Input, contentType string) bool {
	m := &r.Match
	apiOK := m.API == "" || m.API == in.API || r.Action.Kind == ActInfect && m.API == in.Owner
	if !apiOK || m.Operation != "" && m.Operation != in.Operation ||
		m.Method != "" && m.Method != in.Method {
		return false
	}
	if !glob(m.Path, in.Path) || !glob(m.User, in.Header.Get("user-id")) || !glob(m.Key, in.Credential) {
		return false
	}
	if m.Filename != "" && (in.Filename == "" || !glob(m.Filename, in.Filename)) {
		return false
	}
	if m.ContentType != "" && (contentType == "" || !glob(m.ContentType, contentType)) {
		return false
	}
	for k, v := range m.Headers {
		if !glob(v, in.Header.Get(k)) {
			return false
		}
	}
	for k, v := range m.Query {
		if !in.Query.Has(k) || !glob(v, in.Query.Get(k)) {
			return false
		}
	}
	return true
}

func glob(pattern, s string) bool {
	if pattern == "" {
		return true
	}
	ok, _ := path.Match(pattern, s) // patterns were checked at parse time
	return ok
}

// fires counts a matching request and applies the rule's when: skip After, then every
// Every-th, at most Times firings, each with the probability.
func (e *Engine) fires(r *Rule, in *Input, now time.Time) bool {
	if in.State == nil {
		return r.When == When{Probability: 1}
	}
	c, since := in.State.count(r, now)
	w := &r.When
	if w.Window && (since < w.From || w.Until > 0 && since >= w.Until) {
		return false
	}
	if c.matched <= w.After || w.Every > 1 && (c.matched-w.After)%w.Every != 0 || w.Times > 0 && c.fired >= w.Times {
		return false
	}
	if w.Probability < 1 && in.State.rand(r).Float64() >= w.Probability {
		return false
	}
	in.State.fired(c)
	return true
}

// SessionState is what the scenarios remember per session: activations, counters, random
// sources, session-scoped rate limits.
type SessionState struct {
	mu        sync.Mutex
	on        map[string]time.Time // session activations
	firstSeen map[string]time.Time // when each scenario first applied in the session
	counts    map[*Rule]*ruleCount // keyed by this generation's rules: a reload starts afresh
	rngs      map[*Rule]*rand.Rand
	buckets   map[bucketKey]*bucket
}

// ruleCount counts a rule's matching requests and firings in a session.
type ruleCount struct{ matched, fired int }

// NewSessionState returns an empty state.
func NewSessionState() *SessionState {
	return &SessionState{on: map[string]time.Time{}, firstSeen: map[string]time.Time{}, counts: map[*Rule]*ruleCount{},
		rngs: map[*Rule]*rand.Rand{}, buckets: map[bucketKey]*bucket{}}
}

// Activate turns scenarios on for the session (their windows start now).
func (s *SessionState) Activate(now time.Time, names ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range names {
		s.on[n] = now
		s.firstSeen[n] = now
	}
}

// Deactivate turns scenarios off for the session; no names turns all off.
func (s *SessionState) Deactivate(names ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(names) == 0 {
		clear(s.on)
		return
	}
	for _, n := range names {
		delete(s.on, n)
	}
}

// Active lists the scenarios turned on for the session.
func (s *SessionState) Active() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.on))
	for n := range s.on {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (s *SessionState) activated(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.on[name]
	return ok
}

// count records one matching request of r and returns its counts and the time since the
// scenario first applied in the session.
func (s *SessionState) count(r *Rule, now time.Time) (*ruleCount, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.counts[r]
	if !ok {
		c = &ruleCount{}
		s.counts[r] = c
	}
	c.matched++
	first, ok := s.firstSeen[r.Scenario]
	if !ok {
		first = now
		s.firstSeen[r.Scenario] = now
	}
	return c, now.Sub(first)
}

// fired records that r acted on a request.
func (s *SessionState) fired(c *ruleCount) {
	s.mu.Lock()
	c.fired++
	s.mu.Unlock()
}

// rand is the rule's random source in this session, seeded by the rule's seed and identity:
// the same requests draw the same numbers, run after run.
func (s *SessionState) rand(r *Rule) *lockedRand {
	s.mu.Lock()
	defer s.mu.Unlock()
	rg, ok := s.rngs[r]
	if !ok {
		h := fnv.New64a()
		h.Write([]byte(r.ID()))
		rg = rand.New(rand.NewPCG(r.When.Seed, h.Sum64()))
		s.rngs[r] = rg
	}
	return &lockedRand{mu: &s.mu, r: rg}
}

type lockedRand struct {
	mu *sync.Mutex
	r  *rand.Rand
}

func (l *lockedRand) Float64() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Float64()
}

func (l *lockedRand) Int64N(n int64) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Int64N(n)
}

// bucket is a token bucket on the emulator clock.
type bucket struct {
	tokens float64
	last   time.Time
}

// take takes a token from the rule's bucket for the request's scope and returns the rate-limit
// headers to send.
func (e *Engine) take(r *Rule, in *Input, now time.Time) (bool, map[string]string) {
	a := &r.Action
	var b *bucket
	var mu *sync.Mutex
	switch a.Scope {
	case "session", "key":
		// Per session, so parallel tests sharing an API key do not drain each other's bucket.
		if in.State == nil {
			return true, nil
		}
		key := bucketKey{rule: r}
		if a.Scope == "key" {
			key.key = in.Credential
		}
		mu = &in.State.mu
		mu.Lock()
		b = getBucket(in.State.buckets, key, a, now)
	default:
		mu = &e.mu
		mu.Lock()
		b = getBucket(e.buckets, bucketKey{rule: r}, a, now)
	}
	defer mu.Unlock()
	b.tokens = math.Min(float64(a.Burst), b.tokens+now.Sub(b.last).Seconds()*a.Rate)
	b.last = now
	ok := b.tokens >= 1
	if ok {
		b.tokens--
	}
	// Reset: when the bucket is full again; Retry-After: when one token is back.
	full := time.Duration((float64(a.Burst) - b.tokens) / a.Rate * float64(time.Second)).Round(time.Millisecond)
	h := map[string]string{
		"X-RateLimit-Limit":     strconv.Itoa(a.Limit),
		"X-RateLimit-Remaining": strconv.Itoa(int(b.tokens)),
		"X-RateLimit-Reset":     strconv.FormatInt(int64(math.Ceil(full.Seconds())), 10),
	}
	if !ok {
		wait := time.Duration((1 - b.tokens) / a.Rate * float64(time.Second)).Round(time.Millisecond)
		h["Retry-After"] = strconv.FormatInt(int64(math.Max(1, math.Ceil(wait.Seconds()))), 10)
	}
	return ok, h
}

func getBucket(m map[bucketKey]*bucket, key bucketKey, a *Action, now time.Time) *bucket {
	b, ok := m[key]
	if !ok {
		b = &bucket{tokens: float64(a.Burst), last: now}
		m[key] = b
	}
	return b
}
