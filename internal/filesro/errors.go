package filesro

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/validate"
)

// errorBody is the files.ro error envelope: {"type":"error","message"}.
type errorBody struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// validationBody is Laravel's validation envelope.
type validationBody struct {
	Message string              `json:"message"`
	Errors  map[string][]string `json:"errors"`
}

// writeError renders e in files.ro's envelopes: Laravel's validation body for a validation
// failure (listed in X-Fileemu-Violations too), VueFileManager's bare message, or the error body.
func writeError(r *api.Request, e api.Error) error {
	var inv *Invalid
	var extra []validate.Violation
	switch e := e.(type) {
	case *Invalid:
		inv = e
	case invalidUpload:
		inv, extra = e.Invalid, e.extra
	case bareMessage:
		return r.Blob(e.err.Status, "text/plain; charset=UTF-8", []byte(e.err.Message))
	case *Error:
		return r.WriteJSON(e.Status, "", errorBody{Type: "error", Message: e.Message})
	default:
		return r.WriteJSON(e.StatusCode(), "", errorBody{Type: "error", Message: e.Error()})
	}
	body := validationBody{Message: "The given data was invalid.", Errors: map[string][]string{}}
	vs := extra
	for _, f := range inv.Fields {
		body.Errors[f.Field] = append(body.Errors[f.Field], f.Message)
		vs = append(vs, validate.Violation{In: "body", Name: f.Field, Keyword: f.Rule, Message: f.Message})
	}
	api.SetViolationsHeader(r.Response().Header(), vs)
	return r.WriteJSON(http.StatusUnprocessableEntity, "", body)
}

// problem words the server's problems in files.ro's envelopes, with Laravel's messages.
func problem(r *api.Request, p api.Problem) api.Error {
	path := strings.TrimPrefix(r.Request().URL.Path, "/")
	switch p.Kind {
	case api.NotFound:
		return &Error{404, "not_found", "The route " + path + " could not be found."}
	case api.MethodNotAllowed:
		return &Error{405, "method_not_allowed", "The " + r.Request().Method +
			" method is not supported for this route. Supported methods: " + strings.Join(p.Allowed, ", ") + "."}
	case api.Unauthorized:
		return &Error{401, "unauthenticated", "Unauthenticated."}
	case api.Invalid:
		for _, v := range p.Violations {
			if v.Keyword == "parse" || v.Keyword == "content-type" {
				return &Error{400, "malformed", validate.Summary(p.Violations)}
			}
		}
		return &Invalid{fieldErrors(r, p.Violations)}
	case api.Status:
		switch p.Status {
		case http.StatusTooManyRequests:
			return &Error{429, "too_many_attempts", "Too Many Attempts."}
		case http.StatusUnprocessableEntity:
			return &Invalid{[]FieldError{{"file", "uploaded", "The file failed to upload."}}}
		case http.StatusInternalServerError:
			return &Error{500, "server_error", "Server Error"}
		}
		code := strings.ToLower(strings.ReplaceAll(http.StatusText(p.Status), " ", "_"))
		return &Error{p.Status, code, http.StatusText(p.Status)}
	}
	return &Error{500, "server_error", "Server Error"}
}

// fieldErrors words validation problems as Laravel does, one message per field problem. A missing
// body lists the schema's required fields.
func fieldErrors(r *api.Request, vs []validate.Violation) []FieldError {
	var fe []FieldError
	for _, v := range vs {
		field := v.Name
		if v.In == "body" && v.Pointer != "" {
			field = strings.ReplaceAll(strings.TrimPrefix(v.Pointer, "/"), "/", ".")
		}
		if field == "" && v.In == "body" && v.Keyword == "required" {
			for _, name := range requiredFields(r) {
				fe = append(fe, FieldError{name, "required", "The " + attribute(name) + " field is required."})
			}
			continue
		}
		if field == "" {
			field = v.In
		}
		fe = append(fe, FieldError{field, v.Keyword, laravelMessage(field, v)})
	}
	return fe
}

// requiredFields are the required properties of the operation's JSON body.
func requiredFields(r *api.Request) []string {
	if r.Route == nil || r.Route.Operation.RequestBody == nil || r.Route.Operation.RequestBody.Value == nil {
		return []string{"body"}
	}
	mt := r.Route.Operation.RequestBody.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil || len(mt.Schema.Value.Required) == 0 {
		return []string{"body"}
	}
	return mt.Schema.Value.Required
}

// attribute is Laravel's display name of a field: is_last_chunk reads "is last chunk".
func attribute(field string) string { return strings.ReplaceAll(field, "_", " ") }

// booleanFields are validated by Laravel's boolean rule (the spec says 0 or 1).
var booleanFields = map[string]bool{"is_last_chunk": true}

