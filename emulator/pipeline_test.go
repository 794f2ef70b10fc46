package emulator

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/fileemu/fileemu/internal/journal"
)

// The order of the stages is the design (see ARCHITECTURE.md): a change to it is a decision,
// made here as well as in the declaration. The tests below show what each order guarantees.
func TestPipelineOrder(t *testing.T) {
	want := []string{"request id", "request log", "recover", "cors", "session", "persist", "journal", "limits", "route", "scenarios", "validate"}
	var got []string
	for _, st := range pipeline {
		got = append(got, st.name)
	}
	if !slices.Equal(got, want) {
		t.Errorf("pipeline = %q, want %q", got, want)
	}
}

// A panic in a handler is answered in the API's envelope with the request id and CORS headers
// (request id and CORS run before recover answers), and journaled as that 500 (the journal
// entry is completed after recover has answered).
func TestPanicIsJournaledAs500WithCORSHeaders(t *testing.T) {
	t.Parallel()
	h := start(t, Config{}, boomAPI(t))
	const origin = "https://app.example.test"
	r := h.do(t, "GET", "/_s/boom/boom/panic", nil, "Origin", origin)
	if r.status != 500 || string(r.body) != `{"boom":"internal error"}` {
		t.Fatalf("= %d %s, want 500 in the boom envelope", r.status, r.body)
	}
	if got := r.header.Get("Access-Control-Allow-Origin"); got != origin {
		t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, origin)
	}
	if !strings.Contains(r.header.Get("Access-Control-Expose-Headers"), "X-Request-Id") {
		t.Errorf("Access-Control-Expose-Headers = %q, want X-Request-Id exposed", r.header.Get("Access-Control-Expose-Headers"))
	}
	es := h.srv.Journal().Find(journal.Filter{Session: "boom"})
	if len(es) != 1 {
		t.Fatalf("journal = %+v, want one entry", es)
	}
	if e := es[0]; e.Status != 500 || e.Error != "boom_internal" || e.Operation != "panicNow" || e.RequestID != r.header.Get("X-Request-Id") {
		t.Errorf("journal entry = %+v, want status 500, boom_internal, panicNow, request id %s", e, r.header.Get("X-Request-Id"))
	}
}

// Scenarios act before authentication and validation, as a gateway would: a request without
// credentials gets the scenario's 503, journaled with the scenario, with CORS headers.
func TestScenariosAnswerBeforeAuthentication(t *testing.T) {
	t.Parallel()
	h := start(t, Config{})
	if _, err := h.srv.Scenarios().Put("gw", []byte("scenarios:\n  - name: gateway\n    rules:\n"+
		"      - match: {api: haufe, operation: listFiles}\n        respond: {status: 503}\n")); err != nil {
		t.Fatal(err)
	}
	const origin = "https://app.example.test"
	r := h.do(t, "GET", "/_s/gw/v1/files", nil, "Origin", origin)
	if r.status != 503 || !bytes.Contains(r.body, []byte(`"error_code"`)) {
		t.Fatalf("= %d %s, want the scenario's 503 in Haufe's envelope, before authentication", r.status, r.body)
	}
	if r.header.Get("Access-Control-Allow-Origin") != origin {
		t.Errorf("503 without CORS headers: %v", r.header)
	}
	es := h.srv.Journal().Find(journal.Filter{Session: "gw"})
	if len(es) != 1 || es[0].Status != 503 || es[0].Scenario != "gateway" || es[0].Operation != "listFiles" {
		t.Errorf("journal = %+v, want the 503 with its scenario", es)
	}
	// Without the scenario the same request meets authentication.
	if r := h.do(t, "GET", "/_s/other/v1/files", nil, "Origin", origin); r.status != 401 || r.header.Get("Access-Control-Allow-Origin") != origin {
		t.Errorf("without scenario = %d %v, want 401 with CORS headers", r.status, r.header)
	}
}

// Every answer on an API path is journaled, including the refusals of the stages after the
// journal: limits, route, validation.
func TestRefusalsAreJournaled(t *testing.T) {
	t.Parallel()
	h := start(t, Config{})
	cases := []struct {
		name, method, path string
		hdr                []string
		status             int
		operation          string
	}{
		{"limits: too many query parameters", "GET", "/_s/j/v1/files/signed-url?filename=a.txt" + strings.Repeat("&x=1", 10_000), haufeHeaders, 422, ""},
		{"route: no operation", "GET", "/_s/j/v1/nothing", haufeHeaders, 404, ""},
		{"route: method not allowed", "PUT", "/_s/j/v1/files", haufeHeaders, 405, ""},
		{"validate: no credentials", "GET", "/_s/j/v1/files", nil, 401, "listFiles"},
		{"validate: bad parameter", "GET", "/_s/j/v1/files?limit=-1", haufeHeaders, 422, "listFiles"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(t, tc.method, tc.path, nil, tc.hdr...)
			if r.status != tc.status {
				t.Fatalf("= %d %.300s, want %d", r.status, r.body, tc.status)
			}
			var found *journal.Entry
			for _, e := range h.srv.Journal().Find(journal.Filter{Session: "j"}) {
				if e.RequestID == r.header.Get("X-Request-Id") {
					found = &e
				}
			}
			if found == nil || found.Status != tc.status || found.Operation != tc.operation || found.Error == "" {
				t.Errorf("journal entry = %+v, want status %d, operation %q and the API's error code", found, tc.status, tc.operation)
			}
		})
	}
}
