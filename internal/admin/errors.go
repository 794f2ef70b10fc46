package admin

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/validate"
	"github.com/fileemu/fileemu/scenarios"
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

// invalidDocument is a scenario or fixture document that does not load (code
// invalid_scenarios, invalid_fixtures): every problem with its position.
type invalidDocument struct {
	code     string
	err      error
	problems []problemItem
}

func (e *invalidDocument) Error() string     { return e.err.Error() }
func (e *invalidDocument) StatusCode() int   { return http.StatusUnprocessableEntity }
func (e *invalidDocument) ErrorCode() string { return e.code }

// problemItem is one problem of a document, at its line and column when known.
type problemItem struct {
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Message string `json:"message"`
}

// readDocument reads a document body (scenarios, fixtures) of at most max bytes.
func readDocument(r *api.Request, max int, what string) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Request().Body, int64(max)+1))
	if err != nil {
		return nil, Error{Status: 400, Code: "bad_body", Message: "reading the body: " + err.Error()}
	}
	if len(body) > max {
		return nil, Error{Status: 413, Code: "too_large", Message: fmt.Sprintf("%s is at most %d bytes", what, max)}
	}
	return body, nil
}

// invalidDoc refuses a document with the problems err lists (scenarios.Errors, positioned), or
// err itself as the one problem.
func invalidDoc(code string, err error) error {
	var es scenarios.Errors
	if !errors.As(err, &es) {
		return &invalidDocument{code, err, []problemItem{{Message: err.Error()}}}
	}
	items := make([]problemItem, 0, len(es))
	for _, e := range es {
		items = append(items, problemItem{e.Line, e.Column, e.Msg})
	}
	return &invalidDocument{code, err, items}
}

// writeError renders e as the admin API's JSON error.
func writeError(r *api.Request, e api.Error) error {
	switch e := e.(type) {
	case Error:
		return r.WriteJSON(e.Status, "", e)
	case *invalidDocument:
		return r.WriteJSON(http.StatusUnprocessableEntity, "", map[string]any{
			"error": e.code, "message": e.err.Error(), "problems": e.problems})
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
