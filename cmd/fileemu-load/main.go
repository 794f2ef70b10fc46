// Command fileemu-load puts fileemu under a bounded, loopback-only load: N sessions × M uploads
// across every upload API (Haufe, Desk, Weavy, files.ro) and the AWS SDK's S3 path, random
// sizes, each read back through the API's own download path and checked against the
// client-side SHA-256, each also asked for from another session (it must not be readable
// there). It reports throughput, latency per API, failures and the server's peak RSS against
// the bytes stored, and exits 1 on any failed, lost or leaked upload.
//
//	go run ./cmd/fileemu-load -sessions 100 -uploads 10 -max-size 4MiB
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fileemu/fileemu/emulator"
)

// config is the command line.
type config struct {
	bin, url          string
	sessions, uploads int
	concurrency       int
	minSize, maxSize  int64
	seed              uint64
	scenario          string
	duration          time.Duration
	maxStorage        int64
	jsonOut           string
	scenarioDir       string
	apis              []string
}

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "fileemu-load:", err)
		os.Exit(2)
	}
	rep, err := run(context.Background(), cfg, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fileemu-load:", err)
		os.Exit(1)
	}
	if !rep.Passed() {
		os.Exit(1)
	}
}

func parseFlags(args []string, out io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("fileemu-load", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&c.bin, "bin", "", "fileemu binary to start (default: go build ./cmd/fileemu into a temp dir)")
	fs.StringVar(&c.url, "url", "", "base URL of a running fileemu instead of starting one (loopback only; no RSS figures)")
	fs.IntVar(&c.sessions, "sessions", 5, "sessions")
	fs.IntVar(&c.uploads, "uploads", 4, "uploads per session")
	fs.IntVar(&c.concurrency, "concurrency", 8, "uploads in flight at once")
	minSize, maxSize, maxStorage := "1", "64KiB", ""
	fs.Func("min-size", "smallest upload (bytes or 10KiB, 4MiB; default 1)", func(v string) (err error) { minSize = v; return nil })
	fs.Func("max-size", "largest upload (default 64KiB)", func(v string) (err error) { maxSize = v; return nil })
	fs.Func("max-storage", "passed to the server as --max-storage; refused uploads must be the API's own 507", func(v string) error { maxStorage = v; return nil })
	fs.Uint64Var(&c.seed, "seed", 1, "seed of sizes, contents and flows")
	fs.StringVar(&c.scenario, "scenario", "", "a ready-made scenario (flaky-s3) loaded into and activated in every session; failed S3 uploads are retried")
	fs.StringVar(&c.scenarioDir, "scenario-dir", "", "where ready-made scenarios are (default: scenarios/ready of this repository)")
	fs.DurationVar(&c.duration, "duration", 10*time.Minute, "cap on the whole run; uploads not started by then count as not run")
	apis := strings.Join(flowNames, ",")
	fs.StringVar(&apis, "apis", apis, "upload paths to use, round-robin")
	fs.StringVar(&c.jsonOut, "json", "", "also write the report as JSON to this file (- for stdout)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	for _, a := range strings.Split(apis, ",") {
		if !slices.Contains(flowNames, a) {
			return c, fmt.Errorf("-apis: unknown %q, want some of %s", a, strings.Join(flowNames, ","))
		}
		c.apis = append(c.apis, a)
	}
	var err error
	if c.minSize, err = parseSize(minSize); err != nil {
		return c, fmt.Errorf("-min-size: %w", err)
	}
	if c.maxSize, err = parseSize(maxSize); err != nil {
		return c, fmt.Errorf("-max-size: %w", err)
	}
	if maxStorage != "" {
		if c.maxStorage, err = parseSize(maxStorage); err != nil {
			return c, fmt.Errorf("-max-storage: %w", err)
		}
	}
	switch {
	case c.sessions < 1 || c.uploads < 1 || c.concurrency < 1:
		return c, errors.New("-sessions, -uploads and -concurrency must be at least 1")
	case c.sessions*c.uploads > 100_000:
		return c, errors.New("-sessions × -uploads above 100,000: the load program is bounded")
	case c.minSize < 1 || c.maxSize < c.minSize:
		return c, errors.New("want 1 <= -min-size <= -max-size (Desk forms refuse empty files)")
	case c.maxSize > 1<<30:
		return c, errors.New("-max-size above 1GiB")
	case c.url != "" && c.maxStorage > 0:
		return c, errors.New("-max-storage starts the server with it; it cannot go with -url")
	case c.url != "" && c.bin != "":
		return c, errors.New("-bin and -url exclude each other")
	}
	if c.url != "" {
		if c.url, err = loopbackURL(c.url); err != nil {
			return c, err
		}
	}
	return c, nil
}

