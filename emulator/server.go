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
	"sync/atomic"
	"time"

	"github.com/fileemu/fileemu/internal/admin"
	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/desk"
	"github.com/fileemu/fileemu/internal/filesro"
	"github.com/fileemu/fileemu/internal/haufe"
	"github.com/fileemu/fileemu/internal/journal"
	"github.com/fileemu/fileemu/internal/s3"
	"github.com/fileemu/fileemu/internal/session"
	"github.com/fileemu/fileemu/internal/validate"
	"github.com/fileemu/fileemu/internal/weavy"
	"github.com/fileemu/fileemu/openapi"
	"github.com/fileemu/fileemu/scenarios"
)

// Server is a running emulator's HTTP handler and state.
type Server struct {
	cfg       Config
	handler   http.Handler // the pipeline around dispatch
	sessions  *session.Registry
	journal   *journal.Journal
	specs     map[string]*validate.Spec
	apis      []*api.API
	requests  atomic.Uint64 // count of requests served, for request ids
	lastSweep atomic.Int64  // when idle sessions were last looked for (unix ns, emulator clock)
	scenarios *scenarios.Engine
	// From the mount table: which API handed out the URLs of each fake S3 bucket, and the
	// paths where browsers send a cookie.
	uploadBuckets map[string]string
	cookiePaths   []string
}

// New loads the specs, mounts the APIs and returns the emulator. A broken spec, or an operation
// without handler (or a handler without operation), is an error.
func New(cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	s := &Server{
		cfg:      cfg,
		sessions: session.NewRegistryIn(cfg.Clock, blobstore.NewQuota(cfg.MaxStorage)),
		journal:  journal.New(cfg.JournalSize, cfg.JournalBytes),
		specs:    map[string]*validate.Spec{},

		uploadBuckets: map[string]string{},
	}
	ctx := context.Background()
	for _, name := range openapi.Names() {
		data, err := openapi.Spec(name)
		if err != nil {
			return nil, err
		}
		spec, err := validate.Load(ctx, name+".yaml", data)
		if err != nil {
			return nil, err
		}
		s.specs[name] = spec
	}
	for _, m := range s.mounts() {
		spec, ok := s.specs[m.spec]
		if !ok {
			return nil, fmt.Errorf("mount %s: no spec %s in package openapi", m.spec, m.spec)
		}
		a := m.mount(spec)
		s.apis = append(s.apis, a)
		for _, b := range m.uploadBuckets {
			s.uploadBuckets[b] = a.Name
		}
		s.cookiePaths = append(s.cookiePaths, m.cookiePaths...)
	}
	for _, a := range s.apis {
		if err := a.Spec.CheckHandlers(a.Operations()); err != nil {
			return nil, fmt.Errorf("mount %s: %w", a.Name, err)
		}
	}
	s.scenarios = scenarios.NewEngine(s.catalog(), cfg.Clock)
	if len(cfg.Scenarios) > 0 {
		if _, err := s.ReloadScenarios(); err != nil {
			return nil, fmt.Errorf("load scenarios:\n%w", err)
		}
	}
	s.handler = s.chain(http.HandlerFunc(s.handle))
	return s, nil
}

// mount is one row of the mount table: the spec an API is built from, how, and what the
// pipeline must know of it beyond its api.API.
type mount struct {
	spec  string // name in package openapi and of the API, e.g. "haufe"
	mount func(spec *validate.Spec) *api.API
	// uploadBuckets are the fake S3 buckets the API hands out upload URLs for: a scenario's
	// infect rule naming the API applies to the S3 uploads into them.
	uploadBuckets []string
	// cookiePaths are path prefixes where the API's browser clients send a cookie: CORS
	// allows credentials there, and nowhere else.
	cookiePaths []string
}

