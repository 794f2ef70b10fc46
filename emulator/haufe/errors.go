package haufe

import (
	"net/http"
	"strings"

	"github.com/fileemu/fileemu/emulator/api"
	"github.com/fileemu/fileemu/emulator/validate"
)

// Error is a Haufe error: the envelope {"error_code","detail"} with its status.
type Error struct {
	Status int    `json:"-"`
	Code   string `json:"error_code"`
	Detail string `json:"detail"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Detail }

// The documented error bodies, by the status fileemu gives them (see haufe.yaml).
func errRaised() *Error {
	return &Error{400, "attachment_document_raised_an_error", "The file attachment service has raised an error. Please try again later"}
}
func errUnauthorized() *Error {
	return &Error{401, "unauthorized", "Missing or invalid API key"}
}
func errForbidden() *Error {
	return &Error{403, "attachment_access_forbidden", "You do not have permission to access this attachment."}
}
func errNoDocument() *Error {
	return &Error{404, "attachment_document_does_not_exist", "Document with `file_id` is not available for the user with `user_id` on the document server."}
}
func errConflict() *Error {
	return &Error{409, "conflict", "Conflict - File is infected with a virus or it's still being processed"}
}
func errNotUnique() *Error {
	return &Error{409, "attachment_not_unique", "A thread can contain only a single attachment."}
}
func errURLInvalid() *Error {
	return &Error{422, "attachment_url_invalid", "The provided base_url is not valid."}
}
func errInternal() *Error {
	return &Error{500, "internal_server_error", "Internal Server Error"}
}
func errNotReachable(status int) *Error {
	return &Error{status, "attachment_document_not_reachable", "The file attachment service does not respond as expected. Please try again later."}
}
func errThreadNotFound() *Error {
	return &Error{404, "thread_not_found", "Thread not found."}
}

// errorForStatus is the default body for a status (scenario-injected errors).
func errorForStatus(status int) *Error {
	switch status {
	case 400:
		return errRaised()
	case 401:
		return errUnauthorized()
	case 403:
		return errForbidden()
	case 404:
		return errNoDocument()
	case 409:
		return errConflict()
	case 422:
		return errURLInvalid()
	case 500:
		return errInternal()
	case 502, 503, 504:
		return errNotReachable(status)
	}
	return &Error{status, strings.ToLower(strings.ReplaceAll(http.StatusText(status), " ", "_")), http.StatusText(status)}
}

func writeError(r *api.Request, e *Error) error {
	r.SetErrorCode(e.Code)
	return r.WriteJSON(e.Status, "", e)
}

// validationItem is one FastAPI-style validation problem.
type validationItem struct {
	Loc     []string `json:"loc"`
	Message string   `json:"message"`
	Type    string   `json:"type"`
}

// writeProblem renders the server's problems in Haufe's envelope.
func writeProblem(r *api.Request, p api.Problem) error {
	switch p.Kind {
	case api.NotFound:
		return writeError(r, &Error{404, "not_found", "Not Found"})
	case api.MethodNotAllowed:
		return writeError(r, &Error{405, "method_not_allowed", "Method Not Allowed"})
	case api.Unauthorized:
		return writeError(r, errUnauthorized())
	case api.Invalid:
		items := make([]validationItem, 0, len(p.Violations))
		for _, v := range p.Violations {
			items = append(items, toValidationItem(v))
		}
		r.SetErrorCode("validation_error")
		return r.WriteJSON(http.StatusUnprocessableEntity, "", map[string]any{"error_code": "validation_error", "detail": items})
	case api.Status:
		if p.Status == http.StatusTooManyRequests {
			r.SetErrorCode("rate_limited")
			return r.WriteJSON(p.Status, "", map[string]string{"message": "Rate limit exceeded!"})
		}
		return writeError(r, errorForStatus(p.Status))
	}
	return writeError(r, errInternal())
}

// toValidationItem maps a violation to FastAPI's shape: loc is [where, field...].
func toValidationItem(v validate.Violation) validationItem {
	loc := []string{v.In}
	switch {
	case v.Pointer != "":
		for _, seg := range strings.Split(strings.TrimPrefix(v.Pointer, "/"), "/") {
			if seg != "" {
				loc = append(loc, seg)
			}
		}
	case v.Name != "":
		loc = append(loc, v.Name)
	}
	item := validationItem{Loc: loc, Message: v.Message, Type: v.Keyword}
	switch v.Keyword {
	case "required", "missing":
		item.Type, item.Message = "missing", "Field required"
	case "parse":
		item.Type = "json_invalid"
	}
	if item.Type == "" {
		item.Type = "value_error"
	}
	return item
}
