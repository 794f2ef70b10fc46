// Package testkit runs fileemu inside Go tests: an in-process emulator on an httptest server,
// isolated sessions, journal queries and assertions, and an HTTP client that validates every
// response against the emulator's OpenAPI specs.
//
//	emu := testkit.Start(t)
//	s := emu.Session(t)
//	client := emu.Client(t)               // fails t on any response that breaks the spec
//	resp, _ := client.Get(s.URL("haufe") + "/v1/files?...")
//	s.AssertCalled(t, "listFiles", 1)
//
// The admin client speaks HTTP only, so the same Session API works against a container.
package testkit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fileemu/fileemu/emulator"
)

// Target is an emulator a test body can run against: the in-process Emulator, or a container
// of the image (testkit/container). Write a test body against Target and run it on both.
type Target interface {
	// Session creates an isolated session that is dropped when t ends.
	Session(t testing.TB) *Session
	// Client returns an HTTP client that fails t on any response that breaks the spec.
	Client(t testing.TB) *http.Client
}

var _ Target = (*Emulator)(nil)

// Emulator is a running emulator.
type Emulator struct {
	// URL is the emulator's base URL, e.g. http://127.0.0.1:41234.
	URL string
	// Admin talks to the admin API.
	Admin *Admin

	server *emulator.Server
	close  func()
}

type options struct{ cfg emulator.Config }

// Option configures Start.
type Option func(*options)

// WithClock sets the base of the emulator clock (see Clock): the clock routes of the admin API
// (Session.Clock, Admin.Clock) move the emulator and its sessions on top of it.
func WithClock(now func() time.Time) Option { return func(o *options) { o.cfg.Clock = now } }

// WithSeed sets the seed of generated data.
func WithSeed(seed int64) Option { return func(o *options) { o.cfg.Seed = seed } }

// WithMaxObjectSize bounds uploads.
func WithMaxObjectSize(n int64) Option { return func(o *options) { o.cfg.MaxObjectSize = n } }

// WithBodyPacing sets the minimum average rate (bytes per second) a request body must keep
// after the grace period, or its connection is cut (defaults: 256 B/s after a minute).
func WithBodyPacing(minRate int64, grace time.Duration) Option {
	return func(o *options) { o.cfg.MinBodyRate, o.cfg.BodyGrace = minRate, grace }
}

// WithMaxStorage bounds the bytes stored by all sessions together (507 in each API's form
// above it; default: no bound in-process).
func WithMaxStorage(n int64) Option { return func(o *options) { o.cfg.MaxStorage = n } }

// WithSessionTTL drops sessions idle for d on the emulator clock (default: never).
func WithSessionTTL(d time.Duration) Option { return func(o *options) { o.cfg.SessionTTL = d } }

// WithMaxBodySize bounds request bodies that are not uploads (413 above it; default 1 MiB).
func WithMaxBodySize(n int64) Option { return func(o *options) { o.cfg.MaxBodySize = n } }

// WithAdminToken protects the admin API with a bearer token (the kit's Admin client sends it).
func WithAdminToken(token string) Option { return func(o *options) { o.cfg.AdminToken = token } }

// WithTokens restricts the API keys and bearer tokens the APIs accept.
func WithTokens(tokens ...string) Option { return func(o *options) { o.cfg.Tokens = tokens } }

// WithS3Lenient makes the fake S3 accept requests that fail authentication (logging them).
func WithS3Lenient() Option { return func(o *options) { o.cfg.S3Lenient = true } }

// WithScenarioFiles loads scenario files or directories at start (the --scenarios flag).
func WithScenarioFiles(paths ...string) Option {
	return func(o *options) { o.cfg.Scenarios = append(o.cfg.Scenarios, paths...) }
}

// WithFixtureFiles loads fixture files or directories at start into the default session and
// every session created later, Session's included (the --fixtures flag).
func WithFixtureFiles(paths ...string) Option {
	return func(o *options) { o.cfg.Fixtures = append(o.cfg.Fixtures, paths...) }
}

// WithChunkExpiry sets how long an abandoned files.ro chunked upload is kept.
func WithChunkExpiry(d time.Duration) Option { return func(o *options) { o.cfg.ChunkExpiry = d } }

