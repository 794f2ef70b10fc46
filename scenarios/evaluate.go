package scenarios

import (
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"time"
)

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
	// Now is the time on the session's clock: windows and session- and key-scoped rate limits
	// follow it, so moving one session's clock leaves the others alone. Zero: the engine's clock.
	// Global rate limits are shared by all sessions and stay on the engine's clock.
	Now time.Time
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
	now := in.Now
	if now.IsZero() {
		now = e.clock()
	}
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
	c, n, since := in.State.count(r, now)
	w := &r.When
	if w.Window && (since < w.From || w.Until > 0 && since >= w.Until) {
		return false
	}
	if n.matched <= w.After || w.Every > 1 && (n.matched-w.After)%w.Every != 0 || w.Times > 0 && n.fired >= w.Times {
		return false
	}
	if w.Probability < 1 && in.State.rand(r).Float64() >= w.Probability {
		return false
	}
	return in.State.fire(c, w.Times)
}
