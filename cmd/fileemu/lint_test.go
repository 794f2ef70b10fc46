package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// writeFile writes a scenario file atomically (a temporary name, then a rename), as editors do,
// so that a watcher never reads half a file.
func writeFile(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

const goodScenario = `scenarios:
  - name: teapot
    description: /v1/files answers 418
    rules:
      - match: {api: haufe, path: /v1/files}
        respond: 418
`

// badScenario has three problems: an unknown operation, a status out of range and an unknown field.
const badScenario = `scenarios:
  - name: broken
    rules:
      - match: {api: haufe, operation: getSignedURL}
        respond: 99
        colour: red
`

var badScenarioErrors = []string{
	`:4:40: unknown operation "getSignedURL" in api haufe; did you mean getSignedUrl?`,
	`:5:18: status must be within 100-599, not 99`,
	`:6:9: unknown field "colour" in a rule; expected one of: match, when, respond, delay, fault, rate_limit, infect, processing, fail_processing`,
}

func TestLintGoodFiles(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	writeFile(t, good, goodScenario)
	code, out := runBinary(t, nil, "lint", good)
	if code != 0 || strings.TrimSpace(out) != good+": ok (1 scenario)" {
		t.Errorf("lint good.yaml = %d %q, want 0 and ok", code, out)
	}
	// JSON is a scenario file too.
	js := filepath.Join(dir, "good.json")
	writeFile(t, js, `{"scenarios":[{"name":"j","rules":[{"match":{"api":"s3","method":"PUT"},"fault":"reset"}]}]}`)
	if code, out := runBinary(t, nil, "lint", js); code != 0 || !strings.Contains(out, "good.json: ok (1 scenario)") {
		t.Errorf("lint good.json = %d %q", code, out)
	}
	// The ready-made scenarios are all valid for the binary's APIs.
	ready, _ := filepath.Glob("../../scenarios/ready/*.yaml")
	if len(ready) == 0 {
		t.Fatal("no ready-made scenarios found")
	}
	code, out = runBinary(t, nil, append([]string{"lint"}, ready...)...)
	if code != 0 || strings.Count(out, ": ok (1 scenario)") != len(ready) {
		t.Errorf("lint of the ready-made scenarios = %d\n%s", code, out)
	}
}

func TestLintBadFiles(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	writeFile(t, bad, badScenario)
	good := filepath.Join(dir, "good.yaml")
	writeFile(t, good, goodScenario)

	code, out := runBinary(t, nil, "lint", good, bad)
	if code != 1 {
		t.Errorf("lint with a bad file exits %d, want 1", code)
	}
	var want []string
	for _, e := range badScenarioErrors {
		want = append(want, bad+e)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var problems []string
	for _, l := range lines {
		if strings.HasPrefix(l, bad+":") {
			problems = append(problems, l)
		}
	}
	if strings.Join(problems, "\n") != strings.Join(want, "\n") {
		t.Errorf("lint printed\n%s\nwant the lines\n%s", out, strings.Join(want, "\n"))
	}
	if !strings.Contains(out, good+": ok (1 scenario)") || !strings.Contains(out, "3 problems") {
		t.Errorf("lint output lacks the good file's ok or the count:\n%s", out)
	}
	if !strings.Contains(out, "did you mean getSignedUrl?") {
		t.Errorf("no suggestion in:\n%s", out)
	}
	// Each problem line is file:line:column: message.
	pos := regexp.MustCompile(`^` + regexp.QuoteMeta(bad) + `:\d+:\d+: \S`)
	for _, p := range problems {
		if !pos.MatchString(p) {
			t.Errorf("line %q is not file:line:column: message", p)
		}
	}

	// Not YAML, empty, missing: every one is a problem.
	notYAML := filepath.Join(dir, "not.yaml")
	writeFile(t, notYAML, "scenarios: [\n")
	empty := filepath.Join(dir, "empty.yaml")
	writeFile(t, empty, "")
	code, out = runBinary(t, nil, "lint", notYAML, empty, filepath.Join(dir, "missing.yaml"))
	if code != 1 || !strings.Contains(out, notYAML+": not YAML or JSON") ||
		!strings.Contains(out, empty+`:1:1: empty file: expected a mapping with "scenarios"`) ||
		!strings.Contains(out, "missing.yaml: no such file or directory") {
		t.Errorf("lint of broken files = %d\n%s", code, out)
	}
	if code, out := runBinary(t, nil, "lint"); code != 2 || !strings.Contains(out, "usage: fileemu lint FILE|DIR...") {
		t.Errorf("lint without files = %d %q, want 2 and the usage", code, out)
	}
}

// serve with a bad scenario file stops at once with the positioned problems, before listening.
func TestServeRefusesBadScenarioFiles(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	writeFile(t, bad, badScenario)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a guard, not an expectation
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "serve", "--addr", "127.0.0.1:0", "--log-format", "json", "--scenarios", bad)
	out, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 1 {
		t.Fatalf("serve with a bad scenario file: %v, want exit status 1\n%s", err, out)
	}
	if !strings.HasPrefix(string(out), "fileemu: load scenarios:\n") {
		t.Errorf("output does not start with the error:\n%s", out)
	}
	for _, e := range badScenarioErrors {
		if !strings.Contains(string(out), bad+e) {
			t.Errorf("output lacks %s%s:\n%s", bad, e, out)
		}
	}
	if strings.Contains(string(out), "listening") {
		t.Errorf("the emulator listened:\n%s", out)
	}
}

// syncBuffer collects a process's logs while the test reads them.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startWatched runs `fileemu serve` like start, keeping its logs readable while it runs.
func startWatched(t *testing.T, args ...string) (addr string, logs *syncBuffer) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve", "--addr", "127.0.0.1:0", "--log-format", "json"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logs = &syncBuffer{}
	done := make(chan struct{})
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		logs.Write(append(sc.Bytes(), '\n'))
		var line struct{ Msg, Addr string }
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "fileemu listening" {
			addr = line.Addr
			break
		}
	}
	go func() {
		_, _ = io.Copy(logs, stderr)
		_ = cmd.Wait()
		close(done)
	}()
	if addr == "" {
		t.Fatalf("fileemu did not start: %s", logs)
	}
	return addr, logs
}

