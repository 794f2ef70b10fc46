package emulator

import (
	"github.com/fileemu/fileemu/emulator/api"
	"github.com/fileemu/fileemu/emulator/validate"
	"github.com/fileemu/fileemu/emulator/weavy"
)

// mountWeavy returns the Weavy files API. Its prefixes are /api/apps/, /api/blobs/, /api/files/,
// /api/messages/, /api/posts/ and /api/comments/ one by one, so /api/v1/ stays free for files.ro.
func (s *Server) mountWeavy(cfg Config, auth validate.AuthFunc) []*api.API {
	return []*api.API{weavy.New(s.specs["weavy"], weavy.Options{
		Clock: cfg.Clock, MaxObjectSize: cfg.MaxObjectSize, Seed: cfg.Seed, Auth: auth,
	})}
}
