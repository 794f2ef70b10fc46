package emulator_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fileemu/fileemu/internal/s3"
	"github.com/fileemu/fileemu/testkit"
)

// apiCall is one request per API, built for a session, that the scenario tests aim at.
type apiCall struct {
	api, operation string
	build          func(s *testkit.Session) *http.Request
	// code extracts the API's own error code from an error body.
	code func(t *testing.T, body []byte) string
}

func jsonField(t *testing.T, body []byte, get func(map[string]any) any) string {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("not JSON: %s", body)
	}
	s, _ := get(v).(string)
	return s
}

var s3Creds = s3.Credentials{AccessKey: "fileemu", SecretKey: "fileemu-secret", Region: "us-east-1"}

// calls are the operations each API's scenario test drives.
func calls() []apiCall {
	return []apiCall{
		{
			api: "haufe", operation: "getSignedUrl",
			build: func(s *testkit.Session) *http.Request {
				r, _ := http.NewRequest("GET", s.URL("haufe")+"/v1/files/signed-url?filename=a.txt", nil)
				r.Header.Set("api-key", "k")
				r.Header.Set("user-id", "u1")
				return r
			},
			code: func(t *testing.T, b []byte) string {
				return jsonField(t, b, func(m map[string]any) any {
					if m["error_code"] == nil {
						return m["message"]
					}
					return m["error_code"]
				})
			},
		},
		{
			api: "desk", operation: "createFileRef",
			build: func(s *testkit.Session) *http.Request {
				r, _ := http.NewRequest("POST", s.URL("desk")+"/files/ref.json",
					strings.NewReader(`{"filename":"a.txt","mimeType":"text/plain"}`))
				r.Header.Set("Authorization", "Bearer k")
				r.Header.Set("Content-Type", "application/json")
				return r
			},
			code: func(t *testing.T, b []byte) string {
				return jsonField(t, b, func(m map[string]any) any {
					errs, _ := m["errors"].([]any)
					if len(errs) == 0 {
						return nil
					}
					return errs[0].(map[string]any)["code"]
				})
			},
		},
		{
			api: "weavy", operation: "uploadBlob",
			build: func(s *testkit.Session) *http.Request {
				body, ct := multipartPart("blob", "hello.txt", []byte("hello"))
				r, _ := http.NewRequest("POST", s.URL("weavy")+"/api/blobs", body)
				r.Header.Set("Authorization", "Bearer k")
				r.Header.Set("Content-Type", ct)
				return r
			},
			code: func(t *testing.T, b []byte) string {
				return jsonField(t, b, func(m map[string]any) any { return m["title"] })
			},
		},
		{
			api: "filesro", operation: "uploadToShare",
			build: func(s *testkit.Session) *http.Request {
				var buf bytes.Buffer
				mw := multipart.NewWriter(&buf)
				mw.WriteField("name", "hello")
				w, _ := mw.CreateFormFile("file", "hello.txt")
				w.Write([]byte("hello"))
				mw.WriteField("extension", "txt")
				mw.Close()
				r, _ := http.NewRequest("POST", s.URL("filesro")+"/api/v1/shares/demo/uploads", &buf)
				r.Header.Set("Content-Type", mw.FormDataContentType())
				return r
			},
			code: func(t *testing.T, b []byte) string {
				return jsonField(t, b, func(m map[string]any) any { return m["message"] })
			},
		},
		{
			api: "s3", operation: "putObject",
			build: func(s *testkit.Session) *http.Request {
				u, _ := s3.Presign(s3Creds, s3.PresignOptions{Method: "PUT", URL: s3.ObjectURL(s.URL(""), "bucket", "k.txt"),
					Expires: time.Hour, Now: time.Now()})
				r, _ := http.NewRequest("PUT", u, strings.NewReader("content"))
				return r
			},
			code: func(t *testing.T, b []byte) string {
				_, rest, _ := strings.Cut(string(b), "<Code>")
				code, _, _ := strings.Cut(rest, "</Code>")
				return code
			},
		},
	}
}

