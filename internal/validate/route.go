package validate

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
)

// ErrNotFound is returned by FindRoute when the path matches no route.
var ErrNotFound = errors.New("no matching operation")

// MethodNotAllowedError is returned by FindRoute when the path exists but not with the request's method.
type MethodNotAllowedError struct {
	Allowed []string // the methods the path accepts, sorted, for the Allow header
}

// Error implements error.
func (e *MethodNotAllowedError) Error() string {
	return "method not allowed, allowed: " + strings.Join(e.Allowed, ", ")
}

// Route is a matched operation.
type Route struct {
	OperationID string
	Operation   *openapi3.Operation
	PathParams  map[string]string // percent-decoded values
	kin         *routers.Route    // kept for validation
}

// FindRoute matches r's method and URL path (host and scheme are ignored) to an operation.
//
// Matching works on the escaped path (r.URL.EscapedPath()), so a %2F inside a segment stays inside its
// path parameter: a caller may rewrite the URL of a clone to escape the slashes of an object key
// and then get the whole key, decoded, in PathParams.
func (s *Spec) FindRoute(r *http.Request) (*Route, error) {
	if err := s.ready(); err != nil {
		return nil, fmt.Errorf("find route for %s %s: %w", r.Method, r.URL.EscapedPath(), err)
	}
	kr, params, err := s.router.FindRoute(r)
	switch {
	case errors.Is(err, routers.ErrMethodNotAllowed):
		return nil, &MethodNotAllowedError{Allowed: s.allowed(r)}
	case errors.Is(err, routers.ErrPathNotFound):
		return nil, ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("find route for %s %s: %w", r.Method, r.URL.EscapedPath(), err)
	}
	// gorillamux matches the escaped path and returns the parameters still percent-encoded, while
	// kin validates them as given: "a%20b" would fail maxLength 3.
	for k, v := range params {
		u, err := url.PathUnescape(v)
		if err != nil {
			return nil, fmt.Errorf("path parameter %q: %w", k, ErrNotFound)
		}
		params[k] = u
	}
	return &Route{
		OperationID: kr.Operation.OperationID,
		Operation:   kr.Operation,
		PathParams:  params,
		kin:         kr,
	}, nil
}

// allowed returns the methods with which r's path would be routed. gorillamux does not say which path
// item matched, so ask it once per method used in the spec; this only runs for 405 answers.
func (s *Spec) allowed(r *http.Request) []string {
	var allowed []string
	for _, m := range s.ix.methods {
		try := *r // shallow copy: only the method changes, and the router only reads
		try.Method = m
		if _, _, err := s.router.FindRoute(&try); err == nil {
			allowed = append(allowed, m)
		}
	}
	return allowed
}
