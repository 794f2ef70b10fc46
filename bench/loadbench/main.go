// Command loadbench prints issue 18's table: fileemu against a bare echo server answering static
// JSON, both run one after the other on this machine with wrk (-t2 -c32, a warm-up, then the
// measured run), plus the figures only fileemu has (start, idle RSS, a large presigned PUT) and
// those the Go benchmarks measure (heap per pending record, a Weavy list of 100,000 files, 200
// loaded scenario rules). Absolute numbers on a shared machine are noisy; the ratios, measured
// back to back in one run, are what the table is about.
//
// `make loadbench` builds both servers and runs it from the repository root.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

type config struct {
	fileemu, echo, root   string
	threads, conns        int
	warmup, duration      time.Duration
	putSize               int64
	benchtime             string
	skipGo, skipPut, skip bool
	onlyPut               bool
}

func main() {
	var c config
	flag.StringVar(&c.fileemu, "fileemu", "bin/fileemu", "fileemu binary")
	flag.StringVar(&c.echo, "echo", "bin/bench-echo", "bare echo server binary (bench/echo)")
	flag.StringVar(&c.root, "root", ".", "repository root, for the Go benchmarks")
	flag.IntVar(&c.threads, "t", 2, "wrk threads")
	flag.IntVar(&c.conns, "c", 32, "wrk connections")
	flag.DurationVar(&c.warmup, "warmup", 5*time.Second, "wrk warm-up before each measured run")
	flag.DurationVar(&c.duration, "d", 10*time.Second, "measured wrk run")
	flag.Int64Var(&c.putSize, "put-size", 256<<20, "bytes of the presigned PUT")
	flag.StringVar(&c.benchtime, "benchtime", "2s", "-benchtime of the Go benchmarks")
	flag.BoolVar(&c.skipGo, "skip-go", false, "leave out the rows the Go benchmarks measure")
	flag.BoolVar(&c.skipPut, "skip-put", false, "leave out the presigned PUT")
	flag.BoolVar(&c.onlyPut, "only-put", false, "run only the presigned PUT (needs no wrk nor echo binary)")
	flag.Parse()
	if c.onlyPut {
		var t table
		if err := putRow(c, &t); err != nil {
			fatal(err)
		}
		t.print(os.Stdout)
		return
	}
	if _, err := exec.LookPath("wrk"); err != nil {
		fatal(fmt.Errorf("wrk is not installed (apt-get install -y wrk): %w", err))
	}
	t, err := run(c)
	if err != nil {
		fatal(err)
	}
	t.print(os.Stdout)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "loadbench:", err)
	os.Exit(1)
}

// row is one line of the table: the figure, what it measured, the target and whether it is met.
type row struct{ figure, value, target, verdict string }

type table []row

func (t *table) add(figure, target string, v float64, format string, ok bool) {
	verdict := "no"
	if ok {
		verdict = "yes"
	}
	*t = append(*t, row{figure, fmt.Sprintf(format, v), target, verdict})
}

func (t *table) missing(figure, target, why string) { *t = append(*t, row{figure, why, target, "-"}) }

func (t table) print(w io.Writer) {
	fmt.Fprintf(w, "| %-58s | %-22s | %-10s | %-4s |\n", "figure", "measured", "target", "met")
	fmt.Fprintf(w, "|%s|%s|%s|%s|\n", strings.Repeat("-", 60), strings.Repeat("-", 24), strings.Repeat("-", 12), strings.Repeat("-", 6))
	for _, r := range t {
		fmt.Fprintf(w, "| %-58s | %-22s | %-10s | %-4s |\n", r.figure, r.value, r.target, r.verdict)
	}
}

