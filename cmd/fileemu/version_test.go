package main

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

func TestResolveBuild(t *testing.T) {
	checkout := &debug.BuildInfo{Main: debug.Module{Path: "github.com/fileemu/fileemu", Version: "v0.1.1-0.20261126061700-0123456789ab+dirty"},
		Settings: []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
			{Key: "vcs.time", Value: "2026-11-26T06:17:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	for _, c := range []struct {
		name                  string
		version, commit, date string
		info                  *debug.BuildInfo
		want                  buildStamp
	}{
		{"ldflags win over the build info", "v0.2.0", "fedcba9", "2026-11-27T10:00:00Z", checkout,
			buildStamp{version: "v0.2.0", commit: "fedcba9", date: "2026-11-27T10:00:00Z", dateOf: "build", modified: true}},
		{"go build in a checkout (VCS stamping)", "dev", "", "", checkout,
			buildStamp{version: "v0.1.1-0.20261126061700-0123456789ab+dirty", commit: "0123456789abcdef0123456789abcdef01234567",
				date: "2026-11-26T06:17:00Z", dateOf: "commit", modified: true}},
		{"go install ...@v0.1.0: a module version, no VCS", "dev", "", "",
			&debug.BuildInfo{Main: debug.Module{Path: "github.com/fileemu/fileemu", Version: "v0.1.0"}},
			buildStamp{version: "v0.1.0", commit: "unknown", date: "unknown"}},
		{"go install ...@main: the pseudo-version names the commit", "dev", "", "",
			&debug.BuildInfo{Main: debug.Module{Path: "github.com/fileemu/fileemu", Version: "v0.0.0-20261126061700-0123456789ab"}},
			buildStamp{version: "v0.0.0-20261126061700-0123456789ab", commit: "0123456789ab", date: "2026-11-26T06:17:00Z", dateOf: "commit"}},
		{"go build -buildvcs=false", "dev", "", "",
			&debug.BuildInfo{Main: debug.Module{Path: "github.com/fileemu/fileemu", Version: "(devel)"}},
			buildStamp{version: "dev", commit: "unknown", date: "unknown"}},
		{"no build info", "", "", "", nil, buildStamp{version: "dev", commit: "unknown", date: "unknown"}},
	} {
		if got := resolveBuild(c.version, c.commit, c.date, c.info); got != c.want {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
		}
	}
}

// The stamps `make build` and GoReleaser set with -ldflags are what `fileemu version` prints,
// and the version is the one /__admin/health and the log line carry.
func TestVersionCommandPrintsStamps(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "fileemu")
	build := exec.Command("go", "build", "-o", bin, "-ldflags",
		"-X main.version=v9.8.7 -X main.commit=0123456789abcdef0123456789abcdef01234567 -X main.date=2026-11-26T06:17:00Z", ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	want := "fileemu v9.8.7\ncommit: 0123456789abcdef0123456789abcdef01234567\ndate:   2026-11-26T06:17:00Z\n" +
		"go:     " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err != nil || string(out) != want {
			t.Errorf("fileemu %s = %v\n%s\nwant\n%s", strings.Join(args, " "), err, out, want)
		}
	}
	addr := freeAddr(t)
	srv := exec.Command(bin, "serve", "--addr", addr)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Process.Kill(); _ = srv.Wait() })
	var h struct{ Version string }
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/__admin/health")
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&h)
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the emulator did not answer: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if h.Version != "v9.8.7" {
		t.Errorf("/__admin/health version = %q, want v9.8.7", h.Version)
	}
}
