package emulator

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/getkin/kin-openapi/openapi3"

	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/s3"
	"github.com/fileemu/fileemu/internal/session"
	"github.com/fileemu/fileemu/internal/validate"
	"github.com/fileemu/fileemu/scenarios"
)

// ScenarioHeader turns scenarios on for one request: "name[,name]".
const ScenarioHeader = "X-Fileemu-Scenario"

// hangLimit bounds a "hang" fault for clients that never give up.
const hangLimit = 10 * time.Minute

// catalog lists the operations of every mounted API and what each carries, read from the
// specs, for scenario rules to name and for lint to refuse rules that can never match.
func catalog(ms []mount) scenarios.Catalog {
	cat := scenarios.Catalog{}
	for _, m := range ms {
		a := m.api
		if a.Sessionless {
			continue
		}
		c := scenarios.CatalogAPI{Operations: map[string]scenarios.Operation{}}
		// From the specs' index: the documents themselves are parsed on first use.
		for _, op := range a.Spec.Operations() {
			facts := scenarios.Operation{Upload: api.StreamsOperation(&openapi3.Operation{Extensions: op.Extensions})}
			// urlFilename reads these: a filename or name query parameter, an S3 object key.
			for _, name := range op.Query {
				if name == "filename" || name == "name" {
					facts.Filename = true
				}
			}
			if a.Name == "s3" && strings.Contains(op.Path, "{key}") {
				facts.Filename = true
			}
			c.Operations[op.ID] = facts
		}
		// An infect rule naming Haufe applies to the S3 upload of a file Haufe handed out the URL for.
		if len(m.uploadBuckets) > 0 {
			c.UploadsTo = "s3"
		}
		cat[a.Name] = c
	}
	return cat
}

// owner is the API that handed out the URL of an S3 request (by its bucket), or "".
func (s *Server) owner(r *http.Request) string {
	rest, ok := strings.CutPrefix(r.URL.Path, s3.Prefix)
	if !ok {
		return ""
	}
	bucket, _, _ := strings.Cut(rest, "/")
	return s.uploadBuckets[bucket]
}

// Scenarios gives in-process users and the admin API the scenario engine.
func (s *Server) Scenarios() *scenarios.Engine { return s.scenarios }

// ReloadScenarios reads the configured scenario files again and loads them when they differ
// from what is loaded; it reports whether they did. A bad set leaves the running one in place
// and is returned as the error. Unchanged files keep their rule state.
func (s *Server) ReloadScenarios() (changed bool, err error) {
	files, err := scenarios.ReadFiles(s.cfg.Scenarios)
	if err != nil {
		return false, err
	}
	return s.scenarios.Reload(files)
}

// WatchScenarios reloads the scenario files whenever they change, until ctx ends. Bad files
// are logged and the running set stays; session state is never touched.
func (s *Server) WatchScenarios(ctx context.Context) error {
	if len(s.cfg.Scenarios) == 0 {
		return nil
	}
	return s.watch(ctx, "scenarios", s.cfg.Scenarios, func() {
		changed, err := s.ReloadScenarios()
		switch {
		case err != nil:
			s.cfg.Logger.Error("scenario files changed but are invalid; keeping the running set", "error", err)
		case changed:
			s.cfg.Logger.Info("scenarios reloaded", "count", len(s.scenarios.List("")))
		default:
			s.cfg.Logger.Debug("scenario files unchanged")
		}
	})
}

// watch calls reload after the files at paths (files, or directories of *.yaml, *.yml and
// *.json) change, once per burst of events, until ctx ends: what --scenarios and --fixtures
// share.
func (s *Server) watch(ctx context.Context, what string, paths []string, reload func()) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch %s: %w", what, err)
	}
	sw, dirs := newScenarioWatch(paths)
	for _, dir := range dirs {
		if err := w.Add(dir); err != nil {
			w.Close()
			return fmt.Errorf("watch %s %s: %w", what, dir, err)
		}
	}
	go func() {
		defer w.Close()
		var settle <-chan time.Time
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				if sw.relevant(ev) {
					settle = time.After(100 * time.Millisecond) // one reload for a burst of events
				}
			case err, ok := <-w.Errors:
				if !ok {
					return
				}
				s.cfg.Logger.Warn(what+" watch", "error", err)
			case <-settle:
				reload()
			}
		}
	}()
	return nil
}

