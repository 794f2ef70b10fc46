package testkit_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/fileemu/fileemu/testkit"
)

// errorsTB records what a test would be failed with, instead of failing it.
type errorsTB struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (e *errorsTB) Helper() {}

func (e *errorsTB) Errorf(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.errs = append(e.errs, fmt.Sprintf(format, args...))
}

// Session.URL takes the base paths from the emulator's endpoint table, and a misspelt API name
// fails the test with the names it could have been instead of giving the session's bare URL.
func TestSessionURL(t *testing.T) {
	emu := testkit.Start(t)
	rec := &errorsTB{TB: t}
	s := emu.Session(t)
	sessionURL := emu.URL + "/_s/" + s.ID
	for api, want := range map[string]string{
		"":        sessionURL,
		"haufe":   sessionURL,
		"weavy":   sessionURL,
		"filesro": sessionURL,
		"s3":      sessionURL + "/s3",
		"desk":    sessionURL + "/desk/api/v2",
		"admin":   emu.URL + "/__admin",
	} {
		if got := s.URL(api); got != want {
			t.Errorf("URL(%q) = %s, want %s", api, got, want)
		}
	}

	typo := testkit.NewSession(rec, emu.URL, emu.Admin)
	got := typo.URL("hafue")
	if len(rec.errs) != 1 {
		t.Fatalf("URL(\"hafue\") failed the test %d times (%v), want once", len(rec.errs), rec.errs)
	}
	for _, name := range []string{`"hafue"`, "haufe", "desk", "s3", "weavy", "filesro", "admin"} {
		if !strings.Contains(rec.errs[0], name) {
			t.Errorf("the failure %q does not name %s", rec.errs[0], name)
		}
	}
	if got == emu.URL+"/_s/"+typo.ID {
		t.Errorf("URL(\"hafue\") = %s: the bare session URL, which every host-rooted API serves", got)
	}
	if _, err := testkit.APIPath("hafue"); err == nil {
		t.Error("APIPath(\"hafue\") gave no error")
	}
}
