package validate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// ResponseError lists every problem ValidateResponse found in one response.
type ResponseError struct {
	OperationID string
	Status      int
	Violations  []Violation
}

// Error implements error.
func (e *ResponseError) Error() string {
	return fmt.Sprintf("response %d of %s: %s", e.Status, e.OperationID, Summary(e.Violations))
}

// ValidateResponse checks a response to req (routed to rt) against the operation: the status must be
// documented (or covered by "default"), and the headers and the body must match. It returns nil or a
// *ResponseError.
//
// Bodies are validated here rather than by kin, whose decoders come from a process-wide registry that
// knows no application/xml: a JSON media type (application/json, +json) is parsed as JSON, any other
// (application/xml, text/plain, ...) is validated as one string, so S3's XML errors match `type: string`.
func (s *Spec) ValidateResponse(ctx context.Context, req *http.Request, rt *Route, status int, header http.Header, body []byte) error {
	var vs []Violation
	ref := rt.Operation.Responses.Status(status)
	if ref == nil {
		ref = rt.Operation.Responses.Default()
	}
	if ref == nil || ref.Value == nil {
		vs = append(vs, Violation{In: "status", Keyword: "status", Message: fmt.Sprintf("status %d is not documented", status)})
	} else {
		// kin checks the documented headers and JSON bodies (its decoder registry knows JSON); other
		// bodies (S3's XML, text/plain, binary) are left to validateResponseBody.
		kinBody := hasBody(req, status) && isJSON(header.Get("Content-Type"))
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: rt.PathParams, Route: rt.kin},
			Status:                 status,
			Header:                 header,
			Options:                &openapi3filter.Options{ExcludeResponseBody: !kinBody, MultiError: true},
		}
		in.SetBodyBytes(body)
		err := openapi3filter.ValidateResponse(ctx, in)
		var bodyVs []Violation
		if hasBody(req, status) && (err != nil || !kinBody) {
			// Same schemas, walked here for messages with JSON pointers (kin's name only the schema).
			bodyVs = validateResponseBody(ref.Value, header, body)
		}
		vs = append(vs, bodyVs...)
		if err != nil && len(bodyVs) == 0 {
			vs = append(vs, responseViolations(err)...)
		}
	}
	if len(vs) == 0 {
		return nil
	}
	return &ResponseError{OperationID: rt.OperationID, Status: status, Violations: vs}
}

// hasBody mirrors kin, which does not validate responses to HEAD nor 301, 304, 307 and 308 responses.
func hasBody(req *http.Request, status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusNotModified, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return false
	}
	return req.Method != http.MethodHead
}

// responseViolations describes a header problem reported by kin's ValidateResponse.
func responseViolations(err error) []Violation {
	re, ok := err.(*openapi3filter.ResponseError)
	if !ok {
		return []Violation{{In: "header", Message: err.Error()}}
	}
	in := "header"
	if strings.Contains(re.Reason, "body") {
		in = "body"
	}
	var vs []Violation
	for _, v := range schemaViolations(nil, Violation{In: in}, re.Err, false) {
		v.Message = re.Reason + ": " + v.Message
		vs = append(vs, v)
	}
	if re.Err == nil {
		vs = append(vs, Violation{In: in, Message: re.Reason})
	}
	return vs
}

// validateResponseBody checks body against the media type of resp that matches the Content-Type header.
func validateResponseBody(resp *openapi3.Response, header http.Header, body []byte) []Violation {
	if len(resp.Content) == 0 {
		return nil
	}
	ct := header.Get("Content-Type")
	mt := resp.Content.Get(ct)
	if mt == nil {
		return []Violation{contentTypeViolation(ct, resp.Content)}
	}
	if mt.Schema == nil || mt.Schema.Value == nil {
		return nil
	}
	var value any = string(body)
	if isJSON(ct) {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber() // like kin: exact integers
		if err := dec.Decode(&value); err != nil {
			return []Violation{{In: "body", Keyword: "parse", Message: parseMessage(&openapi3filter.ParseError{Cause: err})}}
		}
	}
	err := mt.Schema.Value.VisitJSON(value, openapi3.VisitAsResponse(), openapi3.MultiErrors())
	return schemaViolations(nil, Violation{In: "body"}, err, true)
}
