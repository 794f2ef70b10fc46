// Package api defines the shape every emulated API plugs into: a spec, handlers by operationId,
// an authentication function and the API's error envelope. The server routes and validates
// requests against the spec and calls the handlers with a Request; a handler writes its answer
// or returns an Error, which Render writes in the API's envelope and records for the journal.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/fileemu/fileemu/internal/fixtures"
	"github.com/fileemu/fileemu/internal/session"
	"github.com/fileemu/fileemu/internal/validate"
	"github.com/fileemu/fileemu/scenarios"
)

// Request is what a handler gets: the HTTP request and everything the server resolved for it.
type Request struct {
	w      *Response
	r      *http.Request
	values map[string]any // see Set
	// query is the parsed query of rawQuery (see QueryParams).
	query    url.Values
	rawQuery string

	API       *API
	Session   *session.Session
	Route     *validate.Route
	RequestID string
	// BaseURL is the public URL of this session, e.g. http://127.0.0.1:8080/_s/t1: URLs handed
	// out to clients are built on it so that they reach the same emulator and session.
	BaseURL string
	// SessionHeader: the session was chosen by the X-Fileemu-Session header, not by the path.
	// Signatures cover the path, so they bind a session only through the path or by signing
	// that header.
	SessionHeader bool
	// OriginalPath is the escaped path as the client sent it, before the session prefix was
	// stripped. Signatures (SigV4) cover this path.
	OriginalPath string
	// Start is when the request arrived, on the emulator clock.
	Start time.Time

	// clientCtx is the request's context as net/http gave it, which ends when the client goes
	// away; handlers get one that does not (see ClientContext).
	clientCtx context.Context

	// Scenario is what the active scenarios decided for this request (nil: nothing).
	Scenario *scenarios.Decision

	bodySHA256 string
	errorCode  string
	violation  string // the first violation answered, for the request log
	// beforeAbort lets the journal record a request whose connection is about to be broken,
	// before the client can notice.
	beforeAbort func()
}

// DetachFromClient gives the handler a request whose context the client cannot cancel: a
// complete request is processed to the end even when the client half-closes its connection
// (net/http cancels the context when the connection's read side ends). ClientContext keeps
// the original, for waits that should end when nobody is there to answer.
func (r *Request) DetachFromClient() {
	hr := r.Request()
	r.clientCtx = hr.Context()
	r.SetRequest(hr.WithContext(context.WithoutCancel(hr.Context())))
}

// ClientContext ends when the client goes away (or half-closes its connection).
func (r *Request) ClientContext() context.Context {
	if r.clientCtx != nil {
		return r.clientCtx
	}
	return r.Request().Context()
}

// OnAbort registers f to run before the connection is broken (a fault); the server's
// journal uses it.
func (r *Request) OnAbort(f func()) { r.beforeAbort = f }

// Abort runs what OnAbort registered.
func (r *Request) Abort() {
	if r.beforeAbort != nil {
		r.beforeAbort()
	}
}

// Infects reports whether a scenario marks an upload of filename with contentType infected.
// Upload handlers pass the answer to the blob store (PutOptions.Infected).
func (r *Request) Infects(filename, contentType string) bool {
	return r.Scenario.Infects(filename, contentType)
}

// Pacing is a scenario's override of asynchronous processing.
type Pacing struct {
	Set      bool          // Polls or Duration apply
	Polls    int           // status polls answering PROCESSING before the final state
	Duration time.Duration // or: PROCESSING until this long after the upload
	Fail     bool          // processing ends FAILED
}

// Pacing returns what the active scenarios say about processing for this request.
func (r *Request) Pacing() Pacing {
	var p Pacing
	if r.Scenario == nil {
		return p
	}
	if a := r.Scenario.Processing; a != nil {
		p.Set, p.Polls, p.Duration = true, a.Polls, a.Duration
	}
	p.Fail = r.Scenario.FailProcessing
	return p
}

// SetErrorCode records the error code of a response for the journal. Render records an API's
// errors; the server calls this only for what no envelope carries (faults, scenario errors).
func (r *Request) SetErrorCode(code string) { r.errorCode = code }

// NoteProblem remembers the first violation of a problem the server answered (the request log
// shows it as the reason of a refusal).
func (r *Request) NoteProblem(p Problem) {
	if len(p.Violations) > 0 && r.violation == "" {
		r.violation = p.Violations[0].String()
	}
}

// Violation is the first violation answered ("" when none was).
func (r *Request) Violation() string { return r.violation }

// ErrorCode returns the error code recorded for the journal.
func (r *Request) ErrorCode() string { return r.errorCode }

// Param returns a decoded path parameter of the matched operation.
func (r *Request) Param(name string) string { return r.Route.PathParams[name] }

// SetUploadSHA256 records the SHA-256 of an uploaded body for the journal.
func (r *Request) SetUploadSHA256(sum string) { r.bodySHA256 = sum }

