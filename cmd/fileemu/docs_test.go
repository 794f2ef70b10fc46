package main

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// docExpect is what one documented block must show: statuses of 400 and above (and 0, no
// answer) it may get, and text its output must hold. A block without an entry must get only
// answers below 400.
type docExpect struct {
	allow []int
	want  []string
}

// docExpectations are keyed by doc file and a line of the block.
var docExpectations = map[[2]string]docExpect{
	{"README.md", `-H "X-Fileemu-Scenario: outage"`}: {allow: []int{502}, want: []string{"502 Bad Gateway", "attachment_document_not_reachable"}},
	{"README.md", `-d '{"advance":"25h"}'`}: {allow: []int{403, 404}, want: []string{`"offset": "25h0m0s"`, "Request has expired",
		"attachment_document_does_not_exist", `{"offset":"0s","moved":false}`}},
	{"README.md", `-d '{"advance":"1 day"}'`}: {allow: []int{422}, want: []string{"2030-01-01T00:00:0", `"error":"invalid_clock"`,
		`{\"advance\":\"<Go duration`, `{"offset":"0s","moved":false}`}},
	{"scenarios/ready/README.md", "X-Fileemu-Scenario: outage"}: {allow: []int{502, 503},
		want: []string{"502 Bad Gateway", "503 Service Unavailable", `"active":["outage"]`}},
	{"scenarios/ready/outage.md", "X-Fileemu-Scenario: outage"}: {allow: []int{502, 503},
		want: []string{"502 Bad Gateway", "503 Service Unavailable", `"active":["outage"]`}},
	{"README.md", `colour: red`}: {allow: []int{422}, want: []string{`"line":5,"column":9`}},
	{"scenarios/ready/desk-validation.md", "X-Fileemu-Scenario: desk-validation"}:   {allow: []int{400}, want: []string{`"code":"invalid"`}},
	{"scenarios/ready/flaky-s3.md", "X-Fileemu-Scenario: flaky-s3"}:                 {allow: []int{0, 503}, want: []string{"200 ", "503 "}},
	{"scenarios/ready/haufe-rate-limit.md", "X-Fileemu-Scenario: haufe-rate-limit"}: {want: []string{"X-Ratelimit-Limit: 60", "X-Ratelimit-Remaining: 59"}},
	{"scenarios/ready/slow-processing.md", "X-Fileemu-Scenario: slow-processing"}: {
		want: []string{strings.Repeat("PROCESSING\n", 5) + "PROCESSED\n"}},
	{"scenarios/ready/virus.md", "X-Fileemu-Scenario: virus"}:                             {want: []string{`"processing_status":"FAILED"`, `"infected":true`}},
	{"scenarios/ready/weavy-name-conflict.md", "X-Fileemu-Scenario: weavy-name-conflict"}: {allow: []int{409}, want: []string{`"title":"Conflict"`}},
	// The Haufe model on disk, and the upload read back through the API after a restart.
	{"README.md", "fileemu serve --data-dir ./fileemu-data"}: {
		want: []string{"haufe.json\n", "same content after the restart\n"}},
}

// Every shell command in README.md and scenarios/ready/*.md runs as written (only the port
// differs): `make run` and `fileemu [serve]`, which a reader runs in another terminal, (re)start
// the emulator in the background; every curl's status is recorded, and a block fails on an
// error status it does not document, on a non-zero exit, or without the output it promises.
// Blocks that need a Docker engine are the container tests' part.
func TestDocsCommandsRunAsWritten(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq", "split"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed to run the documented commands: %v", tool, err)
		}
	}
	root, _ := filepath.Abs("../..")
	docs := []string{"README.md"}
	ready, _ := filepath.Glob(filepath.Join(root, "scenarios/ready/*.md"))
	for _, r := range ready {
		docs = append(docs, strings.TrimPrefix(r, root+"/"))
	}
	used := map[[2]string]bool{}
	for _, doc := range docs {
		t.Run(doc, func(t *testing.T) {
			d := newDocRunner(t, root)
			if doc == "README.md" {
				d.run(t, "fileemu") // the reader's `make run` in another terminal
			}
			text, err := os.ReadFile(filepath.Join(root, doc))
			if err != nil {
				t.Fatal(err)
			}
			blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllSubmatch(text, -1)
			ran := 0
			for i, m := range blocks {
				block := string(m[1])
				if strings.Contains(block, "docker") || strings.Contains(block, "make test") {
					continue // the container tests run the image; make test is what runs this
				}
				if strings.Contains(block, "releases/download/") || strings.Contains(block, "go install ") {
					continue // a published release: make release-check and TestGoInstallAtVersion cover them
				}
				ran++
				var exp docExpect
				for k, e := range docExpectations {
					if k[0] == doc && strings.Contains(block, k[1]) {
						exp, used[k] = e, true
					}
				}
				stdout, statuses := d.run(t, block)
				if len(statuses) == 0 && !strings.Contains(block, "-w '") {
					t.Errorf("block %d sent no request:\n%s", i, block)
				}
				for _, st := range statuses {
					if (st >= 400 || st == 0) && !slices.Contains(exp.allow, st) {
						t.Errorf("block %d got an undocumented %d:\n%s\noutput:\n%s", i, st, block, stdout)
					}
				}
				for _, w := range exp.want {
					if !strings.Contains(stdout, w) {
						t.Errorf("block %d output lacks %q:\n%s\noutput:\n%s", i, w, block, stdout)
					}
				}
			}
			if ran == 0 {
				t.Errorf("%s has no shell block to run", doc)
			}
		})
	}
	for k := range docExpectations {
		if !used[k] {
			t.Errorf("no block of %s holds %q any more: update the expectation", k[0], k[1])
		}
	}
}

