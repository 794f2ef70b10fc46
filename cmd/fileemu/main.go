// Command fileemu serves the file-upload API emulator.
//
//	fileemu [serve] [flags]       serve the emulator (default)
//	fileemu lint FILE|DIR...      check scenario and fixture files; errors as file:line:column
//	fileemu healthcheck [flags]   exit 0 when the emulator at --addr answers GET /__admin/health
//	fileemu version               print the version, commit and build date
//	fileemu help [COMMAND]        the usage text
//
// Every flag has an environment twin: --max-object-size is FILEEMU_MAX_OBJECT_SIZE.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/fileemu/fileemu/emulator"
	"github.com/fileemu/fileemu/scenarios"
)

// version is set at build time with -ldflags "-X main.version=..." (version.go: without them,
// from the build info).
var version = "dev"

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// settings are the parsed flags.
type settings struct {
	addr, publicURL, logFormat, logLevel, adminToken, tokens, scenarios string
	fixtures                                                            string
	s3AccessKey, s3SecretKey, s3Region                                  string
	seed                                                                int64
	maxObjectSize, maxBodySize, journalBytes, maxStorage                byteSize
	journalSize, journalBodyBytes                                       int
	s3Lenient, logRequests                                              bool
	chunkExpiry, bodyGrace, idleTimeout, shutdownTimeout, sessionTTL    time.Duration
	minBodyRate                                                         byteSize

	dataDir string // --data-dir
}

// command is one subcommand: its flags and what it does with them.
type command struct {
	name, args, summary string
	flags               func(fs *flag.FlagSet, s *settings)
	run                 func(ctx context.Context, s *settings, args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{name: "serve", args: "[flags]", summary: "serve the emulator (the default command)", flags: serveFlags,
			run: func(ctx context.Context, s *settings, args []string, stdout, stderr io.Writer) int {
				if len(args) > 0 {
					fmt.Fprintf(stderr, "fileemu serve: unexpected argument %q; flags start with --\n", args[0])
					return 2
				}
				if err := serve(ctx, *s, stderr); err != nil {
					fmt.Fprintln(stderr, "fileemu:", err)
					return 1
				}
				return 0
			}},
		{name: "lint", args: "FILE|DIR...", summary: "check scenario and fixture files as --scenarios and --fixtures would load them", flags: func(*flag.FlagSet, *settings) {},
			run: func(_ context.Context, _ *settings, args []string, stdout, stderr io.Writer) int {
				return lint(args, stdout, stderr)
			}},
		{name: "healthcheck", args: "[flags]", summary: "exit 0 when the emulator at --addr answers GET /__admin/health (Docker HEALTHCHECK)",
			flags: func(fs *flag.FlagSet, s *settings) {
				fs.StringVar(&s.addr, "addr", "127.0.0.1:8080", "address of the emulator")
				fs.StringVar(&s.adminToken, "admin-token", "", "bearer token of the admin API, when it needs one")
			},
			run: func(ctx context.Context, s *settings, _ []string, _, stderr io.Writer) int {
				return healthcheck(ctx, s.addr, s.adminToken, stderr)
			}},
		{name: "version", summary: "print the version, commit and build date", flags: func(*flag.FlagSet, *settings) {},
			run: func(_ context.Context, _ *settings, _ []string, stdout, _ io.Writer) int {
				printVersion(stdout, build)
				return 0
			}},
		{name: "help", args: "[COMMAND]", summary: "print this text, or one command's flags", flags: func(*flag.FlagSet, *settings) {}},
	}
}