func run(c config) (table, error) {
	var t table
	logf("bare echo: static JSON")
	echo, err := start(c.echo, nil)
	if err != nil {
		return nil, err
	}
	if _, err := echo.waitOK(http.MethodGet, "/static", nil, nil); err != nil {
		echo.stop()
		return nil, err
	}
	echoCPU0 := echo.cpu()
	echoGet, err := echo.wrk(c, "/static", "")
	echoCPU := (echo.cpu() - echoCPU0).Seconds() / float64(echoGet.requests+echoGet.warmRequests) * 1e6
	echo.stop()
	if err != nil {
		return nil, err
	}
	logf("  %.0f req/s, p99 %.2f ms", echoGet.rps, echoGet.p99ms)

	logf("fileemu: start, idle RSS, Haufe signed-url, Desk ref.json")
	emu, err := start(c.fileemu, []string{"serve"})
	if err != nil {
		return nil, err
	}
	defer emu.stop()
	haufe := http.Header{"Api-Key": {"k"}, "User-Id": {"497f6eca-6276-4993-bfeb-53cbbbba6f08"}}
	firstOK, err := emu.waitOK(http.MethodGet, "/v1/files/signed-url?filename=report.pdf", haufe, nil)
	if err != nil {
		return nil, err
	}
	time.Sleep(time.Second) // let start-up garbage be collected, as an idle server would
	idleRSS := emu.status("VmRSS")
	cpu0 := emu.cpu()
	signed, err := emu.wrk(c, "/v1/files/signed-url?filename=report.pdf", "", "-H", "api-key: k", "-H", "user-id: 497f6eca-6276-4993-bfeb-53cbbbba6f08")
	if err != nil {
		return nil, err
	}
	cpuPerReq := (emu.cpu() - cpu0).Seconds() / float64(signed.requests+signed.warmRequests) * 1e6
	desk, err := emu.wrk(c, "/desk/api/v2/files/ref.json", `wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer k"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"type":"attachment","filename":"photo.jpeg","mimeType":"image/jpeg","disposition":"attachment"}'
`)
	if err != nil {
		return nil, err
	}
	emu.stop()
	logf("  signed-url %.0f req/s p99 %.2f ms, %.1f µs CPU/request; ref.json %.0f req/s", signed.rps, signed.p99ms, cpuPerReq, desk.rps)

	t.add("Haufe signed-url GET, req/s ÷ bare echo static JSON", "≥ 0.60", signed.rps/echoGet.rps, "%.2f", signed.rps/echoGet.rps >= 0.60)
	t.add("Desk ref.json POST, req/s ÷ bare echo static JSON", "≥ 0.50", desk.rps/echoGet.rps, "%.2f", desk.rps/echoGet.rps >= 0.50)
	t.add("server CPU per signed-url GET (µs)", "≤ 35 µs", cpuPerReq, "%.1f µs", cpuPerReq <= 35)
	t.add("signed-url p99 at that load (ms)", "≤ 10 ms", signed.p99ms, "%.2f ms", signed.p99ms <= 10)
	t.add("start to first 200 (ms)", "≤ 50 ms", ms(firstOK), "%.0f ms", firstOK <= 50*time.Millisecond)
	t.add("idle RSS (MB)", "≤ 20 MB", float64(idleRSS)/1e6, "%.1f MB", idleRSS <= 20e6)
	t.add("bare echo static JSON (req/s, for reference)", "", echoGet.rps, "%.0f", true)
	t[len(t)-1].verdict = ""
	// What the machine gives a server that does nothing: the floor under the CPU and p99 rows.
	t.add("  bare echo: CPU per request (µs)", "", echoCPU, "%.1f µs", true)
	t[len(t)-1].verdict = ""
	t.add("  bare echo: p99 at its load (ms)", "", echoGet.p99ms, "%.2f ms", true)
	t[len(t)-1].verdict = ""

	if c.skipPut {
		t.missing("presigned PUT, in memory (MB/s)", "≥ 500 MB/s", "skipped")
	} else if err := putRow(c, &t); err != nil {
		return nil, err
	}
	if c.skipGo {
		t.missing("heap per stored pending file record", "≤ 600 B", "skipped")
		t.missing("Weavy list of 100,000 files, q + order_by, p50", "≤ 10 ms", "skipped")
		t.missing("200 loaded scenario rules (req/s ÷ none)", "≥ 0.90", "skipped")
		return t, nil
	}
	return t, goRows(c, &t)
}

