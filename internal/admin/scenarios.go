package admin

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/session"
	"github.com/fileemu/fileemu/scenarios"
)

// maxScenarioDoc bounds a scenario document sent to PUT /__admin/scenarios.
const maxScenarioDoc = 1 << 20

type scenarioView struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Active      bool   `json:"active"`
	Source      string `json:"source"`
	Session     string `json:"session,omitempty"`
	Rules       int    `json:"rules"`
}

func (s *service) listScenarios(r *api.Request) error {
	out := []scenarioView{}
	for _, sc := range s.d.Scenarios().List(r.QueryParam("session")) {
		out = append(out, scenarioView{sc.Name, sc.Description, sc.Active, sc.Source, sc.Session, len(sc.Rules)})
	}
	return r.WriteJSON(http.StatusOK, "", map[string]any{"scenarios": out})
}

func (s *service) putScenarios(r *api.Request) error {
	body, err := readDocument(r, maxScenarioDoc, "a scenario document")
	if err != nil {
		return err
	}
	sessionID := r.QueryParam("session")
	if sessionID != "" {
		if sess, err := s.sessionParam(r, sessionID); sess == nil {
			return err
		}
	}
	names, err := s.d.Scenarios().Put(sessionID, body)
	if err != nil {
		return invalidDoc("invalid_scenarios", err)
	}
	return r.WriteJSON(http.StatusOK, "", map[string]any{"scenarios": names})
}

func (s *service) clearScenarios(r *api.Request) error {
	if id := r.QueryParam("session"); id != "" {
		s.d.Scenarios().DropSession(id)
	} else {
		s.d.Scenarios().Clear()
	}
	return r.NoContent(http.StatusNoContent)
}

func (s *service) deleteScenario(r *api.Request) error {
	name := r.Param("name")
	if !s.d.Scenarios().Delete(r.QueryParam("session"), name) {
		return Error{Status: 404, Code: "not_found", Message: "no scenario " + name}
	}
	return r.NoContent(http.StatusNoContent)
}

func (s *service) scenarioSchema(r *api.Request) error {
	return r.Blob(http.StatusOK, "application/schema+json", scenarios.Schema)
}

// sessionState returns the scenario state of a session, answering 404 when it does not exist.
func (s *service) sessionState(r *api.Request) (*scenarios.SessionState, error) {
	sess, err := s.sessionParam(r, r.Param("id"))
	if sess == nil {
		return nil, err
	}
	return session.Model(sess, "scenarios", scenarios.NewSessionState), nil
}

func (s *service) sessionScenarios(r *api.Request) error {
	st, err := s.sessionState(r)
	if st == nil {
		return err
	}
	return r.WriteJSON(http.StatusOK, "", map[string]any{"active": st.Active()})
}

func (s *service) activateSessionScenarios(r *api.Request) error {
	var in struct {
		Names []string `json:"names"`
	}
	if err := json.NewDecoder(r.Request().Body).Decode(&in); err != nil {
		return Error{Status: 422, Code: "invalid_request", Message: "body: " + err.Error()}
	}
	var unknown []string
	for _, n := range in.Names {
		if _, ok := s.d.Scenarios().Get(r.Param("id"), n); !ok {
			unknown = append(unknown, n)
		}
	}
	if len(unknown) > 0 {
		return Error{Status: 422, Code: "unknown_scenario", Message: "unknown scenario " + strings.Join(unknown, ", ")}
	}
	// Sessions are created on first use: turning scenarios on may come before the first request.
	sess, _, err := s.d.Sessions.Ensure(r.Param("id"))
	if err != nil {
		return Error{Status: 422, Code: "invalid_session", Message: err.Error()}
	}
	st := session.Model(sess, "scenarios", scenarios.NewSessionState)
	st.Activate(sess.Clock.Now(), in.Names...) // windows run on the session's clock
	return r.WriteJSON(http.StatusOK, "", map[string]any{"active": st.Active()})
}

func (s *service) deactivateSessionScenarios(r *api.Request) error {
	st, err := s.sessionState(r)
	if st == nil {
		return err
	}
	st.Deactivate()
	return r.NoContent(http.StatusNoContent)
}