func scenarioDoc(c apiCall, action string) string {
	return fmt.Sprintf("scenarios:\n  - name: under-test\n    rules:\n      - match: {api: %s, operation: %s}\n        %s\n",
		c.api, c.operation, action)
}

// A scenario's respond answers with the API's own envelope for the status, and the journal
// names the scenario and rule.
func TestScenarioInjectsStatusInEachAPIsEnvelope(t *testing.T) {
	emu := testkit.Start(t)
	want := map[string]struct {
		status int
		code   string
	}{
		"haufe":   {409, "conflict"},
		"desk":    {409, "conflict"},
		"weavy":   {409, "Conflict"},
		"filesro": {409, "Conflict"},
		"s3":      {503, "SlowDown"},
	}
	for _, c := range calls() {
		t.Run(c.api, func(t *testing.T) {
			s := emu.Session(t)
			w := want[c.api]
			s.LoadScenarioText(t, scenarioDoc(c, fmt.Sprintf("respond: {status: %d}", w.status)))
			resp, body := testkit.Do(t, emu.Client(t), c.build(s))
			if resp.StatusCode != w.status || c.code(t, body) != w.code {
				t.Fatalf("= %d %s, want %d %s", resp.StatusCode, body, w.status, w.code)
			}
			rs := s.Requests(t, testkit.Operation(c.operation))
			if len(rs) != 1 || rs[0].Scenario != "under-test" || rs[0].Rule != "under-test#0" || rs[0].Status != w.status {
				t.Errorf("journal = %+v, want the scenario and rule recorded", rs)
			}
		})
	}
}

// A token bucket answers 429 (S3: 503 SlowDown) in the API's format with rate-limit headers,
// and lets requests through again once the bucket refills.
func TestScenarioRateLimitAndRecovery(t *testing.T) {
	clock := testkit.NewClock(time.Now()) // the S3 URLs are presigned on the real clock
	emu := testkit.Start(t, testkit.WithClock(clock.Now))
	want := map[string]struct {
		status int
		code   string
	}{
		"haufe":   {429, "Rate limit exceeded!"},
		"desk":    {429, "too_many_requests"},
		"weavy":   {429, "Too Many Requests"},
		"filesro": {429, "Too Many Attempts."},
		"s3":      {503, "SlowDown"},
	}
	for _, c := range calls() {
		t.Run(c.api, func(t *testing.T) {
			s := emu.Session(t)
			s.LoadScenarioText(t, scenarioDoc(c, "rate_limit: {rate: 2/s, burst: 2}"))
			client := emu.Client(t)
			for i := range 2 {
				resp, body := testkit.Do(t, client, c.build(s))
				if resp.StatusCode >= 300 || resp.Header.Get("X-RateLimit-Limit") != "2" ||
					resp.Header.Get("X-RateLimit-Remaining") != fmt.Sprint(1-i) {
					t.Fatalf("request %d = %d %s %v", i+1, resp.StatusCode, body, resp.Header)
				}
			}
			resp, body := testkit.Do(t, client, c.build(s))
			w := want[c.api]
			if resp.StatusCode != w.status || c.code(t, body) != w.code || resp.Header.Get("Retry-After") != "1" ||
				resp.Header.Get("X-RateLimit-Remaining") != "0" || resp.Header.Get("X-RateLimit-Reset") == "" {
				t.Fatalf("third request = %d %s %v, want %d %s with Retry-After", resp.StatusCode, body, resp.Header, w.status, w.code)
			}
			clock.Advance(time.Second)
			if resp, body := testkit.Do(t, client, c.build(s)); resp.StatusCode >= 300 {
				t.Errorf("after the refill = %d %s", resp.StatusCode, body)
			}
		})
	}
}

