package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/fileemu/fileemu/emulator"
)

// logLevels are the accepted --log-level values.
var logLevels = []string{"debug", "info", "warn", "error"}

// newLogger makes the logger writing to w; color says whether w ends in a terminal that takes colours.
func newLogger(format, level string, w io.Writer, color bool) (*slog.Logger, error) {
	var lv slog.Level
	if !containsFold(logLevels, level) || lv.UnmarshalText([]byte(level)) != nil {
		return nil, fmt.Errorf("--log-level %q: use one of %s", level, strings.Join(logLevels, ", "))
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(&requestLines{Handler: slog.NewTextHandler(w, opts), w: w, color: color}), nil
	case "json":
		return slog.New(emulator.NewJSONLogHandler(w, opts)), nil // request lines without slog's general encoder
	}
	return nil, fmt.Errorf("--log-format %q: use text or json", format)
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

func serve(ctx context.Context, s settings, logOut io.Writer) error {
	color := isTerminal(logOut)
	lines := newLogWriter(logOut)
	defer lines.Close() // every line out before serve returns
	logOut = lines
	logger, err := newLogger(s.logFormat, s.logLevel, logOut, color)
	if err != nil {
		return err
	}
	storedInMemory := int64(s.maxStorage)
	if s.dataDir != "" {
		storedInMemory = 0 // stored bytes live in files: the memory limit must not make room for them
	}
	setMemoryLimit(logger, storedInMemory, int64(s.journalBytes))
	emu, err := emulator.New(emulator.Config{
		PublicURL: s.publicURL, MaxObjectSize: int64(s.maxObjectSize), Seed: s.seed, AdminToken: s.adminToken,
		Tokens: splitList(s.tokens), JournalSize: s.journalSize, JournalBytes: int64(s.journalBytes), JournalBodyBytes: s.journalBodyBytes, MaxBodySize: int64(s.maxBodySize),
		MinBodyRate: int64(s.minBodyRate), BodyGrace: s.bodyGrace, MaxStorage: int64(s.maxStorage),
		SessionTTL: s.sessionTTL, S3Lenient: s.s3Lenient, Logger: logger, LogRequests: s.logRequests, Version: version,
		S3: emulator.S3Credentials{AccessKey: s.s3AccessKey, SecretKey: s.s3SecretKey, Region: s.s3Region}, Scenarios: splitList(s.scenarios), ChunkExpiry: s.chunkExpiry,
		DataDir:   s.dataDir,
		Fixtures:  splitList(s.fixtures),
		LazySpecs: true, // start-up time and idle memory: see Config.LazySpecs
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("%w: another process listens on %s; choose another address with --addr or %s (e.g. --addr 127.0.0.1:8081)",
				err, s.addr, envName("addr"))
		}
		return fmt.Errorf("listen: %w", err)
	}
	// No ReadTimeout: large uploads may take long; the emulator paces bodies instead
	// (--min-body-rate). Headers must come quickly; idle connections are closed.
	var open connCount
	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: s.idleTimeout, ConnState: open.track,
		ErrorLog: log.New(logOut, "", log.LstdFlags)} // net/http's own lines, in order with the rest
	srv.RegisterOnShutdown(emu.Close) // live streams end; uploads in flight finish
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := emu.WatchScenarios(ctx); err != nil {
		return err
	}
	if err := emu.WatchFixtures(ctx); err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	go trimWhenIdle(ctx, func() bool { return open.active() > 0 }) // idle RSS: see trim.go
	announce(logger, logOut, s, emu, ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down: letting in-flight requests finish", "timeout", s.shutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), s.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		// A container expects exit 0 after SIGTERM: say what was cut, then stop.
		logger.Warn("shutdown grace period over: closing the connections still busy", "timeout", s.shutdownTimeout, "connections", open.active())
		_ = srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// announce logs where everything is, as Prism lists its routes: the base URL of every API, the
// session prefix, the loaded scenarios and the seed shares. Text logs get a readable table
// after the log line; JSON logs get the same facts as fields of that line.
func announce(logger *slog.Logger, w io.Writer, s settings, emu *emulator.Server, addr string) {
	base := strings.TrimRight(s.publicURL, "/")
	if base == "" {
		host, port, _ := net.SplitHostPort(addr)
		if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
			host = "127.0.0.1" // 0.0.0.0 is where it listens, not an address to call
		}
		base = "http://" + net.JoinHostPort(host, port)
	}
	var apis, names []string
	urls := map[string]any{}
	for _, e := range emu.Endpoints() {
		urls[e.API] = base + e.Path
		names = append(names, e.API)
		if e.API != "admin" {
			apis = append(apis, e.API)
		}
	}
	scs, shares := []string{}, []string{}
	for _, sc := range emu.Scenarios().List("") {
		st := sc.Name
		if !sc.Active {
			st += " (inactive)"
		}
		scs = append(scs, st)
	}
	for _, sh := range emulator.SeedShares() {
		st := sh.Token + " (" + sh.Permission
		if sh.Password != "" {
			st += ", password " + sh.Password
		}
		shares = append(shares, st+")")
	}
	sessions := base + emulator.SessionPrefix + "{id}/..."
	dashboard := base + "/__admin/ui/" // the token is never logged: the user knows it
	if s.logFormat != "text" {
		logger.Info("fileemu listening", "addr", addr, "version", version, "dashboard", dashboard, "apis", strings.Join(apis, ","),
			"urls", urls, "sessions", sessions, "scenarios", scs, "shares", shares)
		return
	}
	logger.Info("fileemu listening", "addr", addr, "version", version, "dashboard", dashboard)
	if !logger.Enabled(context.Background(), slog.LevelInfo) {
		return // --log-level warn asked for quiet
	}
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "  %-9s %s\n", n, urls[n])
	}
	fmt.Fprintf(&b, "  %-9s %s (or the header X-Fileemu-Session: {id}); no prefix: session \"default\"\n", "sessions", sessions)
	if len(scs) == 0 {
		scs = []string{"none (--scenarios FILE,DIR)"}
	}
	fmt.Fprintf(&b, "  %-9s %s\n", "scenarios", strings.Join(scs, ", "))
	fmt.Fprintf(&b, "  %-9s %s (files.ro: %s/api/v1/shares/{token})\n", "shares", strings.Join(shares, ", "), base)
	if s.adminToken != "" {
		dashboard += " (--admin-token: open " + base + "/__admin/ui?token=<token> once)"
	}
	fmt.Fprintf(&b, "  %-9s %s\n", "dashboard", dashboard)
	_, _ = io.WriteString(w, b.String())
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(v string) []string {
	var out []string
	for _, t := range strings.Split(v, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// connCount counts the connections with a request in progress, for the shutdown message.
type connCount struct {
	mu   sync.Mutex
	busy map[net.Conn]bool
}

func (c *connCount) track(conn net.Conn, st http.ConnState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.busy == nil {
		c.busy = map[net.Conn]bool{}
	}
	if st == http.StateActive {
		c.busy[conn] = true
	} else {
		delete(c.busy, conn)
	}
}

func (c *connCount) active() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.busy)
}
