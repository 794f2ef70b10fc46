// Package openapi holds the OpenAPI 3.0.3 documents of every API fileemu serves. They are the
// contract: requests are routed and validated against them and tests validate every response.
package openapi

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.yaml
var files embed.FS

// Names lists the embedded spec names without extension (e.g. "haufe"), sorted.
func Names() []string {
	entries, _ := fs.ReadDir(files, ".") // the embedded FS always reads
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".yaml") {
			names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
		}
	}
	sort.Strings(names)
	return names
}

// Spec returns the embedded YAML of the named spec ("haufe" for haufe.yaml).
func Spec(name string) ([]byte, error) {
	b, err := files.ReadFile(name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("openapi spec %q: %w", name, err)
	}
	return b, nil
}
