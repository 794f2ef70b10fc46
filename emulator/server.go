// Package emulator assembles fileemu: it loads the embedded specs, mounts every emulated API and
// serves them on one http.Handler with sessions, CORS, request journal and validation.
//
// Request path: request id → recover → CORS → session → API by path prefix → journal →
// route (kin router) → scenarios → auth + validation (kin; upload bodies are streamed, never
// buffered) → handler (the API's model) → response.
package emulator

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/fileemu/fileemu/internal/admin"
	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/journal"
	"github.com/fileemu/fileemu/internal/session"
	"github.com/fileemu/fileemu/internal/validate"
	"github.com/fileemu/fileemu/scenarios"
)

// Server is a running emulator's HTTP handler and state.
type Server struct {
	cfg       Config
	echo      *echo.Echo
	sessions  *session.Registry
	journal   *journal.Journal
	specs     map[string]*validate.Spec
	apis      []*api.API
	requests  atomic.Uint64 // count of requests served, for request ids
	lastSweep atomic.Int64  // when idle sessions were last looked for (unix ns, emulator clock)
	scenarios *scenarios.Engine
}

// New loads the specs, mounts the APIs and returns the emulator. A broken spec, or an operation
// without handler (or a handler without operation), is an error.
func New(cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	s := &Server{
		cfg:      cfg,
		sessions: session.NewRegistryIn(cfg.Clock, blobstore.NewQuota(cfg.MaxStorage)),
		journal:  journal.New(cfg.JournalSize, cfg.JournalBytes),
	}
	specs, err := loadSpecs()
	if err != nil {
		return nil, err
	}
	s.specs = specs
	s.apis = mount(cfg, s.specs, admin.Deps{
		Sessions: s.sessions, Journal: s.journal, Specs: s.specs, Version: cfg.Version,
		Started: cfg.Clock(), Clock: cfg.Clock, Token: cfg.AdminToken, APIs: s.APINames,
		Scenarios: s.Scenarios,
	})
	for _, a := range s.apis {
		if err := a.Spec.CheckHandlers(a.Operations()); err != nil {
			return nil, fmt.Errorf("mount %s: %w", a.Name, err)
		}
	}
	s.scenarios = scenarios.NewEngine(catalog(s.apis), cfg.Clock)
	if len(cfg.Scenarios) > 0 {
		if _, err := s.ReloadScenarios(); err != nil {
			return nil, fmt.Errorf("load scenarios:\n%w", err)
		}
	}
	e := echo.New()
	e.Logger = cfg.Logger
	e.HTTPErrorHandler = s.lastResort
	e.Any("/*", s.serve)
	e.Any("/", s.serve)
	s.echo = e
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// APINames lists the mounted emulated APIs (without the admin API), in mount order.
func (s *Server) APINames() []string { return apiNames(s.apis) }

// newRequestID returns a random id with the server's request count appended, so ids never
// collide and sort roughly by arrival within one server.
func (s *Server) newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s%06x", hex.EncodeToString(b[:]), s.requests.Add(1)&0xffffff)
}

