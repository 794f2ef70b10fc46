package desk

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/validate"
)

// Error is a Desk error: one envelope entry with its status. Pointer (a JSON pointer into the
// body) or Parameter (a query parameter) names what is wrong when one thing is.
type Error struct {
	Status    int
	Code      string
	Detail    string
	Pointer   string
	Parameter string
}

func (e *Error) Error() string { return e.Code + ": " + e.Detail }

// StatusCode is the HTTP status of the answer.
func (e *Error) StatusCode() int { return e.Status }

// ErrorCode is the entry's code, which the journal records.
func (e *Error) ErrorCode() string { return e.Code }

// Errors are several problems of one request, all told at once (400).
type Errors []*Error

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// StatusCode is the first problem's status.
func (es Errors) StatusCode() int {
	if len(es) == 0 {
		return http.StatusBadRequest
	}
	return es[0].Status
}

// ErrorCode is the first problem's code.
func (es Errors) ErrorCode() string {
	if len(es) == 0 {
		return "invalid"
	}
	return es[0].Code
}

// under moves body pointers below prefix, e.g. "/mimeType" to "/file/mimeType".
func (es Errors) under(prefix string) Errors {
	for _, e := range es {
		if e.Pointer != "" {
			e.Pointer = prefix + e.Pointer
		}
	}
	return es
}

func errMissing(field, detail string) *Error {
	return &Error{400, "required", detail, "/" + field, ""}
}

func errNotFound(id int64) *Error {
	return &Error{Status: 404, Code: "not_found", Detail: fmt.Sprintf("file %d not found", id)}
}

// envelope is Desk's error body: {"errors":[{"code","detail","source"}]}.
type envelope struct {
	Errors []errorItem `json:"errors"`
}

type errorItem struct {
	Code   string  `json:"code"`
	Detail string  `json:"detail"`
	Source *source `json:"source,omitempty"`
}

type source struct {
	Pointer   string `json:"pointer,omitempty"`
	Parameter string `json:"parameter,omitempty"`
}

// writeErrors renders e in Desk's envelope: every problem of Errors, in order.
func writeErrors(r *api.Request, e api.Error) error {
	var items []errorItem
	switch e := e.(type) {
	case Errors:
		for _, de := range e {
			items = append(items, item(de))
		}
	case *Error:
		items = []errorItem{item(e)}
	default:
		items = []errorItem{{Code: e.ErrorCode(), Detail: e.Error()}}
	}
	return r.WriteJSON(e.StatusCode(), "", envelope{Errors: items})
}

func item(e *Error) errorItem {
	it := errorItem{Code: e.Code, Detail: e.Detail}
	switch {
	case e.Pointer != "":
		it.Source = &source{Pointer: e.Pointer}
	case e.Parameter != "":
		it.Source = &source{Parameter: e.Parameter}
	}
	return it
}

// problem words the server's problems in Desk's envelope.
func problem(_ *api.Request, p api.Problem) api.Error {
	switch p.Kind {
	case api.NotFound:
		return &Error{Status: http.StatusNotFound, Code: "not_found", Detail: p.Detail}
	case api.MethodNotAllowed:
		return &Error{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed", Detail: p.Detail}
	case api.Unauthorized:
		return &Error{Status: http.StatusUnauthorized, Code: "unauthorized",
			Detail: "missing or invalid API key: send Authorization: Bearer <API key>, or Basic auth with the API key as user name"}
	case api.Invalid:
		items := make([]errorItem, 0, len(p.Violations))
		for _, v := range p.Violations {
			items = append(items, toErrorItem(v))
		}
		var es Errors
		for _, it := range tidy(items) {
			e := &Error{Status: http.StatusBadRequest, Code: it.Code, Detail: it.Detail}
			if it.Source != nil {
				e.Pointer, e.Parameter = it.Source.Pointer, it.Source.Parameter
			}
			es = append(es, e)
		}
		return es
	case api.Status:
		code := strings.ToLower(strings.ReplaceAll(http.StatusText(p.Status), " ", "_"))
		return &Error{Status: p.Status, Code: code, Detail: http.StatusText(p.Status)}
	}
	return &Error{Status: http.StatusInternalServerError, Code: "internal_error", Detail: "internal error"}
}

// toErrorItem names the field or parameter of one validation problem.
func toErrorItem(v validate.Violation) errorItem {
	it := errorItem{Code: v.Keyword, Detail: v.Message}
	switch {
	case v.In == "body" && v.Keyword == "not" && (v.Pointer == "" || v.Pointer == "/"):
		// The only not of the spec: mimeType is required unless the fields are wrapped in file.
		it = errorItem{Code: "required", Detail: `property "mimeType" is missing`, Source: &source{Pointer: "/mimeType"}}
	case v.In == "body" && v.Keyword == "anyOf":
		// The only anyOf of the spec: filename may be spelled filename or fileName.
		it = errorItem{Code: "required", Detail: `property "filename" is missing (fileName is accepted too)`,
			Source: &source{Pointer: strings.TrimSuffix(v.Pointer, "/") + "/filename"}}
	case v.In == "body" && v.Pointer != "":
		it.Source = &source{Pointer: v.Pointer}
	case v.In == "body":
		it.Source = &source{Pointer: "/"}
	case v.Name != "":
		it.Source = &source{Parameter: v.Name}
	}
	if it.Code == "" {
		it.Code = "invalid"
	}
	return it
}

// tidy drops repeated problems (each part of an allOf checks the type again) and problems inside
// a value whose type is already wrong (a null "file" has no missing "file/filename" to speak of).
func tidy(items []errorItem) []errorItem {
	wrong := map[string]bool{}
	for _, it := range items {
		if it.Source != nil && it.Source.Pointer != "" && (it.Code == "type" || it.Code == "nullable") {
			wrong[strings.TrimSuffix(it.Source.Pointer, "/")] = true
		}
	}
	inside := func(ptr string) bool {
		ptr = strings.TrimSuffix(ptr, "/")
		for p := range wrong {
			if strings.HasPrefix(ptr, p+"/") {
				return true
			}
		}
		return false
	}
	out := items[:0:0]
	seen := map[errorItem]bool{}
	for _, it := range items {
		key := it
		if it.Source != nil {
			key.Source = nil
			key.Detail += "\x00" + it.Source.Pointer + "\x00" + it.Source.Parameter
		}
		if seen[key] || (it.Source != nil && inside(it.Source.Pointer)) {
			continue
		}
		seen[key] = true
		out = append(out, it)
	}
	return out
}
