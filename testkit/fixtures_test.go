package testkit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
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

// seedCounts asks for some of everything.
const seedCounts = `{"seed":7,"weavy":{"apps":2,"files":6},"desk":{"files":4},"haufe":{"files":3,"threads":2},` +
	`"filesro":{"shares":2,"folders":2,"files":5},"s3":{"buckets":1,"objects":3}}`

// seededAnswers reads the list responses of a seeded session, with what names the session
// itself (its URL) and what depends on the request time (presigned URL signatures) blanked.
func seededAnswers(t *testing.T, client *http.Client, s *testkit.Session, now time.Time) []string {
	t.Helper()
	r := &fixtureReader{t: t, http: client, s: s}
	bucket, err := s3.Presign(s3.Credentials{AccessKey: "fileemu", SecretKey: "fileemu-secret", Region: "us-east-1"},
		s3.PresignOptions{Method: "GET", URL: s.URL("s3") + "/seed-7-bucket-1?list-type=2", Expires: time.Minute, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, g := range []struct {
		api, path string
		hdr       map[string]string
	}{
		{"weavy", "/api/apps", weavyAuth},
		{"weavy", "/api/apps/seed-7-app-1/files", weavyAuth},
		{"weavy", "/api/apps/seed-7-app-2/files", weavyAuth},
		{"desk", "/files.json", deskAuth},
		{"haufe", "/v1/files", haufeAuth},
		{"haufe", "/v1/threads", map[string]string{"api-key": "my-key"}},
		{"filesro", "/api/v1/shares/seed-7-share-1/folders/all", nil},
		{"filesro", "/api/v1/shares/seed-7-share-2/navigation", nil},
		{"", bucket, nil},
	} {
		b := string(r.get(g.api, g.path, g.hdr, nil))
		b = strings.ReplaceAll(b, s.URL(""), "BASE")
		b = amzParam.ReplaceAllString(b, "")
		out = append(out, b)
	}
	return out
}

var amzParam = regexp.MustCompile(`X-Amz-[A-Za-z]+=[^&"<]*`)

// Seeding twice with the same seed gives the same API answers byte for byte, even an hour
// apart on the clock; the data is realistic: images that decode, text that reads as sentences.
func TestSeedIsDeterministic(t *testing.T) {
	t.Parallel()
	clock := testkit.NewClock(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))
	emu := testkit.Start(t, testkit.WithClock(clock.Now))
	client := emu.Client(t)
	a, b := emu.Session(t), emu.Session(t)
	a.Seed(t, seedCounts)
	first := seededAnswers(t, client, a, clock.Now())
	clock.Advance(time.Hour)
	b.Seed(t, seedCounts)
	second := seededAnswers(t, client, b, clock.Now())
	for i := range first {
		if first[i] != second[i] {
			t.Errorf("answer %d differs between two seeds with the same counts:\n%s\n%s", i, first[i], second[i])
		}
	}

	r := &fixtureReader{t: t, http: client, s: a}
	var files struct {
		Data []struct {
			ID     int64  `json:"id"`
			Name   string `json:"name"`
			Width  int    `json:"width"`
			Height int    `json:"height"`
		} `json:"data"`
	}
	r.get("weavy", "/api/files", weavyAuth, &files)
	images := 0
	for _, f := range files.Data {
		if f.Width == 0 {
			continue
		}
		images++
		b := r.get("weavy", "/api/files/"+strconv.FormatInt(f.ID, 10)+"/download", weavyAuth, nil)
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(b)); err != nil || cfg.Width != f.Width || cfg.Height != f.Height {
			t.Errorf("%s: %v %v, want a %dx%d image", f.Name, cfg, err, f.Width, f.Height)
		}
	}
	if len(files.Data) != 6 || images == 0 {
		t.Errorf("seeded weavy files = %+v, want 6 with images among them", files.Data)
	}
	var hf struct {
		Files []struct {
			ID string `json:"file_id"`
		} `json:"files"`
	}
	r.get("haufe", "/v1/files", haufeAuth, &hf)
	if len(hf.Files) != 3 {
		t.Fatalf("seeded haufe files = %+v", hf.Files)
	}
	text := string(r.get("haufe", "/v1/files/"+hf.Files[0].ID, haufeAuth, nil))
	if words := strings.Fields(text); len(words) < 15 || !strings.Contains(text, ". ") {
		t.Errorf("extracted text does not read as sentences: %q", text)
	}

	other := emu.Session(t)
	other.Seed(t, strings.Replace(seedCounts, `"seed":7`, `"seed":8`, 1))
	var apps struct {
		Data []struct {
			Name string `json:"name"`
		} `json:"data"`
	}
	var appsA struct {
		Data []struct {
			Name string `json:"name"`
		} `json:"data"`
	}
	(&fixtureReader{t: t, http: client, s: other}).get("weavy", "/api/apps", weavyAuth, &apps)
	r.get("weavy", "/api/apps", weavyAuth, &appsA)
	if len(apps.Data) != 2 || apps.Data[0].Name == appsA.Data[0].Name && apps.Data[1].Name == appsA.Data[1].Name {
		t.Errorf("seeds 7 and 8 gave the same app names %+v", apps.Data)
	}
}

