package weavy

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/validate"
)

// problemContentType is the media type of every Weavy error body.
const problemContentType = "application/problem+json; charset=utf-8"

// Problem is a Weavy error: an RFC 7807 problem detail with its status. Errors (422 only) lists
// messages by field.
type Problem struct {
	Status int
	Detail string
	Errors map[string][]string
}

func (p *Problem) Error() string {
	return fmt.Sprintf("%d %s: %s", p.Status, title(p.Status), p.Detail)
}

// StatusCode is the HTTP status of the answer.
func (p *Problem) StatusCode() int { return p.Status }

// ErrorCode is what the journal records: Weavy's bodies have no code, so the status names it.
func (p *Problem) ErrorCode() string {
	if p.Status == http.StatusUnprocessableEntity {
		return "validation_failed"
	}
	return strings.ToLower(strings.ReplaceAll(http.StatusText(p.Status), " ", "_"))
}

func newProblem(status int, format string, args ...any) *Problem {
	return &Problem{Status: status, Detail: fmt.Sprintf(format, args...)}
}

func errNotFound(format string, args ...any) *Problem {
	return newProblem(http.StatusNotFound, format, args...)
}

func errBadRequest(format string, args ...any) *Problem {
	return newProblem(http.StatusBadRequest, format, args...)
}

func errConflict(format string, args ...any) *Problem {
	return newProblem(http.StatusConflict, format, args...)
}

// errBlobTooLarge: a blob over the emulator's object size limit.
func errBlobTooLarge(maxSize int64) *Problem {
	return newProblem(http.StatusRequestEntityTooLarge, "The blob is larger than the maximum of %d bytes.", maxSize)
}

// errStorageFull: the emulator's --max-storage is reached.
func errStorageFull(limit int64) *Problem {
	return newProblem(http.StatusInsufficientStorage,
		"The emulator's storage limit (--max-storage, %d bytes) is reached: delete files or sessions, or raise the limit.", limit)
}

// errInvalid is a 422 about one field.
func errInvalid(field, format string, args ...any) *Problem {
	msg := fmt.Sprintf(format, args...)
	return &Problem{Status: http.StatusUnprocessableEntity, Detail: field + ": " + msg,
		Errors: map[string][]string{field: {msg}}}
}

// problemTypes are the `type` URIs ASP.NET gives each status.
var problemTypes = map[int]string{
	400: "https://tools.ietf.org/html/rfc7231#section-6.5.1",
	401: "https://tools.ietf.org/html/rfc7235#section-3.1",
	403: "https://tools.ietf.org/html/rfc7231#section-6.5.3",
	404: "https://tools.ietf.org/html/rfc7231#section-6.5.4",
	405: "https://tools.ietf.org/html/rfc7231#section-6.5.5",
	409: "https://tools.ietf.org/html/rfc7231#section-6.5.8",
	413: "https://tools.ietf.org/html/rfc7231#section-6.5.11",
	415: "https://tools.ietf.org/html/rfc7231#section-6.5.13",
	422: "https://tools.ietf.org/html/rfc4918#section-11.2",
	429: "https://tools.ietf.org/html/rfc6585#section-4",
	500: "https://tools.ietf.org/html/rfc7231#section-6.6.1",
	502: "https://tools.ietf.org/html/rfc7231#section-6.6.3",
	503: "https://tools.ietf.org/html/rfc7231#section-6.6.4",
	504: "https://tools.ietf.org/html/rfc7231#section-6.6.5",
}

func problemType(status int) string {
	if t, ok := problemTypes[status]; ok {
		return t
	}
	return "about:blank"
}

func title(status int) string {
	if status == http.StatusUnprocessableEntity {
		return "One or more validation errors occurred."
	}
	if t := http.StatusText(status); t != "" {
		return t
	}
	return fmt.Sprintf("Status %d", status)
}

// problemBody is the JSON of a problem detail.
type problemBody struct {
	Type   string              `json:"type"`
	Title  string              `json:"title"`
	Status int                 `json:"status"`
	Detail string              `json:"detail,omitempty"`
	Errors map[string][]string `json:"errors,omitempty"`
}

