package container_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/testcontainers/testcontainers-go"

	"github.com/fileemu/fileemu/testkit"
	"github.com/fileemu/fileemu/testkit/container"
)

// readFixtures fails t unless the session answers, through the vendors' routes, what
// examples/fixtures/fixtures.yaml declares (the main module's testkit tests check every field;
// this checks each API once more on the image, whose fake S3 runs lenient here).
func readFixtures(t *testing.T, tg testkit.Target) {
	c := newClient(t, tg)
	welcome, err := os.ReadFile(filepath.Join(repoRoot, "examples", "fixtures", "welcome.txt"))
	if err != nil {
		t.Fatal(err)
	}
	weavy := map[string]string{"Authorization": "Bearer wy_k"}
	var files struct {
		Data []struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
			Rev  int    `json:"rev"`
		} `json:"data"`
	}
	if st, b := c.do("GET", c.s.URL("weavy")+"/api/apps/team-docs/files?order_by=id", weavy, nil, &files); st != 200 || len(files.Data) != 3 ||
		files.Data[0].Name != "welcome.txt" || files.Data[1].Name != "diagram.png" || files.Data[1].Rev != 2 {
		t.Fatalf("weavy files = %d %s", st, b)
	}
	if st, b := c.do("GET", c.s.URL("weavy")+"/api/files/1/download", weavy, nil, nil); st != 200 || !bytes.Equal(b, welcome) {
		t.Errorf("welcome.txt = %d %q, want the file next to the fixture (resolved on the host)", st, b)
	}
	var desk struct {
		Files []struct {
			FileName string `json:"filename"`
			State    string `json:"state"`
		} `json:"files"`
	}
	if st, b := c.desk("GET", "/files.json?orderBy=id&orderMode=asc", "", &desk); st != 200 || len(desk.Files) != 3 ||
		desk.Files[0].State != "active" || desk.Files[2].State != "temp" {
		t.Errorf("desk files = %d %s", st, b)
	}
	haufe := map[string]string{"api-key": "my-key", "user-id": user}
	if st, b := c.do("GET", c.s.URL("haufe")+"/v1/files/3f2a9c1e-8b7d-4e6f-9a1b-2c3d4e5f6a7b/status", haufe, nil, nil); st != 200 ||
		!strings.Contains(string(b), `"processing_status":"PROCESSED"`) {
		t.Errorf("contract.txt status = %d %s", st, b)
	}
	if st, b := c.do("GET", c.s.URL("haufe")+"/v1/threads/6c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f/messages", map[string]string{"api-key": "my-key"}, nil, nil); st != 200 ||
		!strings.Contains(string(b), `"attachments":[{"file_id":"3f2a9c1e-8b7d-4e6f-9a1b-2c3d4e5f6a7b"`) {
		t.Errorf("thread messages = %d %s", st, b)
	}
	if st, b := c.do("GET", c.s.URL("filesro")+"/api/v1/shares/team/folders/all", nil, nil, nil); st != 200 ||
		!strings.Contains(string(b), `"name":"Reports"`) || !strings.Contains(string(b), `"name":"cover.png"`) {
		t.Errorf("share team = %d %s", st, b)
	}
	if st, b := c.do("GET", c.s.URL("s3")+"/assets/css/site.css", nil, nil, nil); st != 200 || string(b) != "body { margin: 0 }" {
		t.Errorf("s3 assets/css/site.css = %d %q", st, b)
	}
}

// The fixture file loads into every session of a container started with WithFixtureFiles, as
// --fixtures does in-process; a bad file fails Run before any container exists.
func TestWithFixtureFiles(t *testing.T) {
	example := filepath.Join(repoRoot, "examples", "fixtures", "fixtures.yaml")
	t.Run("in-process", func(t *testing.T) {
		readFixtures(t, testkit.Start(t, testkit.WithFixtureFiles(example), testkit.WithS3Lenient()))
	})
	t.Run("container", func(t *testing.T) {
		needDocker(t)
		readFixtures(t, container.Start(t, image, container.WithFixtureFiles(example),
			testcontainers.WithEnv(map[string]string{"FILEEMU_S3_LENIENT": "true"})))
	})
	t.Run("bad file", func(t *testing.T) {
		needDocker(t)
		bad := filepath.Join(t.TempDir(), "bad.yaml")
		if err := os.WriteFile(bad, []byte("fixtures:\n  weavy:\n    apps:\n      - uid: a\n        colour: red\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := container.Run(context.Background(), image, container.WithFixtureFiles(bad))
		testcontainers.CleanupContainer(t, c)
		if err == nil || !strings.Contains(err.Error(), bad+`:5:9: unknown field "colour" in a weavy app`) {
			t.Errorf("Run with a bad fixture file = %v, want the position", err)
		}
		if c != nil {
			t.Error("a container was created for a fixture file that fails")
		}
	})
}