// serve runs one request through the whole path. It is the only echo route.
func (s *Server) serve(c *echo.Context) (err error) {
	r := c.Request()
	req := &api.Request{
		Context:      c,
		RequestID:    s.newRequestID(),
		Start:        s.cfg.Clock(),
		OriginalPath: r.URL.EscapedPath(),
	}
	h := c.Response().Header()
	h.Set("X-Request-Id", req.RequestID)
	defer s.recoverPanic(req, &err)

	if preflight := cors(c); preflight {
		return nil
	}
	id, where, path := sessionID(r)
	if path != r.URL.Path {
		stripSessionPrefix(r, path)
	}
	a := s.apiFor(r.URL.Path)
	req.API = a
	if a == nil {
		if !session.ValidID(id) {
			return writePlainError(c, http.StatusBadRequest, "invalid_session", fmt.Sprintf("invalid session id %q", id))
		}
		// No session is created for a path no API serves.
		return writePlainError(c, http.StatusNotFound, "not_found",
			fmt.Sprintf("no emulated API serves %s %s", r.Method, r.URL.Path))
	}
	if a.Sessionless {
		id = session.Default // the admin API is not scoped by session
	}
	sess, _, err := s.sessions.Ensure(id)
	switch {
	case err != nil:
		// Bad input on an API path: the API's own validation envelope names the session.
		v := validate.Violation{In: where, Name: "session", Keyword: "pattern", Message: err.Error()}
		if where == "header" {
			v.Name = session.Header
		}
		return s.problem(req, api.Problem{Kind: api.Invalid, Violations: []validate.Violation{v}, Detail: err.Error()})
	}
	s.dropIdleSessions()
	req.Session = sess
	req.SessionHeader = where == "header" && r.Header.Get(session.Header) != ""
	req.BaseURL = s.baseURL(r, sess.ID)
	if !a.Sessionless {
		finish := s.record(req)
		defer finish()
	}
	if strings.Count(r.URL.RawQuery, "&")+1 > maxQueryParams {
		// Go drops every parameter past its limit, and the handler would report a missing one.
		v := validate.Violation{In: "query", Keyword: "maxItems", Message: fmt.Sprintf("too many query parameters (more than %d)", maxQueryParams)}
		return s.problem(req, api.Problem{Kind: api.Invalid, Violations: []validate.Violation{v}, Detail: v.Message})
	}
	if s.cfg.MinBodyRate > 0 && r.Body != nil && r.Body != http.NoBody {
		r.Body = newPacedBody(r.Body, http.NewResponseController(c.Response()), s.cfg.BodyGrace, s.cfg.MinBodyRate)
	}
	if err := s.dispatch(req); err != nil {
		// Rendered here, before the journal entry is completed, so both say 500.
		s.cfg.Logger.Error("request failed", "request_id", req.RequestID, "error", err)
		if resp, _ := echo.UnwrapResponse(c.Response()); resp == nil || !resp.Committed {
			return s.problem(req, api.Problem{Kind: api.Internal, Detail: "internal error"})
		}
	}
	return nil
}

// dropIdleSessions drops the sessions not used for Config.SessionTTL, with their objects,
// journal entries and scenarios. It looks at most every tenth of the TTL (and every second),
// on the request path: no goroutine to stop, and an idle emulator holds what it held.
func (s *Server) dropIdleSessions() {
	ttl := s.cfg.SessionTTL
	if ttl <= 0 {
		return
	}
	now := s.cfg.Clock()
	last := s.lastSweep.Load()
	if now.UnixNano()-last < int64(max(ttl/10, time.Second)) || !s.lastSweep.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	for _, id := range s.sessions.Idle(now.Add(-ttl)) {
		s.sessions.Delete(id)
		s.journal.Remove(journal.Filter{Session: id})
		s.scenarios.DropSession(id)
		s.cfg.Logger.Info("session dropped: idle longer than --session-ttl", "session", id, "ttl", ttl)
	}
}

// recoverPanic turns a panic into the API's 500 envelope and a logged stack. It runs before
// the journal entry is completed, so the journal records the 500.
func (s *Server) recoverPanic(req *api.Request, err *error) {
	if v := recover(); v != nil {
		r := req.Request()
		s.cfg.Logger.Error("panic serving request", "method", r.Method, "path", r.URL.Path,
			"request_id", req.RequestID, "panic", v, "stack", string(debug.Stack()))
		*err = s.problem(req, api.Problem{Kind: api.Internal, Detail: "internal error"})
	}
}