// scenarioWatch decides which file events may change the scenario set.
type scenarioWatch struct {
	files map[string]bool // named files, cleaned
	dirs  map[string]bool // watched directories: named ones and those of named files
	named map[string]bool // named directories, whose scenario files count
}

// newScenarioWatch builds the filter for the --scenarios paths and returns the directories to
// watch: a file's directory, since editors and Kubernetes replace files by renaming, which a
// watch on the file itself would lose.
func newScenarioWatch(paths []string) (scenarioWatch, []string) {
	w := scenarioWatch{files: map[string]bool{}, dirs: map[string]bool{}, named: map[string]bool{}}
	var dirs []string
	for _, p := range paths {
		p = filepath.Clean(p)
		dir := p
		if info, err := os.Stat(p); err == nil && !info.IsDir() {
			dir = filepath.Dir(p)
			w.files[p] = true
		} else {
			w.named[p] = true
		}
		if !w.dirs[dir] {
			w.dirs[dir] = true
			dirs = append(dirs, dir)
		}
	}
	return w, dirs
}

// relevant: any event on a named file or on a scenario file of a named directory; a creation,
// rename or removal of anything else in a watched directory (a symlink swap such as
// Kubernetes' ..data replaces files without an event on their names). Writes to other files
// (a log beside the scenarios, which each reload writes to) and chmods never are. A reload
// that finds the contents unchanged does nothing, so a false alarm costs one read.
func (w scenarioWatch) relevant(ev fsnotify.Event) bool {
	name := filepath.Clean(ev.Name)
	switch {
	case ev.Has(fsnotify.Chmod) && !ev.Has(fsnotify.Write|fsnotify.Create|fsnotify.Rename|fsnotify.Remove):
		return false
	case w.files[name], w.named[filepath.Dir(name)] && scenarios.IsFile(name):
		return true
	}
	return ev.Has(fsnotify.Create) || ev.Has(fsnotify.Rename) || ev.Has(fsnotify.Remove)
}

// namedScenarios parses X-Fileemu-Scenario and returns the names, or a violation naming the
// unknown ones.
func (s *Server) namedScenarios(r *http.Request, sessionID string) ([]string, *validate.Violation) {
	h := r.Header.Values(ScenarioHeader)
	if len(h) == 0 {
		return nil, nil
	}
	var names, unknown []string
	for _, v := range h {
		for _, n := range strings.Split(v, ",") {
			if n = strings.TrimSpace(n); n == "" {
				continue
			}
			if _, ok := s.scenarios.Get(sessionID, n); !ok {
				unknown = append(unknown, n)
			}
			names = append(names, n)
		}
	}
	if len(unknown) > 0 {
		var loaded []string
		for _, sc := range s.scenarios.List(sessionID) {
			loaded = append(loaded, sc.Name)
		}
		return nil, &validate.Violation{In: "header", Name: ScenarioHeader, Keyword: "enum",
			Message: fmt.Sprintf("unknown scenario %s; loaded: %s", strings.Join(unknown, ", "), strings.Join(loaded, ", "))}
	}
	return names, nil
}

// withScenarios carries out what the active scenarios decide for a routed request. They act
// before authentication and validation, as a gateway or an outage would. The admin API is
// exempt: a catch-all outage must not lock out the call that removes it.
func (s *Server) withScenarios(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x := exchangeOf(r)
		if !x.req.API.Sessionless {
			if done, err := s.applyScenarios(x.req); done {
				s.settle(x.req, err)
				return
			}
		}
		x.pass(next)
	})
}

