// Package inspect hands this repository's tests outside package emulator (the S3 SDK and
// fuzz tests, which drive the whole server) an emulator's sessions and journal, which the
// public emulator API keeps to itself. Package emulator registers the accessor when it
// initialises; nothing changes it afterwards.
package inspect

import (
	"net/http"

	"github.com/fileemu/fileemu/internal/journal"
	"github.com/fileemu/fileemu/internal/session"
)

// State is what an emulator keeps behind its handler.
type State struct {
	Sessions *session.Registry
	Journal  *journal.Journal
}

var stateOf func(h http.Handler) (State, bool)

// Register sets the accessor; package emulator calls it from init.
func Register(f func(h http.Handler) (State, bool)) { stateOf = f }

// Of returns the state of an emulator (an *emulator.Server); it panics on any other handler,
// which only a broken test passes.
func Of(h http.Handler) State {
	if stateOf != nil {
		if st, ok := stateOf(h); ok {
			return st
		}
	}
	panic("inspect: not an emulator, or package emulator not linked")
}
