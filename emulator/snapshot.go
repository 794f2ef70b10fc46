package emulator

import "github.com/fileemu/fileemu/internal/snapshot"

// apiStates lists the mounted APIs that save and restore session state, for snapshots.
func (s *Server) apiStates() []snapshot.API {
	var out []snapshot.API
	for _, a := range s.apis {
		if a.State != nil {
			out = append(out, snapshot.API{Name: a.Name, State: a.State})
		}
	}
	return out
}