// dispatch routes, authenticates and validates the request, then runs the operation's handler.
func (s *Server) dispatch(req *api.Request) (err error) {
	defer s.recoverPanic(req, &err)
	r, a, h := req.Request(), req.API, req.Response().Header()
	rt, err := a.Spec.FindRoute(a.RoutingRequest(r))
	if err != nil {
		var mna *validate.MethodNotAllowedError
		if errors.As(err, &mna) {
			h.Set("Allow", strings.Join(mna.Allowed, ", "))
			return s.problem(req, api.Problem{Kind: api.MethodNotAllowed, Allowed: mna.Allowed,
				Detail: fmt.Sprintf("method %s is not allowed on %s", r.Method, r.URL.Path)})
		}
		return s.problem(req, api.Problem{Kind: api.NotFound, Detail: fmt.Sprintf("no operation %s %s", r.Method, r.URL.Path)})
	}
	req.Route = rt
	// Scenarios act before authentication and validation, as a gateway or an outage would. The
	// admin API is exempt: a catch-all outage must not lock out the call that removes it.
	if !a.Sessionless {
		if done, err := s.applyScenarios(req); done {
			return err
		}
	}
	if a.FormAsJSON {
		formAsJSON(r, rt)
	}
	if !api.StreamsBody(rt) {
		// kin reads a body whole to validate it: bound it first, in the API's own envelope.
		if tooLarge, err := boundBody(r, s.cfg.MaxBodySize); tooLarge {
			return s.problem(req, api.Problem{Kind: api.Status, Status: http.StatusRequestEntityTooLarge,
				Detail: fmt.Sprintf("request body larger than %d bytes (the emulator's bound for bodies that are not uploads, --max-body-size)", s.cfg.MaxBodySize)})
		} else if err != nil {
			v := validate.Violation{In: "body", Keyword: "read", Message: err.Error()}
			return s.problem(req, api.Problem{Kind: api.Invalid, Violations: []validate.Violation{v}, Detail: err.Error()})
		}
	}
	if vs := a.Spec.ValidateRequest(r.Context(), r, rt, validate.RequestOptions{Auth: a.Auth, SkipBody: api.StreamsBody(rt)}); len(vs) > 0 {
		kind := api.Invalid
		// Authentication comes first, as in the real services: no validation detail for strangers.
		if sec := securityOnly(vs); len(sec) > 0 {
			kind, vs = api.Unauthorized, sec
		}
		api.SetViolationsHeader(h, vs)
		return s.problem(req, api.Problem{Kind: kind, Violations: vs, Detail: validate.Summary(vs)})
	}
	// A complete request is processed to the end, whatever the client does with its write
	// side; a body cut short still fails its reads.
	req.DetachFromClient()
	if err := a.Handlers[rt.OperationID](req); err != nil {
		if resp, _ := echo.UnwrapResponse(req.Response()); resp != nil && resp.Committed {
			s.cfg.Logger.Warn("handler failed after responding", "operation", rt.OperationID, "error", err)
			return nil
		}
		s.cfg.Logger.Error("handler failed", "operation", rt.OperationID, "request_id", req.RequestID, "error", err)
		return s.problem(req, api.Problem{Kind: api.Internal, Detail: "internal error"})
	}
	return nil
}

// boundBody reads r's body into memory when it is at most max bytes, and refuses it otherwise
// without reading more than max+1 bytes. Bodies that are not uploads are small; the bound keeps
// a 2 GiB JSON POST from costing 2 GiB (kin reads a body whole to validate it).
func boundBody(r *http.Request, max int64) (tooLarge bool, err error) {
	if r.Body == nil || r.Body == http.NoBody {
		return false, nil
	}
	if r.ContentLength > max {
		return true, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	if err != nil {
		return false, fmt.Errorf("read request body: %w", err)
	}
	if int64(len(b)) > max {
		return true, nil
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return false, nil
}

// formAsJSON relabels a form-encoded body as JSON when the operation takes JSON: curl -d
// '{"id":"x"}' without -H 'Content-Type: application/json' sends that label.
func formAsJSON(r *http.Request, rt *validate.Route) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" || rt.Operation.RequestBody == nil || rt.Operation.RequestBody.Value == nil {
		return
	}
	content := rt.Operation.RequestBody.Value.Content
	if content.Get("application/x-www-form-urlencoded") == nil && content.Get("application/json") != nil {
		r.Header.Set("Content-Type", "application/json")
	}
}