// WithPublicURL sets the base URL the emulator hands out.
func WithPublicURL(u string) Option { return func(o *options) { o.cfg.PublicURL = u } }

// Start runs an emulator in-process for the duration of t.
func Start(t testing.TB, opts ...Option) *Emulator {
	t.Helper()
	e, err := New(opts...)
	if err != nil {
		t.Fatalf("testkit: %v", err)
	}
	t.Cleanup(e.Close)
	return e
}

// New runs an emulator in-process on a loopback port until Close. Start is the shorter form
// for tests; New serves programs and examples that have no testing.TB.
func New(opts ...Option) (*Emulator, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	srv, err := emulator.New(o.cfg)
	if err != nil {
		return nil, fmt.Errorf("start emulator: %w", err)
	}
	hs := httptest.NewServer(srv)
	return &Emulator{URL: hs.URL, Admin: NewAdmin(hs.URL, o.cfg.AdminToken), server: srv, close: func() {
		srv.Close() // live streams end, or hs.Close would wait for them
		hs.Close()
	}}, nil
}

// Close stops the emulator.
func (e *Emulator) Close() { e.close() }

// Session creates an isolated session that is dropped when t ends.
func (e *Emulator) Session(t testing.TB) *Session {
	t.Helper()
	return NewSession(t, e.URL, e.Admin)
}

// Client returns an HTTP client that fails t whenever a response does not match the spec of
// the API that answered (undocumented status, wrong body or headers).
func (e *Emulator) Client(t testing.TB) *http.Client {
	return ValidatingClient(t, e.server)
}

// Session is one isolated namespace of an emulator.
type Session struct {
	// ID is the session id.
	ID    string
	base  string
	admin *Admin
	t     testing.TB // the test the session was created for: URL reports unknown APIs to it
}

var unsafeID = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// NewSession creates a session named after t on the emulator at baseURL and drops it when t
// ends. Emulator.Session calls it; the container module does too.
func NewSession(t testing.TB, baseURL string, admin *Admin) *Session {
	t.Helper()
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := unsafeID.ReplaceAllString(t.Name(), "_")
	if len(name) > 40 {
		name = name[len(name)-40:]
	}
	id := strings.Trim(name, "._-") + "-" + hex.EncodeToString(b[:])
	ctx := context.Background()
	if err := admin.CreateSession(ctx, id); err != nil {
		t.Fatalf("testkit: create session: %v", err)
	}
	t.Cleanup(func() {
		if err := admin.DeleteSession(context.Background(), id); err != nil {
			t.Errorf("testkit: drop session %s: %v", id, err)
		}
	})
	return &Session{ID: id, base: strings.TrimRight(baseURL, "/"), admin: admin, t: t}
}

// specs are the emulator's specs and endpoint table, loaded once per test binary: sessions take
// the APIs' base paths from them, and the container module validates and lints with them.
var specs = sync.OnceValues(emulator.LoadSpecs)

// Specs returns the emulated APIs' specs and endpoint table without running an emulator: they
// validate responses (Specs().ValidateResponse is a ResponseValidator) and give scenario lint
// its catalog. They are loaded once and shared.
func Specs() (*emulator.Specs, error) { return specs() }

// APIPath is the path a client of api appends to the emulator's (or a session's) base URL to
// get its own base URL, from the emulator's endpoint table: "/s3", "/desk/api/v2", "/__admin",
// "" for Haufe, Weavy and files.ro. An unknown name is an error that lists the known ones.
func APIPath(api string) (string, error) {
	sp, err := specs()
	if err != nil {
		return "", fmt.Errorf("testkit: load the specs: %w", err)
	}
	var names []string
	for _, e := range sp.Endpoints() {
		if e.API == api {
			return e.Base, nil
		}
		names = append(names, e.API)
	}
	return "", fmt.Errorf("testkit: unknown API %q (known: %s)", api, strings.Join(names, ", "))
}

// apiBase is APIPath for the names this package itself uses.
func apiBase(api string) string {
	p, err := APIPath(api)
	if err != nil {
		panic(err) // the endpoint table lost an API the kit relies on: a bug, not a test failure
	}
	return p
}

