package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fileemu/fileemu/emulator"
)

// bin is the fileemu binary every test starts, built once by buildBinary (the default -bin).
var bin string

func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	b, dir, err := buildBinary(ctx)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = b
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func small(t *testing.T, args ...string) config {
	t.Helper()
	cfg, err := parseFlags(append([]string{"-bin", bin}, args...), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// The small load `make test` runs: every API's upload path, a files.ro upload in chunks (above
// 1 MiB), all read back intact and none readable from another session.
func TestSmallLoad(t *testing.T) {
	cfg := small(t, "-sessions", "5", "-uploads", "4", "-min-size", "1", "-max-size", "1600KiB", "-seed", "3")
	var out bytes.Buffer
	rep, err := run(t.Context(), cfg, &out)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	if !rep.Passed() || rep.OK != 20 {
		t.Fatalf("ok %d of 20, report:\n%s", rep.OK, out.String())
	}
	for _, f := range flowNames {
		if rep.Flows[f].OK != 4 {
			t.Errorf("%s: %d ok, want 4", f, rep.Flows[f].OK)
		}
	}
	if rep.PeakRSS <= 0 || rep.BaseRSS <= 0 || rep.PeakRSS < rep.BaseRSS {
		t.Errorf("server RSS: peak %d, base %d", rep.PeakRSS, rep.BaseRSS)
	}
	if len(rep.RSSByQuarter) != 4 {
		t.Errorf("RSS by quarter: %v, want 4 samples", rep.RSSByQuarter)
	}
	if !strings.Contains(out.String(), "PASS") {
		t.Errorf("report without PASS:\n%s", out.String())
	}
}

// The cross-session check must be able to fail: "another session" that is really the same
// one serves every upload, and each API's path reports it as leaked.
func TestLeakIsDetected(t *testing.T) {
	srv, err := startServer(t.Context(), bin, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.close()
	cfg := small(t)
	paths, err := apiPaths()
	if err != nil {
		t.Fatal(err)
	}
	e := &env{base: srv.base, paths: paths, client: newClient(cfg)}
	defer e.client.CloseIdleConnections() // before srv.close: a stop waits for open connections
	s := &sess{id: "leak-a"}
	s.base = srv.base + emulator.SessionPrefix + s.id
	s.s3 = e.newS3(s)
	same := &sess{id: s.id, base: s.base, s3: s.s3}
	for i, f := range flowNames {
		u := &upload{n: i, flow: f, name: fmt.Sprint("leak-", i), c: content{seed: uint64(i), size: 1500}}
		if r := one(t.Context(), e, s, same, u); r.outcome != "leaked" {
			t.Errorf("%s: outcome %q (%s), want leaked", f, r.outcome, r.detail)
		}
	}
	// And a real other session does not see them.
	other := &sess{id: "leak-b"}
	other.base = srv.base + emulator.SessionPrefix + other.id
	other.s3 = e.newS3(other)
	for i, f := range flowNames {
		u := &upload{n: i, flow: f, name: fmt.Sprint("apart-", i), c: content{seed: uint64(i + 10), size: 1500}}
		if r := one(t.Context(), e, s, other, u); r.outcome != "ok" {
			t.Errorf("%s: outcome %q (%s), want ok", f, r.outcome, r.detail)
		}
	}
}

// With --max-storage reached, uploads are refused in each API's own 507 form and counted as
// refused: nothing failed or lost.
func TestMaxStorageRefusals(t *testing.T) {
	cfg := small(t, "-sessions", "2", "-uploads", "10", "-min-size", "200KiB", "-max-size", "400KiB", "-max-storage", "2MiB")
	var out bytes.Buffer
	rep, err := run(t.Context(), cfg, &out)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	if !rep.Passed() || rep.Refused == 0 || rep.OK == 0 || rep.BytesStored > 2<<20 {
		t.Fatalf("want some ok, some refused, nothing else:\n%s", out.String())
	}
	for _, f := range flowNames {
		if rep.Flows[f].Refused == 0 {
			t.Errorf("%s: no upload refused (each API's 507 form is checked):\n%s", f, out.String())
		}
	}
}

// flaky-s3 resets and 503s S3 uploads; this program's retries get every upload through. The
// scenario's draws are seeded per session: it first fires on the 14th S3 upload, hence one
// session with many small uploads. Only the flows this program retries run: with the SDK's
// PutObject in the same sequence of PUTs, which flow a draw hits depends on arrival order, and on
// a loaded machine every hit once landed on the SDK (which retries its own).
func TestFlakyS3(t *testing.T) {
	cfg := small(t, "-sessions", "1", "-uploads", "60", "-max-size", "2KiB", "-scenario", "flaky-s3", "-apis", "haufe,desk")
	var out bytes.Buffer
	rep, err := run(t.Context(), cfg, &out)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Passed() || rep.ScenarioHits == 0 || rep.Retries == 0 {
		t.Fatalf("want faults, retries and no failure:\n%s", out.String())
	}
}

func TestLoopbackOnly(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:8080", "http://localhost:8080/", "http://[::1]:8080", "http://127.1.2.3:9"} {
		if _, err := loopbackURL(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	for _, u := range []string{"http://example.com", "http://10.0.0.1:8080", "http://0.0.0.0:8080", "ftp://127.0.0.1", "127.0.0.1:8080", "http://localhost.example.com"} {
		if _, err := loopbackURL(u); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
	if _, err := parseFlags([]string{"-url", "http://192.168.1.2:8080"}, io.Discard); err == nil {
		t.Error("-url of another host accepted")
	}
	if _, err := parseFlags([]string{"-min-size", "0"}, io.Discard); err == nil {
		t.Error("-min-size 0 accepted")
	}
}

// Generated content is the same however it is read: streamed, after a seek, at an offset.
func TestContentReadsAgree(t *testing.T) {
	c := content{seed: 42, size: 3*blockSize + 777}
	all, err := io.ReadAll(c.open())
	if err != nil || int64(len(all)) != c.size {
		t.Fatalf("read %d, %v", len(all), err)
	}
	r := c.open()
	if _, err := r.Seek(blockSize-5, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(r)
	if !bytes.Equal(rest, all[blockSize-5:]) {
		t.Error("after a seek, other bytes")
	}
	p := make([]byte, 100)
	if n, err := r.ReadAt(p, c.size-50); n != 50 || err != io.EOF || !bytes.Equal(p[:50], all[c.size-50:]) {
		t.Errorf("ReadAt at the end = %d %v", n, err)
	}
	other, _ := io.ReadAll(content{seed: 43, size: c.size}.open())
	if bytes.Equal(other, all) {
		t.Error("two seeds, the same content")
	}
}

// -duration bounds the run: uploads not started by then count as not run, and the run fails.
func TestDurationCap(t *testing.T) {
	cfg := small(t, "-sessions", "2", "-uploads", "20", "-max-size", "1KiB", "-duration", "1ns")
	rep, err := run(t.Context(), cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if rep.NotRun == 0 || rep.Passed() || rep.Failed+rep.Lost != 0 {
		t.Errorf("not run %d, failed %d, lost %d, passed %v", rep.NotRun, rep.Failed, rep.Lost, rep.Passed())
	}
}

// Against a running server (-url): no memory figures, and the run's sessions are dropped after.
func TestRunningServer(t *testing.T) {
	srv, err := startServer(t.Context(), bin, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.close()
	cfg, err := parseFlags([]string{"-url", srv.base, "-sessions", "2", "-uploads", "5"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := run(t.Context(), cfg, io.Discard)
	if err != nil || !rep.Passed() || rep.OK != 10 || rep.PeakRSS != 0 {
		t.Fatalf("report %+v, %v", rep, err)
	}
	paths, err := apiPaths()
	if err != nil {
		t.Fatal(err)
	}
	e := &env{base: srv.base, paths: paths, client: newClient(cfg)}
	defer e.client.CloseIdleConnections()
	_, body, err := e.call(t.Context(), "GET", srv.base+"/__admin/sessions", nil, nil, 0)
	if err != nil || strings.Contains(string(body), `"load-`) {
		t.Errorf("sessions left behind: %s %v", body, err)
	}
}
