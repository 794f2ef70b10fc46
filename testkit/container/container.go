// Package container runs the fileemu Docker image in Go tests, as a testcontainers-go module.
//
// It gives a test the same session, journal and assertion API as the in-process test kit
// (package testkit), so one test body runs against both: write it against testkit.Target,
// which *testkit.Emulator and *Container both satisfy.
//
//	func TestUpload(t *testing.T) {
//		ctr := container.Start(t, "fileemu:dev", container.WithSeed(7)) // terminated when t ends
//		s := ctr.Session(t)            // an isolated session, dropped when t ends
//		client := ctr.Client(t)        // fails t when a response breaks the API's spec
//		resp, err := client.Get(s.URL("haufe") + "/v1/files?...")
//		// ...
//		s.AssertCalled(t, "listFiles", 1)
//	}
//
// Run is the module's entry point in the usual testcontainers-go shape; Start wraps it for
// tests. The container listens on 8080/tcp, mapped to a random host port; BaseURL and URL give
// the address a client on the host uses. The emulator hands out URLs (presigned S3 URLs, Desk's
// form URL) built from the Host the request came with, so those URLs work from the host too.
//
// Options: WithScenarioFiles and WithScenarioDir copy scenario files into /scenarios (the
// image loads that directory; it already holds the inactive ready-made scenarios) after
// linting them on the host, so a bad file fails Run at once with file:line:column messages;
// WithSeed, WithAdminToken and WithLogLevel set the environment twins of the flags. Any
// testcontainers.ContainerCustomizer works too, e.g. testcontainers.WithEnv for other flags
// (every flag --name has a twin FILEEMU_NAME).
//
// Docker must answer (scripts/docker-engine.sh in the repository starts one). Where the host
// is not reachable as testcontainers guesses it (inside a container), set
// TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1; where the Ryuk reaper image cannot be pulled, set
// TESTCONTAINERS_RYUK_DISABLED=true and terminate containers yourself (Start does).
package container

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/fileemu/fileemu/emulator"
	"github.com/fileemu/fileemu/scenarios"
	"github.com/fileemu/fileemu/testkit"
)

const (
	// Port is the container port the emulator listens on (FILEEMU_ADDR=0.0.0.0:8080 in the image).
	Port = "8080/tcp"
	// ScenarioDir is the directory of scenario files the image loads (FILEEMU_SCENARIOS).
	ScenarioDir = "/scenarios"
	// HealthPath is the endpoint Run waits for.
	HealthPath = emulator.HealthPath
	// StartupTimeout bounds the wait for the health endpoint; a container that exits fails Run
	// at once.
	StartupTimeout = 30 * time.Second
	// logTailLines is how many lines of the container's log a failed Run quotes.
	logTailLines = 20
)

// Container is a running fileemu container.
type Container struct {
	testcontainers.Container

	base  string
	admin *testkit.Admin
}

var _ testkit.Target = (*Container)(nil)

// Run starts the image img and waits until GET /__admin/health answers 200 on the mapped port.
// Module defaults come first (exposed port, wait strategy), then opts. It returns the container
// even with an error when one was created, so the caller can terminate it (use
// testcontainers.CleanupContainer or testcontainers.TerminateContainer, which accept nil). An
// image that does not exist, a container that exits or never gets healthy, and a scenario file
// that fails lint all give an error naming the image; the first two quote the container's last
// log lines.
func Run(ctx context.Context, img string, opts ...testcontainers.ContainerCustomizer) (*Container, error) {
	moduleOpts := []testcontainers.ContainerCustomizer{
		testcontainers.WithExposedPorts(Port),
		testcontainers.WithWaitStrategyAndDeadline(StartupTimeout,
			wait.ForHTTP(HealthPath).WithPort(Port).
				WithStatusCodeMatcher(func(status int) bool { return status == http.StatusOK }).
				WithPollInterval(50*time.Millisecond).
				WithStartupTimeout(StartupTimeout)),
	}
	moduleOpts = append(moduleOpts, opts...)

	ctr, err := testcontainers.Run(ctx, img, moduleOpts...)
	var c *Container
	if ctr != nil {
		c = &Container{Container: ctr}
	}
	if err != nil {
		return c, fmt.Errorf("run fileemu: image %s: %w%s", img, err, c.logTail(ctx))
	}
	if err := c.connect(ctx); err != nil {
		return c, fmt.Errorf("run fileemu: image %s: %w%s", img, err, c.logTail(ctx))
	}
	return c, nil
}