// poll tries cond every few milliseconds for at most about 5 s.
func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 1000 {
		if cond() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("gave up waiting for %s", what)
}

// A scenario file written into the --scenarios directory applies without a restart; a broken
// one is refused with its position in the log and the running set stays.
func TestScenarioFilesHotReload(t *testing.T) {
	dir := t.TempDir()
	addr, logs := startWatched(t, "--scenarios", dir)
	listFiles := func() int {
		req, _ := http.NewRequest("GET", "http://"+addr+"/v1/files", nil)
		req.Header.Set("api-key", "k")
		req.Header.Set("user-id", "u")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := listFiles(); st != 200 {
		t.Fatalf("before any scenario: %d", st)
	}

	writeFile(t, filepath.Join(dir, "teapot.yaml"), goodScenario)
	poll(t, "the new scenario to apply", func() bool { return listFiles() == 418 })
	// The log line follows the swap.
	poll(t, "the reload to be logged", func() bool { return strings.Contains(logs.String(), `"msg":"scenarios reloaded","count":1`) })

	broken := filepath.Join(dir, "broken.yaml")
	writeFile(t, broken, badScenario)
	kept := func() bool {
		for _, l := range strings.Split(logs.String(), "\n") {
			if strings.Contains(l, "keeping the running set") && strings.Contains(l, broken+badScenarioErrors[1]) {
				return true
			}
		}
		return false
	}
	poll(t, "the broken file to be refused", kept)
	if st := listFiles(); st != 418 {
		t.Errorf("after a broken file: %d, want 418 (the running set stays)", st)
	}
	for _, e := range badScenarioErrors {
		if !strings.Contains(logs.String(), strconvQuote(broken+e)) {
			t.Errorf("the log lacks %s%s:\n%s", broken, e, logs)
		}
	}

	// Fixing the directory reloads it: without the files, the API answers normally again.
	if err := os.Remove(broken); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "teapot.yaml")); err != nil {
		t.Fatal(err)
	}
	poll(t, "the scenario to go away", func() bool { return listFiles() == 200 })
}

// strconvQuote is how the JSON log shows a line inside the error string: quotes escaped.
func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return strings.Trim(string(b), `"`)
}

// Files are linted together, as --scenarios loads them: a name defined in two files is refused.
func TestLintFindsDuplicatesAcrossFiles(t *testing.T) {
	dir := t.TempDir()
	doc := "scenarios:\n  - name: dup\n    rules:\n      - match: {api: haufe}\n        respond: 500\n"
	a, b := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	os.WriteFile(a, []byte(doc), 0o644)
	os.WriteFile(b, []byte(doc), 0o644)
	code, out := runBinary(t, nil, "lint", a, b)
	if code != 1 || !strings.Contains(out, "scenario dup is also defined in "+a) {
		t.Errorf("lint a b = %d %s", code, out)
	}
}

// A bad environment value is refused like the same bad flag, not replaced by the default.
func TestBadEnvironmentValueIsRefused(t *testing.T) {
	code, out := runBinary(t, []string{"FILEEMU_MAX_OBJECT_SIZE=10 apples"}, "serve", "--addr", "127.0.0.1:0")
	if code != 2 || !strings.Contains(out, "FILEEMU_MAX_OBJECT_SIZE") {
		t.Errorf("= %d %s", code, out)
	}
}