// applyScenarios evaluates the active scenarios for a routed request and carries out what
// they decide. It reports whether the request has been answered (or broken) already.
func (s *Server) applyScenarios(req *api.Request) (done bool, err error) {
	r := req.Request()
	named, bad := s.namedScenarios(r, req.Session.ID)
	if bad != nil {
		api.SetViolationsHeader(req.Response().Header(), []validate.Violation{*bad})
		return true, s.problem(req, api.Problem{Kind: api.Invalid, Violations: []validate.Violation{*bad}, Detail: bad.Message})
	}
	st := session.Model(req.Session, "scenarios", scenarios.NewSessionState)
	d := s.scenarios.Evaluate(scenarios.Input{
		Session: req.Session.ID, State: st, API: req.API.Name, Operation: req.Route.OperationID, Method: r.Method, Path: r.URL.Path,
		Header: r.Header, Query: req.QueryParams(), Credential: api.Credential(r), Named: named, Filename: urlFilename(r, req.QueryParams()), Owner: s.owner(r),
		Now: req.Now(),
	})
	if d == nil {
		return false, nil
	}
	req.Scenario = d
	h := req.Response().Header()
	for k, v := range d.RateHeaders {
		h.Set(k, v)
	}
	if d.Delay > 0 {
		t := time.NewTimer(d.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			req.SetErrorCode("fault:client_gone") // journaled with status 0: nobody got an answer
			return true, nil
		}
	}
	switch {
	case d.Fault != "":
		req.SetErrorCode("fault:" + d.Fault)
		return true, fault(req, d.Fault)
	case d.RateLimited:
		return true, s.problem(req, api.Problem{Kind: api.Status, Status: http.StatusTooManyRequests, Detail: "rate limit exceeded"})
	case d.Respond != nil:
		return true, s.respond(req, d.Respond)
	}
	return false, nil
}

// urlFilename is the file name a request shows in its URL: a filename or name query
// parameter, or the last segment of an S3 object key.
func urlFilename(r *http.Request, q url.Values) string {
	for _, k := range []string{"filename", "name"} {
		if v := q.Get(k); v != "" {
			return v
		}
	}
	if strings.HasPrefix(r.URL.Path, s3.Prefix) && strings.Count(r.URL.Path, "/") >= 3 {
		return filepath.Base(r.URL.Path)
	}
	return ""
}

// respond answers with a scenario's status: the API's own envelope, or the given body.
func (s *Server) respond(req *api.Request, a *scenarios.Action) error {
	h := req.Response().Header()
	for k, v := range a.Headers {
		h.Set(k, v)
	}
	switch body := a.Body.(type) {
	case nil:
		return s.problem(req, api.Problem{Kind: api.Status, Status: a.Status, Detail: http.StatusText(a.Status)})
	case string:
		req.SetErrorCode(fmt.Sprintf("scenario_%d", a.Status))
		ct := h.Get("Content-Type")
		if ct == "" {
			ct = "text/plain; charset=utf-8"
		}
		return req.Blob(a.Status, ct, []byte(body))
	default:
		req.SetErrorCode(fmt.Sprintf("scenario_%d", a.Status))
		return req.WriteJSON(a.Status, h.Get("Content-Type"), body)
	}
}

// fault breaks the connection the way a failing network or server would.
func fault(req *api.Request, kind string) error {
	req.Abort()
	conn, buf, err := http.NewResponseController(req.Response()).Hijack()
	if err != nil {
		return fmt.Errorf("fault %s: %w", kind, err)
	}
	defer conn.Close()
	switch kind {
	case scenarios.FaultHang:
		// Answer nothing until the client gives up (its read of the connection ends) or the
		// limit passes. The request context would not tell: the body may be unread.
		_ = conn.SetReadDeadline(time.Now().Add(hangLimit))
		_, _ = io.Copy(io.Discard, conn)
	case scenarios.FaultReset:
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // close with RST: the client sees "connection reset by peer"
		}
	case scenarios.FaultMalformed:
		// A status line the client accepts, then a chunked body that is not valid chunking.
		_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{\"broken\r\n")
		_ = buf.Flush()
	case scenarios.FaultEmpty:
		// Nothing at all: the client reads EOF where a response should be.
	}
	return nil
}

// scenarioHits joins the scenarios and rules that acted on a request, for the journal.
func scenarioHits(d *scenarios.Decision) (scenario, rule string) {
	if d == nil || len(d.Hits) == 0 {
		return "", ""
	}
	var names, rules []string
	for _, h := range d.Hits {
		if !slices.Contains(names, h.Scenario) {
			names = append(names, h.Scenario)
		}
		rules = append(rules, h.Rule)
	}
	return strings.Join(names, ","), strings.Join(rules, ",")
}
