package emulator

import (
	"net/http"
	"strings"

	"github.com/fileemu/fileemu/internal/session"
)

// withCORS applies the CORS policy (see corsHeaders) and answers preflights.
func (s *Server) withCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x := exchangeOf(r)
		if preflight := s.corsHeaders(x.req.Response(), x.req.Request()); preflight {
			_ = x.req.NoContent(http.StatusNoContent)
			return
		}
		x.pass(next)
	})
}

// exposedHeaders are readable by browser code on every response: S3's ETag/Location (a browser
// upload needs the ETag), request ids, fileemu's violations and the rate-limit headers.
const exposedHeaders = "ETag, Location, Content-Length, Content-Range, X-Request-Id, x-amz-request-id, x-amz-id-2, " +
	"x-amz-version-id, X-Fileemu-Violations, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"

const allowedMethods = "GET, HEAD, PUT, POST, PATCH, DELETE, OPTIONS"

// corsHeaders applies one permissive policy to every route, before routing, so that
// preflights never meet validation: any origin (echoed), any request header. Credentials
// (cookies) are allowed only where a cookie matters, the cookie paths of the mount table
// (files.ro's share routes, their share_session cookie), and never for the "null" origin of
// sandboxed pages and files: the admin API and the bearer-token APIs answer any page, but not
// with the browser's cookies attached. It reports whether r is a preflight, which the cors
// stage answers.
func (s *Server) corsHeaders(w http.ResponseWriter, r *http.Request) (preflight bool) {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	if origin != "null" && s.cookieRoute(r.URL.Path) {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	h.Add("Vary", "Origin")
	if !isPreflight(r) {
		h.Set("Access-Control-Expose-Headers", exposedHeaders)
		return false
	}
	h.Add("Vary", "Access-Control-Request-Method")
	h.Add("Vary", "Access-Control-Request-Headers")
	h.Set("Access-Control-Allow-Methods", allowedMethods)
	if rh := r.Header.Get("Access-Control-Request-Headers"); rh != "" {
		h.Set("Access-Control-Allow-Headers", rh)
	}
	h.Set("Access-Control-Max-Age", "600")
	return true
}

// isPreflight reports whether r is a CORS preflight request.
func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != ""
}

// cookieRoute reports whether path (with or without a session prefix) falls under a cookie
// path of the mount table.
func (s *Server) cookieRoute(path string) bool {
	if _, rest, ok := session.SplitPrefix(path); ok {
		path = rest
	}
	for _, p := range s.cookiePaths {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}
