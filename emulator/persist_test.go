package emulator_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/fileemu/fileemu/emulator"
	"github.com/fileemu/fileemu/internal/journal"
	"github.com/fileemu/fileemu/internal/session"
)

// A state that cannot be written is no 2xx: the request is answered 500 in the API's
// envelope, and journaled as that 500 (the persist stage sits before the journal's).
func TestDataDirStateNotWrittenIs500(t *testing.T) {
	dir := t.TempDir()
	emu, err := emulator.New(emulator.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	defer srv.Close()
	// The state directory of the default session's store is a file: no state can go there.
	def, _ := emu.Sessions().Get(session.Default)
	if err := os.WriteFile(filepath.Join(def.Blobs.Dir(), "state"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/v1/files/signed-url?filename=a.txt", nil)
	req.Header.Set("api-key", "k")
	req.Header.Set("user-id", "u")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 500 {
		t.Fatalf("signed-url with an unwritable state = %d %s, want 500", resp.StatusCode, b)
	}
	if err := emu.ValidateResponse(t.Context(), req, resp.StatusCode, resp.Header, b); err != nil {
		t.Errorf("the 500 is not Haufe's: %v", err)
	}
	es := emu.Journal().Find(journal.Filter{Session: session.Default})
	if len(es) != 1 || es[0].Status != 500 {
		t.Errorf("journal = %+v, want the request as a 500", es)
	}
}
