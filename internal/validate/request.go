package validate

import (
	"context"
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// AuthFunc authenticates one security scheme of an operation and returns nil if it is satisfied.
// r carries the real request's headers, URL and context but no body.
type AuthFunc func(ctx context.Context, schemeName string, scheme *openapi3.SecurityScheme, r *http.Request) error

// RequestOptions tunes ValidateRequest.
type RequestOptions struct {
	// Auth checks security schemes. If nil, security requirements are treated as satisfied.
	Auth AuthFunc
	// SkipBody skips every body check (Content-Type, required, schema): set it for streamed uploads
	// (multipart, octet-stream, S3 bodies), whose body is then never read. Check the text fields of a
	// streamed multipart body with ValidateFields.
	SkipBody bool
	// Query is the request's query, parsed already (nil: parsed here). It is only read.
	Query url.Values
}

// authError remembers which scheme an AuthFunc error belongs to: kin passes the error on as is.
type authError struct {
	scheme string
	err    error
}

func (e *authError) Error() string { return e.err.Error() }
func (e *authError) Unwrap() error { return e.err }

// ValidateRequest checks r against rt's operation: path, query, header and cookie parameters, security,
// and, unless o.SkipBody, a JSON body. It returns nil if the request is valid, and otherwise every problem
// found, in this order: security, parameters, body.
//
// Only a JSON body (application/json or +json) is read and validated; afterwards r.Body holds the same
// bytes again for the handler. A body of any other accepted media type is left unread: the handler
// streams it and validates it itself.
func (s *Spec) ValidateRequest(ctx context.Context, r *http.Request, rt *Route, o RequestOptions) []Violation {
	// kin's security check reads the whole body into memory even with ExcludeRequestBody, so parameters
	// and security are checked on a body-less copy. A shallow copy is enough: with SkipSettingDefaults
	// kin does not modify the URL or the headers.
	c := &paramCheck{req: *r, auth: o.Auth}
	c.req.Body, c.req.ContentLength, c.req.GetBody = http.NoBody, 0, nil
	c.opts = openapi3filter.Options{
		ExcludeRequestBody:  true,
		MultiError:          true,
		SkipSettingDefaults: true,
		AuthenticationFunc:  c.authenticate,
	}
	c.in = openapi3filter.RequestValidationInput{
		Request:     &c.req,
		QueryParams: o.Query,
		PathParams:  rt.PathParams,
		Route:       rt.kin,
		Options:     &c.opts,
	}
	err := openapi3filter.ValidateRequest(ctx, &c.in)
	vs := violations(nil, err)
	if !o.SkipBody {
		vs = append(vs, s.validateBody(ctx, r, rt)...)
	}
	return vs
}

// paramCheck is what kin's check of parameters and security needs, in one allocation.
type paramCheck struct {
	req  http.Request // the request without its body
	in   openapi3filter.RequestValidationInput
	opts openapi3filter.Options
	auth AuthFunc // nil: every security requirement is satisfied
}

// authenticate is kin's AuthenticationFunc: it runs c.auth and remembers the scheme of its error.
func (c *paramCheck) authenticate(ctx context.Context, in *openapi3filter.AuthenticationInput) error {
	if c.auth == nil {
		return nil
	}
	if err := c.auth(ctx, in.SecuritySchemeName, in.SecurityScheme, in.RequestValidationInput.Request); err != nil {
		return &authError{scheme: in.SecuritySchemeName, err: err}
	}
	return nil
}

// validateBody checks the Content-Type against the operation and lets kin validate a JSON body.
func (s *Spec) validateBody(ctx context.Context, r *http.Request, rt *Route) []Violation {
	if rt.Operation.RequestBody == nil || rt.Operation.RequestBody.Value == nil {
		return nil
	}
	rb := rt.Operation.RequestBody.Value
	ct := r.Header.Get("Content-Type")
	if ct == "" && bodyEmpty(r) {
		if rb.Required {
			return []Violation{{In: "body", Keyword: "required", Message: "request body is required"}}
		}
		return nil
	}
	if len(rb.Content) == 0 {
		return nil
	}
	if rb.Content.Get(ct) == nil {
		return []Violation{contentTypeViolation(ct, rb.Content)}
	}
	if !isJSON(ct) {
		return nil // never buffer an upload; the handler streams it
	}
	// kin reads the body, then puts a bytes.Reader with the same bytes back into r.Body.
	in := &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: rt.PathParams,
		Route:      rt.kin,
		Options:    &failFast,
	}
	// Most bodies are valid: ask kin for a verdict only first. Fail-fast changes how much kin
	// says about a failure, never whether it fails, and it builds no errors on the way: with
	// details, every failed branch of a not, anyOf or allOf formats its errors (and marshals
	// its schema) even when the branch's failure is what makes the body valid. Only a body
	// that fails is validated again for every problem.
	if openapi3filter.ValidateRequestBody(ctx, in, rb) == nil {
		return nil
	}
	in.Options = &everyProblem
	return violations(nil, openapi3filter.ValidateRequestBody(ctx, in, rb))
}

