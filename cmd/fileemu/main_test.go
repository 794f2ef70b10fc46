package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fileemu-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "fileemu")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a running fileemu binary.
type proc struct {
	cmd  *exec.Cmd
	addr string
	logs *bytes.Buffer
	done chan error
}

// start runs the binary on a free loopback port and waits for its "listening" log line.
func start(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve", "--addr", "127.0.0.1:0", "--log-format", "json"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, logs: &bytes.Buffer{}, done: make(chan error, 1)}
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		p.logs.Write(append(sc.Bytes(), '\n'))
		var line struct{ Msg, Addr, APIs string }
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "fileemu listening" {
			p.addr = line.Addr
			for _, want := range []string{"s3", "haufe", "desk"} {
				if !strings.Contains(","+line.APIs+",", ","+want+",") {
					t.Errorf("startup line names APIs %q, without %s", line.APIs, want)
				}
			}
			break
		}
	}
	if p.addr == "" {
		t.Fatalf("fileemu did not start: %s", p.logs)
	}
	go func() {
		_, _ = io.Copy(p.logs, stderr)
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

func (p *proc) url() string { return "http://" + p.addr }

// The README's curl walk-throughs, run as written against the binary.
func TestWalkthroughsWithCurl(t *testing.T) {
	p := start(t, nil)
	cases := map[string][]string{
		"haufe-walkthrough.sh": {"status: PROCESSED", "attached", `messages: [{"role":"user","content":"Summarise the report"}]`, `"infected":true`, "attach eicar: 409"},
		"desk-walkthrough.sh":  {"is temp", "<PostResponse>", `"state":"active"`, "tampered key: 403 Invalid according to Policy"},
		"weavy-walkthrough.sh": {"same name: 409", "replace: 200 rev 2", `revisions: [{"rev":3`, "after restore: rev 4, content: Quarterly report, draft 1",
			`listed: {"count":0}`, `"ids":[1]`, "deleted: 404", `(message)"],"count":2}`, "bad list: 422", "no token: 401", "eicar blob: 409 Conflict"},
		"filesro-walkthrough.sh": {`"name":"filesro-hero"`, "thumbnail: image/jpeg", "is_last_chunk=0): 200, 0 body bytes",
			"is_last_chunk=1): 201", "sha256 matches", "folder Reports", "visitor: 403 Access Denied",
			"protected without cookie: 403", "protected after unlock: 201"},
	}
	for script, wants := range cases {
		t.Run(script, func(t *testing.T) {
			cmd := exec.Command("bash", "../../examples/"+script)
			cmd.Env = append(os.Environ(), "FILEEMU_URL="+p.url())
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("walk-through failed: %v\n%s", err, out)
			}
			for _, want := range wants {
				if !strings.Contains(string(out), want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

func signedURL(t *testing.T, base string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/v1/files/signed-url?filename=slow.bin", nil)
	req.Header.Set("api-key", "k")
	req.Header.Set("user-id", "u")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct {
		FileURL string `json:"file_url"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v.FileURL
}

// SIGTERM lets an upload that is under way finish, then the process exits 0.
func TestGracefulShutdownLetsUploadsFinish(t *testing.T) {
	p := start(t, nil)
	u := signedURL(t, p.url())
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("PUT", u, pr)
	req.ContentLength = 2 << 20
	result := make(chan *http.Response, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("upload: %v", err)
		}
		result <- resp
	}()
	half := bytes.Repeat([]byte("z"), 1<<20)
	if _, err := pw.Write(half); err != nil {
		t.Fatal(err)
	}
	// A round trip on another connection: by now the server has read the upload's headers.
	if resp, err := http.Get(p.url() + "/__admin/health"); err == nil {
		resp.Body.Close()
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if _, err := pw.Write(half); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	if resp := <-result; resp == nil || resp.StatusCode != 200 {
		t.Fatalf("in-flight upload did not finish: %+v\n%s", resp, p.logs)
	}
	if err := <-p.done; err != nil {
		t.Errorf("exit after SIGTERM: %v\n%s", err, p.logs)
	}
	if !strings.Contains(p.logs.String(), "shutting down") {
		t.Errorf("no shutdown log line:\n%s", p.logs)
	}
}

func runBinary(t *testing.T, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

func TestHealthcheckVersionAndCommands(t *testing.T) {
	p := start(t, nil)
	if code, out := runBinary(t, nil, "healthcheck", "--addr", p.addr); code != 0 {
		t.Errorf("healthcheck of a running emulator = %d %s", code, out)
	}
	if code, out := runBinary(t, []string{"FILEEMU_ADDR=" + p.addr}, "healthcheck"); code != 0 {
		t.Errorf("healthcheck with FILEEMU_ADDR = %d %s", code, out)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln.Addr().String()
	ln.Close()
	if code, _ := runBinary(t, nil, "healthcheck", "--addr", closed); code != 1 {
		t.Errorf("healthcheck of nothing = %d, want 1", code)
	}
	if code, out := runBinary(t, nil, "version"); code != 0 || !strings.HasPrefix(out, "fileemu ") {
		t.Errorf("version = %d %q", code, out)
	}
	if code, _ := runBinary(t, nil, "frobnicate"); code != 2 {
		t.Errorf("unknown command = %d, want 2", code)
	}
	if code, out := runBinary(t, nil, "serve", "--addr", "127.0.0.1:0", "--log-format", "xml"); code != 1 || !strings.Contains(out, "--log-format") {
		t.Errorf("bad --log-format = %d %q", code, out)
	}
}

// Environment twins of flags reach the emulator: FILEEMU_MAX_OBJECT_SIZE bounds uploads.
func TestEnvironmentConfiguresTheEmulator(t *testing.T) {
	p := start(t, []string{"FILEEMU_MAX_OBJECT_SIZE=10", "FILEEMU_PUBLIC_URL=http://files.example.test:9000"})
	u := signedURL(t, p.url())
	if !strings.HasPrefix(u, "http://files.example.test:9000/s3/") {
		t.Errorf("file_url %s ignores FILEEMU_PUBLIC_URL", u)
	}
	// The URL is signed for the public host; send it to the real address with that Host header.
	req, _ := http.NewRequest("PUT", strings.Replace(u, "files.example.test:9000", p.addr, 1), strings.NewReader("eleven byte"))
	req.Host = "files.example.test:9000"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(body), "EntityTooLarge") {
		t.Errorf("11-byte PUT with max 10 = %d %s", resp.StatusCode, body)
	}
}