// UploadSHA256 returns what SetUploadSHA256 recorded.
func (r *Request) UploadSHA256() string { return r.bodySHA256 }

// WriteJSON writes v as a JSON response with the given content type (application/json when empty).
// Unlike echo's JSON it lets APIs answer application/problem+json and keeps HTML unescaped.
func (r *Request) WriteJSON(status int, contentType string, v any) error {
	if contentType == "" {
		contentType = "application/json"
	}
	b := jsonBufs.Get().(*bytes.Buffer)
	defer func() {
		if b.Cap() <= 64<<10 { // a huge answer's buffer is not kept
			b.Reset()
			jsonBufs.Put(b)
		}
	}()
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false) // handed-out URLs must read as they are: & not \u0026
	if err := enc.Encode(v); err != nil {
		return err
	}
	return r.Blob(status, contentType, bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

// jsonBufs hold answers while they are encoded: Blob copies them out (to the connection and the
// journal's capture), and a fresh buffer grew through five sizes on every answer.
var jsonBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Handler serves one operation.
type Handler func(r *Request) error

// API is one emulated API mounted on the server.
type API struct {
	// Name is the spec name and the journal's api field, e.g. "haufe".
	Name string
	// Prefixes are the path prefixes the API owns, e.g. "/v1/".
	Prefixes []string
	Spec     *validate.Spec
	Handlers map[string]Handler
	// Auth checks security schemes; nil accepts everything.
	Auth validate.AuthFunc
	// Errors is the API's error envelope: how it words the server's problems and renders its
	// errors (see Render).
	Errors Envelope
	// Sessionless APIs (the admin API) ignore sessions and are not recorded in the journal.
	Sessionless bool
	// FormAsJSON reads a body sent as application/x-www-form-urlencoded (what curl -d sends
	// without a Content-Type) as JSON when the operation takes JSON: lenient, for the admin API.
	FormAsJSON bool
	// RoutingPath optionally returns the escaped path used to match r against the spec (the
	// fake S3 escapes the slashes of object keys so that one {key} parameter holds them, and
	// maps the sub-resources S3 tells apart by query or header into the path; Haufe strips its
	// /agents alias), or "" to route the request as it is.
	RoutingPath func(r *http.Request) string
	// State saves and restores the API's state of a session (snapshots); nil: it keeps none.
	State *State
	// Fixtures loads the API's section of a fixture document into a fresh session through its
	// model (nil: the API has no fixtures). An error leaves the session as it was: the loader
	// builds the new state aside (session.Registry.Replace).
	Fixtures func(s *session.Session, doc *fixtures.Document) error
}

// RoutingRequest returns r as the spec's router must see it: r itself, or a copy with the
// path rewritten by RoutingPath.
func (a *API) RoutingRequest(r *http.Request) *http.Request {
	if a.RoutingPath == nil {
		return r
	}
	p := a.RoutingPath(r)
	if p == "" {
		return r
	}
	rr := r.Clone(r.Context())
	rr.URL.RawPath = p
	rr.URL.Path, _ = url.PathUnescape(rr.URL.RawPath) // Go ignores a RawPath that does not decode to Path
	return rr
}

// Operations lists the operationIds the API implements.
func (a *API) Operations() []string {
	ops := make([]string, 0, len(a.Handlers))
	for op := range a.Handlers {
		ops = append(ops, op)
	}
	return ops
}

// Owns reports whether path belongs to the API.
func (a *API) Owns(path string) bool { return a.OwnsLen(path) >= 0 }

// OwnsLen returns the length of the longest of the API's prefixes that path falls under, or -1
// when none does. The server gives a path to the API with the longest one.
func (a *API) OwnsLen(path string) int {
	best := -1
	for _, p := range a.Prefixes {
		if (len(path) >= len(p) && path[:len(p)] == p || path+"/" == p) && len(p) > best {
			best = len(p)
		}
	}
	return best
}

// StreamsBody reports whether the operation's body is streamed by its handler rather than
// validated (and so buffered) by kin: operations marked x-fileemu-stream-body in the spec.
func StreamsBody(rt *validate.Route) bool { return StreamsOperation(rt.Operation) }

// StreamsOperation reports whether op is marked x-fileemu-stream-body: its body is a file.
func StreamsOperation(op *openapi3.Operation) bool {
	v, ok := op.Extensions["x-fileemu-stream-body"]
	if !ok {
		return false
	}
	b, ok := v.(bool)
	return ok && b
}

// Violations header: every validation problem as JSON, whatever the API's envelope shows.
const ViolationsHeader = "X-Fileemu-Violations"

// SetViolationsHeader puts vs on the response as the X-Fileemu-Violations header.
func SetViolationsHeader(h http.Header, vs []validate.Violation) {
	if len(vs) == 0 {
		return
	}
	b, err := json.Marshal(vs)
	if err != nil {
		return
	}
	h.Set(ViolationsHeader, string(b))
}
