package emulator

import (
	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/validate"
	"github.com/fileemu/fileemu/internal/weavy"
)

// mountWeavy returns the Weavy API. It owns /api/ (unknown routes answer its problem details),
// /version and /hubs/; files.ro's longer /api/v1/ wins over /api/ (see apiFor).
func (s *Server) mountWeavy(cfg Config, auth validate.AuthFunc) []*api.API {
	return []*api.API{weavy.New(s.specs["weavy"], weavy.Options{
		Clock: cfg.Clock, MaxObjectSize: cfg.MaxObjectSize, Seed: cfg.Seed, Auth: auth,
	})}
}