// serveFlags are the server's flags, with plain defaults; environment twins are applied on top.
func serveFlags(fs *flag.FlagSet, s *settings) {
	fs.StringVar(&s.addr, "addr", "127.0.0.1:8080", "listen address (0.0.0.0:8080 in a container)")
	fs.StringVar(&s.publicURL, "public-url", "", "base URL handed out in URLs; empty: the host each request came in on")
	s.maxObjectSize = emulator.DefaultMaxObjectSize // before Var: the help shows it as the default
	fs.Var(&s.maxObjectSize, "max-object-size", "largest upload: bytes, or with a unit (10MiB, 1GB)")
	fs.Int64Var(&s.seed, "seed", emulator.DefaultSeed, "seed of generated data: same seed, same data")
	fs.StringVar(&s.tokens, "tokens", "", "comma-separated API keys/bearer tokens the APIs accept; empty: any non-empty one")
	fs.StringVar(&s.adminToken, "admin-token", "", "bearer token required by the admin API; empty: open")
	s.maxStorage = byteSize(defaultMaxStorage())
	fs.Var(&s.maxStorage, "max-storage", "bytes all sessions may store together (default: half of the machine's or container's memory); 507 above it")
	s.maxBodySize = emulator.DefaultMaxBodySize
	fs.Var(&s.maxBodySize, "max-body-size", "largest request body that is not an upload (JSON, forms): 413 above it")
	fs.IntVar(&s.journalSize, "journal-size", emulator.DefaultJournalSize, "request journal capacity (entries)")
	s.journalBytes = emulator.DefaultJournalBytes
	fs.Var(&s.journalBytes, "journal-bytes", "bytes the request journal keeps at most (oldest entries go first)")
	fs.IntVar(&s.journalBodyBytes, "journal-body-bytes", emulator.DefaultJournalBodyBytes, "bytes of a JSON request body and of an error, JSON or XML answer each journal entry keeps (-1: none)")
	fs.DurationVar(&s.chunkExpiry, "chunk-expiry", emulator.DefaultChunkExpiry, "how long an abandoned files.ro chunked upload is kept")
	s.minBodyRate = emulator.DefaultMinBodyRate
	fs.Var(&s.minBodyRate, "min-body-rate", "bytes per second a request body must average after --body-grace, or its connection is cut")
	fs.DurationVar(&s.bodyGrace, "body-grace", emulator.DefaultBodyGrace, "time a request body gets before --min-body-rate applies")
	fs.DurationVar(&s.sessionTTL, "session-ttl", 0, "drop a session not used for this long, with what it stored (0: never)")
	fs.DurationVar(&s.idleTimeout, "idle-timeout", 2*time.Minute, "how long an idle keep-alive connection is kept open")
	fs.DurationVar(&s.shutdownTimeout, "shutdown-timeout", emulator.ShutdownTimeout, "how long in-flight requests may finish after SIGTERM")
	fs.StringVar(&s.s3AccessKey, "s3-access-key", emulator.DefaultS3AccessKey, "fake S3 access key")
	fs.StringVar(&s.s3SecretKey, "s3-secret-key", emulator.DefaultS3SecretKey, "fake S3 secret key")
	fs.StringVar(&s.s3Region, "s3-region", emulator.DefaultS3Region, "fake S3 region")
	fs.BoolVar(&s.s3Lenient, "s3-lenient", false, "log S3 signature problems instead of refusing")
	fs.StringVar(&s.dataDir, "data-dir", "", "keep every session (stored uploads, the APIs' state, the clocks) in files under this directory, across restarts (empty: in memory)")
	fs.StringVar(&s.scenarios, "scenarios", "", "comma-separated scenario files or directories, reloaded when they change")
	fs.StringVar(&s.fixtures, "fixtures", "", "comma-separated fixture files or directories: the state of the default session and of new sessions, reloaded when they change")
	fs.StringVar(&s.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&s.logLevel, "log-level", "info", "log level: "+strings.Join(logLevels, ", "))
	fs.BoolVar(&s.logRequests, "log-requests", true, "log one line per request at info (--log-requests=false: only problems and events)")
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	name := "serve"
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		name, args = "help", nil // the whole usage, not only serve's flags
	} else if len(args) > 0 && (args[0] == "-v" || args[0] == "--version" || args[0] == "-version") {
		name, args = "version", nil
	} else if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	cmds := commands()
	var cmd *command
	for i := range cmds {
		if cmds[i].name == name {
			cmd = &cmds[i]
		}
	}
	if cmd == nil {
		var names []string
		for _, c := range cmds {
			names = append(names, c.name)
		}
		hint := ""
		if close := scenarios.Closest(name, names, 1); len(close) > 0 {
			hint = fmt.Sprintf("; did you mean %s?", close[0])
		}
		fmt.Fprintf(stderr, "fileemu: unknown command %q%s\nRun 'fileemu help' for usage.\n", name, hint)
		return 2
	}
	if cmd.name == "help" {
		return help(args, stdout, stderr)
	}
	var s settings
	fs := newFlagSet(*cmd, &s)
	envErr := applyEnv(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			commandUsage(stdout, *cmd) // help first, even with a bad FILEEMU_* value around
			return 0
		}
		fmt.Fprintf(stderr, "fileemu %s: %s\nRun 'fileemu %s --help' for its flags.\n", cmd.name, flagError(err, fs), cmd.name)
		return 2
	}
	if envErr != nil {
		fmt.Fprintln(stderr, "fileemu:", envErr)
		return 2
	}
	return cmd.run(ctx, &s, fs.Args(), stdout, stderr)
}

