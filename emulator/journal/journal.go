// Package journal records the requests the emulator serves in a bounded,
// concurrency-safe ring buffer, so tests can assert how often an operation
// was called and the admin API can list requests.
//
// There is one Journal per server; entries carry the session id and are
// filtered by it. Credentials are redacted before anything is stored (see
// Redact and RedactQuery), because the journal is readable over the admin
// API.
package journal

import (
	"maps"
	"net/http"
	"slices"
	"sort"
	"sync"
	"time"
)

// DefaultCapacity is the capacity New uses when given a capacity <= 0.
const DefaultCapacity = 10000

// Entry is one recorded request.
type Entry struct {
	Seq        uint64            `json:"seq"`                 // assigned by Add, increasing from 1
	Time       time.Time         `json:"time"`                // request start
	Session    string            `json:"session"`             // session id
	API        string            `json:"api"`                 // "haufe", "s3", "admin", "" if none
	Operation  string            `json:"operation,omitempty"` // OpenAPI operationId
	Method     string            `json:"method"`
	Path       string            `json:"path"`            // API path without session prefix
	Query      string            `json:"query,omitempty"` // raw query, sensitive values redacted (see RedactQuery)
	Status     int               `json:"status"`
	DurationMS float64           `json:"duration_ms"`
	RequestID  string            `json:"request_id"`
	Headers    map[string]string `json:"headers,omitempty"`     // flat request headers, see Redact
	BodySize   int64             `json:"body_size"`             // request body bytes
	BodySHA256 string            `json:"body_sha256,omitempty"` // only set for uploads
	Error      string            `json:"error,omitempty"`       // short error code/message for error responses
	Scenario   string            `json:"scenario,omitempty"`    // scenarios that produced or altered the response
	Rule       string            `json:"rule,omitempty"`        // their rules, as scenario#index
}

// sanitize makes e safe to store: it owns its Headers map and carries no
// credentials, even if the caller forgot to call Redact or RedactQuery.
// Both redactions are idempotent, so calling it on redacted data is harmless.
func (e *Entry) sanitize() {
	if e.Headers != nil {
		h := make(map[string]string, len(e.Headers))
		for k, v := range e.Headers {
			if sensitiveHeaders[http.CanonicalHeaderKey(k)] {
				v = Redacted
			}
			h[k] = v
		}
		e.Headers = h
	}
	e.Query = RedactQuery(e.Query)
}

// clone returns a copy of e that shares no map with it, so entries handed
// out by Find can be modified without racing with the journal.
func (e Entry) clone() Entry {
	e.Headers = maps.Clone(e.Headers)
	return e
}

// Journal is a fixed-capacity ring buffer of entries; when it is full, Add
// evicts the oldest entry. All methods are safe for concurrent use.
type Journal struct {
	mu       sync.Mutex
	capacity int
	// buf holds the entries; it grows up to capacity and is then reused as
	// a ring. Oldest first starting at head; head is 0 while not full.
	buf     []Entry
	head    int
	lastSeq uint64
}

// New returns an empty Journal holding at most capacity entries
// (DefaultCapacity if capacity <= 0).
func New(capacity int) *Journal {
	if capacity <= 0 {
		capacity = DefaultCapacity
	}
	return &Journal{capacity: capacity}
}

// Capacity returns the maximum number of entries kept.
func (j *Journal) Capacity() int {
	return j.capacity // immutable after New
}

// Add stores a copy of e, evicting the oldest entry if the journal is full.
// It assigns e's Seq (ignoring the given one) and returns it.
func (j *Journal) Add(e Entry) uint64 {
	e.sanitize()
	j.mu.Lock()
	defer j.mu.Unlock()
	j.lastSeq++
	e.Seq = j.lastSeq
	if len(j.buf) < j.capacity {
		j.buf = append(j.buf, e)
	} else {
		j.buf[j.head] = e
		j.head = (j.head + 1) % len(j.buf)
	}
	return e.Seq
}

// at returns the i-th oldest entry.
func (j *Journal) at(i int) *Entry {
	return &j.buf[(j.head+i)%len(j.buf)]
}

// Update applies fn to the entry with sequence number seq if it is still in
// the journal, and reports whether it was. The server uses it to fill in
// duration and sizes when a request ends, after adding the entry as soon as
// the status was known. fn runs with the journal locked: it must be quick,
// must not call the Journal and must not keep the pointer. Seq cannot be
// changed.
func (j *Journal) Update(seq uint64, fn func(*Entry)) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	// Seqs increase from oldest to newest, so binary search finds the entry.
	n := len(j.buf)
	i := sort.Search(n, func(i int) bool { return j.at(i).Seq >= seq })
	if i == n || j.at(i).Seq != seq {
		return false
	}
	e := j.at(i)
	fn(e)
	e.Seq = seq
	e.sanitize() // fn may have added credentials
	return true
}

// scan calls fn for the entries selected by f, newest first, with their
// position (0 = oldest). Walking backwards lets Limit keep the newest
// entries and lets AfterSeq stop early. The caller holds j.mu.
func (j *Journal) scan(f Filter, fn func(i int, e *Entry)) {
	taken := 0
	for i := len(j.buf) - 1; i >= 0; i-- {
		e := j.at(i)
		if e.Seq <= f.AfterSeq {
			return // all older entries have smaller seqs
		}
		if !f.Match(*e) {
			continue
		}
		fn(i, e)
		taken++
		if f.Limit > 0 && taken == f.Limit {
			return
		}
	}
}

// Find returns copies of the entries selected by f, oldest first.
func (j *Journal) Find(f Filter) []Entry {
	j.mu.Lock()
	var found []Entry
	j.scan(f, func(_ int, e *Entry) { found = append(found, e.clone()) })
	j.mu.Unlock()
	slices.Reverse(found)
	return found
}

// Count returns the number of entries Find(f) would return.
func (j *Journal) Count(f Filter) int {
	j.mu.Lock()
	defer j.mu.Unlock()
	n := 0
	j.scan(f, func(int, *Entry) { n++ })
	return n
}

// Remove deletes the entries Find(f) would return (e.g. all of one session)
// and returns how many it removed. The remaining entries keep their order
// and sequence numbers.
func (j *Journal) Remove(f Filter) int {
	j.mu.Lock()
	defer j.mu.Unlock()
	remove := make([]bool, len(j.buf))
	removed := 0
	j.scan(f, func(i int, _ *Entry) {
		remove[i] = true
		removed++
	})
	if removed == 0 {
		return 0
	}
	// Rebuild oldest first so that head is 0 again, as Add expects of a
	// journal that is not full.
	kept := make([]Entry, 0, len(j.buf)-removed)
	for i := range j.buf {
		if !remove[i] {
			kept = append(kept, *j.at(i))
		}
	}
	j.buf, j.head = kept, 0
	return removed
}

// Clear removes all entries. Sequence numbers keep increasing, so clients
// polling with Filter.AfterSeq do not miss later entries.
func (j *Journal) Clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.buf, j.head = nil, 0
}
