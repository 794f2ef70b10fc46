package scenarios

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// FileExtensions are the extensions of scenario files: what a directory given to --scenarios,
// to fileemu lint or to the container module contributes, and what the watcher reacts to.
var FileExtensions = []string{".yaml", ".yml", ".json"}

// IsFile reports whether name has a scenario file extension.
func IsFile(name string) bool {
	return slices.Contains(FileExtensions, strings.ToLower(filepath.Ext(name)))
}

// ReadFiles reads the scenario files at paths as --scenarios takes them: a file as given, a
// directory's scenario files (by extension, not recursive). It returns their contents by path.
func ReadFiles(paths []string) (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, p := range paths {
		names, err := Expand(p)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			b, err := os.ReadFile(n)
			if err != nil {
				return nil, fmt.Errorf("scenarios: %w", err)
			}
			files[n] = b
		}
	}
	return files, nil
}

// Expand returns the scenario files p stands for: p itself when it is a file, a directory's
// scenario files (sorted) when it is one.
func Expand(p string) ([]string, error) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("scenarios: %w", err)
	}
	if !info.IsDir() {
		return []string{p}, nil
	}
	entries, err := os.ReadDir(p)
	if err != nil {
		return nil, fmt.Errorf("scenarios: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && IsFile(e.Name()) {
			names = append(names, filepath.Join(p, e.Name()))
		}
	}
	return names, nil
}
