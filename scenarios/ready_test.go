package scenarios_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/fileemu/fileemu/emulator"
	"github.com/fileemu/fileemu/internal/antivirus"
	"github.com/fileemu/fileemu/internal/s3"
	"github.com/fileemu/fileemu/scenarios"
	"github.com/fileemu/fileemu/testkit"
)

// The ready-made scenarios, by name; each is ready/NAME.yaml with ready/NAME.md beside it.
var readyNames = []string{"desk-validation", "flaky-s3", "haufe-rate-limit", "outage", "slow-processing", "virus", "weavy-name-conflict"}

func readyFile(name string) string { return filepath.Join("ready", name+".yaml") }

var s3Creds = s3.Credentials{AccessKey: "fileemu", SecretKey: "fileemu-secret", Region: "us-east-1"}

// fixture is one session of an in-process emulator, on a test clock, with a ready-made scenario
// loaded for the session and turned on, and a client that checks every answer against the spec.
type fixture struct {
	t     *testing.T
	emu   *testkit.Emulator
	s     *testkit.Session
	http  *http.Client
	clock *testkit.Clock
}

var epoch = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// use starts an emulator and a session with the ready-made scenario name loaded and activated,
// the way a test of an application would.
func use(t *testing.T, name string) *fixture {
	t.Helper()
	f := start(t)
	if got := f.s.LoadScenario(t, readyFile(name)); !slices.Equal(got, []string{name}) {
		t.Fatalf("%s loads scenarios %v, want [%s]", readyFile(name), got, name)
	}
	f.s.ActivateScenarios(t, name)
	return f
}

func start(t *testing.T, opts ...testkit.Option) *fixture {
	t.Helper()
	clock := testkit.NewClock(epoch)
	emu := testkit.Start(t, append([]testkit.Option{testkit.WithClock(clock.Now)}, opts...)...)
	return &fixture{t: t, emu: emu, s: emu.Session(t), http: emu.Client(t), clock: clock}
}

// send sends req and returns the answer with its body read.
func (f *fixture) send(req *http.Request) (*http.Response, []byte) {
	f.t.Helper()
	return testkit.Do(f.t, f.http, req)
}

// ---- Haufe ----

const haufeUser = "497f6eca-6276-4993-bfeb-53cbbbba6f08"

func (f *fixture) haufe(method, path, key string, body io.Reader) *http.Request {
	f.t.Helper()
	req, err := http.NewRequest(method, f.s.URL("haufe")+path, body)
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("api-key", key)
	req.Header.Set("user-id", haufeUser)
	return req
}

func (f *fixture) signedURLRequest(key, filename string) *http.Request {
	return f.haufe("GET", "/v1/files/signed-url?filename="+url.QueryEscape(filename), key, nil)
}

