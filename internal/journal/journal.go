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
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
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
	// RequestBody is a JSON or form request body (never an upload), credentials redacted (see
	// RedactBody), cut at the emulator's per-entry bound.
	RequestBody string `json:"request_body,omitempty"`
	// ResponseHeaders are the answer's headers, flat, credentials (Set-Cookie) redacted.
	ResponseHeaders map[string]string `json:"response_headers,omitempty"`
	// ResponseBody is the body of a non-2xx answer or of a JSON or XML one (never stored content
	// served back), cut at the emulator's per-entry bound with a marker.
	ResponseBody string `json:"response_body,omitempty"`

	bytes int64 // size() as stored: eviction and edits need not walk the header maps again
}

// sanitize makes e safe to store: it carries no credentials, even if the caller forgot to call
// Redact or RedactQuery. Its header maps are changed in place: Add keeps them.
// Both redactions are idempotent, so calling it on redacted data is harmless.
//
// It also bounds the entry: header values, the number of headers, path and
// query are cut to their limits, with a marker saying what was dropped.
func (e *Entry) sanitize() {
	e.Headers = sanitizeHeaders(e.Headers)
	e.ResponseHeaders = sanitizeHeaders(e.ResponseHeaders)
	e.Path = Truncate(e.Path, maxPath)
	e.Query = Truncate(RedactQuery(e.Query), maxQuery)
	e.RequestBody = Truncate(e.RequestBody, maxBody)
	e.ResponseBody = Truncate(e.ResponseBody, maxBody)
}

// sanitizeHeaders bounds flat headers and redacts their credentials. It works in place (Add and
// Complete keep the maps they are handed: the emulator makes them for the entry, and a second
// copy cost a map per request) unless there are too many headers to keep.
func sanitizeHeaders(h map[string]string) map[string]string {
	if h == nil {
		return nil
	}
	if len(h) > maxHeaders {
		kept := make(map[string]string, maxHeaders+1)
		names := slices.Sorted(maps.Keys(h))
		for _, k := range names[:maxHeaders] {
			kept[Truncate(k, maxHeaderValue)] = sanitizeHeader(k, h[k])
		}
		kept["X-Fileemu-Journal-Truncated"] = strconv.Itoa(len(names)-maxHeaders) + " more headers not kept"
		return kept
	}
	var long []string // names to cut, after the loop: a name added while ranging may come round again
	for k, v := range h {
		if len(k) > maxHeaderValue {
			long = append(long, k)
		} else if sv := sanitizeHeader(k, v); sv != v {
			h[k] = sv
		}
	}
	for _, k := range long {
		v := h[k]
		delete(h, k)
		h[Truncate(k, maxHeaderValue)] = sanitizeHeader(k, v)
	}
	return h
}

// sanitizeHeader returns the value of header k to keep: credentials redacted, bounded.
func sanitizeHeader(k, v string) string {
	switch ck := http.CanonicalHeaderKey(k); {
	case ck == "Location" || ck == "Content-Location":
		v = RedactText(v) // a redirect to a presigned URL
	case sensitiveHeaders[ck]:
		v = Redacted
	}
	return Truncate(v, maxHeaderValue)
}

// clone returns a copy of e that shares no map with it, so entries handed
// out by Find can be modified without racing with the journal.
func (e Entry) clone() Entry {
	e.Headers = maps.Clone(e.Headers)
	e.ResponseHeaders = maps.Clone(e.ResponseHeaders)
	return e
}

// DefaultMaxBytes is the byte bound New uses when given one <= 0.
const DefaultMaxBytes = 64 << 20

// Per-entry bounds: a request cannot make its entry large (one 1,000 KiB header used to be kept
// whole, 1,500 such requests took the process to 2.4 GiB).
const (
	maxHeaderValue = 1 << 10 // bytes kept of one header value
	maxHeaders     = 64      // headers kept per entry
	maxPath        = 2 << 10 // bytes kept of the path
	maxQuery       = 4 << 10 // bytes kept of the (redacted) query
	// maxBody is the most kept of a request or response body whatever the emulator's own
	// per-entry bound (Config.JournalBodyBytes) says.
	maxBody = 1 << 20
)