// docRunner runs documented blocks in a work directory with shims first in PATH.
type docRunner struct {
	dir, addr string
	env       []string
}

func newDocRunner(t *testing.T, root string) *docRunner {
	t.Helper()
	d := &docRunner{dir: t.TempDir(), addr: freeAddr(t)}
	shims := filepath.Join(d.dir, ".shims")
	realCurl, _ := exec.LookPath("curl")
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(shims, 0o755))
	must(os.Symlink(filepath.Join(root, "scenarios"), filepath.Join(d.dir, "scenarios")))
	must(os.Symlink(filepath.Join(root, "examples"), filepath.Join(d.dir, "examples")))
	// fileemu: serving restarts the emulator in the background (a reader runs it in another
	// terminal); other commands are the binary itself.
	must(os.WriteFile(filepath.Join(shims, "fileemu"), []byte(`#!/usr/bin/env bash
case "$1" in lint|version|help|healthcheck|-h|--help) exec "$FILEEMU_BIN" "$@";; serve) shift;; esac
if [ -f "$DOC_STATE/server.pid" ]; then
  pid=$(cat "$DOC_STATE/server.pid")
  kill "$pid" 2>/dev/null
  # Until it has exited and let go of the port (a health check can fail on a loaded machine
  # while the old server still listens).
  for i in $(seq 400); do
    kill -0 "$pid" 2>/dev/null || break
    grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && break # exited, not yet reaped
    sleep 0.05
  done
fi
"$FILEEMU_BIN" serve "$@" --addr "$DOC_ADDR" >>"$DOC_STATE/server.log" 2>&1 &
echo $! > "$DOC_STATE/server.pid"
for i in $(seq 200); do "$FILEEMU_BIN" healthcheck --addr "$DOC_ADDR" >/dev/null 2>&1 && exit 0; sleep 0.05; done
echo "the emulator did not start:" >&2; cat "$DOC_STATE/server.log" >&2; exit 1
`), 0o755))
	must(os.WriteFile(filepath.Join(shims, "make"), []byte(`#!/usr/bin/env bash
[ "$1" = run ] || { echo "the doc test runs only 'make run', not: make $*" >&2; exit 1; }
extra=""
for a in "$@"; do case "$a" in ARGS=*) extra="${a#ARGS=}";; esac; done
exec fileemu serve $extra
`), 0o755))
	// curl: every transfer's status goes to stderr, where the test reads it (a block's own -w,
	// given later, wins; its statuses are then its own business).
	must(os.WriteFile(filepath.Join(shims, "curl"), []byte(`#!/usr/bin/env bash
exec "`+realCurl+`" -w '%{stderr}DOC_STATUS %{http_code}\n' "$@"
`), 0o755))
	writeFixtures(t, d.dir)
	d.env = append(os.Environ(), "PATH="+shims+":"+os.Getenv("PATH"), "FILEEMU_BIN="+binary,
		"DOC_ADDR="+d.addr, "DOC_STATE="+shims)
	t.Cleanup(func() {
		if pid, err := os.ReadFile(filepath.Join(shims, "server.pid")); err == nil {
			if n, err := strconv.Atoi(strings.TrimSpace(string(pid))); err == nil {
				if p, err := os.FindProcess(n); err == nil {
					_ = p.Kill()
					_, _ = p.Wait()
				}
			}
		}
	})
	return d
}

// run runs one block with bash -e -o pipefail, the documented address replaced by the test's.
func (d *docRunner) run(t *testing.T, block string) (stdout string, statuses []int) {
	t.Helper()
	script := strings.NewReplacer("127.0.0.1:8080", d.addr, "localhost:8080", d.addr).Replace(block)
	cmd := exec.Command("bash", "-e", "-o", "pipefail", "-c", script)
	cmd.Dir, cmd.Env = d.dir, d.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		log, _ := os.ReadFile(filepath.Join(d.dir, ".shims", "server.log"))
		t.Fatalf("block failed: %v\n%s\nstdout:\n%s\nstderr:\n%s\nserver log:\n%s", err, block, out.String(), errb.String(), log)
	}
	for _, line := range strings.Split(errb.String(), "\n") {
		if v, ok := strings.CutPrefix(line, "DOC_STATUS "); ok {
			n, _ := strconv.Atoi(v)
			statuses = append(statuses, n)
		}
	}
	return out.String(), statuses
}

// writeFixtures writes the files the documented commands upload: real images, a 2.5 MB video
// (three chunks of the README's 1,000,000-byte split), text files.
func writeFixtures(t *testing.T, dir string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 128, 255})
		}
	}
	var jb, pb bytes.Buffer
	if err := jpeg.Encode(&jb, img, nil); err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(&pb, img); err != nil {
		t.Fatal(err)
	}
	video := make([]byte, 2_500_000)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range video {
		video[i] = byte(r.Uint32())
	}
	for name, data := range map[string][]byte{"photo.jpeg": jb.Bytes(), "photo.jpg": jb.Bytes(), "photo.png": pb.Bytes(),
		"video.mp4": video, "notes.txt": []byte("meeting notes\n")} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
