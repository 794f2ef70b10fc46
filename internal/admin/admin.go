// Package admin serves the control plane under /__admin: health, sessions, reset, the request
// journal, state dumps and the embedded specs.
package admin

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/clock"
	"github.com/fileemu/fileemu/internal/fixtures"
	"github.com/fileemu/fileemu/internal/journal"
	"github.com/fileemu/fileemu/internal/session"
	"github.com/fileemu/fileemu/internal/snapshot"
	"github.com/fileemu/fileemu/internal/validate"
	"github.com/fileemu/fileemu/scenarios"
)

// Prefix is where the admin API is mounted.
const Prefix = "/__admin/"

// Deps is what the admin API controls.
type Deps struct {
	Sessions *session.Registry
	Journal  *journal.Journal
	Specs    map[string]*validate.Spec
	Version  string
	// Started is when the emulator started, on Config.Clock: no clock may be moved before it.
	Started time.Time
	// Clock is the emulator clock (Config.Clock plus the offset the clock routes move); each
	// session has its own on top of it.
	Clock *clock.Clock
	// Token, when set, is required as a Bearer token.
	Token string
	// APIs lists the mounted emulated APIs.
	APIs func() []string
	// Scenarios is the scenario engine (a func: the server builds it after the APIs).
	Scenarios func() *scenarios.Engine
	// Done ends the live streams when closed: a graceful shutdown must not wait for them.
	Done <-chan struct{}
	// Heartbeat is how often a live stream says it is alive (default DefaultHeartbeat).
	Heartbeat time.Duration
	// States lists the APIs whose session state snapshots save and restore (a func: the
	// server builds the APIs after the admin API).
	States func() []snapshot.API
	// EnsureSession creates sessions as requests do (from the --fixtures); nil: Sessions.Ensure.
	EnsureSession func(id string) (*session.Session, bool, error)
	// AfterReset runs after a session's state was reset (it loads the --fixtures again); may be nil.
	AfterReset func(session string)
	// LoadFixtures replaces a session's state with a fixture document, whole or not at all.
	LoadFixtures func(session string, doc *fixtures.Document) error
	// Seed replaces a session's state with generated data and returns what was generated.
	Seed func(session string, c fixtures.Counts) (*fixtures.Document, error)
	// Persist, when set, writes a session's states and clock into the data directory: a
	// restored session is written before it replaces the old one (nil: in memory).
	Persist func(*session.Session) error
}

type service struct{ d Deps }

// New returns the admin API as a mountable API.
func New(spec *validate.Spec, d Deps) *api.API {
	s := &service{d: d}
	a := &api.API{
		Name:        "admin",
		Prefixes:    []string{Prefix},
		Spec:        spec,
		Sessionless: true,
		FormAsJSON:  true,
		Auth:        s.auth,
		Handlers: map[string]api.Handler{
			"getHealth":      s.health,
			"reset":          s.reset,
			"listSessions":   s.listSessions,
			"createSession":  s.createSession,
			"getSession":     s.getSession,
			"deleteSession":  s.deleteSession,
			"listRequests":   s.listRequests,
			"clearRequests":  s.clearRequests,
			"countRequests":  s.countRequests,
			"streamRequests": s.streamRequests,
			"getState":       s.state,
			"getSpec":        s.spec,

			"listScenarios":              s.listScenarios,
			"putScenarios":               s.putScenarios,
			"clearScenarios":             s.clearScenarios,
			"deleteScenario":             s.deleteScenario,
			"getScenarioSchema":          s.scenarioSchema,
			"listSessionScenarios":       s.sessionScenarios,
			"activateSessionScenarios":   s.activateSessionScenarios,
			"deactivateSessionScenarios": s.deactivateSessionScenarios,

			"getClock":           s.getClock,
			"moveClock":          s.moveClock,
			"resetClock":         s.resetClock,
			"getSessionClock":    s.getSessionClock,
			"moveSessionClock":   s.moveSessionClock,
			"resetSessionClock":  s.resetSessionClock,
			"getSessionSnapshot": s.getSessionSnapshot,
			"putSessionSnapshot": s.putSessionSnapshot,
			"putFixtures":        s.putFixtures,
			"getFixtureSchema":   s.fixtureSchema,
			"seed":               s.seed,
		},
		Errors: api.Envelope{Problem: problem, Write: writeError},
	}
	maps.Copy(a.Handlers, s.dashboardHandlers())
	return a
}

func (s *service) auth(_ context.Context, _ string, _ *openapi3.SecurityScheme, r *http.Request) error {
	if s.d.Token == "" {
		return nil
	}
	kind, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if strings.EqualFold(kind, "Bearer") && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(s.d.Token)) == 1 {
		return nil
	}
	if ok, err := s.dashboardAuth(r); ok || err != nil {
		return err
	}
	return errors.New("admin token required: Authorization: Bearer <token> (a browser: open /__admin/ui?token=<token> once)")
}

func (s *service) afterReset(id string) {
	if s.d.AfterReset != nil {
		s.d.AfterReset(id)
	}
}

func (s *service) health(r *api.Request) error {
	return r.WriteJSON(http.StatusOK, "", map[string]any{
		"status":         "ok",
		"version":        s.d.Version,
		"uptime_seconds": s.d.Clock.Base().Sub(s.d.Started).Seconds(), // real time: moving the clock is no uptime
		"apis":           s.d.APIs(),
	})
}

// sessionParam returns the named session, or a 404 when it does not exist.
func (s *service) sessionParam(r *api.Request, id string) (*session.Session, error) {
	sess, ok := s.d.Sessions.Get(id)
	if !ok {
		return nil, Error{Status: 404, Code: "not_found", Message: "no session " + id}
	}
	return sess, nil
}