// Start runs img for the duration of t: Run, terminated when t ends, and t fails at once when
// the container does not start.
func Start(t testing.TB, img string, opts ...testcontainers.ContainerCustomizer) *Container {
	t.Helper()
	c, err := Run(context.Background(), img, opts...)
	testcontainers.CleanupContainer(t, c)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// connect works out the base URL and the admin token (from the container's environment, so a
// token set with testcontainers.WithEnv counts too).
func (c *Container) connect(ctx context.Context) error {
	base, err := c.BaseURL(ctx)
	if err != nil {
		return err
	}
	info, err := c.Inspect(ctx)
	if err != nil {
		return fmt.Errorf("inspect: %w", err)
	}
	token := ""
	if info.Config != nil {
		for _, kv := range info.Config.Env {
			if v, ok := strings.CutPrefix(kv, envAdminToken+"="); ok {
				token = v
			}
		}
	}
	c.base, c.admin = base, testkit.NewAdmin(base, token)
	return nil
}

// logTail returns the last lines of the container's log, formatted for an error message, or ""
// without a container or log.
func (c *Container) logTail(ctx context.Context) string {
	if c == nil || c.Container == nil {
		return ""
	}
	// The caller's ctx may be the one that expired: give the log its own short deadline.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	rc, err := c.Logs(ctx)
	if err != nil {
		return ""
	}
	defer rc.Close()
	var lines []string
	sc := bufio.NewScanner(io.LimitReader(rc, 4<<20))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > logTailLines {
			lines = lines[1:]
		}
	}
	if len(lines) == 0 {
		return "\ncontainer log: (empty)"
	}
	what := "line"
	if len(lines) > 1 {
		what = fmt.Sprintf("%d lines", len(lines))
	}
	return fmt.Sprintf("\nlast %s of the container log:\n%s", what, strings.Join(lines, "\n"))
}

// BaseURL returns the emulator's base URL as the host reaches it, e.g. http://127.0.0.1:32771.
func (c *Container) BaseURL(ctx context.Context) (string, error) {
	if c.base != "" {
		return c.base, nil
	}
	return c.PortEndpoint(ctx, Port, "http")
}

// URL returns the base URL a client of api ("haufe", "desk", "s3", "admin", or any other
// mounted API) is configured with, in the default session. Session.URL gives the same for an
// isolated session.
func (c *Container) URL(ctx context.Context, api string) (string, error) {
	base, err := c.BaseURL(ctx)
	if err != nil {
		return "", err
	}
	p, err := testkit.APIPath(api)
	if err != nil {
		return "", err
	}
	return base + p, nil
}

// Admin returns a client of the container's admin API (it sends the admin token the container
// was started with).
func (c *Container) Admin() *testkit.Admin { return c.admin }

// Session creates an isolated session that is dropped when t ends.
func (c *Container) Session(t testing.TB) *testkit.Session {
	t.Helper()
	if c.admin == nil {
		t.Fatal("fileemu container: not started")
	}
	return testkit.NewSession(t, c.base, c.admin)
}

// Client returns an HTTP client that fails t whenever a response does not match the spec of
// the API that answered. The specs are this module's own (the ones the image was built from
// when the versions match).
func (c *Container) Client(t testing.TB) *http.Client {
	t.Helper()
	specs, err := testkit.Specs()
	if err != nil {
		t.Fatalf("fileemu container: load the specs: %v", err)
	}
	return testkit.ValidatingClient(t, specs)
}

// Environment twins of the flags the typed options set.
const (
	envSeed       = "FILEEMU_SEED"
	envAdminToken = "FILEEMU_ADMIN_TOKEN"
	envLogLevel   = "FILEEMU_LOG_LEVEL"
	envFixtures   = "FILEEMU_FIXTURES"
)

// WithSeed sets the seed of generated data (--seed).
func WithSeed(seed int64) testcontainers.CustomizeRequestOption {
	return testcontainers.WithEnv(map[string]string{envSeed: strconv.FormatInt(seed, 10)})
}

// WithAdminToken protects the admin API with a bearer token (--admin-token). The container's
// Admin client and sessions send it.
func WithAdminToken(token string) testcontainers.CustomizeRequestOption {
	return testcontainers.WithEnv(map[string]string{envAdminToken: token})
}

// WithLogLevel sets the log level: debug, info, warn or error (--log-level).
func WithLogLevel(level string) testcontainers.CustomizeRequestOption {
	return testcontainers.WithEnv(map[string]string{envLogLevel: level})
}