// uuidFields are validated by Laravel's uuid rule.
var uuidFields = map[string]bool{"parent_id": true, "id": true}

// laravelMessage words one violation of field as Laravel's validator would.
func laravelMessage(field string, v validate.Violation) string {
	a := attribute(field)
	// kin's reasons end in the limit: "maximum string length is 255", "number must be at least 1".
	limit := v.Message[strings.LastIndexByte(v.Message, ' ')+1:]
	switch v.Keyword {
	case "required":
		return "The " + a + " field is required."
	case "minLength":
		if limit == "1" {
			return "The " + a + " field is required."
		}
		return "The " + a + " must be at least " + limit + " characters."
	case "maxLength":
		return "The " + a + " must not be greater than " + limit + " characters."
	case "minimum":
		return "The " + a + " must be at least " + limit + "."
	case "maximum":
		return "The " + a + " must not be greater than " + limit + "."
	case "enum":
		if booleanFields[field] {
			return "The " + a + " field must be true or false."
		}
		return "The selected " + a + " is invalid."
	case "pattern":
		if uuidFields[field] {
			return "The " + a + " must be a valid UUID."
		}
		if strings.HasPrefix(field, "emails.") {
			return "The " + a + " must be a valid email address."
		}
		return "The " + a + " format is invalid."
	case "format":
		if strings.Contains(v.Message, "email") {
			return "The " + a + " must be a valid email address."
		}
		return "The " + a + " format is invalid."
	case "type":
		switch {
		case strings.Contains(v.Message, "boolean"):
			return "The " + a + " field must be true or false."
		case strings.Contains(v.Message, "integer"):
			return "The " + a + " must be an integer."
		case strings.Contains(v.Message, "array"):
			return "The " + a + " must be an array."
		case strings.Contains(v.Message, "object"):
			return "The " + a + " must be an object."
		}
		return "The " + a + " must be a string."
	case "nullable":
		return "The " + a + " field must have a value."
	case "additionalProperties":
		return "The " + a + " field is prohibited."
	}
	return "The " + a + " is invalid: " + v.Message + "."
}

// Error is a files.ro error: {"type":"error","message"} with its status.
type Error struct {
	Status  int
	Code    string // for the journal
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// StatusCode is the HTTP status of the answer.
func (e *Error) StatusCode() int { return e.Status }

// ErrorCode is the code the journal records.
func (e *Error) ErrorCode() string { return e.Code }

// bareMessage is an Error VueFileManager's pages expect as a bare text/plain message.
type bareMessage struct{ err *Error }

func (b bareMessage) Error() string     { return b.err.Error() }
func (b bareMessage) StatusCode() int   { return b.err.Status }
func (b bareMessage) ErrorCode() string { return b.err.Code }

// FieldError is one Laravel validation message.
type FieldError struct {
	Field   string
	Rule    string
	Message string
}

// Invalid is a Laravel validation failure: 422 with every message.
type Invalid struct{ Fields []FieldError }

func (e *Invalid) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return "invalid: " + strings.Join(parts, "; ")
}

// StatusCode is Laravel's status of a validation failure.
func (e *Invalid) StatusCode() int { return http.StatusUnprocessableEntity }

// ErrorCode is the code the journal records for a validation failure.
func (e *Invalid) ErrorCode() string { return "validation_error" }

// invalidUpload is a validation failure of an upload form whose X-Fileemu-Violations header also
// lists what only the header shows (extra), before the messages.
type invalidUpload struct {
	*Invalid
	extra []validate.Violation
}

func errShareNotFound() *Error {
	return &Error{404, "not_found", "The share was not found or has expired."}
}
func errItemNotFound(kind string) *Error {
	return &Error{404, "not_found", "The " + kind + " was not found."}
}
func errAccessDenied() *Error { return &Error{403, "access_denied", "Access Denied"} }
func errNoPermission() *Error {
	return &Error{403, "no_permission", "Sorry, you don't have permission"}
}
func errOutsideShare() *Error { return &Error{403, "unauthorized", "This action is unauthorized."} }
func errIncorrectPassword() *Error {
	return &Error{401, "incorrect_password", "Sorry, your password is incorrect."}
}
func errTooLarge(limit int64) *Error {
	return &Error{413, "too_large", "The file exceeds the upload limit of " + HumanSize(limit) + "."}
}
func errMalformed() *Error {
	return &Error{400, "malformed", "The multipart body is truncated or malformed; nothing was stored."}
}

// errStorageFull: the emulator's --max-storage is reached; nothing of the upload was kept.
func errStorageFull(limit int64) *Error {
	return &Error{507, "storage_full", fmt.Sprintf("The emulator's storage limit (--max-storage, %d bytes) is reached; nothing was stored.", limit)}
}

func errNoThumbnail() *Error {
	return &Error{404, "not_found", "This file has no thumbnail."}
}