func newFlagSet(cmd command, s *settings) *flag.FlagSet {
	fs := flag.NewFlagSet("fileemu "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors and help are printed by run, in our words
	cmd.flags(fs, s)
	return fs
}

// applyEnv sets each flag from its environment twin, through fs.Set, so a bad FILEEMU_* value
// is refused exactly like the same bad flag.
func applyEnv(fs *flag.FlagSet) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if v, ok := os.LookupEnv(envName(f.Name)); ok && err == nil {
			if serr := fs.Set(f.Name, v); serr != nil {
				err = fmt.Errorf("%s=%q: %w", envName(f.Name), v, serr)
			}
		}
	})
	return err
}

// flagError words a parse error, suggesting the flag that was probably meant.
func flagError(err error, fs *flag.FlagSet) string {
	const undefined = "flag provided but not defined: "
	msg := err.Error()
	if !strings.HasPrefix(msg, undefined) {
		return strings.Replace(msg, ": -", ": --", 1) // "flag needs an argument: --addr"
	}
	given := strings.TrimLeft(strings.TrimPrefix(msg, undefined), "-")
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	out := fmt.Sprintf("unknown flag --%s", given)
	if close := scenarios.Closest(given, names, 1); len(close) > 0 {
		out += fmt.Sprintf("; did you mean --%s?", close[0])
	}
	return out
}

func envName(flagName string) string {
	return "FILEEMU_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// help prints the whole usage, or one command's.
func help(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			commandUsage(stdout, c)
			return 0
		}
	}
	fmt.Fprintf(stderr, "fileemu help: unknown command %q\n", args[0])
	return 2
}

func usage(w io.Writer) {
	fmt.Fprint(w, `fileemu emulates file-upload APIs for integration tests and front-end development: the Haufe
Copilot files API, Teamwork Desk v2 files, Weavy files and files.ro share uploads, with the fake
S3 their uploads go to (presigned URLs and POST policies really checked), an admin API, sessions
and scenario files for errors, rate limits, viruses and slow processing.

Usage:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-32s %s\n", strings.TrimSpace("fileemu "+c.name+" "+c.args), c.summary)
	}
	fmt.Fprintln(w)
	for _, c := range commands() {
		if flagCount(c) > 0 {
			fmt.Fprintf(w, "Flags of %s (each has an environment twin, shown in brackets):\n", c.name)
			printFlags(w, c)
			fmt.Fprintln(w)
		}
	}
	fmt.Fprint(w, `Examples:
  fileemu serve --addr 0.0.0.0:8080 --scenarios scenarios/ready
  FILEEMU_MAX_OBJECT_SIZE=10MiB FILEEMU_TOKENS=k1,k2 fileemu
  fileemu lint scenarios/ready

Documentation: README.md; the API contracts: GET /__admin/openapi/{api}.
`)
}

func commandUsage(w io.Writer, c command) {
	fmt.Fprintf(w, "Usage: %s\n\n%s.\n", strings.TrimSpace("fileemu "+c.name+" "+c.args), c.summary)
	if flagCount(c) > 0 {
		fmt.Fprintln(w, "\nFlags (each has an environment twin, shown in brackets):")
		printFlags(w, c)
	}
}

func flagCount(c command) int {
	n := 0
	newFlagSet(c, &settings{}).VisitAll(func(*flag.Flag) { n++ })
	return n
}

// printFlags lists a command's flags (alphabetically, as VisitAll gives them) with default and twin.
func printFlags(w io.Writer, c command) {
	fs := newFlagSet(c, &settings{})
	var fl []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) { fl = append(fl, f) })
	for _, f := range fl {
		def := f.DefValue
		if def == "" {
			def = `""`
		}
		fmt.Fprintf(w, "  --%-18s %s\n  %-20s default %s [%s]\n", f.Name, f.Usage, "", def, envName(f.Name))
	}
}