// parseSize reads 4096, 64KiB, 4MiB, 1GiB (and KB/MB/GB as powers of ten).
func parseSize(v string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(v, u.suffix) {
			v, mult = strings.TrimSuffix(v, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a size", v)
	}
	return n * mult, nil
}

// findScenario locates scenarios/ready/NAME.yaml from the working directory upwards.
func findScenario(dir, name string) (string, error) {
	if dir != "" {
		return filepath.Join(dir, name+".yaml"), nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		p := filepath.Join(d, "scenarios", "ready", name+".yaml")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("scenario %s: no scenarios/ready/%s.yaml above %s (-scenario-dir)", name, name, wd)
		}
	}
}

// run performs the load and prints the report to out.
func run(ctx context.Context, cfg config, out io.Writer) (*report, error) {
	// -duration (counted from the first upload) stops new uploads; those in flight get a grace
	// to finish, so the cap does not turn them into failures.
	ctx, cancel := context.WithTimeout(ctx, cfg.duration+5*time.Minute)
	defer cancel()
	client := newClient(cfg)
	defer client.CloseIdleConnections()
	var srv *server
	base := cfg.url
	if base == "" {
		var args []string
		if cfg.maxStorage > 0 {
			args = append(args, "--max-storage", strconv.FormatInt(cfg.maxStorage, 10))
		}
		var err error
		if srv, err = startServer(ctx, cfg.bin, args); err != nil {
			return nil, err
		}
		defer func() {
			client.CloseIdleConnections() // the server's graceful stop need not wait for them
			srv.close()
		}()
		base = srv.base
	}
	paths, err := apiPaths()
	if err != nil {
		return nil, err
	}
	if err := health(ctx, client, base+paths["admin"]); err != nil {
		return nil, err
	}
	e := &env{base: base, paths: paths, client: client, flaky: cfg.scenario != ""}

	tag := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	sessions := make([]*sess, cfg.sessions)
	for i := range sessions {
		s := &sess{id: fmt.Sprintf("load-%s-%d", tag, i)}
		s.base = base + emulator.SessionPrefix + s.id
		s.s3 = e.newS3(s)
		sessions[i] = s
	}
	if cfg.scenario != "" {
		file, err := findScenario(cfg.scenarioDir, cfg.scenario)
		if err != nil {
			return nil, err
		}
		for _, s := range sessions {
			if err := loadScenario(ctx, e, file, s.id, cfg.scenario); err != nil {
				return nil, err
			}
		}
	}
	if cfg.url != "" {
		defer dropSessions(e, sessions) // a shared server gets its memory back
	}

	rng := rand.New(rand.NewPCG(cfg.seed, 0x10ad))
	var plan []*upload
	for i := range cfg.sessions {
		for j := range cfg.uploads {
			n := len(plan)
			u := &upload{
				n: n, flow: cfg.apis[n%len(cfg.apis)], name: fmt.Sprintf("load-%d-%d", i, j),
				c: content{seed: rng.Uint64(), size: cfg.minSize + rng.Int64N(cfg.maxSize-cfg.minSize+1)},
			}
			if u.flow == "haufe" {
				u.c.size = min(u.c.size, haufeMaxSize) // larger files end FAILED (warnings.length), as on Haufe
			}
			plan = append(plan, u)
		}
	}
	rep := newReport(cfg, len(plan))
	if srv != nil {
		rep.rss = srv.current
	}
	feedCtx, stopFeed := context.WithTimeout(ctx, cfg.duration)
	defer stopFeed()
	start := time.Now()
	jobs := make(chan *upload)
	var wg sync.WaitGroup
	for range cfg.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range jobs {
				i := u.n / cfg.uploads
				rep.add(one(ctx, e, sessions[i], sessions[(i+1)%len(sessions)], u))
			}
		}()
	}
