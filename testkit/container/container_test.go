package container_test

// These tests run the real image. TestMain builds it once (make image, tagged fileemu:test;
// FILEEMU_IMAGE=name:tag uses an image built elsewhere instead) when a Docker engine answers.
// Without an engine the container tests skip, unless FILEEMU_REQUIRE_DOCKER=1 (set by .ci/run),
// where they fail. The same test bodies run in-process (testkit.Start) and against the
// container, through testkit.Target.
//
// Traffic stays on this machine: with a local engine (unix socket) TestMain sets
// TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1 when it is unset, so testcontainers never guesses a
// gateway address, and it disables the Ryuk reaper (whose image would be pulled) unless
// TESTCONTAINERS_RYUK_DISABLED is set: every test terminates its containers itself.

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/fileemu/fileemu/scenarios"
	"github.com/fileemu/fileemu/testkit"
	"github.com/fileemu/fileemu/testkit/container"
)

const (
	testImage = "fileemu:test"
	user      = "497f6eca-6276-4993-bfeb-53cbbbba6f08"
)

var (
	image     string // the image under test
	dockerErr error  // no engine answers
	buildErr  error  // the image did not build
	repoRoot  string

	sharedOnce sync.Once
	shared     *container.Container
	sharedErr  error
)

func TestMain(m *testing.M) {
	setup()
	code := m.Run()
	if shared != nil {
		if err := testcontainers.TerminateContainer(shared); err != nil {
			fmt.Fprintln(os.Stderr, "terminate the shared container:", err)
		}
	}
	os.Exit(code)
}

func setup() {
	var err error
	if repoRoot, err = findRepoRoot(); err != nil {
		buildErr = err
		return
	}
	dh := os.Getenv("DOCKER_HOST")
	if _, set := os.LookupEnv("TESTCONTAINERS_HOST_OVERRIDE"); !set && (dh == "" || strings.HasPrefix(dh, "unix://")) {
		os.Setenv("TESTCONTAINERS_HOST_OVERRIDE", "127.0.0.1")
	}
	if _, set := os.LookupEnv("TESTCONTAINERS_RYUK_DISABLED"); !set {
		os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
	if dockerErr = engineHealth(); dockerErr != nil {
		return
	}
	if image = os.Getenv("FILEEMU_IMAGE"); image != "" {
		return
	}
	image = testImage
	start := time.Now()
	cmd := exec.Command("make", "-C", repoRoot, "image", "IMAGE="+image)
	out, err := cmd.CombinedOutput()
	if err != nil {
		buildErr = fmt.Errorf("make image IMAGE=%s: %w\n%s", image, err, out)
		return
	}
	fmt.Fprintf(os.Stderr, "container tests: built %s in %s\n", image, time.Since(start).Round(10*time.Millisecond))
}

// engineHealth reports whether a Docker engine answers, as testcontainers finds it.
func engineHealth() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("docker provider: %v", r)
		}
	}()
	p, err := testcontainers.NewDockerProvider()
	if err != nil {
		return err
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return p.Health(ctx)
}

func findRepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		// The repository's root module, not this module's own go.mod.
		if mod, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.HasPrefix(string(mod), "module github.com/fileemu/fileemu\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod of github.com/fileemu/fileemu above the test's directory")
		}
		dir = parent
	}
}

// needDocker skips t without an engine (fails it under FILEEMU_REQUIRE_DOCKER=1) and fails it
// when the image did not build.
func needDocker(t *testing.T) {
	t.Helper()
	if dockerErr != nil {
		if os.Getenv("FILEEMU_REQUIRE_DOCKER") == "1" {
			t.Fatalf("FILEEMU_REQUIRE_DOCKER=1 and no Docker engine answers (start one: scripts/docker-engine.sh): %v", dockerErr)
		}
		t.Log("no Docker engine answers: skipping the container tests (scripts/docker-engine.sh starts one; FILEEMU_REQUIRE_DOCKER=1 makes this a failure)")
		testcontainers.SkipIfProviderIsNotHealthy(t)
		t.Skipf("no Docker engine answers, skipping the container tests (FILEEMU_REQUIRE_DOCKER=1 makes this a failure): %v", dockerErr)
	}
	if buildErr != nil {
		t.Fatalf("build the image: %v", buildErr)
	}
}