// securityOnly returns the authentication failures among vs.
func securityOnly(vs []validate.Violation) []validate.Violation {
	var sec []validate.Violation
	for _, v := range vs {
		if v.In == "security" {
			sec = append(sec, v)
		}
	}
	return sec
}

// problem renders p in the API's envelope, or as plain JSON outside any API.
func (s *Server) problem(req *api.Request, p api.Problem) error {
	if req.API != nil && req.API.WriteProblem != nil {
		return req.API.WriteProblem(req, p)
	}
	status := map[api.Kind]int{api.NotFound: 404, api.MethodNotAllowed: 405, api.Unauthorized: 401,
		api.Invalid: 422, api.Internal: 500}[p.Kind]
	if p.Kind == api.Status {
		status = p.Status
	}
	return writePlainError(req.Context, status, strings.ToLower(strings.ReplaceAll(http.StatusText(status), " ", "_")), p.Detail)
}

// lastResort answers errors that escaped serve (it never returns one it could render itself).
func (s *Server) lastResort(c *echo.Context, err error) {
	if resp, _ := echo.UnwrapResponse(c.Response()); resp != nil && resp.Committed {
		return
	}
	s.cfg.Logger.Error("unhandled error", "error", err)
	_ = writePlainError(c, http.StatusInternalServerError, "internal_error", "internal error")
}

// writePlainError writes the admin API's plain JSON error, used outside any emulated API.
func writePlainError(c *echo.Context, status int, code, msg string) error {
	return c.JSON(status, map[string]string{"error": code, "message": msg})
}

// apiFor returns the API owning path (see apiFor in endpoints.go).
func (s *Server) apiFor(path string) *api.API { return apiFor(s.apis, path) }

// sessionID picks the session id from the path prefix ("path") or the header ("header"), and
// returns the path without prefix. No prefix and no header is the default session.
func sessionID(r *http.Request) (id, where, path string) {
	id, path, prefixed := session.SplitPrefix(r.URL.Path)
	if prefixed {
		return id, "path", path
	}
	if id = r.Header.Get(session.Header); id != "" {
		return id, "header", path
	}
	return session.Default, "header", path
}

// stripSessionPrefix rewrites r's URL to path, keeping the escaped form consistent.
func stripSessionPrefix(r *http.Request, path string) {
	raw := r.URL.EscapedPath()
	r.URL.Path = path
	r.URL.RawPath = ""
	if _, rest, ok := session.SplitPrefix(raw); ok && rest != path {
		r.URL.RawPath = rest // keeps escapes such as %2F that Path cannot show
	}
}

// baseURL is the public URL of the session, on which handed-out URLs are built.
func (s *Server) baseURL(r *http.Request, sessionID string) string {
	base := strings.TrimRight(s.cfg.PublicURL, "/")
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		if p := r.Header.Get("X-Forwarded-Proto"); p == "http" || p == "https" {
			scheme = p
		}
		host := r.Host
		if fh := r.Header.Get("X-Forwarded-Host"); fh != "" {
			host = strings.TrimSpace(strings.Split(fh, ",")[0])
		}
		base = scheme + "://" + host
	}
	if sessionID != session.Default {
		base += session.PathPrefix + url.PathEscape(sessionID)
	}
	return base
}

