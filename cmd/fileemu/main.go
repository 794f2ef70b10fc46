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
	// Flags with plain defaults; the environment twins are applied through fs.Set below, so a
	// bad FILEEMU_* value is refused exactly like the same bad flag.
	fs.StringVar(&s.addr, "addr", "127.0.0.1:8080", "listen address")
	fs.StringVar(&s.publicURL, "public-url", "", "base URL handed out in URLs; empty: the host each request came in on")
	fs.StringVar(&s.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&s.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&s.adminToken, "admin-token", "", "bearer token required by the admin API; empty: open")
	fs.StringVar(&s.tokens, "tokens", "", "comma-separated API keys/bearer tokens the APIs accept; empty: any non-empty one")
	fs.StringVar(&s.s3AccessKey, "s3-access-key", "fileemu", "fake S3 access key")
	fs.StringVar(&s.s3SecretKey, "s3-secret-key", "fileemu-secret", "fake S3 secret key")
	fs.StringVar(&s.s3Region, "s3-region", "us-east-1", "fake S3 region")
	fs.StringVar(&s.scenarios, "scenarios", "", "comma-separated scenario files or directories, reloaded when they change")
	fs.Int64Var(&s.seed, "seed", 1, "seed of generated data")
	fs.Int64Var(&s.maxObjectSize, "max-object-size", emulator.DefaultMaxObjectSize, "largest upload in bytes")
	fs.DurationVar(&s.chunkExpiry, "chunk-expiry", time.Hour, "how long an abandoned files.ro chunked upload is kept")
	fs.IntVar(&s.journalSize, "journal-size", 10000, "request journal capacity")
	fs.BoolVar(&s.s3Lenient, "s3-lenient", false, "log S3 signature problems instead of refusing")
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		f.Usage += " (" + envName(f.Name) + ")"
		if v, ok := os.LookupEnv(envName(f.Name)); ok && envErr == nil {
			if err := fs.Set(f.Name, v); err != nil {
				envErr = fmt.Errorf("%s=%q: %w", envName(f.Name), v, err)
			}
		}
	})
	if envErr != nil {
		fmt.Fprintln(stderr, "fileemu:", envErr)
		return 2
	}
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

// lint checks scenario files against the mounted APIs, together as --scenarios would load them
// (a name defined twice across files is an error too), and prints every problem as
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
	docs := map[string][]byte{}
	bad := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintln(stderr, err)
			bad++
			continue
		}
		docs[f] = data
	}
	err = scenarios.NewEngine(emu.Scenarios().Catalog(), time.Now).LoadFiles(docs)
	var es scenarios.Errors
	errors.As(err, &es)
	failed := map[string]bool{}
	for _, e := range es {
		fmt.Fprintln(stderr, e)
		failed[e.File] = true
	}
	bad += len(es)
	for _, f := range files {
		if _, read := docs[f]; read && !failed[f] {
			scs, _ := scenarios.Parse(f, docs[f], emu.Scenarios().Catalog())
			fmt.Fprintf(stdout, "%s: ok (%d scenarios)\n", f, len(scs))
		}
	}
	if bad > 0 {
		fmt.Fprintf(stderr, "%d problems\n", bad)
		return 1
	}
	return 0
}