// sharedContainer is one container for the tests that isolate themselves with sessions.
func sharedContainer(t *testing.T) *container.Container {
	t.Helper()
	needDocker(t)
	sharedOnce.Do(func() {
		start := time.Now()
		shared, sharedErr = container.Run(context.Background(), image)
		if sharedErr == nil {
			t.Logf("shared container up in %s", time.Since(start).Round(time.Millisecond))
		}
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

// onBoth runs body in-process and against the shared container.
func onBoth(t *testing.T, body func(t *testing.T, tg testkit.Target)) {
	t.Run("in-process", func(t *testing.T) { body(t, testkit.Start(t)) })
	t.Run("container", func(t *testing.T) { body(t, sharedContainer(t)) })
}

// client drives the emulated APIs of one session as an application would.
type client struct {
	t    *testing.T
	http *http.Client
	s    *testkit.Session
}

func newClient(t *testing.T, tg testkit.Target) *client {
	return &client{t: t, http: tg.Client(t), s: tg.Session(t)}
}

// do sends a request with the given headers; v, when non-nil, receives a 2xx JSON body.
func (c *client) do(method, u string, hdr map[string]string, body io.Reader, v any) (int, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		c.t.Fatal(err)
	}
	for k, val := range hdr {
		req.Header.Set(k, val)
	}
	resp, b := testkit.Do(c.t, c.http, req)
	if v != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, v); err != nil {
			c.t.Fatalf("%s %s: decode %s: %v", method, u, b, err)
		}
	}
	return resp.StatusCode, b
}

func (c *client) haufe(method, path string, body string, v any) (int, []byte) {
	c.t.Helper()
	hdr := map[string]string{"api-key": "test-key", "user-id": user}
	var rd io.Reader
	if body != "" {
		hdr["Content-Type"] = "application/json"
		rd = strings.NewReader(body)
	}
	return c.do(method, c.s.URL("haufe")+path, hdr, rd, v)
}

func (c *client) desk(method, path string, body string, v any) (int, []byte) {
	c.t.Helper()
	hdr := map[string]string{"Authorization": "Bearer desk-key"}
	var rd io.Reader
	if body != "" {
		hdr["Content-Type"] = "application/json"
		rd = strings.NewReader(body)
	}
	return c.do(method, c.s.URL("desk")+path, hdr, rd, v)
}

// sameHost fails t unless u is served by the host:port of the session's URLs: the emulator
// hands out URLs for the Host the client used, so they work from where the client is.
func (c *client) sameHost(what, u string) {
	c.t.Helper()
	got, err1 := url.Parse(u)
	want, err2 := url.Parse(c.s.URL("s3"))
	if err1 != nil || err2 != nil || got.Host != want.Host || got.Scheme != want.Scheme {
		c.t.Errorf("%s %s is not on %s://%s, the address the client used", what, u, want.Scheme, want.Host)
	}
}

type signed struct {
	FileID  string `json:"file_id"`
	FileURL string `json:"file_url"`
}

type fileStatus struct {
	ProcessingStatus string `json:"processing_status"`
}