// The options of body validation: a verdict only, and every problem (kin only reads them).
var (
	failFast = openapi3filter.Options{SkipSettingDefaults: true,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.FailFast()}}
	everyProblem = openapi3filter.Options{MultiError: true, SkipSettingDefaults: true}
)

// bodyEmpty reports whether r is known to have no body.
func bodyEmpty(r *http.Request) bool {
	return r.ContentLength == 0 && (r.Body == nil || r.Body == http.NoBody)
}

// isJSON reports whether the media type of a Content-Type value is JSON.
func isJSON(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// contentTypeViolation reports a Content-Type that content does not accept.
func contentTypeViolation(ct string, content openapi3.Content) Violation {
	accepted := strings.Join(slices.Sorted(maps.Keys(content)), ", ")
	var msg string
	switch {
	case len(content) == 0:
		msg = "the operation takes no request body"
	case ct == "":
		msg = "Content-Type is missing, use " + accepted
	default:
		msg = fmt.Sprintf("Content-Type %q is not supported, use %s", ct, accepted)
	}
	return Violation{In: "body", Keyword: "content-type", Message: msg}
}

// ValidateFields checks the non-file fields of a body, e.g. the text parts of a streamed multipart upload,
// against the operation's request body schema for contentType (parameters such as the boundary are ignored).
//
// values holds the fields as received (strings); each is converted to its property's type (integer, number,
// boolean, or an array of one item) first, so "abc" for an integer reports "value must be an integer".
// Names in present (the binary parts, e.g. "file") count as given. Fields the schema does not define are
// reported unless the schema allows additionalProperties explicitly, as kin's multipart decoder does.
func (s *Spec) ValidateFields(rt *Route, contentType string, values map[string]string, present []string) []Violation {
	var content openapi3.Content
	if rb := rt.Operation.RequestBody; rb != nil && rb.Value != nil {
		content = rb.Value.Content
	}
	mt := content.Get(contentType) // ignores parameters such as the boundary
	if mt == nil {
		return []Violation{contentTypeViolation(contentType, content)}
	}
	if mt.Schema == nil || mt.Schema.Value == nil {
		return nil
	}
	schema := mt.Schema.Value

	var vs []Violation
	obj := make(map[string]any, len(values)+len(present))
	add := func(name string, value func(*openapi3.Schema) any) {
		if prop := schema.Properties[name]; prop != nil && prop.Value != nil {
			obj[name] = value(prop.Value)
			return
		}
		if allowsAdditional(schema) {
			obj[name] = value(&openapi3.Schema{}) // as a string; an additionalProperties schema checks it
			return
		}
		vs = append(vs, Violation{In: "body", Name: name, Pointer: jsonPointer([]string{name}),
			Keyword: "additionalProperties", Message: fmt.Sprintf("property %q is unsupported", name)})
	}
	for _, name := range slices.Sorted(maps.Keys(values)) {
		add(name, func(p *openapi3.Schema) any { return fieldValue(values[name], p) })
	}
	for _, name := range present {
		if _, ok := obj[name]; !ok {
			add(name, placeholder)
		}
	}
	err := schema.VisitJSON(obj, openapi3.VisitAsRequest(), openapi3.MultiErrors())
	return schemaViolations(vs, Violation{In: "body"}, err, true)
}

// allowsAdditional reports whether schema explicitly allows properties it does not define.
func allowsAdditional(schema *openapi3.Schema) bool {
	ap := schema.AdditionalProperties
	return (ap.Has != nil && *ap.Has) || ap.Schema != nil
}

// fieldValue converts a form value to the JSON type of its property schema. A value that does not
// convert stays a string, so that VisitJSON reports the type mismatch.
func fieldValue(raw string, p *openapi3.Schema) any {
	switch {
	case p.Type.Is(openapi3.TypeInteger), p.Type.Is(openapi3.TypeNumber):
		if f, err := strconv.ParseFloat(raw, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f
		}
	case p.Type.Is(openapi3.TypeBoolean):
		if b, err := strconv.ParseBool(raw); err == nil {
			return b
		}
	case p.Type.Is(openapi3.TypeArray) && p.Items != nil && p.Items.Value != nil:
		return []any{fieldValue(raw, p.Items.Value)}
	}
	return raw
}

// placeholder stands for a streamed (binary) part, whose content is not validated here.
func placeholder(p *openapi3.Schema) any {
	if p.Type.Is(openapi3.TypeArray) {
		return []any{""}
	}
	return ""
}
