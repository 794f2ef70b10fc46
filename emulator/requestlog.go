package emulator

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/fileemu/fileemu/internal/journal"
)

// RequestLogMessage is the message of the one log record each request gets at info when
// Config.LogRequests is on (the admin API's requests at debug). Its attributes: status (0 when the connection was broken), method,
// path (as the client sent it, session prefix included; the query follows with its secrets
// redacted), api, operation, session, duration, in and out (body bytes read and sent), and on a
// failure reason: the first violation, else the error code, and "scenario=NAME rule=ID" for
// every scenario rule that acted.
const RequestLogMessage = "request"

// withRequestLog logs each request when it ends: after every stage and the handler, and after a
// panic was answered, so the line shows what the client got. It sits outside everything that
// can refuse a request (unknown paths, preflights, the admin API are logged too).
func (s *Server) withRequestLog(next http.Handler) http.Handler {
	if !s.cfg.LogRequests {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x := exchangeOf(r)
		x.onDone(func() { s.logRequest(r.Context(), x) })
		x.pass(next)
	})
}

func (s *Server) logRequest(ctx context.Context, x *exchange) {
	req, resp := x.req, x.req.Response()
	level := slog.LevelInfo
	if req.API != nil && req.API.Sessionless {
		level = slog.LevelDebug // the admin API: test kits and the dashboard would drown the rest
	}
	h := s.cfg.Logger.Handler()
	if !h.Enabled(ctx, level) {
		return
	}
	status := resp.Status
	if strings.HasPrefix(req.ErrorCode(), "fault:") {
		status = 0 // the connection was broken: no response
	}
	path := req.OriginalPath
	if q := req.Request().URL.RawQuery; q != "" {
		path += "?" + journal.RedactQuery(q)
	}
	attrs := make([]slog.Attr, 0, 11)
	attrs = append(attrs,
		slog.Int("status", status),
		slog.String("method", req.Request().Method),
		slog.String("path", path),
	)
	if req.API != nil {
		attrs = append(attrs, slog.String("api", req.API.Name))
	}
	if req.Route != nil {
		attrs = append(attrs, slog.String("operation", req.Route.OperationID))
	}
	if req.Session != nil && (req.API == nil || !req.API.Sessionless) {
		attrs = append(attrs, slog.String("session", req.Session.ID))
	}
	attrs = append(attrs,
		slog.Duration("duration", time.Since(x.started)),
		slog.Int64("in", x.in.n.Load()),
		slog.Int64("out", resp.Written),
	)
	if reason := requestReason(x, status); reason != "" {
		attrs = append(attrs, slog.String("reason", reason))
	}
	// The record is made here rather than by Logger.LogAttrs, which looks up its caller for a
	// source location no handler of fileemu writes: that took half the log line's cost.
	rec := slog.NewRecord(time.Now(), level, RequestLogMessage, 0)
	rec.AddAttrs(attrs...)
	_ = h.Handle(ctx, rec) // a log that cannot be written is no reason to fail the request
}

// requestReason says why a request failed, or what a scenario did to it.
func requestReason(x *exchange, status int) string {
	var parts []string
	if status == 0 || status >= 400 {
		if v := x.req.Violation(); v != "" {
			parts = append(parts, v)
		} else if code := x.req.ErrorCode(); code != "" {
			parts = append(parts, code)
		}
	}
	if d := x.req.Scenario; d != nil {
		for _, h := range d.Hits {
			parts = append(parts, "scenario="+h.Scenario+" rule="+strings.TrimPrefix(h.Rule, h.Scenario+"#"))
		}
	}
	return strings.Join(parts, "; ")
}
