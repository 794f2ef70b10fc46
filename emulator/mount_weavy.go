package emulator

import (
	"github.com/fileemu/fileemu/emulator/api"
	"github.com/fileemu/fileemu/emulator/validate"
)

// mountWeavy returns the weavy API to mount (none until it is built).
func (s *Server) mountWeavy(cfg Config, auth validate.AuthFunc) []*api.API {
	return nil
}
