package emulator

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/journal"
	"github.com/fileemu/fileemu/internal/session"
	"github.com/fileemu/fileemu/internal/validate"
)

// stage is one step of the request path: it decides one thing about the request and passes it
// on to next, or answers it itself. The request's state (session, API, route, scenario decision)
// travels in its *exchange (see exchangeOf).
type stage struct {
	name string
	wrap func(s *Server, next http.Handler) http.Handler
}

// pipeline is the request path, outermost stage first; the operation's handler runs after the
// last one (see handle). Adding a stage (a request log, a live stream of the journal) is one
// line here; TestPipelineOrder and the behaviour tests beside it fail when two are swapped.
var pipeline = []stage{
	{"request id", (*Server).withRequestID},   // X-Request-Id on every answer; the request's state
	{"request log", (*Server).withRequestLog}, // one log line per request when it ends (Config.LogRequests)
	{"recover", (*Server).withRecover},        // a panic below: logged with its stack, a 500 in the API's envelope
	{"cors", (*Server).withCORS},              // CORS headers on every answer; preflights answered here
	{"session", (*Server).withSession},        // the API owning the path, and the session (prefix or header)
	{"persist", (*Server).withPersist},        // with a data dir: the state changed is on disk before the status is sent
	{"journal", (*Server).withJournal},        // the journal entry, completed when the request ends
	{"limits", (*Server).withLimits},          // query parameter count, body pacing
	{"route", (*Server).withRoute},            // the operation, by the API's spec: 404 and 405 in its envelope
	{"scenarios", (*Server).withScenarios},    // faults, delays, canned answers, rate limits
	{"validate", (*Server).withValidation},    // authentication first, then parameters and bodies
}

// chain builds the request path: the stages around the handler.
func (s *Server) chain(handler http.Handler) http.Handler {
	h := handler
	for i := len(pipeline) - 1; i >= 0; i-- {
		h = pipeline[i].wrap(s, h)
	}
	return h
}

// exchange is one request on its way through the pipeline: the api.Request the stages fill in
// and the handler gets, and what is to run when the request ends.
type exchange struct {
	req  *api.Request
	in   *countingReader // the request body as read, for the journal and the request log
	body []byte          // a body read whole for validation (not an upload), for the journal
	done []func()
	// Held here rather than allocated one by one on every request.
	counted countingReader
	doneBuf [3]func()
	// started is when the request arrived in real time: durations never follow the emulator
	// clock, which the admin API moves.
	started time.Time
}

type exchangeKey struct{}

// exchangeOf returns the state of r, put there by the first stage.
func exchangeOf(r *http.Request) *exchange { return r.Context().Value(exchangeKey{}).(*exchange) }

// onDone registers f to run when the request ends: after every stage has returned, and after a
// panic has been answered, so that what f records shows the answer the client got.
func (x *exchange) onDone(f func()) { x.done = append(x.done, f) }

// pass hands the request on to next as it stands: a stage may have replaced the request (its
// context, its body).
func (x *exchange) pass(next http.Handler) { next.ServeHTTP(x.req.Response(), x.req.Request()) }

// withRequestID starts the exchange: the request's id (on the response at once, so that every
// answer carries it) and its time of arrival. The request ends when this stage returns.
func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x := &exchange{started: time.Now()}
		x.counted = countingReader{r: r.Body}
		x.in, x.done = &x.counted, x.doneBuf[:0]
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = x.in // http.NoBody stays: validation tells "no body" from "empty body" by it
		}
		r = r.WithContext(context.WithValue(r.Context(), exchangeKey{}, x))
		req := api.NewRequest(w, r)
		x.req = req
		req.RequestID = s.newRequestID()
		req.Start = s.clock.Now()
		req.OriginalPath = r.URL.EscapedPath()
		req.Response().Header().Set("X-Request-Id", req.RequestID)
		defer func() {
			for i := len(x.done) - 1; i >= 0; i-- {
				x.done[i]()
			}
		}()
		x.pass(next)
	})
}

// newRequestID returns a random id with the server's request count appended, so ids never
// collide and sort roughly by arrival within one server. The random part needs to be unique, not
// secret: math/rand's generator costs no system call and no lock (crypto/rand and fmt took 1.5 %
// of a signed-url request).
func (s *Server) newRequestID() string {
	var r [8]byte
	binary.BigEndian.PutUint64(r[:], rand.Uint64())
	var b [22]byte
	hex.Encode(b[:16], r[:])
	n := s.requests.Add(1) & 0xffffff
	const digits = "0123456789abcdef"
	for i := 21; i >= 16; i-- {
		b[i] = digits[n&15]
		n >>= 4
	}
	return string(b[:])
}

// withRecover turns a panic anywhere below into the API's 500 envelope (a plain 500 outside
// any API) and a logged stack. The journal entry is completed after it (see onDone), so it
// records the 500.
func (s *Server) withRecover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x := exchangeOf(r)
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			r := x.req.Request()
			s.cfg.Logger.Error("panic serving request", "method", r.Method, "path", r.URL.Path,
				"request_id", x.req.RequestID, "panic", v, "stack", string(debug.Stack()))
			if !x.req.Response().Committed {
				s.settle(x.req, s.problem(x.req, api.Problem{Kind: api.Internal, Detail: "internal error"}))
			}
		}()
		x.pass(next)
	})
}

