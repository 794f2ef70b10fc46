package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// `go build ./cmd/fileemu` at the repository root writes ./fileemu: it must be ignored, and no
// build artefact (or any file over 1 MiB) may be tracked.
func TestNoBuildArtefactsTracked(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, ".git")); err != nil {
		t.Skip("not a git checkout: nothing to check") // a source archive has no index
	}
	if out, err := exec.Command("git", "-C", root, "check-ignore", "-q", "--no-index", "fileemu").CombinedOutput(); err != nil {
		t.Errorf("./fileemu (what go build ./cmd/fileemu writes) is not ignored: %v %s", err, out)
	}
	out, err := exec.Command("git", "-C", root, "ls-files", "-z").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		info, err := os.Stat(filepath.Join(root, name))
		if err != nil {
			continue // deleted in the work tree
		}
		if info.Size() > 1<<20 {
			t.Errorf("%s is tracked and %d bytes: build artefacts and large files do not belong in git", name, info.Size())
		}
	}
}

// gopkg.in/yaml.v3 is archived: nothing fileemu builds, tests included, may import it; its
// maintained successor is go.yaml.in/yaml/v3.
func TestNoArchivedYAMLModule(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "-test", "./...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "gopkg.in/yaml.v3") {
			t.Errorf("%s is in the build: use go.yaml.in/yaml/v3", pkg)
		}
	}
}

// README's Layout names every package directory and, on the cmd/fileemu line, every command:
// the picture a newcomer starts from must not lag behind the tree.
func TestReadmeLayoutIsComplete(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, _ := strings.Cut(string(readme), "## Layout")
	layout, _, _ := strings.Cut(strings.SplitN(after, "```", 3)[1], "```")
	cmd := exec.Command("go", "list", "-f", "{{.Dir}}", "./...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	root, _ := filepath.Abs("../..")
	for _, dir := range strings.Fields(string(out)) {
		name := filepath.Base(dir) + "/"
		if dir == root {
			continue
		}
		if !strings.Contains(layout, name) {
			t.Errorf("README's Layout does not name %s (%s)", name, strings.TrimPrefix(dir, root+"/"))
		}
	}
	for _, c := range commands() {
		line := ""
		for _, l := range strings.Split(layout, "\n") {
			if strings.HasPrefix(l, "cmd/fileemu/") {
				line = l
			}
		}
		if !strings.Contains(line, c.name) {
			t.Errorf("README's Layout line for cmd/fileemu does not name the command %s: %q", c.name, line)
		}
	}
}
