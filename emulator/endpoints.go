package emulator

import (
	"strings"

	"github.com/fileemu/fileemu/internal/filesro"
	"github.com/fileemu/fileemu/internal/session"
)

// Endpoint is where one API is served: its name and the path its routes start with.
type Endpoint struct {
	API  string
	Path string // e.g. /v1, /desk/api/v2, /__admin
}

// Endpoints lists the mounted APIs with the path their routes start with, the admin API last.
func (s *Server) Endpoints() []Endpoint {
	var out []Endpoint
	var admin *Endpoint
	for _, a := range s.apis {
		e := Endpoint{API: a.Name, Path: rootPath(a.Prefixes)}
		if a.Sessionless {
			admin = &e
			continue
		}
		out = append(out, e)
	}
	if admin != nil {
		out = append(out, *admin)
	}
	return out
}

// rootPath is the path all of an API's prefixes share (Weavy's /api/apps/, /api/blobs/... give
// /api), or the first prefix when they share nothing but "/" (an alias such as /agents/v1/).
func rootPath(prefixes []string) string {
	if len(prefixes) == 0 {
		return "/"
	}
	common := strings.Split(strings.Trim(prefixes[0], "/"), "/")
	for _, p := range prefixes[1:] {
		segs := strings.Split(strings.Trim(p, "/"), "/")
		n := 0
		for n < len(common) && n < len(segs) && common[n] == segs[n] {
			n++
		}
		common = common[:n]
	}
	if len(common) == 0 {
		return "/" + strings.Trim(prefixes[0], "/")
	}
	return "/" + strings.Join(common, "/")
}

// SessionPrefix is the path prefix that selects a session: {base}/_s/{id}/...
const SessionPrefix = session.PathPrefix

// SeedShares are the files.ro shares every session starts with.
func SeedShares() []filesro.ShareFixture { return filesro.SeedShares() }
