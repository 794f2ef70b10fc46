package emulator

import (
	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/filesro"
	"github.com/fileemu/fileemu/internal/validate"
)

// mountFilesro returns the files.ro share API.
func (s *Server) mountFilesro(cfg Config, auth validate.AuthFunc) []*api.API {
	return []*api.API{filesro.New(s.specs["filesro"], filesro.Options{
		Clock: cfg.Clock, MaxObjectSize: cfg.MaxObjectSize, Seed: cfg.Seed, Auth: auth, ChunkExpiry: cfg.ChunkExpiry,
	})}
}