// haufeFlow: signed URL → PUT to the fake S3 → status polled until PROCESSED → attached to a
// thread message.
func haufeFlow(t *testing.T, tg testkit.Target) {
	c := newClient(t, tg)
	var s signed
	if st, b := c.haufe("GET", "/v1/files/signed-url?filename=report.txt", "", &s); st != 200 {
		t.Fatalf("signed-url = %d %s", st, b)
	}
	if !strings.HasPrefix(s.FileURL, c.s.URL("s3")+"/haufe-files/"+s.FileID+"/report.txt?") {
		t.Errorf("file_url %s does not point at the session's fake S3 %s", s.FileURL, c.s.URL("s3"))
	}
	c.sameHost("file_url", s.FileURL)

	content := []byte("Quarterly report: revenue up.\n")
	if st, b := c.do("PUT", s.FileURL, map[string]string{"Content-Type": "text/plain"}, bytes.NewReader(content), nil); st != 200 {
		t.Fatalf("PUT to file_url = %d %s", st, b)
	}
	var polls []string
	for i := 0; i < 10; i++ {
		var fs fileStatus
		if st, b := c.haufe("GET", "/v1/files/"+s.FileID+"/status", "", &fs); st != 200 {
			t.Fatalf("status = %d %s", st, b)
		}
		polls = append(polls, fs.ProcessingStatus)
		if fs.ProcessingStatus != "PROCESSING" {
			break
		}
	}
	if want := []string{"PROCESSING", "PROCESSED"}; !slices.Equal(polls, want) {
		t.Fatalf("status polls = %v, want %v", polls, want)
	}
	if st, b := c.haufe("GET", "/v1/files/"+s.FileID, "", nil); st != 200 || !bytes.Equal(b, content) {
		t.Errorf("content = %d %q, want the uploaded text", st, b)
	}

	var th struct {
		ID string `json:"id"`
	}
	thread := fmt.Sprintf(`{"assistant_id":"a1b2c3d4-5678-9abc-def0-1234567890ab","title":"t","user_id":%q}`, user)
	if st, b := c.haufe("POST", "/agents/v1/threads", thread, &th); st != 201 {
		t.Fatalf("create thread = %d %s", st, b)
	}
	msg := fmt.Sprintf(`{"role":"user","content":"summarise it","attachments":[{"file_id":%q}]}`, s.FileID)
	if st, b := c.haufe("POST", "/agents/v1/threads/"+th.ID+"/messages", msg, nil); st != 201 {
		t.Fatalf("attach = %d %s", st, b)
	}

	c.s.AssertCalled(t, "getSignedUrl", 1)
	c.s.AssertCalled(t, "putObject", 1)
	c.s.AssertCalled(t, "getFileStatus", 2)
	c.s.AssertCalled(t, "createMessage", 1)
	puts := c.s.Requests(t, testkit.Operation("putObject"))
	if len(puts) != 1 || puts[0].BodySize != int64(len(content)) || puts[0].BodySHA256 == "" {
		t.Errorf("journal of the PUT = %+v, want its size and SHA-256", puts)
	}
	if st := c.s.State(t); len(st.Objects) != 1 || st.Objects[0].Size != int64(len(content)) {
		t.Errorf("stored objects = %+v", st.Objects)
	}
}

type deskFile struct {
	ID          int64  `json:"id"`
	State       string `json:"state"`
	Size        int64  `json:"size"`
	FileName    string `json:"fileName"`
	DownloadURL string `json:"downloadURL"`
}