// mounts is the mount table: every API the emulator serves, in mount order (APINames and
// Endpoints list them so). A path goes to the API with the longest matching prefix (apiFor):
// Weavy owns /api/, files.ro's /api/v1/ wins over it. Adding an API is a row here.
func (s *Server) mounts() []mount {
	cfg := s.cfg
	tokens := api.TokenAuth(cfg.Tokens)
	return []mount{
		{spec: "admin", mount: func(spec *validate.Spec) *api.API {
			return admin.New(spec, admin.Deps{
				Sessions: s.sessions, Journal: s.journal, Specs: s.specs, Version: cfg.Version,
				Started: cfg.Clock(), Clock: cfg.Clock, Token: cfg.AdminToken, APIs: s.APINames,
				Scenarios: s.Scenarios,
			})
		}},
		{spec: "s3", mount: func(spec *validate.Spec) *api.API {
			return s3.New(spec, s3.Options{
				Credentials: cfg.S3, MaxObjectSize: cfg.MaxObjectSize, Lenient: cfg.S3Lenient,
				Clock: cfg.Clock, Logger: cfg.Logger,
			})
		}},
		{spec: "haufe", mount: func(spec *validate.Spec) *api.API {
			return haufe.New(spec, haufe.Options{S3: cfg.S3, Clock: cfg.Clock, Seed: cfg.Seed, Auth: tokens})
		}, uploadBuckets: []string{haufe.Bucket}},
		{spec: "desk", mount: func(spec *validate.Spec) *api.API {
			return desk.New(spec, desk.Options{
				S3: cfg.S3, Clock: cfg.Clock, MaxObjectSize: cfg.MaxObjectSize, Seed: cfg.Seed, Auth: tokens,
			})
		}, uploadBuckets: []string{desk.Bucket}},
		{spec: "weavy", mount: func(spec *validate.Spec) *api.API {
			return weavy.New(spec, weavy.Options{Clock: cfg.Clock, MaxObjectSize: cfg.MaxObjectSize, Seed: cfg.Seed, Auth: tokens})
		}},
		{spec: "filesro", mount: func(spec *validate.Spec) *api.API {
			return filesro.New(spec, filesro.Options{
				Clock: cfg.Clock, MaxObjectSize: cfg.MaxObjectSize, Seed: cfg.Seed, Auth: tokens, ChunkExpiry: cfg.ChunkExpiry,
			})
		}, cookiePaths: []string{"/api/v1/shares/", "/api/sharing/"}}, // the share_session cookie of protected shares
	}
}

// ServeHTTP implements http.Handler: the request goes through the pipeline.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// APINames lists the mounted emulated APIs (without the admin API), in mount order.
func (s *Server) APINames() []string {
	var names []string
	for _, a := range s.apis {
		if !a.Sessionless {
			names = append(names, a.Name)
		}
	}
	return names
}

// Sessions gives in-process users (the test kit) the session registry.
func (s *Server) Sessions() *session.Registry { return s.sessions }

// Journal gives in-process users (the test kit) the request journal.
func (s *Server) Journal() *journal.Journal { return s.journal }

// Spec returns the loaded spec of an API ("haufe", "s3", "admin").
func (s *Server) Spec(name string) (*validate.Spec, bool) {
	sp, ok := s.specs[name]
	return sp, ok
}

// ShutdownTimeout is the default bound of how long in-flight uploads may take to finish on
// shutdown.
const ShutdownTimeout = 30 * time.Second

// ValidateResponse checks a response the emulator gave to req against the spec of the API that
// served it: status documented, headers and body matching. The session prefix is taken off
// first. Tests run every response through it (see testkit).
func (s *Server) ValidateResponse(ctx context.Context, req *http.Request, status int, header http.Header, body []byte) error {
	if isPreflight(req) {
		return nil // CORS preflights are answered for every path, before any API (see cors.go)
	}
	r := req.Clone(ctx)
	if _, rest, ok := session.SplitPrefix(r.URL.Path); ok {
		stripSessionPrefix(r, rest)
	}
	a := s.apiFor(r.URL.Path)
	if a == nil {
		return nil // no API, no spec: the plain JSON 404, or a redirect away from the emulator
	}
	r = a.RoutingRequest(r)
	rt, err := a.Spec.FindRoute(r)
	if err != nil {
		if status < 500 || status == http.StatusNotImplemented {
			return nil // unknown routes have no operation to check against
		}
		return fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	if err := a.Spec.ValidateResponse(ctx, r, rt, status, header, body); err != nil {
		return fmt.Errorf("%s %s (%s) -> %d: %w", req.Method, req.URL.Path, rt.OperationID, status, err)
	}
	return nil
}
