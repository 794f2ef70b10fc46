package scenarios

import (
	"crypto/sha256"
	"maps"
	"slices"
	"sort"
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