// deskFlow: ref.json → the browser S3 POST form with the file → PATCH activates → download.
func deskFlow(t *testing.T, tg testkit.Target) {
	c := newClient(t, tg)
	var ref struct {
		URL    string            `json:"url"`
		Params map[string]string `json:"params"`
		File   deskFile          `json:"file"`
	}
	body := `{"type":"attachment","filename":"photo.jpeg","mimeType":"image/jpeg","disposition":"attachment"}`
	if st, b := c.desk("POST", "/files/ref.json", body, &ref); st != 201 {
		t.Fatalf("ref.json = %d %s", st, b)
	}
	if ref.File.State != "temp" || !strings.HasPrefix(ref.URL, c.s.URL("s3")+"/") {
		t.Errorf("ref = %+v, want a temp file and the session's fake S3", ref)
	}
	c.sameHost("form url", ref.URL)

	// The form as the Desk docs' curl sends it: the fields, the file, then bucket.
	content := bytes.Repeat([]byte("jpeg-ish "), 500)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, k := range []string{"Content-Type", "key", "policy", "success_action_status", "x-amz-algorithm",
		"x-amz-credential", "x-amz-date", "x-amz-signature", "file", "bucket"} {
		if k == "file" {
			w, _ := mw.CreateFormFile("file", "photo.jpeg")
			w.Write(content)
			continue
		}
		mw.WriteField(k, ref.Params[k])
	}
	mw.Close()
	st, b := c.do("POST", ref.URL, map[string]string{"Content-Type": mw.FormDataContentType()}, &buf, nil)
	var pr struct{ Bucket, Key, ETag string }
	if st != 201 || xml.Unmarshal(b, &pr) != nil || pr.Key != ref.Params["key"] || pr.ETag == "" {
		t.Fatalf("S3 POST = %d %s", st, b)
	}

	var act struct{ File deskFile }
	if st, b := c.desk("PATCH", fmt.Sprintf("/files/%d.json", ref.File.ID), "", &act); st != 200 {
		t.Fatalf("PATCH = %d %s", st, b)
	}
	if act.File.State != "active" || act.File.Size != int64(len(content)) || act.File.DownloadURL == "" {
		t.Fatalf("activated file = %+v", act.File)
	}
	c.sameHost("downloadURL", act.File.DownloadURL)
	if st, got := c.do("GET", act.File.DownloadURL, nil, nil, nil); st != 200 || !bytes.Equal(got, content) {
		t.Errorf("downloadURL = %d, %d bytes, want the upload", st, len(got))
	}
	c.s.AssertCalled(t, "createFileRef", 1)
	c.s.AssertCalled(t, "postObject", 1)
	c.s.AssertCalled(t, "activateFile", 1)
}

// sessionsIsolated: two sessions of one emulator see neither the other's files nor its journal.
func sessionsIsolated(t *testing.T, tg testkit.Target) {
	a, b := newClient(t, tg), newClient(t, tg)
	if a.s.ID == b.s.ID {
		t.Fatalf("two sessions share the id %s", a.s.ID)
	}
	var s signed
	if st, body := a.haufe("GET", "/v1/files/signed-url?filename=a.txt", "", &s); st != 200 {
		t.Fatalf("signed-url = %d %s", st, body)
	}
	if st, body := a.do("PUT", s.FileURL, map[string]string{"Content-Type": "text/plain"}, strings.NewReader("a"), nil); st != 200 {
		t.Fatalf("PUT = %d %s", st, body)
	}
	if st, _ := b.haufe("GET", "/v1/files/"+s.FileID+"/status", "", nil); st != 404 {
		t.Errorf("session b sees session a's file: status %d, want 404", st)
	}
	var page struct{ Total int }
	if st, body := b.haufe("GET", "/v1/files", "", &page); st != 200 || page.Total != 0 {
		t.Errorf("session b lists %d files (%d %s), want 0", page.Total, st, body)
	}
	a.s.AssertCalled(t, "getSignedUrl", 1)
	b.s.AssertCalled(t, "getSignedUrl", 0)
	b.s.AssertCalled(t, "getFileStatus", 1)
	if n := len(b.s.State(t).Objects); n != 0 {
		t.Errorf("session b stores %d objects", n)
	}
}