// writeProblem renders e as application/problem+json.
func writeProblem(r *api.Request, e api.Error) error {
	p, ok := e.(*Problem)
	if !ok {
		p = &Problem{Status: e.StatusCode(), Detail: e.Error()}
	}
	if p.Status == http.StatusUnauthorized {
		r.Response().Header().Set("WWW-Authenticate", "Bearer")
	}
	return r.WriteJSON(p.Status, problemContentType, problemBody{
		Type: problemType(p.Status), Title: title(p.Status), Status: p.Status, Detail: p.Detail, Errors: p.Errors,
	})
}

// problem words the server's problems as problem details.
func problem(r *api.Request, p api.Problem) api.Error {
	switch p.Kind {
	case api.NotFound:
		return errNotFound("%s", p.Detail)
	case api.MethodNotAllowed:
		return newProblem(http.StatusMethodNotAllowed, "%s", p.Detail)
	case api.Unauthorized:
		detail := "Send a valid access token or API key as Authorization: Bearer <token>"
		if len(p.Violations) > 0 {
			detail = p.Violations[0].Message + ". " + detail
		}
		return newProblem(http.StatusUnauthorized, "%s", detail)
	case api.Invalid:
		if r.Request().Header.Get("Content-Type") == "" && missingBody(p.Violations) {
			// ASP.NET answers a [FromBody] action without body and media type with 415.
			return newProblem(http.StatusUnsupportedMediaType, "%s", "The request has no body and no Content-Type; send application/json.")
		}
		return invalidProblem(p.Violations)
	case api.Status:
		return &Problem{Status: p.Status}
	}
	return newProblem(http.StatusInternalServerError, "An unexpected error occurred.")
}

// missingBody reports whether a required body is what is missing.
func missingBody(vs []validate.Violation) bool {
	for _, v := range vs {
		if v.In == "body" && v.Pointer == "" && (v.Keyword == "required" || v.Keyword == "content-type") {
			return true
		}
	}
	return false
}

// invalidProblem turns validation problems into a 422 listing every field, or a 415 when the body
// is of a media type the operation does not take.
func invalidProblem(vs []validate.Violation) *Problem {
	contentType := len(vs) > 0
	for _, v := range vs {
		contentType = contentType && v.Keyword == "content-type"
	}
	if contentType {
		return newProblem(http.StatusUnsupportedMediaType, "%s", vs[0].Message)
	}
	errs := map[string][]string{}
	for _, v := range vs {
		key := FieldKey(v)
		errs[key] = append(errs[key], fieldMessage(key, v))
	}
	keys := make([]string, 0, len(errs))
	for k := range errs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return &Problem{Status: http.StatusUnprocessableEntity, Detail: "Invalid " + strings.Join(keys, ", ") + ": " + validate.Summary(vs), Errors: errs}
}

// FieldKey names the field of a validation problem as Weavy's errors object does: body fields by
// their path (name, metadata.color, tags[0]), "$" for the body itself, parameters by name.
func FieldKey(v validate.Violation) string {
	if v.In != "body" {
		if v.Name != "" {
			return v.Name
		}
		return v.In
	}
	ptr := strings.Trim(v.Pointer, "/")
	if ptr == "" {
		return "$"
	}
	var b strings.Builder
	for i, seg := range strings.Split(ptr, "/") {
		seg = strings.NewReplacer("~1", "/", "~0", "~").Replace(seg)
		switch {
		case isDigits(seg) && i > 0:
			b.WriteString("[" + seg + "]")
		case i > 0:
			b.WriteString("." + seg)
		default:
			b.WriteString(seg)
		}
	}
	return b.String()
}

// fieldMessage is the message of one validation problem, in ASP.NET's words where it has them.
func fieldMessage(key string, v validate.Violation) string {
	switch {
	case v.Keyword == "required" && key == "$":
		return "A non-empty request body is required."
	case v.Keyword == "required":
		return fmt.Sprintf("The %s field is required.", key)
	case v.Keyword == "pattern" && (key == "order_by" || key == "orderby"):
		return "Order by id, name, size, created_at or updated_at, optionally followed by +desc (e.g. name+desc)."
	}
	return v.Message
}

// isDigits reports whether s is a non-empty run of ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