// Journal is a bounded ring buffer of entries: at most capacity entries and
// about maxBytes bytes; Add evicts the oldest entries to stay within both.
// All methods are safe for concurrent use.
type Journal struct {
	mu       sync.Mutex
	capacity int
	maxBytes int64
	// buf holds the entries as a ring: n of them, oldest first from head. It
	// grows up to capacity.
	buf     []Entry
	head, n int
	bytes   int64 // the sum of the entries' sizes
	lastSeq uint64

	// The change feed for live streams: the seqs of the last len(changes) entries added or
	// updated and their sessions (a ring; changed counts every change ever), and a channel the
	// next change closes, made only when someone waits on it.
	changes [changeRing]change
	changed uint64
	wake    chan struct{}
	// sessionWake holds the channels of streams following one session (WaitSession), closed
	// by the next change of that session only. A channel stays after its stream left, until
	// its session's next change: at most one per session.
	sessionWake map[string]sessionWaiter
}

// sessionWaiter is the channel of the streams following one session, and the change position
// from which that session has had no change while the channel is open.
type sessionWaiter struct {
	ch    chan struct{}
	quiet uint64
}

// change is one entry of the change feed: the entry changed and its session, so that a stream
// following one session passes over the others' changes without looking them up.
type change struct {
	seq     uint64
	session string
}

// changeRing is how many changes a stream may fall behind before Changes says some were lost.
const changeRing = 4096

// New returns an empty Journal holding at most capacity entries
// (DefaultCapacity if capacity <= 0) of at most maxBytes bytes together
// (DefaultMaxBytes if maxBytes <= 0).
func New(capacity int, maxBytes int64) *Journal {
	if capacity <= 0 {
		capacity = DefaultCapacity
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	return &Journal{capacity: capacity, maxBytes: maxBytes}
}

// size is about the bytes an entry holds.
func (e *Entry) size() int64 {
	n := 256 + len(e.Session) + len(e.API) + len(e.Operation) + len(e.Method) + len(e.Path) + len(e.Query) +
		len(e.RequestID) + len(e.BodySHA256) + len(e.Error) + len(e.Scenario) + len(e.Rule) +
		len(e.RequestBody) + len(e.ResponseBody)
	for k, v := range e.Headers {
		n += 32 + len(k) + len(v)
	}
	for k, v := range e.ResponseHeaders {
		n += 32 + len(k) + len(v)
	}
	return int64(n)
}

// Truncate cuts s to max bytes (at a UTF-8 boundary), saying how much was dropped.
func Truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…[" + strconv.Itoa(len(s)-cut) + " bytes truncated]"
}

// Capacity returns the maximum number of entries kept.
func (j *Journal) Capacity() int {
	return j.capacity // immutable after New
}

// Bytes returns about how many bytes the entries hold (at most the bound given to New).
func (j *Journal) Bytes() int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.bytes
}

// Add stores e, evicting the oldest entries while the journal is
// full or over its byte bound. It assigns e's Seq (ignoring the given one)
// and returns it. The journal keeps e's header maps: the caller must not use them afterwards.
func (j *Journal) Add(e Entry) uint64 {
	e.sanitize()
	size := e.size()
	e.bytes = size
	j.mu.Lock()
	defer j.mu.Unlock()
	j.lastSeq++
	e.Seq = j.lastSeq
	for j.n > 0 && (j.n == j.capacity || j.bytes+size > j.maxBytes) {
		j.evictOldest()
	}
	if j.n == len(j.buf) { // the ring is full but below capacity: double it, oldest first
		grown := make([]Entry, min(max(2*j.n, 16), j.capacity))
		for i := range j.n {
			grown[i] = *j.at(i)
		}
		j.buf, j.head = grown, 0
	}
	*j.at(j.n) = e
	j.n++
	j.bytes += size
	j.noteChange(e.Seq, e.Session)
	return e.Seq
}