// haufeUpload runs signed-url and the PUT to the handed-out URL; it returns the file id.
func (f *fixture) haufeUpload(filename string, content []byte) string {
	f.t.Helper()
	resp, body := f.send(f.signedURLRequest("key-1", filename))
	var su struct {
		FileID  string `json:"file_id"`
		FileURL string `json:"file_url"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &su) != nil {
		f.t.Fatalf("signed-url for %s = %d %s", filename, resp.StatusCode, body)
	}
	put, _ := http.NewRequest("PUT", su.FileURL, bytes.NewReader(content))
	if resp, body := f.send(put); resp.StatusCode != 200 {
		f.t.Fatalf("PUT %s = %d %s", filename, resp.StatusCode, body)
	}
	return su.FileID
}

type haufeStatus struct {
	ProcessingStatus string `json:"processing_status"`
	Warnings         struct {
		Empty, Infected, Length bool
	} `json:"warnings"`
}

func (f *fixture) haufeStatus(id string) haufeStatus {
	f.t.Helper()
	resp, body := f.send(f.haufe("GET", "/v1/files/"+id+"/status", "key-1", nil))
	var st haufeStatus
	if resp.StatusCode != 200 || json.Unmarshal(body, &st) != nil {
		f.t.Fatalf("status of %s = %d %s", id, resp.StatusCode, body)
	}
	return st
}

// haufeFinalStatus polls until the status is no longer PROCESSING.
func (f *fixture) haufeFinalStatus(id string) haufeStatus {
	f.t.Helper()
	for range 10 {
		if st := f.haufeStatus(id); st.ProcessingStatus != "PROCESSING" {
			return st
		}
	}
	f.t.Fatalf("file %s still PROCESSING after 10 polls", id)
	return haufeStatus{}
}

// ---- Desk ----

func (f *fixture) desk(method, path, body string) *http.Request {
	f.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.s.URL("desk")+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer desk-key")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

type deskRef struct {
	URL    string            `json:"url"`
	Params map[string]string `json:"params"`
	File   struct {
		ID int64 `json:"id"`
	} `json:"file"`
}

func (f *fixture) deskRefRequest(filename, mime string) *http.Request {
	return f.desk("POST", "/files/ref.json", fmt.Sprintf(`{"filename":%q,"mimeType":%q}`, filename, mime))
}

func (f *fixture) deskRef(filename, mime string) deskRef {
	f.t.Helper()
	resp, body := f.send(f.deskRefRequest(filename, mime))
	var r deskRef
	if resp.StatusCode != 201 || json.Unmarshal(body, &r) != nil {
		f.t.Fatalf("ref.json for %s = %d %s", filename, resp.StatusCode, body)
	}
	return r
}

// deskForm is the S3 POST of a Desk upload: the form's fields, then the file.
func deskForm(r deskRef, filename string, content []byte) *http.Request {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	keys := make([]string, 0, len(r.Params))
	for k := range r.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		mw.WriteField(k, r.Params[k])
	}
	w, _ := mw.CreateFormFile("file", filename)
	w.Write(content)
	mw.Close()
	req, _ := http.NewRequest("POST", r.URL, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return req
}

// deskUploadAndActivate runs the three Desk steps and returns the PATCH answer.
func (f *fixture) deskUploadAndActivate(filename, mime string, content []byte) (int, []byte) {
	f.t.Helper()
	r := f.deskRef(filename, mime)
	if resp, body := f.send(deskForm(r, filename, content)); resp.StatusCode != 201 {
		f.t.Fatalf("S3 POST of %s = %d %s", filename, resp.StatusCode, body)
	}
	resp, body := f.send(f.desk("PATCH", fmt.Sprintf("/files/%d.json", r.File.ID), ""))
	return resp.StatusCode, body
}

// deskErrors lists "code pointer" of a Desk error envelope.
func deskErrors(t *testing.T, body []byte) []string {
	t.Helper()
	var e struct {
		Errors []struct {
			Code   string `json:"code"`
			Detail string `json:"detail"`
			Source struct {
				Pointer string `json:"pointer"`
			} `json:"source"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(body, &e); err != nil || len(e.Errors) == 0 {
		t.Fatalf("not a Desk error envelope: %s", body)
	}
	var out []string
	for _, it := range e.Errors {
		out = append(out, strings.TrimSpace(it.Code+" "+it.Source.Pointer))
	}
	return out
}

// ---- S3 ----

// s3Put is a presigned PUT of content to key in the session's fake S3.
func (f *fixture) s3Put(key string, content []byte) *http.Request {
	f.t.Helper()
	u, err := s3.Presign(s3Creds, s3.PresignOptions{Method: "PUT", URL: s3.ObjectURL(f.s.URL(""), "uploads", key),
		Expires: time.Hour, Now: f.clock.Now()})
	if err != nil {
		f.t.Fatal(err)
	}
	req, _ := http.NewRequest("PUT", u, bytes.NewReader(content))
	return req
}

func s3Code(body []byte) string {
	_, rest, _ := strings.Cut(string(body), "<Code>")
	code, _, _ := strings.Cut(rest, "</Code>")
	return code
}

// ---- Weavy ----

func (f *fixture) weavy(method, path string, body io.Reader, contentType string) *http.Request {
	f.t.Helper()
	req, err := http.NewRequest(method, f.s.URL("weavy")+path, body)
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer weavy-token")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req
}

func (f *fixture) weavyJSON(method, path, body string) *http.Request {
	return f.weavy(method, path, strings.NewReader(body), "application/json")
}

// weavyBlobRequest is the multipart upload of one blob.
func (f *fixture) weavyBlobRequest(filename string, content []byte) *http.Request {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, _ := mw.CreateFormFile("blob", filename)
	w.Write(content)
	mw.Close()
	return f.weavy("POST", "/api/blobs", &buf, mw.FormDataContentType())
}

// weavyID creates something and returns its id.
func (f *fixture) weavyID(req *http.Request) int64 {
	f.t.Helper()
	resp, body := f.send(req)
	var v struct {
		ID int64 `json:"id"`
	}
	if resp.StatusCode != 201 || json.Unmarshal(body, &v) != nil {
		f.t.Fatalf("%s %s = %d %s", req.Method, req.URL.Path, resp.StatusCode, body)
	}
	return v.ID
}

type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

// ---- the files themselves ----

// Every ready-made file is valid for the running emulator (what `fileemu lint` and --scenarios
// check), holds one scenario of its own name, inactive, and has a README listed in the index.
// Loading the whole directory at start works and changes nothing until a scenario is turned on.
func TestReadyFilesAreValidInactiveAndDocumented(t *testing.T) {
	srv, err := emulator.New(emulator.Config{})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join("ready", "*.yaml"))
	var names []string
	for _, file := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(file), ".yaml"))
	}
	if !slices.Equal(names, readyNames) {
		t.Errorf("ready/ holds %v, want %v", names, readyNames)
	}
	index, err := os.ReadFile(filepath.Join("ready", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range readyNames {
		data, err := os.ReadFile(readyFile(name))
		if err != nil {
			t.Fatal(err)
		}
		scs, err := scenarios.Parse(readyFile(name), data, srv.Scenarios().Catalog())
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(scs) != 1 || scs[0].Name != name || scs[0].Active || scs[0].Description == "" {
			t.Errorf("%s holds %+v, want one inactive, described scenario named %s", readyFile(name), scs, name)
		}
		readme, err := os.ReadFile(filepath.Join("ready", name+".md"))
		if err != nil {
			t.Errorf("%s has no README: %v", name, err)
			continue
		}
		for _, want := range []string{"--scenarios", "LoadScenario", "X-Fileemu-Scenario: " + name} {
			if !bytes.Contains(readme, []byte(want)) {
				t.Errorf("%s.md does not show %q", name, want)
			}
		}
		if !bytes.Contains(index, []byte("("+name+".md)")) {
			t.Errorf("ready/README.md does not link %s.md", name)
		}
	}

	// The whole directory at start: every scenario is loaded, none applies until it is named.
	f := start(t, testkit.WithScenarioFiles("ready"))
	if resp, body := f.send(f.deskRefRequest("a.txt", "text/plain")); resp.StatusCode != 201 {
		t.Errorf("ref.json with every ready scenario loaded but none on = %d %s", resp.StatusCode, body)
	}
	req := f.deskRefRequest("a.txt", "text/plain")
	req.Header.Set("X-Fileemu-Scenario", "desk-validation")
	if resp, body := f.send(req); resp.StatusCode != 400 {
		t.Errorf("ref.json with X-Fileemu-Scenario: desk-validation = %d %s, want 400", resp.StatusCode, body)
	}
	rs := f.s.Requests(t, testkit.Operation("createFileRef"))
	if len(rs) != 2 || rs[0].Scenario != "" || rs[1].Scenario != "desk-validation" || rs[1].Rule != "desk-validation#0" {
		t.Errorf("journal = %+v, want the second ref.json attributed to desk-validation#0", rs)
	}
}

// ---- one test per scenario ----

// haufe-rate-limit: 60 quick calls pass, the 61st gets Haufe's 429 with Retry-After and
// X-RateLimit-*; a second later the key has 60 calls again. Over three seconds the 180 per
// minute limit takes over: 189 calls pass (180 plus what a minute's rate gives back in 3 s).
func TestReadyHaufeRateLimit(t *testing.T) {
	f := use(t, "haufe-rate-limit")
	call := func(key string) *http.Response {
		resp, body := f.send(f.signedURLRequest(key, "report.pdf"))
		if resp.StatusCode == 429 && string(body) != `{"message":"Rate limit exceeded!"}` {
			t.Errorf("429 body = %s, want Haufe's gateway message", body)
		}
		return resp
	}
	headers := func(resp *http.Response) string {
		h := resp.Header
		return fmt.Sprintf("%d limit=%s remaining=%s reset=%s retry-after=%s", resp.StatusCode,
			h.Get("X-RateLimit-Limit"), h.Get("X-RateLimit-Remaining"), h.Get("X-RateLimit-Reset"), h.Get("Retry-After"))
	}
	// burst sends calls at one instant until the first 429 and returns how many passed and the 429.
	burst := func(key string) (int, *http.Response) {
		for i := 0; i < 300; i++ {
			resp := call(key)
			if resp.StatusCode == 429 {
				return i, resp
			}
			if resp.StatusCode != 200 {
				t.Fatalf("call %d = %s", i+1, headers(resp))
			}
		}
		t.Fatal("no 429 after 300 calls")
		return 0, nil
	}

	// Second 0: the 60/s limit. Every answer shows the tighter limit.
	for i := range 60 {
		resp := call("key-1")
		if got, want := headers(resp), fmt.Sprintf("200 limit=60 remaining=%d reset=1 retry-after=", 59-i); got != want {
			t.Fatalf("call %d: %s, want %s", i+1, got, want)
		}
	}
	if got, want := headers(call("key-1")), "429 limit=60 remaining=0 reset=1 retry-after=1"; got != want {
		t.Fatalf("call 61: %s, want %s", got, want)
	}
	// The limit is per API key.
	if got := headers(call("key-2")); !strings.HasPrefix(got, "200 limit=60 remaining=59") {
		t.Errorf("another key: %s, want its own 60/s", got)
	}

	// Second 1 and 2: the key recovers its 60 each second.
	for sec := 1; sec <= 2; sec++ {
		f.clock.Advance(time.Second)
		n, resp := burst("key-1")
		if got, want := headers(resp), "429 limit=60 remaining=0 reset=1 retry-after=1"; n != 60 || got != want {
			t.Fatalf("second %d: %d calls passed, then %s; want 60, then %s", sec, n, got, want)
		}
	}
	// Second 3: 180 calls in the minute's bucket, +3 per second: only 9 are left.
	f.clock.Advance(time.Second)
	n, resp := burst("key-1")
	if got, want := headers(resp), "429 limit=180 remaining=0 reset=60 retry-after=1"; n != 9 || got != want {
		t.Fatalf("second 3: %d calls passed, then %s; want 9, then %s", n, got, want)
	}
	if got := f.s.Count(t, testkit.Operation("getSignedUrl"), testkit.Status(429)); got != 4 {
		t.Errorf("journal has %d 429s, want 4", got)
	}
	rs := f.s.Requests(t, testkit.Status(429))
	if len(rs) != 4 || rs[0].Rule != "haufe-rate-limit#0" || rs[3].Rule != "haufe-rate-limit#1" {
		t.Errorf("journal of the 429s = %+v, want rule #0 (60/s) three times, then #1 (180/m)", rs)
	}
}

// virus: EICAR content and *.exe (any case) or eicar.* names end infected in Haufe (FAILED,
// warnings.infected) and Desk (PATCH 400 infected), and the fake S3's journal names the scenario
// for uploads it infected; other files are clean. Weavy refuses EICAR content (409) anyway.
func TestReadyVirus(t *testing.T) {
	f := use(t, "virus")
	clean := []byte("Quarterly report: revenue up.\n")
	eicar := []byte("prefix " + antivirus.EICAR + " suffix")

	t.Run("haufe", func(t *testing.T) {
		for _, tc := range []struct {
			name     string
			content  []byte
			infected bool
		}{
			{"report.txt", clean, false},
			{"report-eicar.txt", eicar, true},
			{"setup.exe", clean, true},
			{"SETUP.EXE", clean, true},
			{"eicar.com", clean, true},
			{"setup.exe.txt", clean, false},
		} {
			st := f.haufeFinalStatus(f.haufeUpload(tc.name, tc.content))
			want := map[bool]string{false: "PROCESSED", true: "FAILED"}[tc.infected]
			if st.ProcessingStatus != want || st.Warnings.Infected != tc.infected {
				t.Errorf("%s: %+v, want %s infected=%v", tc.name, st, want, tc.infected)
			}
		}
	})

	t.Run("desk", func(t *testing.T) {
		for _, tc := range []struct {
			name     string
			content  []byte
			infected bool
		}{
			{"notes.txt", clean, false},
			{"notes-eicar.txt", eicar, true},
			{"tool.exe", clean, true},
		} {
			st, body := f.deskUploadAndActivate(tc.name, "application/octet-stream", tc.content)
			switch {
			case tc.infected && (st != 400 || deskErrors(t, body)[0] != "infected"):
				t.Errorf("PATCH of %s = %d %s, want 400 infected", tc.name, st, body)
			case !tc.infected && st != 200:
				t.Errorf("PATCH of %s = %d %s, want 200", tc.name, st, body)
			}
		}
	})

	t.Run("s3", func(t *testing.T) {
		if resp, body := f.send(f.s3Put("dist/installer.exe", clean)); resp.StatusCode != 200 {
			t.Fatalf("PUT = %d %s", resp.StatusCode, body)
		}
		rs := f.s.Requests(t, testkit.Path("/s3/uploads/dist/installer.exe"))
		if len(rs) != 1 || rs[0].Scenario != "virus" || rs[0].Rule != "virus#0" || rs[0].Status != 200 {
			t.Errorf("journal = %+v, want the PUT attributed to virus#0", rs)
		}
	})

	t.Run("weavy", func(t *testing.T) {
		resp, body := f.send(f.weavyBlobRequest("eicar-test.txt", eicar))
		var p problem
		if resp.StatusCode != 409 || json.Unmarshal(body, &p) != nil || p.Status != 409 {
			t.Errorf("Weavy blob with EICAR = %d %s, want 409", resp.StatusCode, body)
		}
	})

	// Only the uploads the scenario infected name it; EICAR content is the scanner's own finding.
	var infected []string
	for _, r := range f.s.Requests(t) {
		if r.Scenario == "virus" {
			infected = append(infected, r.Method+" "+filepath.Base(r.Path))
		}
	}
	want := []string{"PUT setup.exe", "PUT SETUP.EXE", "PUT eicar.com", "POST desk-uploads", "PUT installer.exe"}
	if strings.Join(infected, ", ") != strings.Join(want, ", ") {
		t.Errorf("requests attributed to virus: %v, want %v", infected, want)
	}
}

// slow-processing: after an upload, Haufe's status answers PROCESSING for 5 polls, then the
// final state; content cannot be read meanwhile. A new upload starts over.
func TestReadySlowProcessing(t *testing.T) {
	f := use(t, "slow-processing")
	id := f.haufeUpload("minutes.txt", []byte("Minutes of the meeting.\n"))
	for i := range 5 {
		if st := f.haufeStatus(id); st.ProcessingStatus != "PROCESSING" {
			t.Fatalf("poll %d = %+v, want PROCESSING", i+1, st)
		}
		if resp, body := f.send(f.haufe("GET", "/v1/files/"+id, "key-1", nil)); resp.StatusCode != 409 {
			t.Fatalf("content during processing = %d %s, want 409 conflict", resp.StatusCode, body)
		}
	}
	if st := f.haufeStatus(id); st.ProcessingStatus != "PROCESSED" {
		t.Fatalf("poll 6 = %+v, want PROCESSED", st)
	}
	if resp, body := f.send(f.haufe("GET", "/v1/files/"+id, "key-1", nil)); resp.StatusCode != 200 || string(body) != "Minutes of the meeting.\n" {
		t.Errorf("content = %d %q", resp.StatusCode, body)
	}
	rs := f.s.Requests(t, testkit.Operation("getFileStatus"))
	if len(rs) != 6 || rs[0].Scenario != "slow-processing" || rs[0].Rule != "slow-processing#0" {
		t.Errorf("journal of the polls = %+v, want them attributed to slow-processing#0", rs)
	}

	// Without the scenario (another session), the first poll already is the last PROCESSING one.
	g := start(t)
	other := g.haufeUpload("minutes.txt", []byte("x"))
	if a, b := g.haufeStatus(other), g.haufeStatus(other); a.ProcessingStatus != "PROCESSING" || b.ProcessingStatus != "PROCESSED" {
		t.Errorf("without the scenario: %s then %s, want PROCESSING then PROCESSED", a.ProcessingStatus, b.ProcessingStatus)
	}
}

// flaky-s3: with the file's seeds, the same PUTs and POSTs fail the same way in every fresh
// session: some connections are reset (the client gets no answer), some answer 503 SlowDown in
// S3's XML; the rest are stored. Other requests are untouched.
func TestReadyFlakyS3(t *testing.T) {
	// . stored, R connection reset, S 503 SlowDown.
	const wantPUT = ".............R.S..R.....R..R..R...R......"
	const wantPOST = "...................S.....R.."
	run := func() (string, string, *fixture) {
		f := use(t, "flaky-s3")
		var puts, posts strings.Builder
		for i := range len(wantPUT) {
			puts.WriteString(f.outcome(f.s3Put(fmt.Sprintf("flaky/%02d.bin", i), []byte("payload"))))
		}
		for i := range len(wantPOST) {
			name := fmt.Sprintf("form-%02d.txt", i)
			posts.WriteString(f.outcome(deskForm(f.deskRef(name, "text/plain"), name, []byte("payload"))))
		}
		return puts.String(), posts.String(), f
	}
	puts, posts, f := run()
	if puts != wantPUT || posts != wantPOST {
		t.Errorf("PUT outcomes  %s\nwant          %s\nPOST outcomes %s\nwant          %s", puts, wantPUT, posts, wantPOST)
	}
	if again, againPOST, _ := run(); again != puts || againPOST != posts {
		t.Errorf("a fresh session drew PUTs %s and POSTs %s, the first %s and %s", again, againPOST, puts, posts)
	}
	// Stored objects: exactly the uploads that passed.
	if got, want := len(f.s.State(t).Objects), strings.Count(wantPUT+wantPOST, "."); got != want {
		t.Errorf("%d objects stored, want %d", got, want)
	}
	// The 503s are journaled with the scenario's rules (PUT #2, POST #3).
	var rules []string
	for _, r := range f.s.Requests(t, testkit.Status(503)) {
		rules = append(rules, r.Method+" "+r.Rule)
	}
	if want := strings.Count(wantPUT, "S") + strings.Count(wantPOST, "S"); len(rules) != want ||
		!slices.Contains(rules, "PUT flaky-s3#2") || !slices.Contains(rules, "POST flaky-s3#3") || slices.ContainsFunc(rules, func(r string) bool {
		return r != "PUT flaky-s3#2" && r != "POST flaky-s3#3"
	}) {
		t.Errorf("503s in the journal: %v", rules)
	}
	// Downloads are not affected.
	get, _ := s3.Presign(s3Creds, s3.PresignOptions{Method: "GET", URL: s3.ObjectURL(f.s.URL(""), "uploads", "flaky/00.bin"),
		Expires: time.Hour, Now: f.clock.Now()})
	for range 20 {
		req, _ := http.NewRequest("GET", get, nil)
		if resp, body := f.send(req); resp.StatusCode != 200 {
			t.Fatalf("GET = %d %s", resp.StatusCode, body)
		}
	}
}

// outcome sends an upload and classifies the answer: . stored, R connection broken, S 503 SlowDown.
func (f *fixture) outcome(req *http.Request) string {
	f.t.Helper()
	resp, err := f.http.Do(req)
	if err != nil {
		if !strings.Contains(err.Error(), "connection reset") && !strings.Contains(err.Error(), "EOF") {
			f.t.Errorf("%s %s: %v, want a reset connection", req.Method, req.URL.Path, err)
		}
		return "R"
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	switch {
	case resp.StatusCode == 503 && s3Code(body) == "SlowDown" && resp.Header.Get("Content-Type") == "application/xml":
		return "S"
	case resp.StatusCode == 200 || resp.StatusCode == 201:
		return "."
	}
	f.t.Errorf("%s %s = %d %s", req.Method, req.URL.Path, resp.StatusCode, body)
	return "?"
}

// outage: for 2 minutes from the moment the scenario starts, Haufe answers 502 not reachable
// and Desk, S3 and Weavy 503, each in its own format; after that every API answers normally.
func TestReadyOutage(t *testing.T) {
	f := start(t)
	weavyApp := f.weavyID(f.weavyJSON("POST", "/api/apps", `{"type":"files","uid":"outage-docs"}`))
	f.s.LoadScenario(t, readyFile("outage"))
	f.s.ActivateScenarios(t, "outage") // activation starts the window
	type answer struct {
		status int
		code   string
	}
	probes := []struct {
		api  string
		send func() answer
	}{
		{"haufe", func() answer {
			resp, body := f.send(f.signedURLRequest("key-1", "a.txt"))
			var e struct {
				ErrorCode string `json:"error_code"`
			}
			json.Unmarshal(body, &e)
			return answer{resp.StatusCode, e.ErrorCode}
		}},
		{"desk", func() answer {
			resp, body := f.send(f.deskRefRequest("a.txt", "text/plain"))
			if resp.StatusCode >= 300 {
				return answer{resp.StatusCode, deskErrors(t, body)[0]}
			}
			return answer{resp.StatusCode, ""}
		}},
		{"s3", func() answer {
			resp, body := f.send(f.s3Put("a.txt", []byte("a")))
			return answer{resp.StatusCode, s3Code(body)}
		}},
		{"weavy", func() answer {
			resp, body := f.send(f.weavy("GET", fmt.Sprintf("/api/apps/%d/files", weavyApp), nil, ""))
			var p problem
			json.Unmarshal(body, &p)
			return answer{resp.StatusCode, p.Title}
		}},
	}
	normal := map[string]answer{"haufe": {200, ""}, "desk": {201, ""}, "s3": {200, ""}, "weavy": {200, ""}}
	down := map[string]answer{"haufe": {502, "attachment_document_not_reachable"}, "desk": {503, "service_unavailable"},
		"s3": {503, "SlowDown"}, "weavy": {503, "Service Unavailable"}}
	// The clock's steps from the activation, and whether the APIs are down then.
	steps := []struct {
		advance time.Duration
		at      string
		down    bool
	}{
		{0, "0s", true},
		{59 * time.Second, "59s", true},
		{time.Minute, "1m59s", true},
		{time.Second, "2m", false},
		{time.Hour, "1h2m", false},
	}
	for _, st := range steps {
		f.clock.Advance(st.advance)
		for _, p := range probes {
			want := normal[p.api]
			if st.down {
				want = down[p.api]
			}
			if got := p.send(); got != want {
				t.Errorf("at %s, %s answers %v, want %v", st.at, p.api, got, want)
			}
		}
	}
	rs := f.s.Requests(t, testkit.Status(502))
	if len(rs) != 3 || rs[0].Scenario != "outage" || rs[0].Rule != "outage#0" {
		t.Errorf("journal of the 502s = %+v, want 3 attributed to outage#0", rs)
	}
	if got := f.s.Count(t, testkit.Status(503)); got != 9 {
		t.Errorf("journal has %d 503s, want 9 (desk, s3, weavy at 3 instants)", got)
	}
}

// desk-validation: every ref.json answers 400 with a validation error in Desk's envelope; the
// other operations work. With the header, it applies to one request only.
func TestReadyDeskValidation(t *testing.T) {
	f := use(t, "desk-validation")
	for _, name := range []string{"photo.jpeg", "notes.txt"} {
		resp, body := f.send(f.deskRefRequest(name, "image/jpeg"))
		if got := deskErrors(t, body); resp.StatusCode != 400 || strings.Join(got, ",") != "invalid /mimeType" ||
			!strings.Contains(string(body), "mimeType is not an allowed file type") {
			t.Errorf("ref.json for %s = %d %s, want 400 invalid /mimeType", name, resp.StatusCode, body)
		}
	}
	if resp, body := f.send(f.desk("GET", "/files.json", "")); resp.StatusCode != 200 {
		t.Errorf("files.json = %d %s", resp.StatusCode, body)
	}
	rs := f.s.Requests(t, testkit.Operation("createFileRef"))
	if len(rs) != 2 || rs[0].Status != 400 || rs[0].Scenario != "desk-validation" || rs[0].Rule != "desk-validation#0" {
		t.Errorf("journal = %+v", rs)
	}

	// Loaded but not activated: only requests naming it are refused.
	g := start(t)
	g.s.LoadScenario(t, readyFile("desk-validation"))
	if resp, body := g.send(g.deskRefRequest("a.txt", "text/plain")); resp.StatusCode != 201 {
		t.Errorf("ref.json without the header = %d %s, want 201", resp.StatusCode, body)
	}
	req := g.deskRefRequest("a.txt", "text/plain")
	req.Header.Set("X-Fileemu-Scenario", "desk-validation")
	if resp, body := g.send(req); resp.StatusCode != 400 {
		t.Errorf("ref.json with the header = %d %s, want 400", resp.StatusCode, body)
	}
}

// weavy-name-conflict: the first file a session creates is refused with Weavy's 409 problem
// (name taken); the client's retry with replace: true goes through, and so do later files.
func TestReadyWeavyNameConflict(t *testing.T) {
	f := use(t, "weavy-name-conflict")
	app := f.weavyID(f.weavyJSON("POST", "/api/apps", `{"type":"files","uid":"team-docs"}`))
	blob := f.weavyID(f.weavyBlobRequest("plan.txt", []byte("the plan")))
	create := func(body string) (*http.Response, []byte) {
		return f.send(f.weavyJSON("POST", fmt.Sprintf("/api/apps/%d/files", app), body))
	}

	resp, body := create(fmt.Sprintf(`{"blob_id":%d}`, blob))
	var p problem
	if resp.StatusCode != 409 || json.Unmarshal(body, &p) != nil || p.Status != 409 || p.Title != "Conflict" ||
		!strings.Contains(p.Detail, "replace: true") || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("first createFile = %d %s %s, want a 409 problem", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	resp, body = create(fmt.Sprintf(`{"blob_id":%d,"replace":true}`, blob))
	var file struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}
	if resp.StatusCode != 201 || json.Unmarshal(body, &file) != nil || file.Name != "plan.txt" {
		t.Fatalf("retry with replace = %d %s, want 201 with the file", resp.StatusCode, body)
	}
	other := f.weavyID(f.weavyBlobRequest("notes.txt", []byte("notes")))
	if resp, body := create(fmt.Sprintf(`{"blob_id":%d}`, other)); resp.StatusCode != 201 {
		t.Errorf("second file = %d %s, want 201", resp.StatusCode, body)
	}
	rs := f.s.Requests(t, testkit.Operation("createFile"))
	if len(rs) != 3 || rs[0].Status != 409 || rs[0].Rule != "weavy-name-conflict#0" || rs[1].Scenario != "" {
		t.Errorf("journal = %+v, want only the first createFile attributed to the scenario", rs)
	}
}
