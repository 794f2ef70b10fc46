package testkit_test

import (
	"bytes"
	"encoding/json"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fileemu/fileemu/internal/s3"
	"github.com/fileemu/fileemu/testkit"
)

// exampleFixtures is the fixture file with objects of every API (README, lint, container tests).
var exampleFixtures = filepath.Join("..", "examples", "fixtures", "fixtures.yaml")

const (
	fixtureUser     = "497f6eca-6276-4993-bfeb-53cbbbba6f08"
	fixtureContract = "3f2a9c1e-8b7d-4e6f-9a1b-2c3d4e5f6a7b"
	fixtureThread   = "6c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
)

// fixtureReader reads one session through the vendors' routes with a client that validates every
// answer against the specs.
type fixtureReader struct {
	t    *testing.T
	http *http.Client
	s    *testkit.Session
}

func (r *fixtureReader) get(api, path string, hdr map[string]string, v any) []byte {
	r.t.Helper()
	u := path
	if !strings.HasPrefix(path, "http") {
		u = r.s.URL(api) + path
	}
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	for k, val := range hdr {
		req.Header.Set(k, val)
	}
	resp, b := testkit.Do(r.t, r.http, req)
	if resp.StatusCode != 200 {
		r.t.Fatalf("GET %s = %d %s", path, resp.StatusCode, b)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			r.t.Fatalf("GET %s: %v in %s", path, err, b)
		}
	}
	return b
}

var (
	weavyAuth = map[string]string{"Authorization": "Bearer wy_key"}
	deskAuth  = map[string]string{"Authorization": "Bearer desk-key"}
	haufeAuth = map[string]string{"api-key": "my-key", "user-id": fixtureUser}
)