// withSession finds the API that owns the path and the session the request is for: the path prefix
// /_s/{id}/ (stripped here) or else the X-Fileemu-Session header, else the default session. A
// path no API serves is answered 404 without creating a session; the admin API has none.
func (s *Server) withSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x := exchangeOf(r)
		r = x.req.Request()
		id, where, path := sessionID(r)
		if path != r.URL.Path {
			stripSessionPrefix(r, path)
		}
		a := s.apiFor(r.URL.Path)
		x.req.API = a
		if a == nil {
			if !session.ValidID(id) {
				s.settle(x.req, writePlainError(x.req, http.StatusBadRequest, "invalid_session", fmt.Sprintf("invalid session id %q", id)))
				return
			}
			// No session is created for a path no API serves.
			s.settle(x.req, writePlainError(x.req, http.StatusNotFound, "not_found",
				fmt.Sprintf("no emulated API serves %s %s", r.Method, r.URL.Path)))
			return
		}
		if a.Sessionless {
			id = session.Default // the admin API is not scoped by session
		}
		sess, _, err := s.ensureSession(id)
		if err != nil {
			// Bad input on an API path: the API's own validation envelope names the session.
			v := validate.Violation{In: where, Name: "session", Keyword: "pattern", Message: err.Error()}
			if where == "header" {
				v.Name = session.Header
			}
			s.settle(x.req, s.problem(x.req, api.Problem{Kind: api.Invalid, Violations: []validate.Violation{v}, Detail: err.Error()}))
			return
		}
		s.dropIdleSessions()
		x.req.Session = sess
		x.req.SessionHeader = where == "header" && r.Header.Get(session.Header) != ""
		x.req.BaseURL = s.baseURL(r, sess.ID)
		x.pass(next)
	})
}

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

// dropIdleSessions drops the sessions not used for Config.SessionTTL, with their objects,
// withJournal entries and scenarios. It looks at most every tenth of the TTL (and every second),
// on the request path: no goroutine to stop, and an idle emulator holds what it held.
func (s *Server) dropIdleSessions() {
	ttl := s.cfg.SessionTTL
	if ttl <= 0 {
		return
	}
	now := s.clock.Now()
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

// withJournal adds the request to the journal as soon as its status is known (so a test that got
// the response finds the entry without waiting) and completes it when the request ends. The
// admin API is not journaled.
func (s *Server) withJournal(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x := exchangeOf(r)
		if !x.req.API.Sessionless {
			x.onDone(s.record(x))
		}
		x.pass(next)
	})
}

// record opens the journal entry of x's request and returns what completes it.
func (s *Server) record(x *exchange) (finish func()) {
	req, body := x.req, x.in
	r := req.Request()
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
	resp := req.Response()
	if s.cfg.JournalBodyBytes > 0 {
		resp.Capture(s.cfg.JournalBodyBytes)
	}
	resp.Before(func() { add(resp.Status) })
	req.OnAbort(func() { add(0) }) // a broken connection has no status
	return func() {
		status := http.StatusOK
		if resp.Status != 0 {
			status = resp.Status
		}
		if strings.HasPrefix(req.ErrorCode(), "fault:") {
			status = 0 // the connection was broken: no response
		}
		add(status)
		duration := time.Since(x.started)
		// The bodies are prepared before the journal's lock is taken: every request waits on it.
		var reqBody, respBody string
		var respHeaders map[string]string
		if max := s.cfg.JournalBodyBytes; max > 0 {
			reqBody = journal.Truncate(journal.RedactBody(r.Header.Get("Content-Type"), x.body), max)
			respHeaders = journal.Redact(resp.Header())
			if b, cut := resp.Captured(); b != nil {
				var dropped int64
				if cut {
					dropped = resp.Written - int64(len(b))
				}
				respBody = journal.RedactAnswer(b, dropped)
			}
		}
		c := journal.Completion{DurationMS: float64(duration.Microseconds()) / 1000, BodySize: body.n.Load(),
			BodySHA256: req.UploadSHA256(), RequestBody: reqBody, ResponseHeaders: respHeaders, ResponseBody: respBody}
		c.Scenario, c.Rule = scenarioHits(req.Scenario) // upload handlers may add infect hits
		s.journal.Complete(seq, c)
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

// withLimits refuses more query parameters than Go parses and paces request bodies (see pacedBody).
func (s *Server) withLimits(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x := exchangeOf(r)
		r = x.req.Request()
		if strings.Count(r.URL.RawQuery, "&")+1 > maxQueryParams {
			// Go drops every parameter past its limit, and the handler would report a missing one.
			v := validate.Violation{In: "query", Keyword: "maxItems", Message: fmt.Sprintf("too many query parameters (more than %d)", maxQueryParams)}
			s.settle(x.req, s.problem(x.req, api.Problem{Kind: api.Invalid, Violations: []validate.Violation{v}, Detail: v.Message}))
			return
		}
		if s.cfg.MinBodyRate > 0 && r.Body != nil && r.Body != http.NoBody {
			r.Body = newPacedBody(r.Body, http.NewResponseController(x.req.Response()), s.cfg.BodyGrace, s.cfg.MinBodyRate)
		}
		x.pass(next)
	})
}

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