// noteChange records that the entry seq was added or updated and wakes the waiters. The caller
// holds j.mu.
func (j *Journal) noteChange(seq uint64, session string) {
	j.changes[j.changed%changeRing] = change{seq, session}
	j.changed++
	if j.wake != nil {
		close(j.wake)
		j.wake = nil
	}
	if w, ok := j.sessionWake[session]; ok {
		close(w.ch)
		delete(j.sessionWake, session)
	}
}

// WaitSession is Wait for a stream following one session (every session when session is ""):
// the channel is closed once that session has a change past the position returned, from
// which the caller reads next (Changes). Other sessions' changes do not wake it, and the
// position moves past them, so they never count as lost: a hundred streams following other
// sessions cost a busy one nothing.
func (j *Journal) WaitSession(since uint64, session string) (<-chan struct{}, uint64) {
	if session == "" {
		return j.Wait(since), since
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	w, ok := j.sessionWake[session]
	if !ok || since < w.quiet {
		// Look for a change of the session between since and now (or the open channel's quiet
		// point); past the feed's reach, Changes tells what was lost.
		end := j.changed
		if ok {
			end = w.quiet
		}
		if end-since > changeRing {
			return closed, since
		}
		for c := since; c < end; c++ {
			if j.changes[c%changeRing].session == session {
				return closed, since
			}
		}
		if !ok {
			w.ch = make(chan struct{})
			if j.sessionWake == nil {
				j.sessionWake = map[string]sessionWaiter{}
			}
		}
		w.quiet = since
		j.sessionWake[session] = w
	}
	return w.ch, j.changed // nothing of the session since since: read from now on
}

// closed is a channel that is always ready.
var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// Wait returns a channel that is closed once the change position is past since: at once if
// something changed since then, else by the next Add or Update.
func (j *Journal) Wait(since uint64) <-chan struct{} {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.changed != since {
		c := make(chan struct{})
		close(c)
		return c
	}
	if j.wake == nil {
		j.wake = make(chan struct{})
	}
	return j.wake
}

// Changes returns the entries matching f that were added or updated after the change
// position since (one returned before; Position gives the current one), as they are now, in
// the order of their first change (new entries in seq order), each once, and the position to
// ask from next. lost reports that more changed
// than the feed keeps: the caller should read the journal again. Entries are matched before
// they are copied, so a stream following another session costs little.
func (j *Journal) Changes(since uint64, f Filter) (entries []Entry, next uint64, lost bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.changed-since > changeRing {
		since, lost = j.changed-changeRing, true
	}
	var taken map[uint64]bool // made at the first match: a stream that matches nothing allocates nothing
	for c := since; c < j.changed; c++ {
		ch := j.changes[c%changeRing]
		if f.Session != "" && ch.session != f.Session {
			continue // a stream following another session: no lookup
		}
		seq := ch.seq
		i, ok := j.index(seq)
		if !ok || taken[seq] || !f.Match(*j.at(i)) {
			continue
		}
		if taken == nil {
			taken = map[uint64]bool{}
		}
		taken[seq] = true
		entries = append(entries, j.at(i).clone())
	}
	return entries, j.changed, lost
}

// Position is the current change position (Changes(pos, f) returns what changes after now)
// and the seq of the newest entry added so far, read together: a stream tells the entries new
// to it from those it saw begin.
func (j *Journal) Position() (pos, lastSeq uint64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.changed, j.lastSeq
}

// index finds the position of the entry seq: seqs increase from oldest to newest, so binary
// search finds it. The caller holds j.mu.
func (j *Journal) index(seq uint64) (int, bool) {
	i := sort.Search(j.n, func(i int) bool { return j.at(i).Seq >= seq })
	return i, i < j.n && j.at(i).Seq == seq
}

func (j *Journal) evictOldest() {
	e := j.at(0)
	j.bytes -= e.bytes
	*e = Entry{} // let the strings go
	j.head = (j.head + 1) % len(j.buf)
	j.n--
}

// at returns the i-th oldest entry.
func (j *Journal) at(i int) *Entry {
	return &j.buf[(j.head+i)%len(j.buf)]
}

// Completion is what the server learns of a request when it ends, after its entry was added.
type Completion struct {
	DurationMS      float64
	BodySize        int64
	BodySHA256      string
	Scenario, Rule  string
	RequestBody     string
	ResponseHeaders map[string]string
	ResponseBody    string
}

// Complete fills in the entry seq with c if it is still in the journal, and reports whether it
// was. c is sanitized (its headers and bodies redacted and bounded, as Add does) before the
// journal is locked, and the rest of the entry, sanitized by Add, is not gone over again:
// every request of every session waits on that lock. The journal keeps c's header map.
func (j *Journal) Complete(seq uint64, c Completion) bool {
	c.ResponseHeaders = sanitizeHeaders(c.ResponseHeaders)
	c.RequestBody = Truncate(c.RequestBody, maxBody)
	c.ResponseBody = Truncate(c.ResponseBody, maxBody)
	return j.edit(seq, func(e *Entry) {
		e.DurationMS, e.BodySize, e.BodySHA256 = c.DurationMS, c.BodySize, c.BodySHA256
		e.Scenario, e.Rule = c.Scenario, c.Rule
		e.RequestBody, e.ResponseHeaders, e.ResponseBody = c.RequestBody, c.ResponseHeaders, c.ResponseBody
	})
}

// Update applies fn to the entry with sequence number seq if it is still in
// the journal, and reports whether it was. The server uses it to fill in
// duration and sizes when a request ends, after adding the entry as soon as
// the status was known. fn runs with the journal locked: it must be quick,
// must not call the Journal and must not keep the pointer. Seq cannot be
// changed. Header maps fn puts in the entry are kept (and sanitized in place).
func (j *Journal) Update(seq uint64, fn func(*Entry)) bool {
	return j.edit(seq, func(e *Entry) {
		fn(e)
		e.Seq = seq
		e.sanitize() // fn may have added credentials
	})
}

// edit applies fn to the entry seq under the lock, keeps the journal's byte count and tells the
// live streams; it reports whether the entry was still there.
func (j *Journal) edit(seq uint64, fn func(*Entry)) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	i, ok := j.index(seq)
	if !ok {
		return false
	}
	e := j.at(i)
	before := e.bytes // fn may replace the whole entry
	fn(e)
	size := e.size()
	j.bytes += size - before
	e.bytes = size
	j.noteChange(seq, e.Session)
	return true
}

// scan calls fn for the entries selected by f, newest first, with their
// position (0 = oldest). Walking backwards lets Limit keep the newest
// entries and lets AfterSeq stop early. The caller holds j.mu.
func (j *Journal) scan(f Filter, fn func(i int, e *Entry)) {
	taken := 0
	for i := j.n - 1; i >= 0; i-- {
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
	remove := make([]bool, j.n)
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
	kept := make([]Entry, 0, j.n-removed)
	j.bytes = 0
	for i := range j.n {
		if !remove[i] {
			kept = append(kept, *j.at(i))
			j.bytes += j.at(i).bytes
		}
	}
	j.buf, j.head, j.n = kept, 0, len(kept)
	return removed
}

// Clear removes all entries. Sequence numbers keep increasing, so clients
// polling with Filter.AfterSeq do not miss later entries.
func (j *Journal) Clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.buf, j.head, j.n, j.bytes = nil, 0, 0, 0
}
