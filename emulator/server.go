// Package emulator is fileemu as a library: New loads the embedded OpenAPI specs, mounts every
// emulated API (the mount table in server.go) and serves them all on one http.Handler.
//
// A request goes through the stages of the pipeline (pipeline.go, in the order declared there):
// request id → recover → CORS → session → journal → limits → route → scenarios → auth +
// validation → the operation's handler (dispatch.go). Upload bodies are streamed to the
// handler, never buffered. State lives in sessions (the session registry), the journal and the
// scenario engine, all owned by the Server.
package emulator

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fileemu/fileemu/internal/admin"
	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/clock"
	"github.com/fileemu/fileemu/internal/fixtures"
	"github.com/fileemu/fileemu/internal/journal"
	"github.com/fileemu/fileemu/internal/session"
	"github.com/fileemu/fileemu/internal/validate"
	"github.com/fileemu/fileemu/scenarios"
)

// Server is a running emulator's HTTP handler and state.
type Server struct {
	cfg       Config
	clock     *clock.Clock // the emulator clock: Config.Clock plus the offset the admin API moves
	handler   http.Handler // the pipeline around dispatch
	sessions  *session.Registry
	journal   *journal.Journal
	specs     map[string]*validate.Spec
	apis      []*api.API
	requests  atomic.Uint64 // count of requests served, for request ids
	lastSweep atomic.Int64  // when idle sessions were last looked for (unix ns, emulator clock)
	scenarios *scenarios.Engine
	// fixtures is what new sessions start from (--fixtures), nil for an empty state.
	fixtures atomic.Pointer[fixtures.Document]
	// persist writes the models and clocks into Config.DataDir (nil without one: see persist.go).
	persist *persister
	// From the mount table: which API handed out the URLs of each fake S3 bucket, and the
	// paths where browsers send a cookie.
	uploadBuckets map[string]string
	cookiePaths   []string
	// done is closed by Close: it ends the live streams.
	done      chan struct{}
	closeOnce sync.Once
}

// New loads the specs, mounts the APIs and returns the emulator. A broken spec, or an operation
// without handler (or a handler without operation), is an error.
func New(cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	emuClock := clock.New(cfg.Clock)
	s := &Server{
		cfg:           cfg,
		clock:         emuClock,
		journal:       journal.New(cfg.JournalSize, cfg.JournalBytes),
		uploadBuckets: map[string]string{},
		done:          make(chan struct{}),
	}
	// Sessions live on the emulator clock (their own clocks follow it), in memory or in DataDir.
	quota := blobstore.NewQuota(cfg.MaxStorage)
	s.sessions = session.NewRegistryIn(emuClock.Now, quota)
	if cfg.DataDir != "" {
		reg, err := session.OpenRegistry(emuClock.Now, quota, cfg.DataDir)
		if err != nil {
			return nil, err // names the directory and the file at fault
		}
		s.sessions = reg
	}
	specs, err := loadSpecs(cfg.LazySpecs)
	if err != nil {
		return nil, err
	}
	s.specs = specs
	ms := mounts(cfg, s.specs, admin.Deps{
		Sessions: s.sessions, Journal: s.journal, Specs: s.specs, Version: cfg.Version,
		Started: cfg.Clock(), Clock: emuClock, Token: cfg.AdminToken, APIs: s.APINames,
		Scenarios: s.Scenarios, Done: s.done, Heartbeat: cfg.heartbeat, States: s.apiStates,
		LoadFixtures: s.LoadFixtures, Seed: s.Seed, EnsureSession: s.ensureSession, AfterReset: s.refill,
		Persist: s.persistSession,
	})
	for _, m := range ms {
		s.apis = append(s.apis, m.api)
		for _, b := range m.uploadBuckets {
			s.uploadBuckets[b] = m.api.Name
		}
		s.cookiePaths = append(s.cookiePaths, m.cookiePaths...)
	}
	for _, a := range s.apis {
		if err := a.Spec.CheckHandlers(a.Operations()); err != nil {
			return nil, fmt.Errorf("mount %s: %w", a.Name, err)
		}
	}
	if cfg.DataDir != "" {
		s.persist = newPersister(cfg.DataDir, s.apiStates)
		if err := s.persist.load(s.sessions.List(), emuClock); err != nil {
			return nil, err // names the file at fault
		}
	}
	s.scenarios = scenarios.NewEngine(catalog(ms), emuClock.Now)
	if len(cfg.Scenarios) > 0 {
		if _, err := s.ReloadScenarios(); err != nil {
			return nil, fmt.Errorf("load scenarios:\n%w", err)
		}
	}
	intoDefault := true
	if def, ok := s.sessions.Get(session.Default); ok && s.persist != nil {
		intoDefault = len(def.Snapshot()) == 0 && def.Blobs.Len() == 0 // nothing kept from before
	}
	if err := s.reloadFixtures(intoDefault); err != nil {
		return nil, fmt.Errorf("load fixtures:\n%w", err)
	}
	s.handler = s.chain(http.HandlerFunc(s.handle))
	return s, nil
}

// Close ends the server's live streams (GET /__admin/requests/stream), which would otherwise
// hold a graceful shutdown until its timeout: give it to http.Server.RegisterOnShutdown. Other
// requests are still answered; new streams end at once.
func (s *Server) Close() { s.closeOnce.Do(func() { close(s.done) }) }

// ServeHTTP implements http.Handler: the request goes through the pipeline.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// APINames lists the mounted emulated APIs (without the admin API), in mount order.
func (s *Server) APINames() []string { return apiNames(s.apis) }

// ShutdownTimeout is the default bound of how long in-flight uploads may take to finish on
// shutdown.
const ShutdownTimeout = 30 * time.Second

// ValidateResponse checks a response the emulator gave to req against the spec of the API that
// served it: status documented, headers and body matching. The session prefix is taken off
// first. Tests run every response through it (see testkit).
func (s *Server) ValidateResponse(ctx context.Context, req *http.Request, status int, header http.Header, body []byte) error {
	return validateResponse(ctx, s.apis, req, status, header, body)
}
