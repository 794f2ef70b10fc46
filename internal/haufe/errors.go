package haufe

import (
	"net/http"
	"strings"

	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/validate"
)

// Error is a Haufe error: the envelope {"error_code","detail"} with its status.
type Error struct {
	Status int    `json:"-"`
	Code   string `json:"error_code"`
	Detail string `json:"detail"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Detail }

// StatusCode is the HTTP status of the answer.
func (e *Error) StatusCode() int { return e.Status }

// ErrorCode is the error_code, which the journal records.
func (e *Error) ErrorCode() string { return e.Code }

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

// The threads' documented error bodies (see haufe.yaml for the statuses).
func errThreadNotFound() *Error {
	return &Error{404, "thread_not_found", "Thread not found"}
}
func errAssistantNotAvailable() *Error {
	return &Error{403, "assistant_not_available", "Assistant not available to your tenant"}
}
func errContentEmpty() *Error {
	return &Error{422, "message_content_empty", "Message content cannot be empty."}
}
func errNoMatchingToolCall() *Error {
	return &Error{400, "tool_message_has_no_matching_tool_call", "Tool message id not found in an preceding assistant message's tool calls in the thread"}
}
func errStackEnding() *Error {
	return &Error{400, "incorrect_stack_ending", "The last message in the stack must be a user, tool, or system message."}
}
func errAPITimeout() *Error {
	return &Error{500, "api_timeout_error", "OpenAI API request timed out."}
}
func errRateLimitGateway() *Error {
	return &Error{429, "rate_limit_gateway", "Rate limit exceeded"}
}
func errInternalService(status int) *Error {
	return &Error{status, "internal_service_error", "An internal service required for processing the request is currently unavailable. Please try again later."}
}
func errBadRequest() *Error {
	return &Error{400, "bad_request", "Bad request"}
}
func errUnprocessable() *Error {
	return &Error{422, "unprocessable_entity", "Unprocessable entity"}
}

// ValidationError is a FastAPI-style 422 validation_error the model raises for rules a schema
// cannot express (a tool message without tool_call_id, a cursor that names nothing).
type ValidationError struct {
	Items []validationItem
}

func (e *ValidationError) Error() string {
	parts := make([]string, 0, len(e.Items))
	for _, it := range e.Items {
		parts = append(parts, strings.Join(it.Loc, ".")+": "+it.Message)
	}
	return "validation_error: " + strings.Join(parts, "; ")
}

// StatusCode is FastAPI's status of a validation error.
func (e *ValidationError) StatusCode() int { return http.StatusUnprocessableEntity }

// ErrorCode is the validation envelope's error_code.
func (e *ValidationError) ErrorCode() string { return "validation_error" }

// errJSONInvalid is the validation error of a body that does not decode.
func errJSONInvalid(err error) *ValidationError {
	return &ValidationError{[]validationItem{{Loc: []string{"body"}, Message: err.Error(), Type: "json_invalid"}}}
}

// gatewayRateLimit is the API gateway's 429, which the files operations document: a body of its
// own, without error_code.
type gatewayRateLimit struct{}

func (gatewayRateLimit) Error() string     { return "rate_limited: Rate limit exceeded!" }
func (gatewayRateLimit) StatusCode() int   { return http.StatusTooManyRequests }
func (gatewayRateLimit) ErrorCode() string { return "rate_limited" }

func missingField(name string) *ValidationError {
	return &ValidationError{[]validationItem{{Loc: []string{"body", name}, Message: "Field required", Type: "missing"}}}
}
func fieldError(name, msg string) *ValidationError {
	return &ValidationError{[]validationItem{{Loc: []string{"body", name}, Message: msg, Type: "value_error"}}}
}
func errBadCursor() *ValidationError {
	return &ValidationError{[]validationItem{{Loc: []string{"query", "cursor"}, Message: "Unknown cursor: pass the cursor of the previous page unchanged", Type: "value_error"}}}
}

// errorForStatus is the default body for a status (scenario-injected errors): the threads
// operations document other bodies than the files operations.
func errorForStatus(threads bool, status int) *Error {
	if threads {
		switch status {
		case 400:
			return errBadRequest()
		case 403:
			return errAssistantNotAvailable()
		case 404:
			return errThreadNotFound()
		case 422:
			return errUnprocessable()
		case 429:
			return errRateLimitGateway()
		case 502, 503, 504:
			return errInternalService(status)
		}
	}
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

// writeError renders e in Haufe's envelopes.
func writeError(r *api.Request, e api.Error) error {
	switch e := e.(type) {
	case *Error:
		return r.WriteJSON(e.Status, "", e)
	case *ValidationError:
		return r.WriteJSON(http.StatusUnprocessableEntity, "", map[string]any{"error_code": "validation_error", "detail": e.Items})
	case gatewayRateLimit:
		return r.WriteJSON(http.StatusTooManyRequests, "", map[string]string{"message": "Rate limit exceeded!"})
	}
	return r.WriteJSON(e.StatusCode(), "", &Error{e.StatusCode(), e.ErrorCode(), e.Error()})
}

// isRun reports whether r invokes the assistant (a run, streamed or not).
func isRun(r *api.Request) bool {
	return r.Route != nil && (r.Route.OperationID == "createRun" || r.Route.OperationID == "streamRun")
}

// threadsOperation reports whether r is one of the Threads operations (tag Threads in the spec):
// they answer their own bodies for rate limits and injected errors.
func threadsOperation(r *api.Request) bool {
	if r.Route == nil || r.Route.Operation == nil {
		return false
	}
	for _, tag := range r.Route.Operation.Tags {
		if tag == "Threads" {
			return true
		}
	}
	return false
}

// validationItem is one FastAPI-style validation problem.
type validationItem struct {
	Loc     []string `json:"loc"`
	Message string   `json:"message"`
	Type    string   `json:"type"`
}

// problem words the server's problems in Haufe's envelope.
func problem(r *api.Request, p api.Problem) api.Error {
	switch p.Kind {
	case api.NotFound:
		return &Error{404, "not_found", "Not Found"}
	case api.MethodNotAllowed:
		return &Error{405, "method_not_allowed", "Method Not Allowed"}
	case api.Unauthorized:
		return errUnauthorized()
	case api.Invalid:
		items := make([]validationItem, 0, len(p.Violations))
		for _, v := range p.Violations {
			items = append(items, toValidationItem(v))
		}
		return &ValidationError{items}
	case api.Status:
		threads := threadsOperation(r)
		if p.Status == http.StatusTooManyRequests && !threads {
			return gatewayRateLimit{}
		}
		if p.Status == http.StatusInternalServerError && isRun(r) {
			return errAPITimeout() // what the run pages document for a 500
		}
		return errorForStatus(threads, p.Status)
	}
	return errInternal()
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
