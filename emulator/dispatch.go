package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/validate"
)

// Dispatch: which API owns a path (apiFor, used by the session stage), which of its operations
// a request is (route), whether the request may run it (validate), and running it (handle).

// apiFor returns the API owning path: the one with the longest matching prefix, so that an API
// may own a whole subtree (Weavy: /api/) while another owns a branch of it (files.ro: /api/v1/).
func (s *Server) apiFor(path string) *api.API {
	var best *api.API
	bestLen := -1
	for _, a := range s.apis {
		if n := a.OwnsLen(path); n > bestLen {
			best, bestLen = a, n
		}
	}
	return best
}

// withRoute finds the operation in the API's spec; a path or method it does not have is answered
// in the API's envelope (405 with Allow).
func (s *Server) withRoute(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x := exchangeOf(r)
		req := x.req
		r, a := req.Request(), req.API
		rt, err := a.Spec.FindRoute(a.RoutingRequest(r))
		if err != nil {
			var mna *validate.MethodNotAllowedError
			if errors.As(err, &mna) {
				req.Response().Header().Set("Allow", strings.Join(mna.Allowed, ", "))
				s.settle(req, s.problem(req, api.Problem{Kind: api.MethodNotAllowed, Allowed: mna.Allowed,
					Detail: fmt.Sprintf("method %s is not allowed on %s", r.Method, r.URL.Path)}))
				return
			}
			s.settle(req, s.problem(req, api.Problem{Kind: api.NotFound, Detail: fmt.Sprintf("no operation %s %s", r.Method, r.URL.Path)}))
			return
		}
		req.Route = rt
		x.pass(next)
	})
}

// withValidation checks the request against the operation in the spec. Authentication comes first,
// as in the real services: no validation detail for strangers. Bodies that are not uploads are
// bounded and then validated whole; upload bodies are left to the handler, which streams them.
func (s *Server) withValidation(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x := exchangeOf(r)
		req := x.req
		r, a, rt := req.Request(), req.API, req.Route
		if a.FormAsJSON {
			formAsJSON(r, rt)
		}
		if !api.StreamsBody(rt) {
			// kin reads a body whole to validate it: bound it first, in the API's own envelope.
			body, tooLarge, err := boundBody(r, s.cfg.MaxBodySize)
			x.body = body
			if tooLarge {
				s.settle(req, s.problem(req, api.Problem{Kind: api.Status, Status: http.StatusRequestEntityTooLarge,
					Detail: fmt.Sprintf("request body larger than %d bytes (the emulator's bound for bodies that are not uploads, --max-body-size)", s.cfg.MaxBodySize)}))
				return
			} else if err != nil {
				v := validate.Violation{In: "body", Keyword: "read", Message: err.Error()}
				s.settle(req, s.problem(req, api.Problem{Kind: api.Invalid, Violations: []validate.Violation{v}, Detail: err.Error()}))
				return
			}
		}
		if vs := a.Spec.ValidateRequest(r.Context(), r, rt, validate.RequestOptions{Auth: a.Auth, SkipBody: api.StreamsBody(rt), Query: req.QueryParams()}); len(vs) > 0 {
			kind := api.Invalid
			if sec := securityOnly(vs); len(sec) > 0 {
				kind, vs = api.Unauthorized, sec
			}
			api.SetViolationsHeader(req.Response().Header(), vs)
			s.settle(req, s.problem(req, api.Problem{Kind: kind, Violations: vs, Detail: validate.Summary(vs)}))
			return
		}
		x.pass(next)
	})
}

// handle runs the operation's handler: the end of the pipeline. A handler's error is a 500 in
// the API's envelope, unless the handler had answered already.
func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	req := exchangeOf(r).req
	// A complete request is processed to the end, whatever the client does with its write
	// side; a body cut short still fails its reads.
	req.DetachFromClient()
	op := req.Route.OperationID
	if err := api.Call(req, req.API.Handlers[op]); err != nil {
		if req.Response().Committed {
			s.cfg.Logger.Warn("handler failed after responding", "operation", op, "error", err)
			return
		}
		s.cfg.Logger.Error("handler failed", "operation", op, "request_id", req.RequestID, "error", err)
		s.settle(req, s.problem(req, api.Problem{Kind: api.Internal, Detail: "internal error"}))
	}
}

// settle deals with a failure to answer req (err, often a client gone mid-write): logged, and
// a 500 when nothing was sent yet.
func (s *Server) settle(req *api.Request, err error) {
	if err == nil {
		return
	}
	s.cfg.Logger.Error("request failed", "request_id", req.RequestID, "error", err)
	if req.Response().Committed {
		return
	}
	if err := s.problem(req, api.Problem{Kind: api.Internal, Detail: "internal error"}); err != nil && !req.Response().Committed {
		_ = writePlainError(req, http.StatusInternalServerError, "internal_error", "internal error")
	}
}

// boundBody reads r's body into memory when it is at most max bytes, and refuses it otherwise
// without reading more than max+1 bytes. Bodies that are not uploads are small; the bound keeps
// a 2 GiB JSON POST from costing 2 GiB (kin reads a body whole to validate it).
func boundBody(r *http.Request, max int64) (body []byte, tooLarge bool, err error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, false, nil
	}
	if r.ContentLength > max {
		return nil, true, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	if err != nil {
		return nil, false, fmt.Errorf("read request body: %w", err)
	}
	if int64(len(b)) > max {
		return nil, true, nil
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b, false, nil
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
	if req.API != nil && req.API.Errors.Problem != nil {
		return api.WriteProblem(req, p)
	}
	status := map[api.Kind]int{api.NotFound: 404, api.MethodNotAllowed: 405, api.Unauthorized: 401,
		api.Invalid: 422, api.Internal: 500}[p.Kind]
	if p.Kind == api.Status {
		status = p.Status
	}
	return writePlainError(req, status, strings.ToLower(strings.ReplaceAll(http.StatusText(status), " ", "_")), p.Detail)
}

// writePlainError writes the admin API's plain JSON error, used outside any emulated API.
func writePlainError(req *api.Request, status int, code, msg string) error {
	req.SetErrorCode(code)
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(map[string]string{"error": code, "message": msg}); err != nil {
		return err
	}
	return req.Blob(status, "application/json", b.Bytes())
}