// keepFixture is what a session holds before each refused document.
const keepFixture = `fixtures:
  weavy:
    apps:
      - uid: keep
        files:
          - name: a.txt
            content: kept
  desk:
    files:
      - name: d.txt
        content: kept too
  filesro:
    shares:
      - token: keep
        folder: Kept
        items:
          - file: f.txt
            content: kept as well
`

// sessionAnswers reads what keepFixture declares, through the APIs.
func sessionAnswers(t *testing.T, client *http.Client, s *testkit.Session) []string {
	t.Helper()
	r := &fixtureReader{t: t, http: client, s: s}
	var out []string
	for _, g := range []struct {
		api, path string
		hdr       map[string]string
	}{
		{"weavy", "/api/apps", weavyAuth},
		{"weavy", "/api/files", weavyAuth},
		{"desk", "/files.json", deskAuth},
		{"haufe", "/v1/files", haufeAuth},
		{"filesro", "/api/v1/shares/keep/folders/all", nil},
	} {
		out = append(out, amzParam.ReplaceAllString(string(r.get(g.api, g.path, g.hdr, nil)), ""))
	}
	return out
}

// A document that does not parse, names an unknown field, refers to missing content or passes a
// bound is refused whole, with the position; the session keeps exactly what it had.
func TestFixtureRefusals(t *testing.T) {
	t.Parallel()
	emu := testkit.Start(t)
	client := emu.Client(t)
	tests := []struct {
		name, doc string
		status    int
		want      string // in the error message
	}{
		{"does not parse", "fixtures:\n  weavy: [\n", 422, "fixtures:2:1: not YAML or JSON: did not find expected node content"},
		{"unknown field", "fixtures:\n  weavy:\n    apps:\n      - uid: x\n        colour: red\n", 422,
			`fixtures:5:9: unknown field "colour" in a weavy app`},
		{"unknown api", "fixtures:\n  dropbox: {}\n", 422, `fixtures:2:3: unknown field "dropbox" in fixtures`},
		{"path over HTTP", "fixtures:\n  desk:\n    files:\n      - name: a.png\n        content: {path: a.png}\n", 422,
			"fixtures:5:25: path: reads a file next to a fixture file"},
		{"attach names no file", "fixtures:\n  haufe:\n    threads:\n      - api_key: k\n        assistant: a1b2c3d4-5678-9abc-def0-1234567890ab\n" +
			"        user: u\n        messages:\n          - role: user\n            content: hi\n            attach: 3f2a9c1e-8b7d-4e6f-9a1b-2c3d4e5f6a7b\n",
			422, "fixtures:10:21: attach names no haufe file of this document"},
		{"image too large", "fixtures:\n  s3:\n    buckets:\n      - name: big\n        objects:\n          - key: a.png\n" +
			"            content: {generate: {image: {width: 4096, height: 10}}}\n", 422, "fixtures:7:41: a generated image is at most 2048x2048"},
		// The other APIs' parts load into the new state first; the infected Weavy file fails it all.
		{"infected content", "fixtures:\n  desk:\n    files:\n      - name: new.txt\n        content: new\n  weavy:\n    apps:\n" +
			"      - uid: v\n        files:\n          - name: eicar.com\n" +
			`            content: 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'` + "\n",
			422, "infected"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := emu.Session(t)
			if err := emu.Admin.PutFixtures(context.Background(), s.ID, []byte(keepFixture)); err != nil {
				t.Fatal(err)
			}
			before := sessionAnswers(t, client, s)
			req, _ := http.NewRequest("PUT", emu.URL+"/__admin/fixtures?session="+s.ID, strings.NewReader(tc.doc))
			req.Header.Set("Content-Type", "application/yaml")
			resp, b := testkit.Do(t, client, req)
			var e struct {
				Error    string `json:"error"`
				Message  string `json:"message"`
				Problems []struct {
					Line, Column int
					Message      string
				} `json:"problems"`
			}
			if err := json.Unmarshal(b, &e); err != nil || resp.StatusCode != tc.status || e.Error != "invalid_fixtures" ||
				!strings.Contains(e.Message, tc.want) || len(e.Problems) == 0 {
				t.Errorf("PUT = %d %s, want %d invalid_fixtures with %q", resp.StatusCode, b, tc.status, tc.want)
			}
			if after := sessionAnswers(t, client, s); !slices.Equal(before, after) {
				t.Errorf("the session changed:\nbefore %q\nafter  %q", before, after)
			}
		})
	}

	t.Run("seed counts", func(t *testing.T) {
		t.Parallel()
		s := emu.Session(t)
		if err := emu.Admin.PutFixtures(context.Background(), s.ID, []byte(keepFixture)); err != nil {
			t.Fatal(err)
		}
		before := sessionAnswers(t, client, s)
		for body, want := range map[string]string{
			`{"weavy":{"files":3}}`:                  "weavy.files needs weavy.apps",
			`{"desk":{"files":501}}`:                 "invalid_request",
			`{"desk":{"files":1},"dropbox":{"x":1}}`: "invalid_request",
			`{"s3":{"objects":2}}`:                   "s3.objects needs s3.buckets",
		} {
			req, _ := http.NewRequest("POST", emu.URL+"/__admin/seed?session="+s.ID, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if resp, b := testkit.Do(t, client, req); resp.StatusCode != 422 || !strings.Contains(string(b), want) {
				t.Errorf("seed %s = %d %s, want 422 with %q", body, resp.StatusCode, b, want)
			}
		}
		if after := sessionAnswers(t, client, s); !slices.Equal(before, after) {
			t.Errorf("the session changed:\nbefore %q\nafter  %q", before, after)
		}
		req, _ := http.NewRequest("GET", emu.URL+"/__admin/fixtures/schema", nil)
		if resp, b := testkit.Do(t, client, req); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/schema+json" ||
			!strings.Contains(string(b), `"title": "fileemu fixture file"`) {
			t.Errorf("GET /__admin/fixtures/schema = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	})

	t.Run("storage bound", func(t *testing.T) {
		t.Parallel()
		emu := testkit.Start(t, testkit.WithMaxStorage(1<<10))
		s := emu.Session(t)
		if err := emu.Admin.PutFixtures(context.Background(), s.ID, []byte(keepFixture)); err != nil {
			t.Fatal(err)
		}
		before := sessionAnswers(t, emu.Client(t), s)
		big := "fixtures:\n  s3:\n    buckets:\n      - name: big\n        objects:\n          - key: a.txt\n            content: {generate: {document: {paragraphs: 40}}}\n"
		req, _ := http.NewRequest("PUT", emu.URL+"/__admin/fixtures?session="+s.ID, strings.NewReader(big))
		if resp, b := testkit.Do(t, emu.Client(t), req); resp.StatusCode != 507 || !strings.Contains(string(b), "storage_full") {
			t.Errorf("PUT past --max-storage = %d %s, want 507 storage_full", resp.StatusCode, b)
		}
		if after := sessionAnswers(t, emu.Client(t), s); !slices.Equal(before, after) {
			t.Errorf("the session changed:\nbefore %q\nafter  %q", before, after)
		}
	})

	t.Run("missing path", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		file := filepath.Join(dir, "f.yaml")
		if err := os.WriteFile(file, []byte("fixtures:\n  s3:\n    buckets:\n      - name: b12\n        objects:\n          - key: k\n            content: {path: nope.png}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := testkit.ResolveFixtures(file)
		if err == nil || !strings.Contains(err.Error(), file+":7:29: path \"nope.png\": no such file or directory") {
			t.Errorf("ResolveFixtures = %v, want the position of the missing path", err)
		}
		if _, err := testkit.New(testkit.WithFixtureFiles(file)); err == nil || !strings.Contains(err.Error(), "nope.png") {
			t.Errorf("start with --fixtures naming a missing path = %v, want a refusal", err)
		}
	})
}
