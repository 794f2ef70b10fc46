package emulator

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/fileemu/fileemu/internal/journal"
)

// lastEntry is the journal's newest entry of an operation.
func lastEntry(t *testing.T, srv *Server, op string) journal.Entry {
	t.Helper()
	es := srv.Journal().Find(journal.Filter{Operation: op})
	if len(es) == 0 {
		t.Fatalf("no journal entry of %s", op)
	}
	return es[len(es)-1]
}

// The journal keeps what a developer needs to see why a request failed: the answer's body and
// headers, and the JSON request body with its secrets redacted; never an upload.
func TestJournalKeepsBodies(t *testing.T) {
	h := start(t, Config{})
	// A refused JSON body: the client's body (redacted) and the answer as the client got it.
	bad := `{"file":{"name":"a.txt","password":"hunter2","nested":[{"token":"t0p"}]}}`
	r := h.do(t, "POST", "/desk/api/v2/files/ref.json", strings.NewReader(bad),
		"Authorization", "Bearer x", "Content-Type", "application/json")
	if r.status != 400 {
		t.Fatalf("ref.json = %d %s", r.status, r.body)
	}
	e := lastEntry(t, h.srv, "createFileRef")
	if e.ResponseBody != string(r.body) || e.ResponseHeaders["Content-Type"] != r.header.Get("Content-Type") {
		t.Errorf("response kept as %q %v, client got %q", e.ResponseBody, e.ResponseHeaders, r.body)
	}
	if strings.Contains(e.RequestBody, "hunter2") || strings.Contains(e.RequestBody, "t0p") ||
		!strings.Contains(e.RequestBody, `"password":"REDACTED"`) || !strings.Contains(e.RequestBody, `"name":"a.txt"`) {
		t.Errorf("request body kept as %s", e.RequestBody)
	}

	// A 2xx JSON answer is kept; the upload to the URL it hands out is not.
	r = h.do(t, "GET", "/v1/files/signed-url?filename=a.txt", nil, haufeHeaders...)
	if r.status != 200 {
		t.Fatalf("signed-url = %d %s", r.status, r.body)
	}
	// Kept with the handed-out URL's signature redacted, as the journal keeps queries.
	if e := lastEntry(t, h.srv, "getSignedUrl"); e.ResponseBody != journal.RedactText(string(r.body)) ||
		!strings.Contains(e.ResponseBody, "X-Amz-Signature=REDACTED") || !strings.Contains(e.ResponseBody, `"expires_in"`) {
		t.Errorf("signed-url answer kept as %q, client got %q", e.ResponseBody, r.body)
	}
	var signed struct {
		URL string `json:"file_url"`
	}
	if err := json.Unmarshal(r.body, &signed); err != nil {
		t.Fatal(err)
	}
	r = h.do(t, "PUT", signed.URL, strings.NewReader(`{"secret":"upload content"}`), "Content-Type", "application/json")
	if r.status != 200 {
		t.Fatalf("upload = %d %s", r.status, r.body)
	}
	if e := lastEntry(t, h.srv, "putObject"); e.RequestBody != "" || e.BodySize != 27 || e.BodySHA256 == "" {
		t.Errorf("upload entry keeps %q (size %d, sha %q): an upload's body is never kept", e.RequestBody, e.BodySize, e.BodySHA256)
	}
}

// Bodies are cut at Config.JournalBodyBytes with a marker saying how much was dropped; a
// negative bound keeps none.
func TestJournalBodiesAreBounded(t *testing.T) {
	h := start(t, Config{JournalBodyBytes: 40})
	long := `{"file":{"name":"` + strings.Repeat("x", 500) + `"}}`
	r := h.do(t, "POST", "/desk/api/v2/files/ref.json", strings.NewReader(long),
		"Authorization", "Bearer x", "Content-Type", "application/json")
	e := lastEntry(t, h.srv, "createFileRef")
	if !strings.HasPrefix(e.ResponseBody, string(r.body[:40])+"…[") || !strings.HasSuffix(e.ResponseBody, " bytes truncated]") {
		t.Errorf("response body kept as %q", e.ResponseBody)
	}
	if !strings.HasPrefix(e.RequestBody, long[:40]) || !strings.HasSuffix(e.RequestBody, " bytes truncated]") {
		t.Errorf("request body kept as %q", e.RequestBody)
	}

	h = start(t, Config{JournalBodyBytes: -1})
	h.do(t, "POST", "/desk/api/v2/files/ref.json", strings.NewReader(long), "Authorization", "Bearer x", "Content-Type", "application/json")
	if e := lastEntry(t, h.srv, "createFileRef"); e.RequestBody != "" || e.ResponseBody != "" || e.ResponseHeaders != nil {
		t.Errorf("JournalBodyBytes -1 kept %+v", e)
	}
}
