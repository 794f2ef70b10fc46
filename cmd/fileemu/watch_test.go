package main

import (
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const rateLimitScenario = `scenarios:
  - name: slow-down
    rules:
      - match: {api: haufe}
        rate_limit: {rate: 2/m}
`

// The bug report, as written: `fileemu serve --scenarios ./s.yaml > ./emu.log 2>&1`. The log
// lives beside the scenario file; its writes must not reload the scenarios, or the rate limit
// starts afresh on every reload and never answers 429.
func TestLogBesideScenarioFileDoesNotReload(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "s.yaml"), rateLimitScenario)
	logPath := filepath.Join(dir, "emu.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	addr := freeAddr(t)
	cmd := exec.Command(binary, "serve", "--addr", addr, "--scenarios", "./s.yaml", "--log-level", "debug")
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	poll(t, "the emulator to listen", func() bool { return get(t, "http://"+addr+"/__admin/health", nil) == 200 })
	// A reload loop shows within a few settle periods (100 ms each).
	time.Sleep(700 * time.Millisecond)

	statuses := func(n int) []int {
		var out []int
		for range n {
			out = append(out, get(t, "http://"+addr+"/v1/files", map[string]string{"api-key": "k", "user-id": "u"}))
		}
		return out
	}
	if got := statuses(5); !slices.Equal(got, []int{200, 200, 429, 429, 429}) {
		t.Errorf("five quick requests = %v, want [200 200 429 429 429]", got)
	}
	log := readFile(t, logPath)
	if n := strings.Count(log, "scenarios reloaded"); n != 0 {
		t.Errorf("%d reloads with no change to the scenario file:\n%s", n, log)
	}

	// Saving the file again unchanged (editors do) keeps the rule state: still limited.
	writeFile(t, filepath.Join(dir, "s.yaml"), rateLimitScenario)
	poll(t, "the unchanged file to be read", func() bool { return strings.Contains(readFile(t, logPath), "scenario files unchanged") })
	if got := statuses(1); got[0] != 429 {
		t.Errorf("after saving the same content: %v, want 429 (rule state kept)", got)
	}
	// A real change reloads once, and the new rule starts with a full bucket.
	writeFile(t, filepath.Join(dir, "s.yaml"), strings.Replace(rateLimitScenario, "2/m", "3/m", 1))
	poll(t, "the change to load", func() bool { return strings.Count(readFile(t, logPath), "scenarios reloaded") == 1 })
	if got := statuses(4); !slices.Equal(got, []int{200, 200, 200, 429}) {
		t.Errorf("after the change = %v, want [200 200 200 429]", got)
	}
	time.Sleep(400 * time.Millisecond)
	if n := strings.Count(readFile(t, logPath), "scenarios reloaded"); n != 1 {
		t.Errorf("%d reloads for one change", n)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// get sends a GET with headers and returns the status (0 when nothing answers).
func get(t *testing.T, url string, headers map[string]string) int {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
