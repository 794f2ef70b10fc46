package emulator_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fileemu/fileemu/emulator"
	"github.com/fileemu/fileemu/internal/session"
)

// With a data directory, an upload's bytes are in a file and a new emulator on the same
// directory has them (the APIs' state is kept too: internal/snapshot/datadir_test.go).
func TestDataDirKeepsStoredBytes(t *testing.T) {
	dir := t.TempDir()
	emu, err := emulator.New(emulator.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/v1/files/signed-url?filename=a.bin", nil)
	req.Header.Set("api-key", "k")
	req.Header.Set("user-id", "u")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		FileURL string `json:"file_url"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || v.FileURL == "" {
		t.Fatalf("signed-url: %d %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	body := bytes.Repeat([]byte("data dir "), 100_000)
	req, _ = http.NewRequest("PUT", v.FileURL, bytes.NewReader(body))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("PUT = %d %s", resp.StatusCode, b)
	}
	srv.Close()

	again, err := emulator.New(emulator.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	def, _ := again.Sessions().Get(session.Default)
	sum := sha256.Sum256(body)
	objs := def.Blobs.List("")
	if len(objs) != 1 || objs[0].SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("after a restart the default session holds %+v, want the upload", objs)
	}
	if live, err := session.StoreDir(dir, session.Default); err != nil || def.Blobs.Dir() != live {
		t.Errorf("the default session's store is in %q", def.Blobs.Dir())
	}
}

// A data directory that cannot be written fails New, not the first upload.
func TestDataDirNotWritable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := emulator.New(emulator.Config{DataDir: filepath.Join(file, "data")}); err == nil || !strings.Contains(err.Error(), "data dir") {
		t.Errorf("New with a data dir under a file = %v", err)
	}
}