// scenarioConflict: with testdata/signed-url-conflict.yaml loaded at start, getSignedUrl
// answers 409 in Haufe's envelope and the journal names the scenario; other calls are as usual.
func scenarioConflict(t *testing.T, tg testkit.Target) {
	c := newClient(t, tg)
	st, b := c.haufe("GET", "/v1/files/signed-url?filename=a.txt", "", nil)
	var e struct {
		ErrorCode string `json:"error_code"`
	}
	if st != 409 || json.Unmarshal(b, &e) != nil || e.ErrorCode != "conflict" {
		t.Errorf("signed-url with the scenario = %d %s, want 409 conflict", st, b)
	}
	if st, b := c.haufe("GET", "/v1/files", "", nil); st != 200 {
		t.Errorf("list files = %d %s, want 200 (the scenario matches getSignedUrl only)", st, b)
	}
	rs := c.s.Requests(t, testkit.Operation("getSignedUrl"))
	if len(rs) != 1 || rs[0].Status != 409 || rs[0].Scenario != "signed-url-conflict" {
		t.Errorf("journal = %+v, want one 409 by scenario signed-url-conflict", rs)
	}
}

// readyScenarios: every ready-made scenario of scenarios/ready is loaded, inactive; the
// X-Fileemu-Scenario header turns one on for a request.
func readyScenarios(t *testing.T, tg testkit.Target, admin *testkit.Admin, base string) {
	want := readyNames(t)
	req, _ := http.NewRequest("GET", base+"/__admin/scenarios", nil)
	resp, b := testkit.Do(t, tg.Client(t), req)
	var list struct {
		Scenarios []struct {
			Name   string `json:"name"`
			Active bool   `json:"active"`
		} `json:"scenarios"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(b, &list) != nil {
		t.Fatalf("list scenarios = %d %s", resp.StatusCode, b)
	}
	var got []string
	for _, s := range list.Scenarios {
		got = append(got, s.Name)
		if s.Active {
			t.Errorf("scenario %s is active; the ready-made ones must not be", s.Name)
		}
	}
	sort.Strings(got)
	if !slices.Equal(got, want) {
		t.Errorf("loaded scenarios = %v, want the ready-made %v", got, want)
	}
	if !slices.Contains(want, "desk-validation") {
		return
	}
	c := newClient(t, tg)
	body := `{"type":"attachment","filename":"a.txt","mimeType":"text/plain","disposition":"attachment"}`
	if st, b := c.desk("POST", "/files/ref.json", body, nil); st != 201 {
		t.Errorf("ref.json without the header = %d %s, want 201", st, b)
	}
	req, _ = http.NewRequest("POST", c.s.URL("desk")+"/files/ref.json", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer desk-key")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Fileemu-Scenario", "desk-validation")
	if resp, b := testkit.Do(t, c.http, req); resp.StatusCode != 400 {
		t.Errorf("ref.json with X-Fileemu-Scenario: desk-validation = %d %s, want 400", resp.StatusCode, b)
	}
}

// readyNames lists the scenarios defined in scenarios/ready/*.yaml.
func readyNames(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(repoRoot, "scenarios", "ready", "*.yaml"))
	if len(files) == 0 {
		t.Fatal("no scenarios/ready/*.yaml: the image ships them, the test needs them")
	}
	specs, err := testkit.Specs()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		scs, err := scenarios.Parse(f, data, specs.Catalog())
		if err != nil {
			t.Fatalf("ready-made scenario file: %v", err)
		}
		for _, s := range scs {
			names = append(names, s.Name)
		}
	}
	sort.Strings(names)
	return names
}

func TestHaufeFlow(t *testing.T)        { onBoth(t, haufeFlow) }
func TestDeskFlow(t *testing.T)         { onBoth(t, deskFlow) }
func TestSessionsIsolated(t *testing.T) { onBoth(t, sessionsIsolated) }

func TestScenarioFileTakesEffect(t *testing.T) {
	file := filepath.Join("testdata", "signed-url-conflict.yaml")
	t.Run("in-process", func(t *testing.T) {
		scenarioConflict(t, testkit.Start(t, testkit.WithScenarioFiles(file)))
	})
	t.Run("container", func(t *testing.T) {
		needDocker(t)
		scenarioConflict(t, container.Start(t, image, container.WithScenarioFiles(file)))
	})
}

func TestReadyScenariosInImage(t *testing.T) {
	t.Run("in-process", func(t *testing.T) {
		emu := testkit.Start(t, testkit.WithScenarioFiles(filepath.Join(repoRoot, "scenarios", "ready")))
		readyScenarios(t, emu, emu.Admin, emu.URL)
	})
	t.Run("container", func(t *testing.T) {
		c := sharedContainer(t)
		base, err := c.BaseURL(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		readyScenarios(t, c, c.Admin(), base)
	})
}

// The image's HEALTHCHECK (fileemu healthcheck every 2 s) reports healthy; the image runs as
// the non-root user and carries its OCI labels.
func TestImageHealthCheck(t *testing.T) {
	needDocker(t)
	ctx := context.Background()
	c := container.Start(t, image)
	deadline := time.Now().Add(20 * time.Second)
	var status string
	for {
		info, err := c.Inspect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if info.State.Health == nil {
			t.Fatal("the container has no health check")
		}
		status = string(info.State.Health.Status)
		if status == "healthy" {
			started, _ := time.Parse(time.RFC3339Nano, info.State.StartedAt)
			var firstOK time.Time
			for _, l := range info.State.Health.Log {
				if l.ExitCode == 0 {
					firstOK = l.End
					break
				}
			}
			t.Logf("healthy: first passing probe %s after start (probes every 2 s)", firstOK.Sub(started).Round(time.Millisecond))
			if info.Config.User != "65532:65532" {
				t.Errorf("user = %q, want 65532:65532", info.Config.User)
			}
			for _, l := range []string{"title", "description", "source", "licenses", "version"} {
				if info.Config.Labels["org.opencontainers.image."+l] == "" {
					t.Errorf("label org.opencontainers.image.%s missing", l)
				}
			}
			return
		}
		if status == "unhealthy" || time.Now().After(deadline) {
			t.Fatalf("health status %q, want healthy; log: %+v", status, info.State.Health.Log)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestOptions(t *testing.T) {
	needDocker(t)
	ctx := context.Background()
	c := container.Start(t, image,
		container.WithAdminToken("admin-secret"),
		container.WithSeed(42),
		container.WithLogLevel("warn"),
		container.WithScenarioDir(filepath.Join("testdata", "dir")),
	)
	base, err := c.BaseURL(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Errorf("BaseURL = %s, want loopback", base)
	}

	// The admin API wants the token; the container's own Admin client and sessions send it.
	resp, err := http.Get(base + "/__admin/sessions")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("admin call without the token = %d, want 401", resp.StatusCode)
	}
	s := c.Session(t)
	if n := s.Count(t); n != 0 {
		t.Errorf("fresh session has %d journal entries", n)
	}

	// The scenario dir was copied in next to the ready-made files.
	req, _ := http.NewRequest("GET", base+"/__admin/scenarios", nil)
	req.Header.Set("Authorization", "Bearer admin-secret")
	resp, body := testkit.Do(t, c.Client(t), req)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"name":"dir-inactive"`) || !strings.Contains(string(body), `"/scenarios/inactive.yaml"`) {
		t.Errorf("scenarios = %d %s, want dir-inactive from /scenarios/inactive.yaml", resp.StatusCode, body)
	}

	info, err := c.Inspect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range []string{"FILEEMU_SEED=42", "FILEEMU_LOG_LEVEL=warn", "FILEEMU_ADMIN_TOKEN=admin-secret"} {
		if !slices.Contains(info.Config.Env, kv) {
			t.Errorf("env %v lacks %s", info.Config.Env, kv)
		}
	}
	// At level warn the info line "fileemu listening" is not logged.
	rc, err := c.Logs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	logs, _ := io.ReadAll(rc)
	rc.Close()
	if bytes.Contains(logs, []byte("fileemu listening")) {
		t.Errorf("log level warn, but the log has info lines:\n%s", logs)
	}

	for api, want := range map[string]string{"haufe": base, "desk": base + "/desk/api/v2", "s3": base + "/s3", "admin": base + "/__admin"} {
		if got, err := c.URL(ctx, api); err != nil || got != want {
			t.Errorf("URL(%s) = %s, %v; want %s", api, got, err, want)
		}
	}
	if _, err := c.URL(ctx, "nope"); err == nil || !strings.Contains(err.Error(), `unknown API "nope"`) {
		t.Errorf("URL(nope) error = %v, want unknown API", err)
	}
}

