package scenarios

import (
	"embed"
	"io/fs"
	"path"
)

// readyFiles are the ready-made scenarios of ready/, which the Docker image loads from
// /scenarios.
//
//go:embed ready/*.yaml
var readyFiles embed.FS

// Ready returns the ready-made scenario files by base name (e.g. "virus.yaml").
func Ready() map[string][]byte {
	out := map[string][]byte{}
	names, _ := fs.Glob(readyFiles, "ready/*.yaml") // the embedded FS always reads
	for _, n := range names {
		b, _ := readyFiles.ReadFile(n)
		out[path.Base(n)] = b
	}
	return out
}
