package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// help and --help print the whole usage to stdout and exit 0: what fileemu is, every command,
// the flags of each with default and environment twin, and examples.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		code, out := runBinary(t, nil, args...)
		if code != 0 {
			t.Errorf("%v exits %d", args, code)
		}
		for _, want := range []string{"emulates file-upload APIs", "fileemu serve [flags]", "fileemu lint FILE|DIR...",
			"fileemu healthcheck", "fileemu version", "fileemu help", "--max-object-size", "default 100MiB [FILEEMU_MAX_OBJECT_SIZE]",
			"default 127.0.0.1:8080 [FILEEMU_ADDR]", "Flags of healthcheck", "Examples:"} {
			if !strings.Contains(out, want) {
				t.Errorf("%v lacks %q:\n%s", args, want, out)
			}
		}
		if strings.Contains(out, "Usage of") {
			t.Errorf("%v prints the flag package's text:\n%s", args, out)
		}
	}
	// A command's help lists its own flags only.
	code, out := runBinary(t, nil, "lint", "--help")
	if code != 0 || !strings.Contains(out, "Usage: fileemu lint FILE|DIR...") || strings.Contains(out, "--addr") {
		t.Errorf("lint --help = %d\n%s", code, out)
	}
	code, out = runBinary(t, nil, "healthcheck", "-h")
	if code != 0 || !strings.Contains(out, "--addr") || strings.Contains(out, "--max-object-size") {
		t.Errorf("healthcheck -h = %d\n%s", code, out)
	}
	if code, out := runBinary(t, nil, "help", "serve"); code != 0 || !strings.Contains(out, "--scenarios") {
		t.Errorf("help serve = %d\n%s", code, out)
	}
}

// Mistakes get a way out: the flag or command probably meant, the accepted values.
func TestCLIMistakes(t *testing.T) {
	cases := []struct {
		args []string
		env  []string
		code int
		want string
	}{
		{[]string{"serve", "--max-objet-size", "3"}, nil, 2, "unknown flag --max-objet-size; did you mean --max-object-size?"},
		{[]string{"--scenario", "x.yaml"}, nil, 2, "did you mean --scenarios?"},
		{[]string{"serv"}, nil, 2, `unknown command "serv"; did you mean serve?`},
		{[]string{"serve", "--log-level", "loud", "--addr", "127.0.0.1:0"}, nil, 1, `--log-level "loud": use one of debug, info, warn, error`},
		{[]string{"serve", "--max-object-size", "lots"}, nil, 2, "use bytes (104857600) or a number with a unit"},
		{[]string{"serve"}, []string{"FILEEMU_MAX_OBJECT_SIZE=ten"}, 2, "FILEEMU_MAX_OBJECT_SIZE"},
		{[]string{"serve", "--help"}, []string{"FILEEMU_MAX_OBJECT_SIZE=ten"}, 0, "Usage: fileemu serve"},
		{[]string{"serve", "--addr"}, nil, 2, "flag needs an argument: --addr"},
		{[]string{"--version"}, nil, 0, "fileemu "},
	}
	for _, c := range cases {
		code, out := runBinary(t, c.env, c.args...)
		if code != c.code || !strings.Contains(out, c.want) {
			t.Errorf("%v = %d %q, want %d and %q", c.args, code, out, c.code, c.want)
		}
	}
}

// A port in use names the flag and the variable that change it.
func TestPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	code, out := runBinary(t, nil, "serve", "--addr", ln.Addr().String())
	if code != 1 || !strings.Contains(out, "address already in use") || !strings.Contains(out, "--addr") || !strings.Contains(out, "FILEEMU_ADDR") {
		t.Errorf("serve on a used port = %d %q", code, out)
	}
}

// Sizes take units: 1KiB allows 1024 bytes and refuses 1025.
func TestByteSizeUnits(t *testing.T) {
	for _, env := range [][]string{nil, {"FILEEMU_MAX_OBJECT_SIZE=1KiB"}} {
		args := []string{"--max-object-size", "1KiB"}
		if env != nil {
			args = nil
		}
		p := start(t, env, args...)
		for size, want := range map[int]int{1024: 200, 1025: 400} {
			req, _ := http.NewRequest("PUT", signedURL(t, p.url()), strings.NewReader(strings.Repeat("x", size)))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("%v %v: PUT of %d bytes = %d %s, want %d", env, args, size, resp.StatusCode, body, want)
			}
		}
	}
	for _, bad := range []string{"nan", "0.5", "1e-9", "inf", "-1", "0", "1.5B", "ten"} {
		var b byteSize
		if err := b.Set(bad); err == nil {
			t.Errorf("Set(%q) = %d, want an error", bad, b)
		}
	}
	for in, want := range map[string]byteSize{"10MiB": 10 << 20, "1.5GB": 1_500_000_000, "512 kib": 512 << 10, "42": 42, "7b": 7} {
		var b byteSize
		if err := b.Set(in); err != nil || b != want {
			t.Errorf("Set(%q) = %d %v, want %d", in, b, err, want)
		}
	}
}