// An image that does not exist fails Run quickly with an error naming it. The name points at a
// registry on a closed loopback port, so the engine's pull attempt never leaves this machine.
func TestRunMissingImage(t *testing.T) {
	needDocker(t)
	const missing = "127.0.0.1:1/fileemu/missing:never"
	start := time.Now()
	c, err := container.Run(context.Background(), missing)
	testcontainers.CleanupContainer(t, c)
	if err == nil {
		t.Fatal("Run with a missing image succeeded")
	}
	if !strings.Contains(err.Error(), "run fileemu: image "+missing) {
		t.Errorf("error %q does not name the image", err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("Run took %s to fail", d)
	}
	t.Log(err)
}

// A scenario file that fails lint fails Run before any container is created, with the lint
// message.
func TestRunBadScenarioFile(t *testing.T) {
	needDocker(t)
	bad := filepath.Join("testdata", "bad-operation.yaml")
	start := time.Now()
	c, err := container.Run(context.Background(), image, container.WithScenarioFiles(bad))
	testcontainers.CleanupContainer(t, c)
	if err == nil {
		t.Fatal("Run with a bad scenario file succeeded")
	}
	for _, want := range []string{"run fileemu: image " + image, bad + ":5:40:", `unknown operation "getSignedURL"`, "did you mean getSignedUrl?"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if c != nil {
		t.Errorf("a container was created for a file that fails lint")
	}
	t.Log(err)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Run took %s to fail", d)
	}

	for _, tc := range []struct {
		opt  testcontainers.CustomizeRequestOption
		want string
	}{
		{container.WithScenarioFiles("testdata/nope.yaml"), "no such file"},
		{container.WithScenarioFiles(filepath.Join("testdata", "dir")), "loads only *.yaml"},
		{container.WithScenarioDir(t.TempDir()), "no scenario files"},
	} {
		c, err := container.Run(context.Background(), image, tc.opt)
		testcontainers.CleanupContainer(t, c)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Run error = %v, want %q", err, tc.want)
		}
	}
}

