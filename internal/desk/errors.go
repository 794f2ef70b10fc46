package desk

import (
	"net/http"
	"strings"

	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/validate"
)

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

func writeErrors(r *api.Request, status int, items ...errorItem) error {
	r.SetErrorCode(items[0].Code)
	return r.WriteJSON(status, "", envelope{Errors: items})
}

func writeError(r *api.Request, e *Error) error {
	return writeErrors(r, e.Status, item(e))
}

// writeErrorList writes several problems at once, with the first one's status.
func writeErrorList(r *api.Request, es Errors) error {
	items := make([]errorItem, len(es))
	for i, e := range es {
		items[i] = item(e)
	}
	return writeErrors(r, es[0].Status, items...)
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

// writeProblem renders the server's problems in Desk's envelope.
func writeProblem(r *api.Request, p api.Problem) error {
	switch p.Kind {
	case api.NotFound:
		return writeErrors(r, http.StatusNotFound, errorItem{Code: "not_found", Detail: p.Detail})
	case api.MethodNotAllowed:
		return writeErrors(r, http.StatusMethodNotAllowed, errorItem{Code: "method_not_allowed", Detail: p.Detail})
	case api.Unauthorized:
		return writeErrors(r, http.StatusUnauthorized, errorItem{Code: "unauthorized",
			Detail: "missing or invalid API key: send Authorization: Bearer <API key>, or Basic auth with the API key as user name"})
	case api.Invalid:
		items := make([]errorItem, 0, len(p.Violations))
		for _, v := range p.Violations {
			items = append(items, toErrorItem(v))
		}
		return writeErrors(r, http.StatusBadRequest, tidy(items)...)
	case api.Status:
		code := strings.ToLower(strings.ReplaceAll(http.StatusText(p.Status), " ", "_"))
		return writeErrors(r, p.Status, errorItem{Code: code, Detail: http.StatusText(p.Status)})
	}
	return writeErrors(r, http.StatusInternalServerError, errorItem{Code: "internal_error", Detail: "internal error"})
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
