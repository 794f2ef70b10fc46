package emulator

import (
	"github.com/fileemu/fileemu/emulator/api"
	"github.com/fileemu/fileemu/emulator/validate"
)

// mountFilesro returns the filesro API to mount (none until it is built).
func (s *Server) mountFilesro(cfg Config, auth validate.AuthFunc) []*api.API {
	return nil
}
