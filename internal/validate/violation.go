package validate

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// Violation is one problem found in a request or response.
type Violation struct {
	// In is where the problem is: "path", "query", "header", "cookie", "body" or "security"
	// ("status" for an undocumented response status, "request" for anything kin reports without a location).
	In string `json:"in"`
	// Name is the parameter name, the security scheme name, or for the body the top-level field name when known.
	Name string `json:"name,omitempty"`
	// Pointer is a JSON pointer into the body (e.g. "/attachments/0/file_id"); "" for parameters and the body root.
	Pointer string `json:"pointer,omitempty"`
	// Keyword is the failing schema keyword (required, type, enum, pattern, maxLength, minimum, maximum, format,
	// additionalProperties, ...), "parse" for an unparsable value or body, or "content-type" for a media type
	// the operation does not accept. It is empty for security problems.
	Keyword string `json:"keyword,omitempty"`
	// Message is a short human message. It never contains kin's schema or value dump, so it is safe to show to clients.
	Message string `json:"message"`
}

// String renders v as `<in> <pointer or name>: <message>`, e.g. "body /limit: number must be at most 100".
func (v Violation) String() string {
	loc := v.In
	switch {
	case v.Pointer != "":
		loc += " " + v.Pointer
	case v.Name != "":
		loc += " " + v.Name
	}
	msg := v.Message
	if v.Name != "" {
		// Parameter messages are self-contained (`header "user-id" is required`) for APIs that only show the
		// message; drop the repetition here so logs read "header user-id: is required".
		msg = strings.TrimPrefix(msg, v.In+" "+strconv.Quote(v.Name)+" ")
	}
	return loc + ": " + msg
}

// Summary joins the violations into one line, e.g. "header user-id: is required; body /limit: number must be at most 100".
func Summary(vs []Violation) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.String()
	}
	return strings.Join(parts, "; ")
}

// violations turns an error returned by openapi3filter.ValidateRequest (in MultiError mode) into Violations.
// It walks the error with type switches rather than errors.As, because errors.As would look through a
// RequestError into its nested MultiError and lose which parameter or body the problem belongs to.
func violations(vs []Violation, err error) []Violation {
	switch e := err.(type) {
	case nil:
	case openapi3.MultiError:
		for _, err := range e {
			vs = violations(vs, err)
		}
	case *openapi3filter.SecurityRequirementsError:
		for _, err := range e.Errors {
			vs = append(vs, securityViolation(err))
		}
	case *openapi3filter.RequestError:
		switch {
		case e.Parameter != nil:
			vs = paramViolations(vs, e)
		case e.RequestBody != nil:
			vs = bodyViolations(vs, e)
		default:
			vs = append(vs, Violation{In: "request", Message: e.Error()})
		}
	default:
		vs = append(vs, Violation{In: "request", Message: err.Error()})
	}
	return vs
}

// securityViolation describes one failed security requirement.
func securityViolation(err error) Violation {
	var ae *authError
	if errors.As(err, &ae) {
		return Violation{In: "security", Name: ae.scheme, Message: ae.err.Error()}
	}
	return Violation{In: "security", Message: err.Error()}
}

// paramViolations describes a RequestError about one parameter.
func paramViolations(vs []Violation, e *openapi3filter.RequestError) []Violation {
	p := e.Parameter
	base := Violation{In: p.In, Name: p.Name}
	var pe *openapi3filter.ParseError
	switch {
	case isSchemaError(e.Err):
		return schemaViolations(vs, base, e.Err, false)
	case errors.Is(e.Err, openapi3filter.ErrInvalidRequired):
		base.Keyword, base.Message = "required", fmt.Sprintf("%s %q is required", p.In, p.Name)
	case errors.Is(e.Err, openapi3filter.ErrInvalidEmptyValue):
		base.Keyword, base.Message = "allowEmptyValue", fmt.Sprintf("%s %q must not be empty", p.In, p.Name)
	case errors.As(e.Err, &pe):
		// kin parses integer/number/boolean parameters before the schema sees them, so a bad value is a
		// ParseError; report it like the schema's type check would.
		if typ := primitiveType(p); typ != "" && pe.Kind == openapi3filter.KindInvalidFormat {
			base.Keyword, base.Message = "type", "value must be "+withArticle(typ)
		} else {
			base.Keyword, base.Message = "parse", parseMessage(pe)
		}
	default:
		base.Message = e.Error()
	}
	return append(vs, base)
}

