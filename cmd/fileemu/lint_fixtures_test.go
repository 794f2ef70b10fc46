package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// lint tells fixture files from scenario files by their top-level key and checks both, in one
// run: fixtures with their contents resolved (a missing path is a problem), and across files
// (a share declared in two files is one).
func TestLintFixtureFiles(t *testing.T) {
	dir := t.TempDir()
	scenario := filepath.Join(dir, "s.yaml")
	writeFile(t, scenario, goodScenario)
	example := filepath.Join("..", "..", "examples", "fixtures", "fixtures.yaml")
	code, out := runBinary(t, nil, "lint", example, scenario)
	if code != 0 || !strings.Contains(out, example+": ok (fixtures: 21 objects)") || !strings.Contains(out, scenario+": ok (1 scenario)") {
		t.Errorf("lint example + scenario = %d\n%s", code, out)
	}

	bad := filepath.Join(dir, "bad.yaml")
	writeFile(t, bad, "fixtures:\n  desk:\n    files:\n      - name: a.png\n        content: {path: missing.png}\n      - nme: b\n")
	twin1, twin2 := filepath.Join(dir, "t1.yaml"), filepath.Join(dir, "t2.yaml")
	writeFile(t, twin1, "fixtures:\n  filesro:\n    shares:\n      - {token: team, folder: A}\n")
	writeFile(t, twin2, "fixtures:\n  filesro:\n    shares:\n      - {token: team, folder: B}\n")
	code, out = runBinary(t, nil, "lint", bad, twin1, twin2)
	for _, want := range []string{
		bad + `:5:25: path "missing.png": no such file or directory`,
		bad + `:6:9: unknown field "nme" in a desk file`,
		`filesro share "team" is declared in ` + twin1 + " and in " + twin2,
		"5 problems", // the unknown field leaves the file without name and content: three problems at 6:9
	} {
		if !strings.Contains(out, want) {
			t.Errorf("lint output lacks %q:\n%s", want, out)
		}
	}
	if code != 1 {
		t.Errorf("lint of bad fixture files exits %d, want 1", code)
	}
}
