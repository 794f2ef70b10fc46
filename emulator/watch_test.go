package emulator

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/fsnotify/fsnotify"
)

// Which file events may change the scenario set: the named files, scenario files of named
// directories, and renames/creations/removals (symlink swaps); never writes to other files,
// such as a log written beside the scenarios (each reload writes to it: a loop).
func TestScenarioWatchRelevance(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "s.yaml")
	if err := os.WriteFile(file, []byte("scenarios: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sdir := filepath.Join(dir, "more")
	if err := os.Mkdir(sdir, 0o755); err != nil {
		t.Fatal(err)
	}
	w, dirs := newScenarioWatch([]string{dir + "/./s.yaml", sdir + "/"})
	if len(dirs) != 2 || dirs[0] != dir || dirs[1] != sdir {
		t.Fatalf("watched dirs = %v", dirs)
	}
	cases := []struct {
		name string
		op   fsnotify.Op
		want bool
	}{
		{file, fsnotify.Write, true},
		{file, fsnotify.Create, true},
		{file, fsnotify.Chmod, false},
		{filepath.Join(dir, "emu.log"), fsnotify.Write, false}, // the reload loop of the bug report
		{filepath.Join(dir, "emu.log"), fsnotify.Chmod, false},
		{filepath.Join(dir, "other.yaml"), fsnotify.Write, false}, // not named: only s.yaml is
		{filepath.Join(dir, "..data"), fsnotify.Create, true},     // a ConfigMap-style symlink swap
		{filepath.Join(dir, "..2026_11_25"), fsnotify.Rename, true},
		{filepath.Join(sdir, "a.yaml"), fsnotify.Write, true},
		{filepath.Join(sdir, "A.YML"), fsnotify.Write, true},
		{filepath.Join(sdir, "b.json"), fsnotify.Write, true},
		{filepath.Join(sdir, "notes.txt"), fsnotify.Write, false},
		{filepath.Join(sdir, "notes.txt"), fsnotify.Remove, true},
	}
	for _, c := range cases {
		if got := w.relevant(fsnotify.Event{Name: c.name, Op: c.op}); got != c.want {
			t.Errorf("%s %s: relevant = %v, want %v", c.op, c.name, got, c.want)
		}
	}
}