func (s *service) reset(r *api.Request) error {
	id := r.QueryParam("session")
	var reset []string
	if id != "" {
		sess, ok := s.d.Sessions.Get(id)
		if !ok {
			return Error{Status: 404, Code: "not_found", Message: "no session " + id}
		}
		sess.Reset()
		sess.Clock.Reset()
		s.d.Journal.Remove(journal.Filter{Session: id})
		s.d.Scenarios().DropSession(id)
		s.afterReset(id)
		reset = append(reset, id)
	} else {
		drop := r.QueryParam("drop") == "true"
		s.d.Clock.Reset()
		for _, sess := range s.d.Sessions.List() {
			sess.Clock.Reset()
			if drop {
				s.d.Sessions.Delete(sess.ID) // the default session is reset, not dropped
			} else {
				sess.Reset()
			}
			s.d.Scenarios().DropSession(sess.ID)
			if !drop || sess.ID == session.Default {
				s.afterReset(sess.ID)
			}
			reset = append(reset, sess.ID)
		}
		s.d.Journal.Clear()
	}
	return r.WriteJSON(http.StatusOK, "", map[string]any{"reset": reset})
}

type sessionView struct {
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	Objects int       `json:"objects"`
	Bytes   int64     `json:"bytes"`
}

func view(s *session.Session) sessionView {
	return sessionView{ID: s.ID, Created: s.Created, Objects: s.Blobs.Len(), Bytes: s.Blobs.Bytes()}
}

func (s *service) listSessions(r *api.Request) error {
	out := []sessionView{}
	for _, sess := range s.d.Sessions.List() {
		out = append(out, view(sess))
	}
	return r.WriteJSON(http.StatusOK, "", map[string]any{"sessions": out})
}

func (s *service) createSession(r *api.Request) error {
	var in struct {
		ID string `json:"id"`
	}
	if err := json.NewDecoder(r.Request().Body).Decode(&in); err != nil && !errors.Is(err, io.EOF) {
		return Error{Status: 422, Code: "invalid_request", Message: "body: " + err.Error()}
	}
	if in.ID == "" {
		in.ID = "s-" + strings.ToLower(strings.TrimRight(randomID(), "="))
	}
	ensure := s.d.Sessions.Ensure
	if s.d.EnsureSession != nil {
		ensure = s.d.EnsureSession
	}
	sess, created, err := ensure(in.ID)
	if err != nil {
		return Error{Status: 422, Code: "invalid_request", Message: err.Error()}
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return r.WriteJSON(status, "", view(sess))
}

func (s *service) getSession(r *api.Request) error {
	sess, err := s.sessionParam(r, r.Param("id"))
	if sess == nil {
		return err
	}
	return r.WriteJSON(http.StatusOK, "", view(sess))
}

func (s *service) deleteSession(r *api.Request) error {
	id := r.Param("id")
	if !s.d.Sessions.Delete(id) {
		return Error{Status: 404, Code: "not_found", Message: "no session " + id}
	}
	s.d.Journal.Remove(journal.Filter{Session: id})
	s.d.Scenarios().DropSession(id)
	return r.NoContent(http.StatusNoContent)
}

func (s *service) filter(r *api.Request) (journal.Filter, bool, error) {
	f, err := journal.FilterFromQuery(r.Request().URL.Query())
	if err != nil {
		return f, false, Error{Status: 422, Code: "invalid_request", Message: err.Error()}
	}
	return f, true, nil
}

func (s *service) listRequests(r *api.Request) error {
	f, ok, err := s.filter(r)
	if !ok {
		return err
	}
	entries := s.d.Journal.Find(f)
	if entries == nil {
		entries = []journal.Entry{}
	}
	return r.WriteJSON(http.StatusOK, "", map[string]any{"requests": entries})
}

func (s *service) countRequests(r *api.Request) error {
	f, ok, err := s.filter(r)
	if !ok {
		return err
	}
	f.Limit = 0 // a count counts everything that matches
	return r.WriteJSON(http.StatusOK, "", map[string]int{"count": s.d.Journal.Count(f)})
}

func (s *service) clearRequests(r *api.Request) error {
	id := r.QueryParam("session")
	var n int
	if id == "" {
		n = s.d.Journal.Count(journal.Filter{})
		s.d.Journal.Clear()
	} else {
		n = s.d.Journal.Remove(journal.Filter{Session: id})
	}
	return r.WriteJSON(http.StatusOK, "", map[string]int{"removed": n})
}

type objectView struct {
	Name        string    `json:"name"`
	Size        int64     `json:"size"`
	MD5         string    `json:"md5"`
	SHA256      string    `json:"sha256"`
	ContentType string    `json:"content_type"`
	Created     time.Time `json:"created"`
}

func (s *service) state(r *api.Request) error {
	id := r.QueryParam("session")
	if id == "" {
		id = session.Default
	}
	sess, err := s.sessionParam(r, id)
	if sess == nil {
		return err
	}
	objects := []objectView{}
	for _, o := range sess.Blobs.List("") {
		objects = append(objects, objectView{o.Name, o.Size, o.MD5, o.SHA256, o.ContentType, o.Created})
	}
	return r.WriteJSON(http.StatusOK, "", map[string]any{"session": sess.ID, "apis": sess.Snapshot(), "objects": objects})
}

func (s *service) spec(r *api.Request) error {
	name := r.Param("api")
	sp, ok := s.d.Specs[name]
	if !ok {
		names := make([]string, 0, len(s.d.Specs))
		for n := range s.d.Specs {
			names = append(names, n)
		}
		sort.Strings(names)
		return Error{Status: 404, Code: "not_found",
			Message: "no spec " + url.PathEscape(name) + "; have " + strings.Join(names, ", ")}
	}
	return r.Blob(http.StatusOK, "application/yaml", sp.Raw)
}