// A container that runs but never answers the wait strategy fails Run when the wait times out,
// naming the image and quoting the container's last log lines. (A user option replaces the
// module's wait strategy here, to wait for a path that never answers 200, for 2 s.)
func TestRunNeverHealthy(t *testing.T) {
	needDocker(t)
	start := time.Now()
	c, err := container.Run(context.Background(), image, testcontainers.WithWaitStrategyAndDeadline(2*time.Second,
		wait.ForHTTP("/__admin/never").WithPort(container.Port).WithStartupTimeout(2*time.Second)))
	testcontainers.CleanupContainer(t, c)
	if err == nil {
		t.Fatal("Run succeeded although the wait strategy never passed")
	}
	for _, want := range []string{"run fileemu: image " + image, "deadline exceeded", "of the container log:", "fileemu listening"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("Run took %s to fail", d)
	}
	t.Log(err)
}

// A container that exits instead of getting healthy fails Run at once, naming the image and
// quoting the container's last log lines.
func TestRunExits(t *testing.T) {
	needDocker(t)
	start := time.Now()
	c, err := container.Run(context.Background(), image, testcontainers.WithCmd("serve", "--log-level", "loud"))
	testcontainers.CleanupContainer(t, c)
	if err == nil {
		t.Fatal("Run of a container that exits succeeded")
	}
	for _, want := range []string{"run fileemu: image " + image, "container log:", "--log-level"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("Run took %s to fail", d)
	}
	t.Log(err)
}
