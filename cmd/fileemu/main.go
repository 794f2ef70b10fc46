// Command fileemu serves the file-upload API emulator.
//
//	fileemu [serve] [flags]   serve the emulator (default)
//	fileemu lint FILE...      check scenario files; errors as file:line:column
//	fileemu healthcheck       exit 0 when the emulator at --addr answers GET /__admin/health
//	fileemu version           print the version
//
// Every flag has an environment twin: --max-object-size is FILEEMU_MAX_OBJECT_SIZE.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/fileemu/fileemu/emulator"
	"github.com/fileemu/fileemu/scenarios"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// settings are the parsed flags.
type settings struct {
	addr, publicURL, logFormat, logLevel, adminToken, tokens, scenarios string
	s3AccessKey, s3SecretKey, s3Region                                  string
	seed, maxObjectSize                                                 int64
	journalSize                                                         int
	s3Lenient                                                           bool
	chunkExpiry                                                         time.Duration
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("fileemu "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var s settings
	str := func(p *string, name, def, usage string) {
		fs.StringVar(p, name, envString(name, def), usage+" ("+envName(name)+")")
	}
	str(&s.addr, "addr", "127.0.0.1:8080", "listen address")
	str(&s.publicURL, "public-url", "", "base URL handed out in URLs; empty: the host each request came in on")
	str(&s.logFormat, "log-format", "text", "log format: text or json")
	str(&s.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	str(&s.adminToken, "admin-token", "", "bearer token required by the admin API; empty: open")
	str(&s.tokens, "tokens", "", "comma-separated API keys/bearer tokens the APIs accept; empty: any non-empty one")
	str(&s.s3AccessKey, "s3-access-key", "fileemu", "fake S3 access key")
	str(&s.s3SecretKey, "s3-secret-key", "fileemu-secret", "fake S3 secret key")
	str(&s.s3Region, "s3-region", "us-east-1", "fake S3 region")
	str(&s.scenarios, "scenarios", "", "comma-separated scenario files or directories, reloaded when they change")
	fs.Int64Var(&s.seed, "seed", envInt("seed", 1), "seed of generated data ("+envName("seed")+")")
	fs.Int64Var(&s.maxObjectSize, "max-object-size", envInt("max-object-size", emulator.DefaultMaxObjectSize),
		"largest upload in bytes ("+envName("max-object-size")+")")
	fs.DurationVar(&s.chunkExpiry, "chunk-expiry", envDuration("chunk-expiry", time.Hour),
		"how long an abandoned files.ro chunked upload is kept ("+envName("chunk-expiry")+")")
	fs.IntVar(&s.journalSize, "journal-size", int(envInt("journal-size", 10000)), "request journal capacity ("+envName("journal-size")+")")
	fs.BoolVar(&s.s3Lenient, "s3-lenient", envString("s3-lenient", "") == "true", "log S3 signature problems instead of refusing ("+envName("s3-lenient")+")")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, "fileemu", version)
		return 0
	case "healthcheck":
		return healthcheck(ctx, s.addr, s.adminToken, stderr)
	case "lint":
		return lint(fs.Args(), stdout, stderr)
	case "serve":
		if err := serve(ctx, s, stderr); err != nil {
			fmt.Fprintln(stderr, "fileemu:", err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(stderr, "fileemu: unknown command %q (serve, lint, healthcheck, version)\n", cmd)
	return 2
}

func envName(flagName string) string {
	return "FILEEMU_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func envString(flagName, def string) string {
	if v, ok := os.LookupEnv(envName(flagName)); ok {
		return v
	}
	return def
}

func envInt(flagName string, def int64) int64 {
	if n, err := strconv.ParseInt(envString(flagName, ""), 10, 64); err == nil {
		return n
	}
	return def
}

func envDuration(flagName string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(envString(flagName, "")); err == nil {
		return d
	}
	return def
}

func newLogger(format, level string, w io.Writer) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format must be text or json, not %q", format)
}

func serve(ctx context.Context, s settings, logOut io.Writer) error {
	logger, err := newLogger(s.logFormat, s.logLevel, logOut)
	if err != nil {
		return err
	}
	tokens := splitList(s.tokens)
	emu, err := emulator.New(emulator.Config{
		PublicURL: s.publicURL, MaxObjectSize: s.maxObjectSize, Seed: s.seed, AdminToken: s.adminToken,
		Tokens: tokens, JournalSize: s.journalSize, S3Lenient: s.s3Lenient, Logger: logger, Version: version,
		S3: emulator.S3Credentials(s.s3AccessKey, s.s3SecretKey, s.s3Region), Scenarios: splitList(s.scenarios), ChunkExpiry: s.chunkExpiry,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	// No ReadTimeout: large uploads may take long. Headers must come quickly.
	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := emu.WatchScenarios(ctx); err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("fileemu listening", "addr", ln.Addr().String(), "apis", strings.Join(emu.APINames(), ","), "version", version,
		"scenarios", len(emu.Scenarios().List("")))
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down: letting in-flight requests finish", "timeout", emulator.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), emulator.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// healthcheck is the Docker HEALTHCHECK: GET /__admin/health on addr.
func healthcheck(ctx context.Context, addr, token string, stderr io.Writer) int {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck:", err)
		return 1
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/__admin/health", nil)
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck:", err)
		return 1
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck:", err)
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(stderr, "healthcheck: status", resp.StatusCode)
		return 1
	}
	return 0
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

// lint checks scenario files against the mounted APIs and prints every problem as
// file:line:column: message. It exits 1 on any problem, 2 without files.
func lint(files []string, stdout, stderr io.Writer) int {
	if len(files) == 0 {
		fmt.Fprintln(stderr, "usage: fileemu lint FILE...")
		return 2
	}
	emu, err := emulator.New(emulator.Config{})
	if err != nil {
		fmt.Fprintln(stderr, "fileemu:", err)
		return 1
	}
	bad := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintln(stderr, err)
			bad++
			continue
		}
		scs, err := scenarios.Parse(f, data, emu.Scenarios().Catalog())
		if err != nil {
			var es scenarios.Errors
			if errors.As(err, &es) {
				for _, e := range es {
					fmt.Fprintln(stderr, e)
				}
				bad += len(es)
			}
			continue
		}
		fmt.Fprintf(stdout, "%s: ok (%d scenarios)\n", f, len(scs))
	}
	if bad > 0 {
		fmt.Fprintf(stderr, "%d problems\n", bad)
		return 1
	}
	return 0
}
