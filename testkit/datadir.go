package testkit

import (
	"context"
	"strings"
	"testing"
)

// WithDataDir keeps the emulator's sessions in dir (Config.DataDir): stored bytes, every API's
// state and the clocks. An emulator started again on dir serves them as before.
func WithDataDir(dir string) Option { return func(o *options) { o.cfg.DataDir = dir } }

// Resume returns the session id of the emulator, created if it does not exist, and not dropped
// when t ends: a session kept in a data directory, to be used again after a restart.
func (e *Emulator) Resume(t testing.TB, id string) *Session {
	t.Helper()
	if err := e.Admin.CreateSession(context.Background(), id); err != nil {
		t.Fatalf("testkit: resume session %s: %v", id, err)
	}
	return &Session{ID: id, base: strings.TrimRight(e.URL, "/"), admin: e.Admin, t: t}
}