// checkExampleFixtures fails t unless the session holds what examples/fixtures/fixtures.yaml
// declares, read through each API as its clients read it.
func checkExampleFixtures(t *testing.T, client *http.Client, s *testkit.Session) {
	t.Helper()
	r := &fixtureReader{t: t, http: client, s: s}
	welcome, err := os.ReadFile(filepath.Join("..", "examples", "fixtures", "welcome.txt"))
	if err != nil {
		t.Fatal(err)
	}

	// Weavy: apps, then the files of team-docs with tags, metadata, dates and revisions.
	var apps struct {
		Data []struct {
			UID  string   `json:"uid"`
			Name string   `json:"name"`
			Tags []string `json:"tags"`
		} `json:"data"`
	}
	r.get("weavy", "/api/apps", weavyAuth, &apps)
	if len(apps.Data) != 2 || apps.Data[0].UID != "team-docs" || apps.Data[0].Name != "Team documents" ||
		!slices.Equal(apps.Data[0].Tags, []string{"team", "docs"}) || apps.Data[1].UID != "team-chat" {
		t.Errorf("weavy apps = %+v", apps.Data)
	}
	type weavyFile struct {
		ID        int64             `json:"id"`
		Rev       int               `json:"rev"`
		Name      string            `json:"name"`
		Width     int               `json:"width"`
		Height    int               `json:"height"`
		Tags      []string          `json:"tags"`
		Metadata  map[string]string `json:"metadata"`
		CreatedAt time.Time         `json:"created_at"`
	}
	var files struct {
		Data []weavyFile `json:"data"`
	}
	r.get("weavy", "/api/apps/team-docs/files?order_by=id", weavyAuth, &files)
	byName := map[string]weavyFile{}
	for _, f := range files.Data {
		byName[f.Name] = f
	}
	w := byName["welcome.txt"]
	if len(files.Data) != 3 || !slices.Equal(w.Tags, []string{"onboarding"}) || w.Metadata["owner"] != "alice" ||
		!w.CreatedAt.Equal(time.Date(2026, 1, 5, 9, 30, 0, 0, time.UTC)) {
		t.Errorf("weavy files = %+v", files.Data)
	}
	if d := byName["diagram.png"]; d.Rev != 2 || d.Width != 64 || d.Height != 48 {
		t.Errorf("diagram.png = %+v, want revision 2 of 64x48", d)
	}
	if b := r.get("weavy", "/api/files/"+strconv.FormatInt(w.ID, 10)+"/download", weavyAuth, nil); !bytes.Equal(b, welcome) {
		t.Errorf("welcome.txt downloads %q, want the file next to the fixture", b)
	}

	// Desk: an active text file with its date, an active JPEG with its size, a temp file.
	var desk struct {
		Files []struct {
			FileName    string `json:"filename"`
			State       string `json:"state"`
			Size        int64  `json:"size"`
			CreatedAt   string `json:"createdAt"`
			DownloadURL string `json:"downloadURL"`
		} `json:"files"`
	}
	r.get("desk", "/files.json?orderBy=id&orderMode=asc", deskAuth, &desk)
	if len(desk.Files) != 3 || desk.Files[0].FileName != "invoice.txt" || desk.Files[0].State != "active" ||
		desk.Files[0].CreatedAt != "2026-02-01T10:00:00.000000Z" || desk.Files[1].FileName != "photo.jpg" ||
		desk.Files[1].State != "active" || desk.Files[2].FileName != "waiting.pdf" || desk.Files[2].State != "temp" {
		t.Fatalf("desk files = %+v", desk.Files)
	}
	if b := r.get("", desk.Files[0].DownloadURL, nil, nil); string(b) != "Invoice 2026-001: 3 hours of support." {
		t.Errorf("invoice.txt downloads %q", b)
	}
	photo := r.get("", desk.Files[1].DownloadURL, nil, nil)
	if cfg, format, err := image.DecodeConfig(bytes.NewReader(photo)); err != nil || format != "jpeg" || cfg.Width != 40 || cfg.Height != 30 {
		t.Errorf("photo.jpg decodes as %v %s %v, want a 40x30 JPEG", cfg, format, err)
	}

	// Haufe: three files in their states, the extracted text, the thread with its attachment.
	var hf struct {
		Files []struct {
			ID   string `json:"file_id"`
			Name string `json:"file_name"`
		} `json:"files"`
	}
	r.get("haufe", "/v1/files", haufeAuth, &hf)
	if len(hf.Files) != 3 {
		t.Fatalf("haufe files = %+v", hf.Files)
	}
	want := map[string]string{"contract.txt": "PROCESSED", "scan.txt": "PROCESSING", "broken.txt": "FAILED"}
	for _, f := range hf.Files {
		var st struct {
			Status string `json:"processing_status"`
		}
		r.get("haufe", "/v1/files/"+f.ID+"/status", haufeAuth, &st)
		if st.Status != want[f.Name] {
			t.Errorf("haufe %s is %s, want %s", f.Name, st.Status, want[f.Name])
		}
	}
	text := string(r.get("haufe", "/v1/files/"+fixtureContract, haufeAuth, nil))
	if strings.Count(text, "\n\n") < 3 || strings.Count(text, ". ") < 3 {
		t.Errorf("contract.txt's text is not three paragraphs of sentences: %q", text)
	}
	var msgs struct {
		Items []struct {
			Role        string `json:"role"`
			Attachments []struct {
				FileID string `json:"file_id"`
			} `json:"attachments"`
		} `json:"items"`
	}
	r.get("haufe", "/v1/threads/"+fixtureThread+"/messages", map[string]string{"api-key": "my-key"}, &msgs)
	if len(msgs.Items) != 2 || msgs.Items[1].Role != "user" || len(msgs.Items[1].Attachments) != 1 || msgs.Items[1].Attachments[0].FileID != fixtureContract {
		t.Errorf("thread messages = %+v", msgs.Items)
	}

	// files.ro: the shares (the default ones replaced), a folder with a file, a thumbnail.
	type listing struct {
		Data []struct {
			Data struct {
				ID         string         `json:"id"`
				Attributes map[string]any `json:"attributes"`
			} `json:"data"`
		} `json:"data"`
	}
	var browse listing
	r.get("filesro", "/api/v1/shares/team/folders/all", nil, &browse)
	var names []string
	var reports, cover string
	for _, it := range browse.Data {
		name, _ := it.Data.Attributes["name"].(string)
		names = append(names, name)
		switch name {
		case "Reports":
			reports = it.Data.ID
		case "cover.png":
			cover = it.Data.ID
		}
	}
	if reports == "" || cover == "" {
		t.Fatalf("share team holds %v, want Reports and cover.png", names)
	}
	var inside listing
	r.get("filesro", "/api/v1/shares/team/folders/"+reports, nil, &inside)
	if len(inside.Data) != 1 || inside.Data[0].Data.Attributes["name"] != "q1.txt" {
		t.Errorf("Reports holds %+v, want q1.txt", inside.Data)
	}
	thumb := r.get("filesro", "/api/v1/shares/team/files/"+cover+"/thumbnail", nil, nil)
	if _, _, err := image.DecodeConfig(bytes.NewReader(thumb)); err != nil {
		t.Errorf("cover.png's thumbnail is no image: %v", err)
	}
	req, _ := http.NewRequest("GET", s.URL("filesro")+"/api/v1/shares/demo-readonly", nil)
	if resp, b := testkit.Do(t, client, req); resp.StatusCode != 404 {
		t.Errorf("the default share demo-readonly = %d %s, want 404: a filesro section replaces the default shares", resp.StatusCode, b)
	}

	// S3: the objects, read with a presigned GET.
	u, err := s3.Presign(s3.Credentials{AccessKey: "fileemu", SecretKey: "fileemu-secret", Region: "us-east-1"},
		s3.PresignOptions{Method: "GET", URL: s3.ObjectURL(s.URL(""), "assets", "css/site.css"), Expires: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if b := r.get("", u, nil, nil); string(b) != "body { margin: 0 }" {
		t.Errorf("assets/css/site.css = %q", b)
	}
}

// The fixture file loads through --fixtures (a session created after start gets it), through
// Session.LoadFixtures, and through PUT /__admin/fixtures; every API answers what it declares.
func TestFixturePaths(t *testing.T) {
	t.Parallel()
	t.Run("--fixtures", func(t *testing.T) {
		t.Parallel()
		emu := testkit.Start(t, testkit.WithFixtureFiles(exampleFixtures))
		checkExampleFixtures(t, emu.Client(t), emu.Session(t))
	})
	t.Run("LoadFixtures", func(t *testing.T) {
		t.Parallel()
		emu := testkit.Start(t)
		s := emu.Session(t)
		s.LoadFixtures(t, exampleFixtures)
		checkExampleFixtures(t, emu.Client(t), s)
	})
	t.Run("PUT /__admin/fixtures", func(t *testing.T) {
		t.Parallel()
		emu := testkit.Start(t)
		s := emu.Session(t)
		doc, err := testkit.ResolveFixtures(exampleFixtures) // path: contents inlined, as curl users do with base64
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("PUT", emu.URL+"/__admin/fixtures?session="+s.ID, bytes.NewReader(doc))
		req.Header.Set("Content-Type", "application/json")
		resp, b := testkit.Do(t, emu.Client(t), req)
		if resp.StatusCode != 200 || !strings.Contains(string(b), `"weavy":{"apps":2,"files":3}`) {
			t.Fatalf("PUT /__admin/fixtures = %d %s", resp.StatusCode, b)
		}
		checkExampleFixtures(t, emu.Client(t), s)
	})
}