feed:
	for _, u := range plan {
		select {
		case jobs <- u:
		case <-feedCtx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	rep.finish(time.Since(start))
	rep.Retries = int(e.retries.Load())
	if srv != nil {
		rep.PeakRSS, rep.BaseRSS = srv.peak(), srv.baseRSS
	}
	if cfg.scenario != "" {
		rep.ScenarioHits = scenarioHits(e, sessions)
	}
	rep.print(out)
	if cfg.jsonOut != "" {
		if err := rep.writeJSON(cfg.jsonOut, out); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// newClient is the HTTP client of every flow; redirects are followed on loopback only.
func newClient(cfg config) *http.Client {
	return &http.Client{
		Timeout:   2 * time.Minute,
		Transport: &http.Transport{MaxIdleConnsPerHost: cfg.concurrency + 4},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			_, err := loopbackURL(req.URL.String())
			return err
		},
	}
}

// one runs an upload end to end: upload, read back, ask another session for it.
func one(ctx context.Context, e *env, s, other *sess, u *upload) result {
	r := result{flow: u.flow, size: u.c.size, name: u.name}
	u.sum = u.c.sum()
	t0 := time.Now()
	st, err := e.runFlow(ctx, s, u)
	r.latency = time.Since(t0)
	var refused *refusedError
	switch {
	case errors.As(err, &refused):
		r.outcome, r.detail = "refused", err.Error()
		return r
	case err != nil:
		r.outcome, r.detail = "failed", err.Error()
		return r
	}
	sum, err := st.read(ctx)
	if err != nil || sum != u.sum {
		r.outcome, r.detail = "lost", fmt.Sprintf("read back %s, want %s (%v)", sum, u.sum, err)
		return r
	}
	r.outcome = "ok"
	if other != s {
		code, sum, err := st.readAs(ctx, other)
		switch {
		case err != nil:
			r.outcome, r.detail = "failed", fmt.Sprintf("cross-session read: %v", err)
		case code == 200 && sum == u.sum:
			r.outcome, r.detail = "leaked", fmt.Sprintf("session %s serves %s of session %s", other.id, u.name, s.id)
		}
	}
	return r
}

// loadScenario puts the ready-made file into one session and turns the scenario on there.
func loadScenario(ctx context.Context, e *env, file, session, name string) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("scenario: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("scenario: %w", err)
	}
	// Sessions come into being on first use; the admin API wants one before it loads into it.
	b := fmt.Sprintf(`{"id":%q}`, session)
	st, body, err := e.call(ctx, "POST", e.base+e.paths["admin"]+"/sessions", map[string]string{"Content-Type": "application/json"}, strings.NewReader(b), int64(len(b)))
	if err != nil || st/100 != 2 {
		return fmt.Errorf("create session %s = %d %.300s: %v", session, st, body, err)
	}
	st, body, err = e.call(ctx, "PUT", e.base+e.paths["admin"]+"/scenarios?session="+session, map[string]string{"Content-Type": "application/yaml"}, f, fi.Size())
	if err != nil || st/100 != 2 {
		return fmt.Errorf("load scenario %s into %s = %d %.300s: %v", name, session, st, body, err)
	}
	b = fmt.Sprintf(`{"names":[%q]}`, name)
	st, body, err = e.call(ctx, "POST", e.base+e.paths["admin"]+"/sessions/"+session+"/scenarios", map[string]string{"Content-Type": "application/json"}, strings.NewReader(b), int64(len(b)))
	if err != nil || st/100 != 2 {
		return fmt.Errorf("activate scenario %s in %s = %d %.300s: %v", name, session, st, body, err)
	}
	return nil
}

// scenarioHits counts, from the journal, the responses a scenario produced or altered in the
// run's sessions: proof the faults happened (the journal is bounded: a lower bound).
func scenarioHits(e *env, sessions []*sess) int {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	total := 0
	for _, s := range sessions {
		req, _ := http.NewRequestWithContext(ctx, "GET", e.base+e.paths["admin"]+"/requests?api=s3&session="+s.id, nil)
		resp, err := e.client.Do(req)
		if err != nil {
			continue
		}
		var j struct {
			Requests []struct {
				Scenario string `json:"scenario"`
			} `json:"requests"`
		}
		if resp.StatusCode == 200 && json.NewDecoder(resp.Body).Decode(&j) == nil {
			for _, r := range j.Requests {
				if r.Scenario != "" {
					total++
				}
			}
		}
		resp.Body.Close()
	}
	return total
}

// dropSessions deletes the run's sessions from a shared server.
func dropSessions(e *env, sessions []*sess) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, s := range sessions {
		_, _, _ = e.call(ctx, "DELETE", e.base+e.paths["admin"]+"/sessions/"+s.id, nil, nil, 0)
	}
}

// apiPaths maps each API to the path its clients append to a session's URL ("/s3",
// "/desk/api/v2", "/__admin"; "" where clients send whole paths), from the emulator's endpoint
// table, so this program follows the emulator rather than repeating it.
func apiPaths() (map[string]string, error) {
	specs, err := emulator.LoadSpecs()
	if err != nil {
		return nil, fmt.Errorf("load the specs: %w", err)
	}
	paths := map[string]string{}
	for _, ep := range specs.Endpoints() {
		paths[ep.API] = ep.Base
	}
	return paths, nil
}
