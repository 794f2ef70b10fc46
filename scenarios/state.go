package scenarios

import (
	"hash/fnv"
	"math/rand/v2"
	"sort"
	"sync"
	"time"
)

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

// count records one matching request of r and returns the rule's counter, its counts as this
// request made them (read under the lock: requests of one session run side by side), and the
// time since the scenario first applied in the session.
func (s *SessionState) count(r *Rule, now time.Time) (*ruleCount, ruleCount, time.Duration) {
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
	return c, *c, now.Sub(first)
}

// fire records that r acts on a request unless it has already acted times times (0: no bound),
// in one step, so that two requests side by side cannot both take the last firing.
func (s *SessionState) fire(c *ruleCount, times int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if times > 0 && c.fired >= times {
		return false
	}
	c.fired++
	return true
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
