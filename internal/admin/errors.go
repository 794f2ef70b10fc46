package admin

import (
	"net/http"
	"strings"

	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/validate"
)

// Error is the admin API's plain JSON error.
type Error struct {
	Status     int                  `json:"-"`
	Code       string               `json:"error"`
	Message    string               `json:"message"`
	Violations []validate.Violation `json:"violations,omitempty"`
}

func (e Error) Error() string { return e.Code + ": " + e.Message }

// StatusCode is the HTTP status of the answer.
func (e Error) StatusCode() int { return e.Status }

// ErrorCode is the error field, which the journal records.
func (e Error) ErrorCode() string { return e.Code }

// invalidScenarios is a scenario document that does not load: every problem with its position.
type invalidScenarios struct {
	err      error
	problems []problemItem
}

func (e *invalidScenarios) Error() string     { return e.err.Error() }
func (e *invalidScenarios) StatusCode() int   { return http.StatusUnprocessableEntity }
func (e *invalidScenarios) ErrorCode() string { return "invalid_scenarios" }

// writeError renders e as the admin API's JSON error.
func writeError(r *api.Request, e api.Error) error {
	switch e := e.(type) {
	case Error:
		return r.WriteJSON(e.Status, "", e)
	case *invalidFixtures:
		return r.WriteJSON(http.StatusUnprocessableEntity, "", map[string]any{
			"error": "invalid_fixtures", "message": e.err.Error(), "problems": e.problems})
	case *invalidScenarios:
		return r.WriteJSON(http.StatusUnprocessableEntity, "", map[string]any{
			"error": "invalid_scenarios", "message": e.err.Error(), "problems": e.problems})
	case *invalidSnapshot:
		return r.WriteJSON(http.StatusUnprocessableEntity, "", map[string]any{
			"error": "invalid_snapshot", "message": e.err.Error(), "member": e.err.Member})
	}
	return r.WriteJSON(e.StatusCode(), "", Error{Code: e.ErrorCode(), Message: e.Error()})
}

// problem words the server's problems as admin errors.
func problem(r *api.Request, p api.Problem) api.Error {
	if e, ok := clockProblem(r, p); ok {
		return e
	}
	switch p.Kind {
	case api.NotFound:
		return Error{Status: 404, Code: "not_found", Message: p.Detail}
	case api.MethodNotAllowed:
		return Error{Status: 405, Code: "method_not_allowed", Message: p.Detail}
	case api.Unauthorized:
		return Error{Status: 401, Code: "unauthorized", Message: p.Detail}
	case api.Invalid:
		return Error{Status: 422, Code: "invalid_request", Message: p.Detail, Violations: p.Violations}
	case api.Status:
		msg := p.Detail
		if msg == "" {
			msg = http.StatusText(p.Status)
		}
		return Error{Status: p.Status, Code: strings.ToLower(strings.ReplaceAll(http.StatusText(p.Status), " ", "_")), Message: msg}
	}
	return Error{Status: 500, Code: "internal_error", Message: p.Detail}
}