// An infect rule marks matching uploads infected: every API's virus handling takes over.
func TestScenarioInfectsUploads(t *testing.T) {
	emu := testkit.Start(t)
	s := emu.Session(t)
	s.LoadScenarioText(t, "scenarios:\n  - name: exe\n    rules:\n      - match: {filename: '*.exe'}\n        infect: true\n")
	client := emu.Client(t)

	// Haufe: the upload of setup.exe ends FAILED, infected.
	if status, infected := haufeUpload(t, client, s, "setup.exe", "MZ harmless bytes"); status != "FAILED" || !infected {
		t.Errorf("Haufe status of setup.exe = %s, infected %v", status, infected)
	}
	if rs := s.Requests(t, testkit.Operation("putObject")); len(rs) != 1 || rs[0].Scenario != "exe" {
		t.Errorf("journal of the PUT = %+v, want scenario exe", rs)
	}

	// Desk: activation of setup.exe is refused as infected.
	if st := deskUpload(t, client, s, "setup.exe", "MZ"); st != 400 {
		t.Errorf("Desk PATCH of setup.exe = %d, want 400 infected", st)
	}

	// Weavy: the blob upload is a 409 problem; files.ro: a 422.
	form, ct := multipartPart("blob", "setup.exe", []byte("MZ"))
	r, _ := http.NewRequest("POST", s.URL("weavy")+"/api/blobs", form)
	r.Header.Set("Authorization", "Bearer k")
	r.Header.Set("Content-Type", ct)
	if resp, b := testkit.Do(t, client, r); resp.StatusCode != 409 {
		t.Errorf("Weavy blob setup.exe = %d %s", resp.StatusCode, b)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("name", "setup")
	mw.WriteField("extension", "exe")
	w, _ := mw.CreateFormFile("file", "setup.exe")
	w.Write([]byte("MZ"))
	mw.Close()
	r, _ = http.NewRequest("POST", s.URL("filesro")+"/api/v1/shares/demo/uploads", &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	if resp, b := testkit.Do(t, client, r); resp.StatusCode != 422 || !bytes.Contains(b, []byte("infected")) {
		t.Errorf("files.ro upload setup.exe = %d %s", resp.StatusCode, b)
	}
	if n := s.Count(t, testkit.Operation("uploadToShare")); n != 1 {
		t.Errorf("files.ro uploads journaled = %d", n)
	}
}

// A delay holds the answer back at least that long; the journal names the rule.
func TestScenarioDelay(t *testing.T) {
	emu := testkit.Start(t)
	for _, c := range calls() {
		t.Run(c.api, func(t *testing.T) {
			s := emu.Session(t)
			s.LoadScenarioText(t, scenarioDoc(c, "delay: 40ms"))
			start := time.Now()
			resp, body := testkit.Do(t, emu.Client(t), c.build(s))
			if resp.StatusCode >= 300 {
				t.Fatalf("= %d %s", resp.StatusCode, body)
			}
			if took := time.Since(start); took < 40*time.Millisecond {
				t.Errorf("answered after %s, before the 40ms delay", took)
			}
			if rs := s.Requests(t, testkit.Operation(c.operation)); len(rs) != 1 || rs[0].Rule != "under-test#0" {
				t.Errorf("journal = %+v", rs)
			}
		})
	}
}

// Each connection fault, as a Go HTTP client sees it.
func TestScenarioFaultsAsAGoClientSeesThem(t *testing.T) {
	emu := testkit.Start(t)
	cases := []struct {
		fault string
		check func(err error, body []byte) bool
	}{
		{"reset", func(err error, _ []byte) bool { return err != nil && strings.Contains(err.Error(), "connection reset") }},
		{"empty", func(err error, _ []byte) bool {
			return errors.Is(err, io.EOF) || err != nil && strings.Contains(err.Error(), "EOF")
		}},
		{"malformed", func(err error, _ []byte) bool { return err != nil && strings.Contains(err.Error(), "chunk") }},
		{"hang", func(err error, _ []byte) bool {
			var ne interface{ Timeout() bool }
			return errors.As(err, &ne) && ne.Timeout()
		}},
	}
	for _, c := range calls() {
		for _, tc := range cases {
			t.Run(c.api+"/"+tc.fault, func(t *testing.T) {
				s := emu.Session(t)
				s.LoadScenarioText(t, scenarioDoc(c, "fault: "+tc.fault))
				// A plain client: there is no response to validate.
				client := &http.Client{Timeout: 300 * time.Millisecond, Transport: &http.Transport{DisableKeepAlives: true}}
				resp, err := client.Do(c.build(s))
				var body []byte
				if err == nil {
					body, err = io.ReadAll(resp.Body)
					resp.Body.Close()
				}
				if !tc.check(err, body) {
					t.Fatalf("fault %s: err = %v, body %q", tc.fault, err, body)
				}
				if tc.fault == "hang" {
					return // the journal entry completes when the server notices the client left
				}
				rs := s.Requests(t, testkit.Operation(c.operation))
				if len(rs) != 1 || rs[0].Status != 0 || rs[0].Error != "fault:"+tc.fault {
					t.Errorf("journal = %+v, want status 0 and fault:%s", rs, tc.fault)
				}
			})
		}
	}
}

// Scenarios loaded for one session do not touch another; a header turns an inactive one on
// for one request; an unknown name in the header is refused in the API's envelope.
func TestScenarioScopes(t *testing.T) {
	emu := testkit.Start(t)
	c := calls()[0] // Haufe
	a, b := emu.Session(t), emu.Session(t)
	a.LoadScenarioText(t, scenarioDoc(c, "respond: 500"))
	client := emu.Client(t)
	if resp, _ := testkit.Do(t, client, c.build(a)); resp.StatusCode != 500 {
		t.Errorf("session a = %d, want 500", resp.StatusCode)
	}
	if resp, _ := testkit.Do(t, client, c.build(b)); resp.StatusCode != 200 {
		t.Errorf("session b = %d, want 200 (a's scenario is a's)", resp.StatusCode)
	}

	b.LoadScenarioText(t, "scenarios:\n  - name: sleepy\n    active: false\n    rules:\n      - match: {api: haufe}\n        respond: 502\n")
	if resp, _ := testkit.Do(t, client, c.build(b)); resp.StatusCode != 200 {
		t.Errorf("inactive scenario applied: %d", resp.StatusCode)
	}
	r := c.build(b)
	r.Header.Set("X-Fileemu-Scenario", "sleepy")
	if resp, body := testkit.Do(t, client, r); resp.StatusCode != 502 || c.code(t, body) != "attachment_document_not_reachable" {
		t.Errorf("with the header = %d %s, want 502", resp.StatusCode, body)
	}
	r = c.build(b)
	r.Header.Set("X-Fileemu-Scenario", "sleepy, nope")
	resp, body := testkit.Do(t, client, r)
	if resp.StatusCode != 422 || !bytes.Contains(body, []byte("unknown scenario nope")) || !bytes.Contains(body, []byte("X-Fileemu-Scenario")) {
		t.Errorf("unknown scenario in the header = %d %s", resp.StatusCode, body)
	}
	b.ActivateScenarios(t, "sleepy")
	if resp, _ := testkit.Do(t, client, c.build(b)); resp.StatusCode != 502 {
		t.Errorf("after activation = %d, want 502", resp.StatusCode)
	}
}

// Probability with a seed draws the same sequence in every fresh session, run after run.
func TestScenarioProbabilityIsReproducible(t *testing.T) {
	emu := testkit.Start(t)
	c := calls()[0]
	doc := scenarioDoc(c, "respond: 500\n        when: {probability: 0.5, seed: 42}")
	run := func() string {
		s := emu.Session(t)
		s.LoadScenarioText(t, doc)
		var seq strings.Builder
		for range 24 {
			resp, _ := testkit.Do(t, emu.Client(t), c.build(s))
			if resp.StatusCode == 500 {
				seq.WriteByte('x')
			} else {
				seq.WriteByte('.')
			}
		}
		return seq.String()
	}
	first, second := run(), run()
	if first != second || !strings.Contains(first, "x") || !strings.Contains(first, ".") {
		t.Errorf("sequences %s and %s: want the same mix of failures and successes", first, second)
	}
	other := strings.Replace(doc, "seed: 42", "seed: 7", 1)
	s := emu.Session(t)
	s.LoadScenarioText(t, other)
	var seq strings.Builder
	for range 24 {
		resp, _ := testkit.Do(t, emu.Client(t), c.build(s))
		seq.WriteString(map[bool]string{true: "x", false: "."}[resp.StatusCode == 500])
	}
	if seq.String() == first {
		t.Errorf("seed 7 drew the same sequence as seed 42: %s", first)
	}
}

// multipartForm builds an S3 POST form: the fields, then the file.
func multipartForm(fields map[string]string, filename string, content []byte) (io.Reader, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	w, _ := mw.CreateFormFile("file", filename)
	w.Write(content)
	mw.Close()
	return &buf, mw.FormDataContentType()
}

// The admin API lists, adds, refuses (with positions) and removes scenarios, and serves the
// schema; a refused document leaves the running set as it was.
func TestScenarioAdminAPI(t *testing.T) {
	emu := testkit.Start(t)
	client := emu.Client(t)
	admin := emu.URL + "/__admin/scenarios"
	put := func(doc string) (*http.Response, []byte) {
		r, _ := http.NewRequest("PUT", admin, strings.NewReader(doc))
		r.Header.Set("Content-Type", "application/yaml")
		return testkit.Do(t, client, r)
	}
	if resp, b := put("scenarios:\n  - name: ok\n    rules:\n      - match: {api: haufe}\n        respond: 500\n"); resp.StatusCode != 200 {
		t.Fatalf("PUT good = %d %s", resp.StatusCode, b)
	}
	resp, b := put("scenarios:\n  - name: ok\n    rules:\n      - match: {api: haufe, operation: getSignedURL}\n        respond: 999\n")
	var bad struct {
		Problems []struct {
			Line, Column int
			Message      string
		}
	}
	json.Unmarshal(b, &bad)
	if resp.StatusCode != 422 || len(bad.Problems) != 2 || bad.Problems[0].Line != 4 ||
		!strings.Contains(bad.Problems[0].Message, "did you mean getSignedUrl") || !strings.Contains(bad.Problems[1].Message, "100-599") {
		t.Errorf("PUT bad = %d %s", resp.StatusCode, b)
	}
	r, _ := http.NewRequest("GET", admin, nil)
	_, b = testkit.Do(t, client, r)
	if !bytes.Contains(b, []byte(`"name":"ok"`)) || !bytes.Contains(b, []byte(`"rules":1`)) {
		t.Errorf("list after a refused PUT = %s, want the first version kept", b)
	}
	r, _ = http.NewRequest("GET", admin+"/schema", nil)
	if resp, b := testkit.Do(t, client, r); resp.StatusCode != 200 || !bytes.Contains(b, []byte(`"fileemu scenario file"`)) {
		t.Errorf("schema = %d %.100s", resp.StatusCode, b)
	}
	r, _ = http.NewRequest("DELETE", admin+"/ok", nil)
	if resp, _ := testkit.Do(t, client, r); resp.StatusCode != 204 {
		t.Errorf("DELETE = %d", resp.StatusCode)
	}
	r, _ = http.NewRequest("DELETE", admin+"/ok", nil)
	if resp, _ := testkit.Do(t, client, r); resp.StatusCode != 404 {
		t.Errorf("second DELETE = %d, want 404", resp.StatusCode)
	}
}

// multipartPart builds a form with one file part.
func multipartPart(field, filename string, content []byte) (io.Reader, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, _ := mw.CreateFormFile(field, filename)
	w.Write(content)
	mw.Close()
	return &buf, mw.FormDataContentType()
}

// A catch-all scenario never locks out the admin API, so the call that removes it works.
func TestScenariosSpareTheAdminAPI(t *testing.T) {
	emu := testkit.Start(t)
	client := emu.Client(t)
	r, _ := http.NewRequest("PUT", emu.URL+"/__admin/scenarios",
		strings.NewReader("scenarios:\n  - name: down\n    rules:\n      - match: {}\n        respond: 503\n"))
	testkit.Do(t, client, r)
	if resp, _ := testkit.Do(t, client, calls()[0].build(emu.Session(t))); resp.StatusCode != 503 {
		t.Fatalf("API under the outage = %d, want 503", resp.StatusCode)
	}
	r, _ = http.NewRequest("GET", emu.URL+"/__admin/health", nil)
	if resp, _ := testkit.Do(t, client, r); resp.StatusCode != 200 {
		t.Errorf("health under the outage = %d", resp.StatusCode)
	}
	r, _ = http.NewRequest("DELETE", emu.URL+"/__admin/scenarios/down", nil)
	if resp, _ := testkit.Do(t, client, r); resp.StatusCode != 204 {
		t.Errorf("removing the outage = %d", resp.StatusCode)
	}
}

// A client that gives up during a delay got no answer: the journal says status 0.
func TestScenarioDelayClientGone(t *testing.T) {
	emu := testkit.Start(t)
	s := emu.Session(t)
	c := calls()[0]
	s.LoadScenarioText(t, scenarioDoc(c, "delay: 5s"))
	client := &http.Client{Timeout: 100 * time.Millisecond}
	if _, err := client.Do(c.build(s)); err == nil {
		t.Fatal("the request should time out")
	}
	// The server notices the client left when its timer or context fires; ask until it has.
	for i := 0; i < 200; i++ {
		if rs := s.Requests(t, testkit.Operation(c.operation)); len(rs) == 1 {
			if rs[0].Status != 0 || rs[0].Error != "fault:client_gone" {
				t.Errorf("journal = %+v, want status 0 fault:client_gone", rs[0])
			}
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Error("no journal entry for the abandoned request")
}

// Unknown paths under a session prefix create no session.
func TestUnknownPathCreatesNoSession(t *testing.T) {
	emu := testkit.Start(t)
	r, _ := http.NewRequest("GET", emu.URL+"/_s/ghost-123/not/an/api", nil)
	if resp, _ := testkit.Do(t, emu.Client(t), r); resp.StatusCode != 404 {
		t.Errorf("= %d, want 404", resp.StatusCode)
	}
	r, _ = http.NewRequest("GET", emu.URL+"/__admin/sessions/ghost-123", nil)
	if resp, _ := testkit.Do(t, emu.Client(t), r); resp.StatusCode != 404 {
		t.Errorf("session ghost-123 exists: %d", resp.StatusCode)
	}
}

// haufeUpload requests a signed URL for name, PUTs content and polls the status to its end.
func haufeUpload(t *testing.T, client *http.Client, s *testkit.Session, name, content string) (status string, infected bool) {
	t.Helper()
	r, _ := http.NewRequest("GET", s.URL("haufe")+"/v1/files/signed-url?filename="+name, nil)
	r.Header.Set("api-key", "k")
	r.Header.Set("user-id", "u1")
	_, body := testkit.Do(t, client, r)
	var su struct {
		FileID  string `json:"file_id"`
		FileURL string `json:"file_url"`
	}
	json.Unmarshal(body, &su)
	put, _ := http.NewRequest("PUT", su.FileURL, strings.NewReader(content))
	if resp, b := testkit.Do(t, client, put); resp.StatusCode != 200 {
		t.Fatalf("PUT = %d %s", resp.StatusCode, b)
	}
	var st struct {
		ProcessingStatus string `json:"processing_status"`
		Warnings         struct{ Infected bool }
	}
	for range 2 {
		r, _ := http.NewRequest("GET", s.URL("haufe")+"/v1/files/"+su.FileID+"/status", nil)
		r.Header.Set("api-key", "k")
		r.Header.Set("user-id", "u1")
		_, body = testkit.Do(t, client, r)
		json.Unmarshal(body, &st)
	}
	return st.ProcessingStatus, st.Warnings.Infected
}

// deskUpload posts name through Desk's S3 form and activates it; it returns the PATCH status.
func deskUpload(t *testing.T, client *http.Client, s *testkit.Session, name, content string) int {
	t.Helper()
	r, _ := http.NewRequest("POST", s.URL("desk")+"/files/ref.json", strings.NewReader(`{"filename":"`+name+`","mimeType":"application/octet-stream"}`))
	r.Header.Set("Authorization", "Bearer k")
	r.Header.Set("Content-Type", "application/json")
	_, body := testkit.Do(t, client, r)
	var ref struct {
		URL    string            `json:"url"`
		Params map[string]string `json:"params"`
		File   struct{ ID int }  `json:"file"`
	}
	json.Unmarshal(body, &ref)
	form, ct := multipartForm(ref.Params, name, []byte(content))
	post, _ := http.NewRequest("POST", ref.URL, form)
	post.Header.Set("Content-Type", ct)
	if resp, b := testkit.Do(t, client, post); resp.StatusCode != 201 {
		t.Fatalf("S3 POST = %d %s", resp.StatusCode, b)
	}
	patch, _ := http.NewRequest("PATCH", fmt.Sprintf("%s/files/%d.json", s.URL("desk"), ref.File.ID), nil)
	patch.Header.Set("Authorization", "Bearer k")
	resp, _ := testkit.Do(t, client, patch)
	return resp.StatusCode
}

// An infect rule naming Haufe (or Desk) applies to the uploads to URLs that API handed out,
// though their bytes arrive at the fake S3; other APIs' uploads stay clean.
func TestInfectRuleOfTheAPIThatHandedOutTheURL(t *testing.T) {
	emu := testkit.Start(t)
	client := emu.Client(t)
	for _, owner := range []string{"haufe", "desk"} {
		t.Run(owner, func(t *testing.T) {
			s := emu.Session(t)
			s.LoadScenarioText(t, "scenarios:\n  - name: exe\n    rules:\n      - match: {api: "+owner+", filename: '*.exe'}\n        infect: true\n")
			status, infected := haufeUpload(t, client, s, "setup.exe", "MZ harmless")
			if want := owner == "haufe"; infected != want || (status == "FAILED") != want {
				t.Errorf("Haufe upload with the rule on %s: %s infected=%v, want infected=%v", owner, status, infected, want)
			}
			want := 200
			if owner == "desk" {
				want = 400 // refused as infected
			}
			if got := deskUpload(t, client, s, "setup.exe", "MZ"); got != want {
				t.Errorf("Desk activation with the rule on %s = %d, want %d", owner, got, want)
			}
			if _, infected := haufeUpload(t, client, s, "setup.txt", "plain"); infected {
				t.Errorf("setup.txt infected by a *.exe rule")
			}
		})
	}
}

// A rule that could never fire is refused when it is loaded, with its position and the reason.
func TestUnreachableRulesAreRefused(t *testing.T) {
	emu := testkit.Start(t)
	s := emu.Session(t)
	for doc, want := range map[string]string{
		"scenarios:\n  - name: x\n    rules:\n      - match: {api: haufe, operation: getSignedUrl}\n        infect: true\n": "admin:4:40: infect marks uploaded files, and getSignedUrl carries no file",
		"scenarios:\n  - name: x\n    rules:\n      - match: {api: weavy, filename: '*.exe'}\n        respond: 400\n":       "admin:4:39: filename never matches api weavy",
		"scenarios:\n  - name: x\n    rules:\n      - match: {api: desk, operation: putObject}\n        respond: 500\n":     "admin:4:39: operation putObject belongs to api s3, not desk",
	} {
		_, err := emu.Admin.PutScenarios(t.Context(), s.ID, []byte(doc))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("PUT %q = %v, want %q", doc, err, want)
		}
	}
	// Naming the S3 operation of the owner's uploads is fine for infect rules.
	s.LoadScenarioText(t, "scenarios:\n  - name: y\n    rules:\n      - match: {api: haufe, operation: putObject}\n        infect: true\n")
	if _, infected := haufeUpload(t, emu.Client(t), s, "a.txt", "plain"); !infected {
		t.Error("api haufe + operation putObject did not infect a Haufe upload")
	}
}