// record adds the request to the journal as soon as its status is known (so a test that got
// the response finds the entry without waiting) and completes it when the request ends.
func (s *Server) record(req *api.Request) (finish func()) {
	r := req.Request()
	body := &countingReader{r: r.Body}
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = body // http.NoBody stays: validation tells "no body" from "empty body" by it
	}
	entry := journal.Entry{
		Time:      req.Start,
		Session:   req.Session.ID,
		API:       req.API.Name,
		Method:    r.Method,
		Path:      r.URL.Path,
		Query:     journal.RedactQuery(r.URL.RawQuery),
		RequestID: req.RequestID,
		Headers:   journal.Redact(r.Header),
	}
	var seq uint64
	add := func(status int) {
		if seq != 0 {
			return
		}
		e := entry
		if req.Route != nil {
			e.Operation = req.Route.OperationID
		}
		e.Status = status
		e.BodySize = body.n.Load()
		e.Error = req.ErrorCode()
		e.Scenario, e.Rule = scenarioHits(req.Scenario)
		seq = s.journal.Add(e)
	}
	resp, _ := echo.UnwrapResponse(req.Response())
	if resp != nil {
		resp.Before(func() { add(resp.Status) })
	}
	req.OnAbort(func() { add(0) }) // a broken connection has no status
	return func() {
		status := http.StatusOK
		if resp != nil && resp.Status != 0 {
			status = resp.Status
		}
		if strings.HasPrefix(req.ErrorCode(), "fault:") {
			status = 0 // the connection was broken: no response
		}
		add(status)
		end := s.cfg.Clock()
		s.journal.Update(seq, func(e *journal.Entry) {
			e.DurationMS = float64(end.Sub(req.Start).Microseconds()) / 1000
			e.BodySize = body.n.Load()
			e.BodySHA256 = req.UploadSHA256()
			e.Scenario, e.Rule = scenarioHits(req.Scenario) // upload handlers may add infect hits
		})
	}
}

type countingReader struct {
	r io.ReadCloser
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (c *countingReader) Close() error { return c.r.Close() }

// maxQueryParams is Go's limit of query parameters (net/url): past it Go parses none.
const maxQueryParams = 10000

// pacedBody cuts a request body that arrives slower than a minimum average rate, after a
// grace period: the read deadline is start + grace + bytes read / rate, so each byte buys
// time. A legitimate slow upload (a browser on a slow link) stays ahead of it; a client that
// sends a byte every 10 s, or declares more bytes than it sends, is cut within the grace.
type pacedBody struct {
	io.ReadCloser
	rc       *http.ResponseController
	start    time.Time
	grace    time.Duration
	rate     float64 // bytes per second
	read     int64
	deadline time.Time
}

func newPacedBody(body io.ReadCloser, rc *http.ResponseController, grace time.Duration, rate int64) *pacedBody {
	p := &pacedBody{ReadCloser: body, rc: rc, start: time.Now(), grace: grace, rate: float64(rate)}
	p.extend()
	return p
}

func (p *pacedBody) Read(b []byte) (int, error) {
	n, err := p.ReadCloser.Read(b)
	if n > 0 {
		p.read += int64(n)
		p.extend()
	}
	if err == io.EOF {
		// The body is complete: a slow handler (a scenario delay) must not be cut by a deadline
		// on reads nobody makes, or net/http's background read would cancel the request.
		_ = p.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// extend moves the connection's read deadline to what the bytes read so far have earned; it
// only moves it when it changes by a second or more, to keep syscalls off the upload path.
func (p *pacedBody) extend() {
	d := p.start.Add(p.grace + time.Duration(float64(p.read)/p.rate*float64(time.Second)))
	if d.Sub(p.deadline) < time.Second && !p.deadline.IsZero() {
		return
	}
	p.deadline = d
	_ = p.rc.SetReadDeadline(d) // unsupported writers (tests' recorders) just are not paced
}

// ShutdownTimeout is the default bound of how long in-flight uploads may take to finish on
// shutdown.
const ShutdownTimeout = 30 * time.Second

// Logger returns the configured logger.
func (s *Server) Logger() *slog.Logger { return s.cfg.Logger }

// ValidateResponse checks a response the emulator gave to req against the spec of the API that
// served it: status documented, headers and body matching. The session prefix is taken off
// first. Tests run every response through it (see testkit).
func (s *Server) ValidateResponse(ctx context.Context, req *http.Request, status int, header http.Header, body []byte) error {
	return validateResponse(ctx, s.apis, req, status, header, body)
}