// lint takes what --scenarios takes: files and directories; counts are in words.
func TestLintDirectories(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.yaml"), goodScenario)
	writeFile(t, filepath.Join(dir, "b.json"), `{"scenarios":[{"name":"j","rules":[{"match":{"api":"s3"},"fault":"reset"}]}]}`)
	writeFile(t, filepath.Join(dir, "notes.txt"), "not a scenario file")
	code, out := runBinary(t, nil, "lint", dir)
	if code != 0 || !strings.Contains(out, filepath.Join(dir, "a.yaml")+": ok (1 scenario)") ||
		!strings.Contains(out, filepath.Join(dir, "b.json")+": ok (1 scenario)") || strings.Contains(out, "notes.txt") {
		t.Errorf("lint DIR = %d\n%s", code, out)
	}
	if code, out := runBinary(t, nil, "lint", "../../scenarios/ready"); code != 0 || strings.Count(out, ": ok (1 scenario)") < 7 {
		t.Errorf("lint scenarios/ready = %d\n%s", code, out)
	}
	bad := t.TempDir()
	writeFile(t, filepath.Join(bad, "x.yaml"), "scenarios:\n  - name: x\n    rules:\n      - match: {api: haufe}\n        respond: 99\n")
	code, out = runBinary(t, nil, "lint", bad)
	if code != 1 || !strings.Contains(out, "\n1 problem\n") {
		t.Errorf("lint of one problem = %d %q, want \"1 problem\"", code, out)
	}
	empty := t.TempDir()
	if code, out := runBinary(t, nil, "lint", empty); code != 1 || !strings.Contains(out, "no scenario files") {
		t.Errorf("lint of an empty directory = %d %q", code, out)
	}
}

// The startup output says where everything is: every API's base URL, the session prefix, the
// scenarios and the seed shares; in JSON as fields of the "listening" line.
func TestStartupSaysWhereThingsAre(t *testing.T) {
	addr, logs := startWatched(t, "--scenarios", "../../scenarios/ready/outage.yaml")
	var line struct {
		Msg       string
		URLs      map[string]string `json:"urls"`
		Sessions  string
		Scenarios []string
		Shares    []string
		Dashboard string
	}
	for _, l := range strings.Split(logs.String(), "\n") {
		if json.Unmarshal([]byte(l), &line) == nil && line.Msg == "fileemu listening" {
			break
		}
	}
	base := "http://" + addr
	want := map[string]string{"haufe": base + "/v1", "desk": base + "/desk/api/v2", "weavy": base + "/api",
		"filesro": base + "/api" /* files.ro's /api/v1/ and VueFileManager's /api/sharing/ */, "s3": base + "/s3", "admin": base + "/__admin"}
	for api, u := range want {
		if line.URLs[api] != u {
			t.Errorf("urls[%s] = %q, want %q (line %+v)", api, line.URLs[api], u, line)
		}
	}
	if line.Sessions != base+"/_s/{id}/..." || strings.Join(line.Scenarios, ",") != "outage (inactive)" ||
		!strings.Contains(strings.Join(line.Shares, ","), "demo-protected (editor, password secret)") {
		t.Errorf("startup line = %+v", line)
	}
	if line.Dashboard != base+"/__admin/ui/" {
		t.Errorf("the startup line's dashboard = %q, want %s/__admin/ui/", line.Dashboard, base)
	}

	// Text: a table after the log line, one API a row.
	stop, text := startText(t)
	defer stop()
	for _, want := range []string{"msg=\"fileemu listening\"", "  haufe     http://127.0.0.1:", "/v1\n", "  desk      http://", "/desk/api/v2\n",
		"  admin     http://", "/__admin\n", "  sessions  http://", "/_s/{id}/...", "  shares    demo (editor)",
		"dashboard=http://127.0.0.1:", "  dashboard http://127.0.0.1:"} {
		if !strings.Contains(text(), want) {
			t.Errorf("text startup lacks %q:\n%s", want, text())
		}
	}
}

// startText runs the binary with text logs and returns a stop function and its output so far.
func startText(t *testing.T) (stop func(), logs func() string) {
	t.Helper()
	dir := t.TempDir()
	out := filepath.Join(dir, "log")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	p := exec.Command(binary, "serve", "--addr", addr)
	p.Stderr = f
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	poll(t, "the emulator to listen", func() bool { return strings.Contains(readFile(t, out), "  shares ") })
	return func() { _ = p.Process.Kill(); _ = p.Wait(); f.Close() }, func() string { return readFile(t, out) }
}

// A shutdown that outlasts its grace period says what it cut and still exits 0, as a container
// expects after SIGTERM.
func TestShutdownPastTheGracePeriodExitsZero(t *testing.T) {
	addr := freeAddr(t)
	cmd := exec.Command(binary, "serve", "--addr", addr, "--shutdown-timeout", "500ms", "--log-format", "json")
	var logs syncBuffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }()
	poll(t, "the emulator to listen", func() bool { return get(t, "http://"+addr+"/__admin/health", nil) == 200 })
	u := signedURL(t, "http://"+addr)
	// An upload that never completes: headers and a few bytes of a declared megabyte.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	path := strings.TrimPrefix(u, "http://"+addr)
	fmt.Fprintf(conn, "PUT %s HTTP/1.1\r\nHost: %s\r\nContent-Length: 1048576\r\n\r\nabc", path, addr)
	time.Sleep(300 * time.Millisecond) // the server reads the headers and starts the upload
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM with a stuck upload: %v\n%s", err, logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("still running 20 s after SIGTERM:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "shutdown grace period over") || !strings.Contains(logs.String(), `"connections":1`) {
		t.Errorf("the log does not say what was cut:\n%s", logs.String())
	}
}