// WithScenarioFiles copies scenario files into /scenarios before the container starts; the
// emulator loads them with the image's own (inactive) ready-made ones. Each file is linted on
// the host first, against the APIs of this module: a problem fails Run at once with every
// file:line:column message, and no container is created. Files must end in .yaml, .yml or
// .json (the emulator reads only those) and have distinct names.
func WithScenarioFiles(paths ...string) testcontainers.CustomizeRequestOption {
	return func(req *testcontainers.GenericContainerRequest) error {
		files, err := scenarioFiles(paths)
		if err != nil {
			return err
		}
		return testcontainers.WithFiles(files...)(req)
	}
}

// FixtureDir is where WithFixtureFiles puts fixture files in the container (FILEEMU_FIXTURES).
const FixtureDir = "/fixtures"

// WithFixtureFiles loads fixture files into the container's default session and every session
// created in it (--fixtures). Each file is checked and resolved on the host first, its path:
// contents read next to it here: a problem fails Run at once with every file:line:column
// message, and no container is created. What is copied into FixtureDir is the resolved
// document (JSON, contents inline), one per file.
func WithFixtureFiles(paths ...string) testcontainers.CustomizeRequestOption {
	return func(req *testcontainers.GenericContainerRequest) error {
		if _, err := testkit.ResolveFixtures(paths...); err != nil { // across files too: no app or share twice
			return fmt.Errorf("fixture lint:\n%w", err)
		}
		var files []testcontainers.ContainerFile
		for i, p := range paths {
			doc, err := testkit.ResolveFixtures(p)
			if err != nil {
				return fmt.Errorf("fixture lint:\n%w", err)
			}
			name := fmt.Sprintf("%02d-%s.json", i, strings.TrimSuffix(filepath.Base(p), filepath.Ext(p)))
			files = append(files, testcontainers.ContainerFile{
				Reader: bytes.NewReader(doc), ContainerFilePath: path.Join(FixtureDir, name), FileMode: 0o644})
		}
		if err := testcontainers.WithFiles(files...)(req); err != nil {
			return err
		}
		return testcontainers.WithEnv(map[string]string{envFixtures: FixtureDir})(req)
	}
}

// WithScenarioDir copies the scenario files of dir (its *.yaml, *.yml and *.json, not
// recursive, as the emulator reads a directory) into /scenarios, linted as WithScenarioFiles
// does. A directory without scenario files is an error.
func WithScenarioDir(dir string) testcontainers.CustomizeRequestOption {
	return func(req *testcontainers.GenericContainerRequest) error {
		paths, err := scenarios.Expand(dir)
		if err != nil {
			return fmt.Errorf("scenario dir: %w", err)
		}
		if len(paths) == 0 {
			return fmt.Errorf("scenario dir %s: no scenario files (*%s)", dir, strings.Join(scenarios.FileExtensions, ", *"))
		}
		return WithScenarioFiles(paths...)(req)
	}
}

// scenarioFiles reads and lints the files and returns them as container files under
// /scenarios. What is copied is what was linted.
func scenarioFiles(paths []string) ([]testcontainers.ContainerFile, error) {
	specs, err := testkit.Specs()
	if err != nil {
		return nil, fmt.Errorf("load the specs: %w", err)
	}
	contents := map[string][]byte{}
	targets := map[string]string{} // base name → path, to catch two files landing on one name
	var out []testcontainers.ContainerFile
	for _, p := range paths {
		base := filepath.Base(p)
		if !scenarios.IsFile(base) {
			return nil, fmt.Errorf("scenario file %s: the emulator loads only *%s files", p, strings.Join(scenarios.FileExtensions, ", *"))
		}
		if prev, dup := targets[base]; dup {
			return nil, fmt.Errorf("scenario files %s and %s would both be %s", prev, p, path.Join(ScenarioDir, base))
		}
		targets[base] = p
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("scenario file: %w", err)
		}
		contents[p] = data
		out = append(out, testcontainers.ContainerFile{
			Reader:            bytes.NewReader(data),
			ContainerFilePath: path.Join(ScenarioDir, base),
			FileMode:          0o644,
		})
	}
	// The image's ready-made files load beside them, unless a file of the same name replaces one.
	for base, data := range scenarios.Ready() {
		if _, replaced := targets[base]; !replaced {
			contents[path.Join(ScenarioDir, base)+" (in the image)"] = data
		}
	}
	// The same check the emulator runs at start: every file valid, no scenario defined twice.
	if err := scenarios.NewEngine(specs.Catalog(), time.Now).LoadFiles(contents); err != nil {
		var es scenarios.Errors
		if errors.As(err, &es) {
			what := "1 problem"
			if len(es) > 1 {
				what = fmt.Sprintf("%d problems", len(es))
			}
			return nil, fmt.Errorf("scenario lint: %s:\n%w", what, err)
		}
		return nil, fmt.Errorf("scenario lint: %w", err)
	}
	return out, nil
}