// putRow: a fresh fileemu, one presigned PUT of c.putSize through a Haufe signed URL, its rate,
// and how far the server's peak RSS grew beyond the object it stores.
func putRow(c config, t *table) error {
	logf("fileemu: presigned PUT of %d MiB", c.putSize>>20)
	emu, err := start(c.fileemu, []string{"serve", "--max-object-size", strconv.FormatInt(c.putSize+1<<20, 10)})
	if err != nil {
		return err
	}
	defer emu.stop()
	haufe := http.Header{"Api-Key": {"k"}, "User-Id": {"497f6eca-6276-4993-bfeb-53cbbbba6f08"}}
	if _, err := emu.waitOK(http.MethodGet, "/v1/files/signed-url?filename=big.pdf", haufe, nil); err != nil {
		return err
	}
	body, err := emu.get("/v1/files/signed-url?filename=big.bin", haufe)
	if err != nil {
		return err
	}
	var signed struct {
		FileURL string `json:"file_url"`
	}
	if err := json.Unmarshal(body, &signed); err != nil || signed.FileURL == "" {
		return fmt.Errorf("signed-url answer %q: %v", body, err)
	}
	time.Sleep(500 * time.Millisecond)
	before := emu.status("VmHWM")
	req, err := http.NewRequest(http.MethodPut, signed.FileURL, io.LimitReader(zeros{}, c.putSize))
	if err != nil {
		return err
	}
	req.ContentLength = c.putSize
	began := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	took := time.Since(began)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("PUT: %s %s", resp.Status, msg)
	}
	growth := float64(emu.status("VmHWM")-before) / float64(c.putSize)
	rate := float64(c.putSize) / took.Seconds() / 1e6
	logf("  %.0f MB/s, peak RSS grew %.2f× the object", rate, growth)
	t.add(fmt.Sprintf("%d MiB presigned PUT, in memory (MB/s)", c.putSize>>20), "≥ 500 MB/s", rate, "%.0f MB/s", rate >= 500)
	t.add("  its peak RSS growth ÷ object size", "≤ 1.1×", growth, "%.2f×", growth <= 1.1)
	return nil
}

// zeros is an endless body that costs the client nothing.
type zeros struct{}

func (zeros) Read(b []byte) (int, error) { clear(b); return len(b), nil }

