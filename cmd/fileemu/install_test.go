package main

import (
	"archive/zip"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// `go install github.com/fileemu/fileemu/cmd/fileemu@v0.1.0` is the documented way to get the
// binary without Docker. It builds from the module zip a proxy serves, which holds only what git
// tracks, without cgo, -ldflags or any step of ours (no make, no generate). This serves the
// tracked files of this checkout as v0.1.0 from a file proxy (the dependencies from the local
// module cache: no network), installs with CGO_ENABLED=0, and checks that `fileemu version` names
// v0.1.0 from the build info alone.
func TestGoInstallAtVersion(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, ".git")); err != nil {
		t.Skip("not a git checkout: no list of tracked files to build a module zip from")
	}
	const mod, ver = "github.com/fileemu/fileemu", "v0.1.0"
	tmp := t.TempDir()
	proxy := filepath.Join(tmp, "proxy", mod, "@v")
	if err := os.MkdirAll(proxy, 0o755); err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{
		"list":        ver + "\n",
		ver + ".info": `{"Version":"` + ver + `","Time":"2026-11-26T00:00:00Z"}`,
		ver + ".mod":  string(gomod),
	} {
		if err := os.WriteFile(filepath.Join(proxy, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeModuleZip(t, root, filepath.Join(proxy, ver+".zip"), mod+"@"+ver+"/")

	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	gobin := filepath.Join(tmp, "bin")
	install := exec.Command("go", "install", mod+"/cmd/fileemu@"+ver)
	install.Dir = tmp // outside the module: go install pkg@version ignores any go.mod around
	install.Env = append(os.Environ(),
		"CGO_ENABLED=0", "GOTOOLCHAIN=local", "GOBIN="+gobin,
		"GOPROXY=file://"+filepath.Join(tmp, "proxy")+",file://"+filepath.Join(strings.TrimSpace(string(out)), "cache", "download"),
		// Only loopback and files: no checksum database (go.sum still checks the dependencies).
		"GOSUMDB=off",
		// A module cache of its own (the fake v0.1.0 must not land in the real one), writable so
		// TempDir can remove it; -trimpath lets the dependencies come from the build cache.
		"GOMODCACHE="+filepath.Join(tmp, "modcache"), "GOFLAGS=-modcacherw -trimpath")
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("go install %s/cmd/fileemu@%s: %v\n%s", mod, ver, err, out)
	}
	out, err = exec.Command(filepath.Join(gobin, "fileemu"), "version").CombinedOutput()
	if err != nil {
		t.Fatalf("fileemu version: %v\n%s", err, out)
	}
	if first, _, _ := strings.Cut(string(out), "\n"); first != "fileemu "+ver {
		t.Errorf("fileemu version of a go install'ed binary:\n%s\nwant the first line %q", out, "fileemu "+ver)
	}
}

// writeModuleZip writes the zip a module proxy would serve: every file git tracks under root,
// under prefix, leaving out nested modules (testkit/container has its own go.mod).
func writeModuleZip(t *testing.T, root, name, prefix string) {
	t.Helper()
	out, err := exec.Command("git", "-C", root, "ls-files", "-z").Output()
	if err != nil {
		t.Fatal(err)
	}
	files := strings.Split(strings.TrimRight(string(out), "\x00"), "\x00")
	var nested []string
	for _, f := range files {
		if path.Base(f) == "go.mod" && f != "go.mod" {
			nested = append(nested, path.Dir(f)+"/")
		}
	}
	zf, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer zf.Close()
	zw := zip.NewWriter(zf)
next:
	for _, f := range files {
		for _, n := range nested {
			if strings.HasPrefix(f, n) {
				continue next
			}
		}
		data, err := os.ReadFile(filepath.Join(root, f))
		if os.IsNotExist(err) {
			continue // deleted in the work tree, not yet in the index
		} else if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(prefix + f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
}