// bodyViolations describes a RequestError about the request body.
func bodyViolations(vs []Violation, e *openapi3filter.RequestError) []Violation {
	base := Violation{In: "body"}
	var pe *openapi3filter.ParseError
	switch {
	case isSchemaError(e.Err):
		return schemaViolations(vs, base, e.Err, true)
	case errors.Is(e.Err, openapi3filter.ErrInvalidRequired):
		base.Keyword, base.Message = "required", "request body is required"
	case errors.As(e.Err, &pe):
		base.Keyword, base.Message = "parse", parseMessage(pe)
	case strings.HasPrefix(e.Reason, "header Content-Type has unexpected value"):
		base.Keyword, base.Message = "content-type", e.Reason
	default:
		base.Message = e.Error()
	}
	return append(vs, base)
}

func isSchemaError(err error) bool {
	switch err.(type) {
	case *openapi3.SchemaError, openapi3.MultiError:
		return true
	}
	return false
}

// schemaViolations appends one Violation per leaf SchemaError in err, based on base.
// withPointer is false for parameters, whose Violations carry the parameter name instead of a pointer.
func schemaViolations(vs []Violation, base Violation, err error, withPointer bool) []Violation {
	switch e := err.(type) {
	case nil:
		return vs
	case openapi3.MultiError:
		for _, err := range e {
			vs = schemaViolations(vs, base, err, withPointer)
		}
		return vs
	case *openapi3.SchemaError:
		// allOf wraps the errors of its parts, which name the real problem (a missing property, ...).
		// oneOf/anyOf do not: listing why each alternative failed would only confuse.
		var inner openapi3.MultiError
		if e.SchemaField == "allOf" && errors.As(e.Origin, &inner) {
			return schemaViolations(vs, base, inner, withPointer)
		}
		return append(vs, schemaViolation(base, e, withPointer))
	default:
		base.Message = err.Error()
		return append(vs, base)
	}
}

// schemaViolation describes one leaf SchemaError using its Reason, which never contains the value or the schema.
func schemaViolation(v Violation, e *openapi3.SchemaError, withPointer bool) Violation {
	v.Keyword, v.Message = e.SchemaField, e.Reason
	if v.Message == "" {
		v.Message = fmt.Sprintf("value does not match %q", e.SchemaField)
	}
	path := e.JSONPointer()
	if e.SchemaField == "properties" {
		// kin reports additionalProperties:false on the object with keyword "properties"; name the
		// keyword from the spec and point at the offending property instead.
		v.Keyword = "additionalProperties"
		if name, ok := unsupportedProperty(e.Reason); ok {
			path = append(path, name)
		}
	}
	if withPointer {
		v.Pointer = jsonPointer(path)
		if len(path) > 0 {
			v.Name = path[0]
		}
	}
	return v
}

// unsupportedProperty extracts the property name from kin's `property "x" is unsupported` reason,
// the only place kin records it.
func unsupportedProperty(reason string) (string, bool) {
	s, ok := strings.CutPrefix(reason, "property ")
	if !ok {
		return "", false
	}
	if s, ok = strings.CutSuffix(s, " is unsupported"); !ok {
		return "", false
	}
	name, err := strconv.Unquote(s)
	return name, err == nil
}

// pointerEscaper escapes one JSON pointer segment (RFC 6901); it is immutable.
var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// jsonPointer encodes path as an RFC 6901 JSON pointer.
func jsonPointer(path []string) string {
	var b strings.Builder
	for _, seg := range path {
		b.WriteByte('/')
		b.WriteString(pointerEscaper.Replace(seg))
	}
	return b.String()
}

// parseMessage describes a ParseError without its Value (which may be large or sensitive).
func parseMessage(pe *openapi3filter.ParseError) string {
	cause := pe.RootCause()
	var se *json.SyntaxError
	switch {
	case errors.As(cause, &se):
		return fmt.Sprintf("invalid JSON at byte %d: %s", se.Offset, se.Error())
	case errors.Is(cause, io.ErrUnexpectedEOF), errors.Is(cause, io.EOF):
		return "invalid JSON: unexpected end of input"
	case cause != nil && pe.Reason != "":
		return pe.Reason + ": " + cause.Error()
	case cause != nil:
		return cause.Error()
	case pe.Reason != "":
		return pe.Reason
	}
	return "cannot parse value"
}

// primitiveType returns the parameter's schema type if kin parses it from a string before validation.
func primitiveType(p *openapi3.Parameter) string {
	if p.Schema == nil || p.Schema.Value == nil {
		return ""
	}
	for _, typ := range []string{openapi3.TypeInteger, openapi3.TypeNumber, openapi3.TypeBoolean} {
		if p.Schema.Value.Type.Is(typ) {
			return typ
		}
	}
	return ""
}

// withArticle matches kin's wording for type errors ("value must be an integer").
func withArticle(typ string) string {
	if typ == openapi3.TypeInteger {
		return "an " + typ
	}
	return "a " + typ
}