// goRows runs the Go benchmarks behind the last rows of the table.
func goRows(c config, t *table) error {
	logf("go benchmarks (-benchtime %s; the Weavy list 5x)", c.benchtime)
	m, err := goBench(c.root, c.benchtime, "./emulator", "BenchmarkPendingFileHeap$")
	if err != nil {
		return err
	}
	v := m["BenchmarkPendingFileHeap"]["B/record"]
	t.add("heap per stored pending file record (B)", "≤ 600 B", v, "%.0f B", v <= 600)

	m, err = goBench(c.root, "5x", "./internal/weavy", "BenchmarkList100k$") // each listing is long; 100,000 files take long to load
	if err != nil {
		return err
	}
	v, ok := m["BenchmarkList100k"]["p50-ms"]
	if !ok {
		t.missing("Weavy list of 100,000 files, q + order_by, p50 (ms)", "≤ 10 ms", "not measured")
	} else {
		t.add("Weavy list of 100,000 files, q + order_by, p50 (ms)", "≤ 10 ms", v, "%.2f ms", v <= 10)
	}

	m, err = goBench(c.root, c.benchtime, "./emulator", "BenchmarkSignedURLWithRules$")
	if err != nil {
		return err
	}
	none, many := m["BenchmarkSignedURLWithRules/rules=0"]["ns/op"], m["BenchmarkSignedURLWithRules/rules=200"]["ns/op"]
	if none == 0 || many == 0 {
		return fmt.Errorf("BenchmarkSignedURLWithRules: no ns/op in %v", m)
	}
	t.add("200 loaded scenario rules (req/s ÷ none)", "≥ 0.90", none/many, "%.2f×", none/many >= 0.90)
	return nil
}

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?\s+\d+\s+(.*)$`)

// goBench runs the benchmarks matching pattern in pkg and returns each one's metrics by unit.
func goBench(root, benchtime, pkg, pattern string) (map[string]map[string]float64, error) {
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", pattern, "-benchmem", "-benchtime", benchtime, "-count", "1", pkg)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("go test %s -bench %s: %w\n%s", pkg, pattern, err, out)
	}
	res := map[string]map[string]float64{}
	for line := range strings.SplitSeq(string(out), "\n") {
		m := benchLine.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		metrics := map[string]float64{}
		f := strings.Fields(m[3])
		for i := 0; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				metrics[f[i+1]] = v
			}
		}
		res[m[1]] = metrics
		logf("  %s", strings.TrimSpace(line))
	}
	return res, nil
}

// server is one of the two servers under test, started on a free loopback port.
type server struct {
	cmd  *exec.Cmd
	base string
	// started is when the process was started: the start-up figure runs from here to the first 200.
	started time.Time
}

func start(bin string, args []string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(bin, append(args, "--addr", addr)...)
	// The request log goes where a terminal would take it, minus the terminal: its cost is counted.
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	s := &server{cmd: cmd, base: "http://" + addr, started: time.Now()}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	return s, nil
}

func (s *server) stop() {
	if s.cmd.Process == nil || s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
}

// waitOK polls until the server answers 200 and returns how long after its start that was.
func (s *server) waitOK(method, path string, h http.Header, body []byte) (time.Duration, error) {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequest(method, s.base+path, bytes.NewReader(body))
		req.Header = h.Clone()
		resp, err := client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(s.started), nil
			}
			return 0, fmt.Errorf("%s %s: %s", method, path, resp.Status)
		}
		time.Sleep(500 * time.Microsecond)
	}
	return 0, fmt.Errorf("%s did not answer within 10s", s.base)
}

func (s *server) get(path string, h http.Header) ([]byte, error) {
	req, _ := http.NewRequest(http.MethodGet, s.base+path, nil)
	req.Header = h.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// status returns a field of /proc/PID/status in bytes (VmRSS, VmHWM).
func (s *server) status(field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return -1
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == field+":" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return -1
}

// cpu returns the user and system time the server has used so far.
func (s *server) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which may hold spaces) start after the last ')'.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ is 100 on Linux
}

// result is what one measured wrk run gave.
type result struct {
	rps, p99ms             float64
	requests, warmRequests int64
}

// wrk runs the warm-up and then the measured run against path; lua, when given, sets the method,
// headers and body.
func (s *server) wrk(c config, path, lua string, extra ...string) (result, error) {
	args := []string{"-t", strconv.Itoa(c.threads), "-c", strconv.Itoa(c.conns)}
	if lua != "" {
		f, err := os.CreateTemp("", "loadbench-*.lua")
		if err != nil {
			return result{}, err
		}
		defer os.Remove(f.Name())
		if _, err := f.WriteString(lua); err != nil {
			return result{}, err
		}
		f.Close()
		args = append(args, "-s", f.Name())
	}
	args = append(args, extra...)
	warm, err := wrkRun(append(args, "-d", secs(c.warmup), s.base+path))
	if err != nil {
		return result{}, err
	}
	r, err := wrkRun(append(args, "--latency", "-d", secs(c.duration), s.base+path))
	r.warmRequests = warm.requests
	return r, err
}

var (
	wrkRPS      = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	wrkRequests = regexp.MustCompile(`(\d+) requests in`)
	wrkP99      = regexp.MustCompile(`\s99%\s+([\d.]+)(us|ms|s)`)
	wrkErrors   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
)

func wrkRun(args []string) (result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "wrk", args...).CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("wrk %v: %w\n%s", args, err, out)
	}
	if m := wrkErrors.FindSubmatch(out); m != nil {
		return result{}, fmt.Errorf("wrk %v: %s answers were not 2xx:\n%s", args, m[1], out)
	}
	var r result
	m := wrkRPS.FindSubmatch(out)
	n := wrkRequests.FindSubmatch(out)
	if m == nil || n == nil {
		return result{}, fmt.Errorf("wrk %v: no throughput in\n%s", args, out)
	}
	r.rps, _ = strconv.ParseFloat(string(m[1]), 64)
	r.requests, _ = strconv.ParseInt(string(n[1]), 10, 64)
	if p := wrkP99.FindSubmatch(out); p != nil {
		v, _ := strconv.ParseFloat(string(p[1]), 64)
		switch string(p[2]) {
		case "us":
			v /= 1000
		case "s":
			v *= 1000
		}
		r.p99ms = v
	}
	return r, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func secs(d time.Duration) string { return strconv.Itoa(int(d.Round(time.Second)/time.Second)) + "s" }

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, filepath.Base(os.Args[0])+": "+format+"\n", args...)
}
