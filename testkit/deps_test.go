package testkit_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A project that imports only testkit must not get testcontainers or the Docker client in its
// build list: testkit/container is a module of its own. The check builds a throwaway module that
// requires this repository (replaced by the working tree) and lists its modules offline
// (GOPROXY=off: the module cache is warm once this repository's tests have built). A module that
// imports testkit/container, the control, must list testcontainers: the check can tell.
func TestTestkitPullsNoDocker(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	docker := func(mods string) []string {
		var found []string
		for _, m := range strings.Split(mods, "\n") {
			if p := strings.Fields(m); len(p) > 0 && (strings.Contains(p[0], "testcontainers") ||
				strings.Contains(p[0], "docker") || strings.Contains(p[0], "moby")) {
				found = append(found, p[0])
			}
		}
		return found
	}

	kit := listModules(t, root, "github.com/fileemu/fileemu/testkit", filepath.Join(root, "go.sum"), "")
	if found := docker(kit); len(found) > 0 {
		t.Errorf("a module importing only testkit has %v in go list -m all:\n%s", found, kit)
	}
	if !strings.Contains(kit, "github.com/fileemu/fileemu ") {
		t.Fatalf("go list -m all does not list fileemu itself:\n%s", kit)
	}

	ctr := listModules(t, root, "github.com/fileemu/fileemu/testkit/container",
		filepath.Join(root, "testkit", "container", "go.sum"), filepath.Join(root, "testkit", "container"))
	if found := docker(ctr); len(found) == 0 {
		t.Errorf("the control, a module importing testkit/container, lists no testcontainers or Docker module:\n%s", ctr)
	}
}

// listModules writes a module that imports pkg, with this repository (and containerDir, when
// given, for the container module) replaced by the working tree, and returns `go list -m all`.
func listModules(t *testing.T, root, pkg, sum, containerDir string) string {
	t.Helper()
	dir := t.TempDir()
	mod := "module example.com/kituser\n\ngo 1.26.0\n\nrequire github.com/fileemu/fileemu v0.0.0-00010101000000-000000000000\n\n" +
		"replace github.com/fileemu/fileemu => " + root + "\n"
	if containerDir != "" {
		mod += "\nrequire github.com/fileemu/fileemu/testkit/container v0.0.0-00010101000000-000000000000\n\n" +
			"replace github.com/fileemu/fileemu/testkit/container => " + containerDir + "\n"
	}
	sumData, err := os.ReadFile(sum)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{
		"go.mod": mod,
		"go.sum": string(sumData),
		"kit.go": "package kituser\n\nimport _ \"" + pkg + "\"\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "list", "-m", "all")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list -m all in a module importing %s: %v\n%s", pkg, err, out)
	}
	return string(out)
}