// URL returns the base URL a client of api should be configured with to use this session,
// e.g. URL("haufe") + "/v1/files/signed-url"; URL("") is the session's base URL. The admin API
// has no session: URL("admin") is the emulator's admin base. An unknown API fails the test
// (with the list of known ones) and gives a URL no API serves.
func (s *Session) URL(api string) string {
	if api == "" {
		return s.base + emulator.SessionPrefix + s.ID
	}
	p, err := APIPath(api)
	if err != nil {
		s.t.Helper()
		s.t.Errorf("Session.URL: %v", err)
		return s.base + emulator.SessionPrefix + s.ID + "/unknown-api-" + url.PathEscape(api)
	}
	if api == "admin" {
		return s.base + p
	}
	return s.base + emulator.SessionPrefix + s.ID + p
}

// Requests returns the journal entries of this session matching the filters, oldest first.
// The journal is written before the response is sent, so no waiting is needed.
func (s *Session) Requests(t testing.TB, filters ...Filter) []Request {
	t.Helper()
	rs, err := s.admin.Requests(context.Background(), s.ID, filters...)
	if err != nil {
		t.Fatalf("testkit: journal: %v", err)
	}
	return rs
}

// Count returns how many journal entries of this session match the filters.
func (s *Session) Count(t testing.TB, filters ...Filter) int {
	t.Helper()
	n, err := s.admin.Count(context.Background(), s.ID, filters...)
	if err != nil {
		t.Fatalf("testkit: journal count: %v", err)
	}
	return n
}

// AssertCalled fails t unless the operation was called exactly n times in this session.
func (s *Session) AssertCalled(t testing.TB, operationID string, n int) {
	t.Helper()
	if got := s.Count(t, Operation(operationID)); got != n {
		var seen []string
		for _, r := range s.Requests(t) {
			seen = append(seen, r.Method+" "+r.Path+" ("+r.Operation+")")
		}
		t.Errorf("operation %s called %d times, want %d; session %s saw: %s", operationID, got, n, s.ID, strings.Join(seen, ", "))
	}
}

// LoadScenario loads the scenarios of a file for this session only: parallel tests can load
// the same file. Scenarios marked active apply at once; others wait for ActivateScenarios or
// the X-Fileemu-Scenario header.
func (s *Session) LoadScenario(t testing.TB, file string) []string {
	t.Helper()
	doc, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("testkit: %v", err)
	}
	return s.LoadScenarioText(t, string(doc))
}

// LoadScenarioText is LoadScenario for a document in a string.
func (s *Session) LoadScenarioText(t testing.TB, doc string) []string {
	t.Helper()
	names, err := s.admin.PutScenarios(context.Background(), s.ID, []byte(doc))
	if err != nil {
		t.Fatalf("testkit: load scenario: %v", err)
	}
	return names
}

// ActivateScenarios turns loaded scenarios on for this session.
func (s *Session) ActivateScenarios(t testing.TB, names ...string) {
	t.Helper()
	if err := s.admin.ActivateScenarios(context.Background(), s.ID, names...); err != nil {
		t.Fatalf("testkit: activate scenarios: %v", err)
	}
}

// Reset drops the session's state and journal, keeping the session.
func (s *Session) Reset(t testing.TB) {
	t.Helper()
	if err := s.admin.Reset(context.Background(), s.ID); err != nil {
		t.Fatalf("testkit: reset: %v", err)
	}
}

// State returns the admin state dump of this session.
func (s *Session) State(t testing.TB) State {
	t.Helper()
	st, err := s.admin.State(context.Background(), s.ID)
	if err != nil {
		t.Fatalf("testkit: state: %v", err)
	}
	return st
}

// Clock is a settable base clock for an in-process emulator: pass clock.Now to WithClock, then
// Advance it to move every session at once. To move one session's time, or a container's, use
// Session.Clock or Admin.Clock (a RemoteClock, over the admin API).
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock standing at start.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Do sends req with client and returns the response with its body read and closed; a transport
// error fails t.
func Do(t testing.TB, client *http.Client, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	return resp, body
}
