package main

import (
	"fmt"
	"io"
	"regexp"
	"runtime"
	"runtime/debug"
	"time"
)

// commit and date are set at build time next to version (main.go), by `make build` / `make image`
// and GoReleaser: -ldflags "-X main.version=v0.1.0 -X main.commit=<sha> -X main.date=<RFC 3339>".
var commit, date string

// unstamped is main.version's value when no -ldflags set it.
const unstamped = "dev"

// build is this binary's stamp, resolved once. A build without -ldflags (`go install
// .../cmd/fileemu@v0.1.0`, `go build`) still knows what it is: the go command records the module
// version and, in a checkout, the commit. The log line and /__admin/health read main.version, so
// it gets the resolved version before anything uses it.
var build buildStamp

func init() {
	info, _ := debug.ReadBuildInfo()
	build = resolveBuild(version, commit, date, info)
	version = build.version
}

// buildStamp is what `fileemu version` prints.
type buildStamp struct {
	version, commit, date string
	modified              bool   // built from a work tree with uncommitted changes (vcs.modified)
	dateOf                string // "build" (-ldflags) or "commit" (vcs.time, a pseudo-version)
}

// pseudoVersion matches the tail of a Go pseudo-version (v0.0.0-20261126061700-0123456789ab,
// v0.1.1-0.20261126061700-0123456789ab+dirty): the commit's UTC time and its 12-digit prefix.
// `go install ...@<commit>` or `@main` records only that, no vcs.* settings.
var pseudoVersion = regexp.MustCompile(`[-.](\d{14})-([0-9a-f]{12})(?:\+[0-9A-Za-z.-]+)?$`)

// resolveBuild takes what -ldflags set and fills the rest from the build info the go command
// recorded: the main module's version (a tag for `go install ...@v0.1.0`, "(devel)" for a plain
// `go build` without VCS stamping) and vcs.revision, vcs.time, vcs.modified in a checkout.
func resolveBuild(version, commit, date string, info *debug.BuildInfo) buildStamp {
	b := buildStamp{version: version, commit: commit, date: date}
	if date != "" {
		b.dateOf = "build"
	}
	if info == nil {
		return b.orUnknown()
	}
	if (b.version == "" || b.version == unstamped) && info.Main.Version != "" && info.Main.Version != "(devel)" {
		b.version = info.Main.Version
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			if b.commit == "" {
				b.commit = s.Value
			}
		case "vcs.time":
			if b.date == "" {
				b.date, b.dateOf = s.Value, "commit"
			}
		case "vcs.modified":
			b.modified = s.Value == "true"
		}
	}
	if m := pseudoVersion.FindStringSubmatch(info.Main.Version); m != nil {
		if b.commit == "" {
			b.commit = m[2]
		}
		if t, err := time.Parse("20060102150405", m[1]); err == nil && b.date == "" {
			b.date, b.dateOf = t.Format(time.RFC3339), "commit"
		}
	}
	return b.orUnknown()
}

func (b buildStamp) orUnknown() buildStamp {
	if b.version == "" {
		b.version = unstamped
	}
	if b.commit == "" {
		b.commit = "unknown"
	}
	if b.date == "" {
		b.date = "unknown"
	}
	return b
}

// printVersion writes the version on the first line ("fileemu v0.1.0", what scripts grep), then
// the commit, the date and the Go toolchain.
func printVersion(w io.Writer, b buildStamp) {
	fmt.Fprintln(w, "fileemu", b.version)
	c := b.commit
	if b.modified {
		c += " (modified)"
	}
	fmt.Fprintf(w, "commit: %s\n", c)
	d := b.date
	if b.dateOf == "commit" {
		d += " (commit time)"
	}
	fmt.Fprintf(w, "date:   %s\n", d)
	fmt.Fprintf(w, "go:     %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
