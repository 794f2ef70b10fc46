package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// server is the emulator under load: one this program started (its PID known, so its memory
// can be read) or a running one given by -url.
type server struct {
	base string
	cmd  *exec.Cmd
	dir  string // temp dir of a binary built here

	mu      sync.Mutex
	peakRSS int64 // bytes, highest VmRSS sampled (VmHWM at the end wins when larger)
	baseRSS int64 // bytes, VmRSS once listening: the emulator's own footprint
	stop    chan struct{}
}

// loopbackURL refuses any base URL whose host is not a loopback address: the load program
// must never send its traffic to another machine.
func loopbackURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("-url %q: want http://127.0.0.1:PORT", raw)
	}
	host := u.Hostname()
	if host != "localhost" {
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			return "", fmt.Errorf("-url %q: only loopback hosts (127.0.0.0/8, ::1, localhost) are allowed", raw)
		}
	}
	return strings.TrimRight(u.Scheme+"://"+u.Host+u.Path, "/"), nil
}

// buildBinary builds ./cmd/fileemu of this module into a temp dir.
func buildBinary(ctx context.Context) (bin, dir string, err error) {
	dir, err = os.MkdirTemp("", "fileemu-load-")
	if err != nil {
		return "", "", fmt.Errorf("build: %w", err)
	}
	bin = filepath.Join(dir, "fileemu")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/fileemu/fileemu/cmd/fileemu")
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", "", fmt.Errorf("go build ./cmd/fileemu: %w\n%s", err, out)
	}
	return bin, dir, nil
}

// startServer runs bin on a free loopback port and waits for its "fileemu listening" line.
func startServer(ctx context.Context, bin string, args []string) (*server, error) {
	s := &server{stop: make(chan struct{})}
	if bin == "" {
		b, dir, err := buildBinary(ctx)
		if err != nil {
			return nil, err
		}
		bin, s.dir = b, dir
	}
	// JSON logs: the "fileemu listening" line names the port the kernel chose.
	args = append([]string{"serve", "--addr", "127.0.0.1:0", "--log-format", "json"}, args...)
	s.cmd = exec.Command(bin, args...)
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		s.cleanup()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	s.cmd.Stdout = s.cmd.Stderr // the same pipe: the listening line may come on either
	if err := s.cmd.Start(); err != nil {
		s.cleanup()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		sent := false
		for sc.Scan() {
			if sent {
				continue // drain: a full pipe would block the server's logging
			}
			var line struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "fileemu listening" {
				addr <- line.Addr
				sent = true
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		if !sent {
			close(addr)
		}
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			s.close()
			return nil, fmt.Errorf("%s exited before listening", bin)
		}
		s.base = "http://" + a
	case <-time.After(30 * time.Second):
		s.close()
		return nil, fmt.Errorf("%s did not listen within 30s", bin)
	}
	s.readMemory()
	s.baseRSS = s.peakRSS
	go s.sample()
	return s, nil
}

// sample reads the server's resident memory every 100 ms until close.
func (s *server) sample() {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		s.readMemory()
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
	}
}

// readMemory updates the peak from /proc/PID/status: VmHWM is the kernel's own high-water mark
// of the resident set, VmRSS the current one.
func (s *server) readMemory() {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || (k != "VmHWM" && k != "VmRSS") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			continue
		}
		s.mu.Lock()
		s.peakRSS = max(s.peakRSS, kb<<10)
		s.mu.Unlock()
	}
}

// current is the server's resident memory now (VmRSS), or 0 when it is not this program's child.
func (s *server) current() int64 {
	if s == nil || s.cmd == nil {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// peak is the server's peak resident memory, or 0 when it is not this program's child.
func (s *server) peak() int64 {
	if s.cmd == nil {
		return 0
	}
	s.readMemory()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peakRSS
}

// close stops the server (SIGTERM, then kill) and removes a binary built here.
func (s *server) close() {
	if s.cmd != nil && s.cmd.Process != nil {
		select {
		case <-s.stop:
		default:
			close(s.stop)
		}
		_ = s.cmd.Process.Signal(os.Interrupt)
		waited := make(chan error, 1)
		go func() { waited <- s.cmd.Wait() }()
		select {
		case <-waited:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-waited
		}
	}
	s.cleanup()
}

func (s *server) cleanup() {
	if s.dir != "" {
		os.RemoveAll(s.dir)
	}
}

// health checks that the admin API at admin answers GET {admin}/health.
func health(ctx context.Context, c *http.Client, admin string) error {
	req, _ := http.NewRequestWithContext(ctx, "GET", admin+"/health", nil)
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return errors.New("health: " + resp.Status)
	}
	return nil
}
