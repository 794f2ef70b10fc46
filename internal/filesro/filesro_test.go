package filesro_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/fileemu/fileemu/internal/antivirus"
	"github.com/fileemu/fileemu/internal/filesro"
	"github.com/fileemu/fileemu/testkit"
)

// client drives the files.ro API of one session like an application would. Its HTTP client
// validates every response against openapi/filesro.yaml and keeps cookies.
type client struct {
	t    *testing.T
	emu  *testkit.Emulator
	http *http.Client
	s    *testkit.Session
}

func newClient(t *testing.T, opts ...testkit.Option) *client {
	emu := testkit.Start(t, opts...)
	hc := emu.Client(t)
	hc.Jar, _ = cookiejar.New(nil)
	return &client{t: t, emu: emu, http: hc, s: emu.Session(t)}
}

func (c *client) url(path string) string { return c.s.URL("filesro") + "/api/v1" + path }

// do sends a request to an API path (after /api/v1) or an absolute URL.
func (c *client) do(method, path string, body io.Reader, header http.Header) (*http.Response, []byte) {
	c.t.Helper()
	u := path
	if strings.HasPrefix(path, "/") {
		u = c.url(path)
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	return testkit.Do(c.t, c.http, req)
}

// json sends a JSON body (none when empty); owner requests carry a bearer token.
func (c *client) json(method, path, body string, owner bool) (int, []byte) {
	c.t.Helper()
	h := http.Header{}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
		h.Set("Content-Type", "application/json")
	}
	if owner {
		h.Set("Authorization", "Bearer owner-token")
	}
	resp, b := c.do(method, path, rd, h)
	return resp.StatusCode, b
}

// part is one form field: a text value, or a file part when filename is set.
type part struct {
	name, value, filename string
	content               []byte
}

func text(name, value string) part { return part{name: name, value: value} }
func file(name, filename string, content []byte) part {
	return part{name: name, filename: filename, content: content}
}

func form(parts ...part) ([]byte, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		if p.filename != "" {
			w, _ := mw.CreateFormFile(p.name, p.filename)
			w.Write(p.content)
			continue
		}
		mw.WriteField(p.name, p.value)
	}
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

func (c *client) upload(token string, parts ...part) (*http.Response, []byte) {
	c.t.Helper()
	body, ct := form(parts...)
	return c.do("POST", "/shares/"+token+"/uploads", bytes.NewReader(body), http.Header{"Content-Type": {ct}})
}

// fileResource is the JSON:API-like file resource.
type fileResource struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	Attributes struct {
		Filesize  string  `json:"filesize"`
		Name      string  `json:"name"`
		Basename  string  `json:"basename"`
		Mimetype  string  `json:"mimetype"`
		FileURL   string  `json:"file_url"`
		Thumbnail *string `json:"thumbnail"`
		ParentID  *string `json:"parent_id"`
		CreatedAt string  `json:"created_at"`
		UpdatedAt string  `json:"updated_at"`
		DeletedAt *string `json:"deleted_at"`
	} `json:"attributes"`
	Relationships map[string]struct {
		Data struct {
			ID         string         `json:"id"`
			Type       string         `json:"type"`
			Attributes map[string]any `json:"attributes"`
		} `json:"data"`
	} `json:"relationships"`
}

func decodeFile(t *testing.T, b []byte) fileResource {
	t.Helper()
	var v struct{ Data fileResource }
	if err := json.Unmarshal(b, &v); err != nil || v.Data.ID == "" {
		t.Fatalf("not a file resource: %v %s", err, b)
	}
	return v.Data
}

// mustUpload uploads and expects 201.
func (c *client) mustUpload(token string, parts ...part) fileResource {
	c.t.Helper()
	resp, b := c.upload(token, parts...)
	if resp.StatusCode != 201 {
		c.t.Fatalf("upload = %d %s", resp.StatusCode, b)
	}
	return decodeFile(c.t, b)
}

type item struct {
	ID         string         `json:"id"`
	Type       string         `json:"type"`
	Attributes map[string]any `json:"attributes"`
}

// UnmarshalJSON reads a listing entry, which comes wrapped as {"data":{...}} like VueFileManager's
// resources; an unwrapped one is an error.
func (it *item) UnmarshalJSON(b []byte) error {
	var w struct {
		Data *struct {
			ID         string         `json:"id"`
			Type       string         `json:"type"`
			Attributes map[string]any `json:"attributes"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	if w.Data == nil {
		return fmt.Errorf("listing entry without its data wrapper: %s", b)
	}
	*it = item(*w.Data)
	return nil
}

type listing struct {
	Data  []item `json:"data"`
	Links struct {
		First, Last string
		Prev, Next  *string
	} `json:"links"`
	Meta struct {
		Paginate struct {
			CurrentPage int  `json:"currentPage"`
			From        *int `json:"from"`
			LastPage    int  `json:"lastPage"`
			PerPage     int  `json:"perPage"`
			To          *int `json:"to"`
			Total       int  `json:"total"`
		} `json:"paginate"`
		Root item `json:"root"`
	} `json:"meta"`
}

func (c *client) browse(token, id string) listing {
	c.t.Helper()
	st, b := c.json("GET", "/shares/"+token+"/folders/"+id, "", false)
	if st != 200 {
		c.t.Fatalf("browse %s/%s = %d %s", token, id, st, b)
	}
	var l listing
	if err := json.Unmarshal(b, &l); err != nil {
		c.t.Fatal(err)
	}
	return l
}

func names(l listing) []string {
	var out []string
	for _, it := range l.Data {
		out = append(out, it.Type+":"+fmt.Sprint(it.Attributes["name"]))
	}
	return out
}

func (c *client) get(u string) (*http.Response, []byte) {
	c.t.Helper()
	return c.do("GET", u, nil, nil)
}

// errorMessage reads {"type":"error","message"}.
func errorMessage(t *testing.T, b []byte) string {
	t.Helper()
	var e struct{ Type, Message string }
	if err := json.Unmarshal(b, &e); err != nil || e.Type != "error" {
		t.Fatalf("not a files.ro error: %s", b)
	}
	return e.Message
}

// laravelErrors reads the 422 envelope as "field: message" lines, sorted.
func laravelErrors(t *testing.T, b []byte) []string {
	t.Helper()
	var e struct {
		Message string
		Errors  map[string][]string
	}
	if err := json.Unmarshal(b, &e); err != nil || e.Message != "The given data was invalid." {
		t.Fatalf("not a Laravel validation error: %s", b)
	}
	var out []string
	for f, msgs := range e.Errors {
		for _, m := range msgs {
			out = append(out, f+": "+m)
		}
	}
	sort.Strings(out)
	return out
}

// objects lists the session's stored objects by name prefix.
func (c *client) objects(prefix string) []testkit.Object {
	c.t.Helper()
	var out []testkit.Object
	for _, o := range c.s.State(c.t).Objects {
		if strings.HasPrefix(o.Name, prefix) {
			out = append(out, o)
		}
	}
	return out
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func gradient(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(x + y), 255})
		}
	}
	return img
}

func jpegBytes(t *testing.T, w, h int) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, gradient(w, h), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var (
	uuidRe = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	dateRe = regexp.MustCompile(`^\d{2}\. [A-Z][a-z]{2}\. \d{4}$`)
)

// validatingProxy puts the test kit's validating client in front of the emulator, so that the
// responses a real client (curl) gets are checked against the spec too.
func validatingProxy(t *testing.T, c *client) string {
	target, _ := url.Parse(c.emu.URL)
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host // handed-out URLs point at the proxy
		},
		Transport: c.emu.Client(t).Transport,
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return srv.URL + strings.TrimPrefix(c.s.URL("filesro"), c.emu.URL)
}

// The docs' curl, as written (only the host, token and file path differ).
func TestSeedCurlAsWritten(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl is needed: the seed's curl is run for real")
	}
	c := newClient(t)
	dir := t.TempDir()
	hero := filepath.Join(dir, "filesro-hero.jpg")
	content := jpegBytes(t, 640, 480)
	if err := os.WriteFile(hero, content, 0o600); err != nil {
		t.Fatal(err)
	}
	base := validatingProxy(t, c)
	out, err := exec.Command("curl", "-sS", "--write-out", "\n%{http_code}",
		"--location", "--request", "POST", base+"/api/v1/shares/demo/uploads",
		"--header", "Content-Type: multipart/form-data",
		"--form", "name=filesro-hero",
		"--form", "file=@"+hero,
		"--form", "extension=jpg").CombinedOutput()
	if err != nil {
		t.Fatalf("curl: %v %s", err, out)
	}
	body, status, _ := strings.Cut(string(out), "\n")
	if status != "201" {
		t.Fatalf("curl = %s %s", status, body)
	}
	f := decodeFile(t, []byte(body))
	a := f.Attributes
	if f.Type != "image" || a.Name != "filesro-hero" || a.Basename != f.ID+".jpg" || !uuidRe.MatchString(f.ID) ||
		a.Mimetype != "image/jpeg" || a.DeletedAt != nil || !dateRe.MatchString(a.CreatedAt) || a.Filesize == "" {
		t.Errorf("file = %+v", f)
	}
	if !strings.HasPrefix(a.FileURL, base+"/api/v1/shares/demo/files/"+f.ID) || a.Thumbnail == nil {
		t.Errorf("urls = %s %v", a.FileURL, a.Thumbnail)
	}
	rel := f.Relationships
	if rel["shared"].Data.Attributes["token"] != "demo" || rel["shared"].Data.Attributes["permission"] != "editor" ||
		rel["parent"].Data.Attributes["name"] != "Demo" || rel["creator"].Data.Type != "creator" ||
		rel["creator"].Data.Attributes["name"] == "" {
		t.Errorf("relationships = %+v", rel)
	}
	if _, ok := rel["exif"]; ok {
		t.Error("a JPEG without Exif has an exif relationship")
	}
	// The handed-out URLs work with curl too.
	got, err := exec.Command("curl", "-sS", "--fail", a.FileURL).Output()
	if err != nil || !bytes.Equal(got, content) {
		t.Errorf("file_url: %v, %d bytes", err, len(got))
	}
	c.s.AssertCalled(t, "uploadToShare", 1)
	c.s.AssertCalled(t, "getShareFile", 1)
}

// chunked sends content the way VueFileManager's web client does: sequential chunks, each form
// name, chunk (filename <16 random chars>-<name>.part), extension, is_last_chunk, path.
func (c *client) chunked(token, name, path string, content []byte, chunkSize int) (*http.Response, []byte) {
	c.t.Helper()
	partName := hex.EncodeToString(randomBytes(c.t, 8)) + "-" + strings.ReplaceAll(name, " ", "-") + ".part"
	ext := name[strings.LastIndexByte(name, '.')+1:]
	for off := 0; ; off += chunkSize {
		end := min(off+chunkSize, len(content))
		last := "0"
		if end == len(content) {
			last = "1"
		}
		parts := []part{text("name", name), file("chunk", partName, content[off:end]), text("extension", ext),
			text("is_last_chunk", last)}
		if path != "" {
			parts = append(parts, text("path", path))
		}
		resp, b := c.upload(token, parts...)
		if last == "1" {
			return resp, b
		}
		if resp.StatusCode != 200 || len(b) != 0 {
			c.t.Fatalf("chunk at %d = %d %q, want 200 and no body", off, resp.StatusCode, b)
		}
	}
}

func TestChunkedUpload25MiBLikeTheWebClient(t *testing.T) {
	c := newClient(t)
	content := randomBytes(t, 25<<20)
	resp, b := c.chunked("demo", "holiday video.mp4", "/Videos/2024/holiday video.mp4", content, 4<<20)
	if resp.StatusCode != 201 {
		t.Fatalf("last chunk = %d %s", resp.StatusCode, b)
	}
	f := decodeFile(t, b)
	a := f.Attributes
	if a.Name != "holiday video.mp4" || a.Basename != f.ID+".mp4" || a.Mimetype != "video/mp4" || f.Type != "video" ||
		a.Filesize != "26.2 MB" || a.Thumbnail != nil {
		t.Errorf("file = %+v", a)
	}
	c.s.AssertCalled(t, "uploadToShare", 7)

	dl, got := c.get(a.FileURL)
	if dl.StatusCode != 200 || sha(got) != sha(content) || dl.Header.Get("Content-Type") != "video/mp4" {
		t.Errorf("file_url = %d %s, sha256 %s, want %s", dl.StatusCode, dl.Header.Get("Content-Type"), sha(got), sha(content))
	}
	if objs := c.objects("_filesro/"); len(objs) != 1 || objs[0].SHA256 != sha(content) || objs[0].Size != 25<<20 {
		t.Errorf("stored objects = %+v, want only the assembled file", objs)
	}

	// The path made folders Videos then 2024, and browsing finds the file there.
	root := c.browse("demo", "all")
	if got := names(root); len(got) != 1 || got[0] != "folder:Videos" {
		t.Fatalf("share root = %v", got)
	}
	videos := c.browse("demo", root.Data[0].ID)
	if got := names(videos); len(got) != 1 || got[0] != "folder:2024" {
		t.Fatalf("Videos = %v", got)
	}
	year := c.browse("demo", videos.Data[0].ID)
	if len(year.Data) != 1 || year.Data[0].ID != f.ID || year.Data[0].Attributes["filesize"] != "26.2 MB" {
		t.Errorf("2024 = %+v", year.Data)
	}
	if *a.ParentID != videos.Data[0].ID || f.Relationships["parent"].Data.Attributes["name"] != "2024" {
		t.Errorf("parent = %v %+v", *a.ParentID, f.Relationships["parent"])
	}
	if root.Data[0].Attributes["filesize"] != "26.2 MB" || root.Data[0].Attributes["items"] != 1.0 {
		t.Errorf("Videos folder = %+v", root.Data[0].Attributes)
	}

	// A second file with the same path reuses the folders.
	c.chunked("demo", "b.mp4", "/Videos/2024/b.mp4", []byte("tiny"), 4<<20)
	if got := names(c.browse("demo", root.Data[0].ID)); len(got) != 1 {
		t.Errorf("Videos after a second upload = %v", got)
	}
	if got := names(c.browse("demo", videos.Data[0].ID)); len(got) != 2 || got[0] != "video:b.mp4" {
		t.Errorf("2024 after a second upload = %v", got)
	}
}

func TestInterleavedChunksDoNotMix(t *testing.T) {
	c := newClient(t)
	a, b := randomBytes(t, 3000), randomBytes(t, 2000)
	send := func(partName, name string, chunk []byte, last string) (*http.Response, []byte) {
		return c.upload("demo", text("name", name), file("chunk", partName, chunk), text("extension", "bin"),
			text("is_last_chunk", last))
	}
	// Same chunk filename on another share is another upload too.
	c.json("POST", "/share", `{"permission":"editor","token":"other"}`, true)
	steps := []struct {
		part, name string
		chunk      []byte
		last       string
	}{
		{"aaaa-a.bin.part", "a.bin", a[:1000], "0"},
		{"bbbb-b.bin.part", "b.bin", b[:1000], "0"},
		{"aaaa-a.bin.part", "a.bin", a[1000:2000], "0"},
		{"bbbb-b.bin.part", "b.bin", b[1000:], "1"},
		{"aaaa-a.bin.part", "a.bin", a[2000:], "1"},
	}
	var ids []string
	for i, s := range steps {
		if i == 2 {
			resp, _ := c.upload("other", text("name", "a.bin"), file("chunk", "aaaa-a.bin.part", []byte("x")),
				text("extension", "bin"), text("is_last_chunk", "0"))
			if resp.StatusCode != 200 {
				t.Fatalf("chunk on other share = %d", resp.StatusCode)
			}
		}
		resp, body := send(s.part, s.name, s.chunk, s.last)
		if s.last == "1" {
			if resp.StatusCode != 201 {
				t.Fatalf("step %d = %d %s", i, resp.StatusCode, body)
			}
			ids = append(ids, decodeFile(t, body).ID)
		}
	}
	for i, want := range [][]byte{b, a} {
		_, got := c.get("/shares/demo/files/" + ids[i])
		if !bytes.Equal(got, want) {
			t.Errorf("file %d mixed: got %d bytes, sha %s, want %s", i, len(got), sha(got), sha(want))
		}
	}
	if objs := c.objects("_filesro/chunks/"); len(objs) != 1 {
		t.Errorf("chunks left = %d, want 1 (the other share's)", len(objs))
	}
}

func TestAbandonedChunkedUploadExpires(t *testing.T) {
	clock := testkit.NewClock(time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC))
	c := newClient(t, testkit.WithClock(clock.Now))
	chunk := func(data []byte, last string) (*http.Response, []byte) {
		return c.upload("demo", text("name", "x.bin"), file("chunk", "r-x.bin.part", data), text("extension", "bin"),
			text("is_last_chunk", last))
	}
	chunk([]byte("old-1 "), "0")
	clock.Advance(59 * time.Minute)
	chunk([]byte("old-2 "), "0") // activity keeps the upload alive
	if n := len(c.objects("_filesro/chunks/")); n != 2 {
		t.Fatalf("chunks = %d, want 2", n)
	}
	clock.Advance(time.Hour)
	c.json("GET", "/shares/demo", "", false) // any request of the session frees abandoned uploads
	if objs := c.objects("_filesro/chunks/"); len(objs) != 0 {
		t.Fatalf("abandoned chunks still stored: %+v", objs)
	}
	// The same filename later starts a new upload: the old bytes are gone.
	chunk([]byte("new-1 "), "0")
	resp, b := chunk([]byte("new-2"), "1")
	if resp.StatusCode != 201 {
		t.Fatalf("final = %d %s", resp.StatusCode, b)
	}
	f := decodeFile(t, b)
	if _, got := c.get(f.Attributes.FileURL); string(got) != "new-1 new-2" {
		t.Errorf("assembled %q", got)
	}
	if f.Attributes.CreatedAt != "01. Jan. 2024" {
		t.Errorf("created_at = %s", f.Attributes.CreatedAt)
	}
}

func TestUploadValidation(t *testing.T) {
	c := newClient(t)
	jpg := jpegBytes(t, 8, 8)
	cases := []struct {
		name  string
		parts []part
		want  []string
	}{
		{"nothing", nil, []string{
			"chunk: The chunk field is required when file is not present.",
			"extension: The extension field is required.",
			"file: The file field is required when chunk is not present.",
			"name: The name field is required.",
		}},
		{"no name nor extension", []part{file("file", "a.jpg", jpg)}, []string{
			"extension: The extension field is required.", "name: The name field is required.",
		}},
		{"empty name", []part{text("name", ""), text("extension", "jpg"), file("file", "a.jpg", jpg)},
			[]string{"name: The name field is required."}},
		{"is_last_chunk not 0/1", []part{text("name", "a"), text("extension", "bin"), file("chunk", "x.part", jpg),
			text("is_last_chunk", "true")}, []string{"is_last_chunk: The is last chunk field must be true or false."}},
		{"chunk without is_last_chunk", []part{text("name", "a"), text("extension", "bin"), file("chunk", "x.part", jpg)},
			[]string{"is_last_chunk: The is last chunk field is required when chunk is present."}},
		{"file and chunk", []part{text("name", "a"), text("extension", "bin"), file("file", "a.bin", jpg),
			file("chunk", "x.part", jpg), text("is_last_chunk", "1")},
			[]string{"file: The file field prohibits chunk from being present."}},
		{"file as text", []part{text("name", "a"), text("extension", "bin"), text("file", "hello")},
			[]string{"file: The file must be a file."}},
		{"bad parent_id", []part{text("name", "a"), text("extension", "bin"), file("file", "a.bin", jpg),
			text("parent_id", "12")}, []string{"parent_id: The parent id must be a valid UUID."}},
		{"dot-dot path", []part{text("name", "a"), text("extension", "bin"), file("file", "a.bin", jpg),
			text("path", "/A/../b.bin")}, []string{"path: The path must not contain .. segments."}},
		{"bad extension", []part{text("name", "a"), text("extension", "j/pg"), file("file", "a.bin", jpg)},
			[]string{"extension: The extension format is invalid."}},
		{"long name", []part{text("name", strings.Repeat("n", 256)), text("extension", "bin"), file("file", "a.bin", jpg)},
			[]string{"name: The name must not be greater than 255 characters."}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := c.upload("demo", tc.parts...)
			if resp.StatusCode != 422 {
				t.Fatalf("= %d %s, want 422", resp.StatusCode, b)
			}
			if got := laravelErrors(t, b); strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if resp.Header.Get("X-Fileemu-Violations") == "" {
				t.Error("no X-Fileemu-Violations header")
			}
			if objs := c.objects(""); len(objs) != 0 {
				t.Errorf("stored after a refused upload: %+v", objs)
			}
		})
	}
	// Not a multipart body at all: the form reads as empty, as in Laravel.
	resp, b := c.do("POST", "/shares/demo/uploads", strings.NewReader(`{"name":"a"}`), http.Header{"Content-Type": {"application/json"}})
	if resp.StatusCode != 422 || len(laravelErrors(t, b)) != 4 {
		t.Errorf("JSON body = %d %s", resp.StatusCode, b)
	}
	// Other fields are ignored, an empty extension is allowed, name is kept as sent.
	f := c.mustUpload("demo", text("name", "Makefile"), text("extension", ""), file("file", "Makefile", []byte("all:\n")),
		text("chunk_index", "0"))
	if f.Attributes.Basename != f.ID || f.Attributes.Name != "Makefile" || f.Attributes.Mimetype != "text/plain" || f.Type != "file" {
		t.Errorf("file without extension = %+v", f.Attributes)
	}
	if resp, b := c.upload("nope", text("name", "a"), text("extension", "bin"), file("file", "a.bin", jpg)); resp.StatusCode != 404 ||
		errorMessage(t, b) == "" {
		t.Errorf("unknown token = %d %s", resp.StatusCode, b)
	}
}

func TestTruncatedMultipartStoresNothing(t *testing.T) {
	c := newClient(t)
	whole, ct := form(text("name", "a"), file("file", "a.bin", bytes.Repeat([]byte("z"), 100_000)), text("extension", "bin"))
	cuts := map[string]int{
		"inside the file part":   50_000,
		"after the file part":    bytes.LastIndex(whole, []byte("extension")) + 5,
		"without final boundary": len(whole) - 4,
	}
	for name, at := range cuts {
		t.Run(name, func(t *testing.T) {
			resp, b := c.do("POST", "/shares/demo/uploads", bytes.NewReader(whole[:at]), http.Header{"Content-Type": {ct}})
			if resp.StatusCode != 400 || !strings.Contains(errorMessage(t, b), "nothing was stored") {
				t.Errorf("= %d %s, want 400", resp.StatusCode, b)
			}
			if objs := c.objects(""); len(objs) != 0 {
				t.Errorf("stored: %+v", objs)
			}
		})
	}
	if l := c.browse("demo", "all"); len(l.Data) != 0 {
		t.Errorf("share holds %v", names(l))
	}
	// A chunk cut short leaves its upload as it was.
	chunk := func(data []byte, last string) ([]byte, string) {
		return form(text("name", "c.bin"), file("chunk", "k-c.bin.part", data), text("extension", "bin"), text("is_last_chunk", last))
	}
	first, ct1 := chunk([]byte("first "), "0")
	c.do("POST", "/shares/demo/uploads", bytes.NewReader(first), http.Header{"Content-Type": {ct1}})
	cut, ct2 := chunk([]byte("broken"), "0")
	if resp, _ := c.do("POST", "/shares/demo/uploads", bytes.NewReader(cut[:len(cut)-10]), http.Header{"Content-Type": {ct2}}); resp.StatusCode != 400 {
		t.Errorf("cut chunk = %d", resp.StatusCode)
	}
	lastBody, ct3 := chunk([]byte("last"), "1")
	resp, b := c.do("POST", "/shares/demo/uploads", bytes.NewReader(lastBody), http.Header{"Content-Type": {ct3}})
	if resp.StatusCode != 201 {
		t.Fatalf("last = %d %s", resp.StatusCode, b)
	}
	if _, got := c.get(decodeFile(t, b).Attributes.FileURL); string(got) != "first last" {
		t.Errorf("assembled %q", got)
	}
}

func TestUploadLimitAndViruses(t *testing.T) {
	c := newClient(t, testkit.WithMaxObjectSize(1000))
	resp, b := c.upload("demo", text("name", "big"), file("file", "big.bin", make([]byte, 1001)), text("extension", "bin"))
	if resp.StatusCode != 413 || errorMessage(t, b) != "The file exceeds the upload limit of 1.0 kB." {
		t.Errorf("too large = %d %s", resp.StatusCode, b)
	}
	c.mustUpload("demo", text("name", "fits"), file("file", "fits.bin", make([]byte, 1000)), text("extension", "bin"))

	chunk := func(n int, last string) (*http.Response, []byte) {
		return c.upload("demo", text("name", "c"), file("chunk", "q-c.part", make([]byte, n)), text("extension", "bin"),
			text("is_last_chunk", last))
	}
	chunk(600, "0")
	if resp, b := chunk(600, "0"); resp.StatusCode != 413 {
		t.Errorf("chunks over the limit = %d %s", resp.StatusCode, b)
	}
	if objs := c.objects("_filesro/chunks/"); len(objs) != 0 {
		t.Errorf("chunks of a refused upload kept: %+v", objs)
	}
	if resp, b := chunk(900, "1"); resp.StatusCode != 201 { // a fresh upload
		t.Errorf("after 413 = %d %s", resp.StatusCode, b)
	}

	eicar := []byte(antivirus.EICAR)
	resp, b = c.upload("demo", text("name", "v"), file("file", "v.txt", eicar), text("extension", "txt"))
	if resp.StatusCode != 422 || laravelErrors(t, b)[0] != "file: The file is infected with a virus (EICAR test signature)." {
		t.Errorf("EICAR = %d %s", resp.StatusCode, b)
	}
	// The signature split across two chunks is found in the assembled file.
	half := len(eicar) / 2
	c.upload("demo", text("name", "v"), file("chunk", "e-v.part", eicar[:half]), text("extension", "txt"), text("is_last_chunk", "0"))
	resp, b = c.upload("demo", text("name", "v"), file("chunk", "e-v.part", eicar[half:]), text("extension", "txt"), text("is_last_chunk", "1"))
	if resp.StatusCode != 422 || laravelErrors(t, b)[0] != "chunk: The chunk is infected with a virus (EICAR test signature)." {
		t.Errorf("chunked EICAR = %d %s", resp.StatusCode, b)
	}
	if objs := c.objects("_filesro/"); len(objs) != 2 {
		t.Errorf("objects = %+v, want the two clean files only", objs)
	}
}

func TestSharePermissions(t *testing.T) {
	clock := testkit.NewClock(time.Date(2024, 3, 5, 10, 0, 0, 0, time.UTC))
	c := newClient(t, testkit.WithClock(clock.Now))
	simple := []part{text("name", "a"), file("file", "a.txt", []byte("hello")), text("extension", "txt")}

	// Visitor shares are read-only.
	ro := c.browse("demo-readonly", "all")
	if got := names(ro); len(got) != 1 || got[0] != "folder:Photos" || ro.Meta.Root.Attributes["name"] != "Demo read-only" {
		t.Errorf("read-only share = %v root %v", got, ro.Meta.Root.Attributes)
	}
	if resp, b := c.upload("demo-readonly", simple...); resp.StatusCode != 403 || errorMessage(t, b) != "Access Denied" {
		t.Errorf("visitor upload = %d %s", resp.StatusCode, b)
	}
	if st, b := c.json("POST", "/shares/demo-readonly/items", `{"name":"x"}`, false); st != 403 || errorMessage(t, b) != "Access Denied" {
		t.Errorf("visitor create folder = %d %s", st, b)
	}

	// Protected shares: the record is public, the rest needs the cookie from authenticate.
	st, b := c.json("GET", "/shares/demo-protected", "", false)
	if st != 200 || !strings.Contains(string(b), `"protected":true`) {
		t.Errorf("protected share record = %d %s", st, b)
	}
	if resp, b := c.upload("demo-protected", simple...); resp.StatusCode != 403 || errorMessage(t, b) != "Sorry, you don't have permission" {
		t.Errorf("protected upload without cookie = %d %s", resp.StatusCode, b)
	}
	if st, _ := c.json("GET", "/shares/demo-protected/folders/all", "", false); st != 403 {
		t.Errorf("protected browse without cookie = %d", st)
	}
	if st, b := c.json("POST", "/shares/demo-protected/authenticate", `{"password":"wrong"}`, false); st != 401 || errorMessage(t, b) == "" {
		t.Errorf("wrong password = %d %s", st, b)
	}
	if st, b := c.json("POST", "/shares/demo-protected/authenticate", `{}`, false); st != 422 ||
		laravelErrors(t, b)[0] != "password: The password field is required." {
		t.Errorf("no password = %d %s", st, b)
	}
	resp, b := c.do("POST", "/shares/demo-protected/authenticate", strings.NewReader(`{"password":"secret"}`),
		http.Header{"Content-Type": {"application/json"}})
	cookie := resp.Header.Get("Set-Cookie")
	if resp.StatusCode != 200 || !strings.HasPrefix(cookie, "share_session=") || !strings.Contains(cookie, "HttpOnly") ||
		!strings.Contains(cookie, "Path=/_s/"+c.s.ID+"/api/;") { // both route families read it
		t.Fatalf("authenticate = %d %s %s", resp.StatusCode, cookie, b)
	}
	if resp, b := c.upload("demo-protected", simple...); resp.StatusCode != 201 {
		t.Errorf("protected upload with cookie = %d %s", resp.StatusCode, b)
	}
	if got := names(c.browse("demo-protected", "all")); len(got) != 1 {
		t.Errorf("protected share = %v", got)
	}

	// parent_id must be a folder of the share tree.
	other := c.browse("demo-readonly", "all").Data[0].ID // Photos, in another share
	withParent := append(simple[:3:3], text("parent_id", other))
	if resp, b := c.upload("demo", withParent...); resp.StatusCode != 403 || errorMessage(t, b) != "This action is unauthorized." {
		t.Errorf("parent outside the share = %d %s", resp.StatusCode, b)
	}
	if st, _ := c.json("GET", "/shares/demo/folders/"+other, "", false); st != 403 {
		t.Errorf("browse outside the share = %d", st)
	}
	if st, _ := c.json("GET", "/shares/demo/folders/00000000-0000-4000-8000-000000000000", "", false); st != 404 {
		t.Errorf("browse unknown folder = %d", st)
	}
	st, b = c.json("POST", "/shares/demo/items", `{"name":"Inbox"}`, false)
	if st != 201 {
		t.Fatalf("create folder = %d %s", st, b)
	}
	var folder item // {"data":{...}}, the same wrapper as a listing entry
	json.Unmarshal(b, &folder)
	f := c.mustUpload("demo", append(simple[:3:3], text("parent_id", folder.ID), text("path", "/Sub/a.txt"))...)
	if f.Relationships["parent"].Data.Attributes["name"] != "Sub" {
		t.Errorf("upload into Inbox/Sub: parent = %+v", f.Relationships["parent"])
	}
	if got := names(c.browse("demo", folder.ID)); len(got) != 1 || got[0] != "folder:Sub" {
		t.Errorf("Inbox = %v", got)
	}

	// Expired shares are gone.
	st, b = c.json("POST", "/share", `{"permission":"editor","expiration":2,"token":"short"}`, true)
	if st != 201 || !strings.Contains(string(b), `"expire_in":2`) {
		t.Fatalf("create expiring share = %d %s", st, b)
	}
	clock.Advance(2 * time.Hour)
	if st, _ := c.json("GET", "/shares/short", "", false); st != 404 {
		t.Errorf("expired share = %d, want 404", st)
	}
	if resp, _ := c.upload("short", simple...); resp.StatusCode != 404 {
		t.Errorf("upload to expired share = %d, want 404", resp.StatusCode)
	}
}

func TestOwnerRoutes(t *testing.T) {
	c := newClient(t)
	type share struct {
		Data struct {
			ID         string
			Attributes struct {
				Permission *string
				Protected  bool
				ItemID     string `json:"item_id"`
				ExpireIn   *int   `json:"expire_in"`
				Token      string
				Link       string
				Type       string
			}
		}
	}
	create := func(body string) (int, share, []byte) {
		st, b := c.json("POST", "/share", body, true)
		var s share
		json.Unmarshal(b, &s)
		return st, s, b
	}
	st, s, b := create(`{"permission":"editor","name":"Uploads","emails":["a@example.com"]}`)
	a := s.Data.Attributes
	if st != 201 || len(a.Token) != 16 || a.Type != "folder" || *a.Permission != "editor" || a.Protected || a.ExpireIn != nil ||
		a.Link != c.url("/shares/"+a.Token) {
		t.Fatalf("create = %d %s", st, b)
	}
	if l := c.browse(a.Token, "all"); len(l.Data) != 0 || l.Meta.Root.Attributes["name"] != "Uploads" {
		t.Errorf("new share = %+v", l)
	}
	if st, b := c.json("GET", a.Link, "", false); st != 200 || !strings.Contains(string(b), a.Token) {
		t.Errorf("link = %d %s", st, b)
	}

	// Share a folder made by an upload path, then a file.
	f := c.mustUpload("demo", text("name", "r.txt"), file("file", "r.txt", []byte("report")), text("extension", "txt"),
		text("path", "/Reports/r.txt"))
	sub := *f.Attributes.ParentID
	st, s, b = create(fmt.Sprintf(`{"id":%q,"type":"folder","permission":"visitor","token":"reports"}`, sub))
	if st != 201 || s.Data.Attributes.ItemID != sub {
		t.Fatalf("share subfolder = %d %s", st, b)
	}
	if got := names(c.browse("reports", "all")); len(got) != 1 || got[0] != "file:r.txt" {
		t.Errorf("reports = %v", got)
	}
	if resp, _ := c.get("/shares/reports/files/" + f.ID); resp.StatusCode != 200 {
		t.Errorf("file through the subfolder share = %d", resp.StatusCode)
	}
	st, s, b = create(fmt.Sprintf(`{"id":%q,"type":"file","isPassword":true,"password":"pw"}`, f.ID))
	if st != 201 || s.Data.Attributes.Type != "file" || s.Data.Attributes.Permission != nil || !s.Data.Attributes.Protected {
		t.Fatalf("share file = %d %s", st, b)
	}
	if st, _ := c.json("GET", "/shares/"+s.Data.Attributes.Token+"/folders/all", "", false); st != 403 {
		t.Errorf("browse a protected file share = %d", st)
	}

	// Rules, every problem at once.
	cases := []struct{ body, want string }{
		{`{}`, "permission: The permission field for folder is required."},
		{fmt.Sprintf(`{"id":%q,"permission":"editor"}`, sub), "id: The item is currently shared.\ntype: The type field is required when id is present."},
		{`{"id":"00000000-0000-4000-8000-000000000000","type":"folder","permission":"editor"}`, "id: The selected id is invalid."},
		{`{"permission":"editor","token":"demo"}`, "token: The token has already been taken."},
		{`{"permission":"admin","isPassword":true,"expiration":0}`, "expiration: The expiration must be at least 1.\npermission: The selected permission is invalid."},
		{`{"permission":"editor","isPassword":true}`, "password: The password field is required when is password is true."},
		{`{"permission":"editor","emails":["nope"]}`, "emails.0: The emails.0 must be a valid email address."},
	}
	for _, tc := range cases {
		st, b := c.json("POST", "/share", tc.body, true)
		if got := strings.Join(laravelErrors(t, b), "\n"); st != 422 || got != tc.want {
			t.Errorf("%s = %d\n%s\nwant\n%s", tc.body, st, got, tc.want)
		}
	}
	if st, b := c.json("POST", "/share", `{"permission":`, true); st != 400 || errorMessage(t, b) == "" {
		t.Errorf("broken JSON = %d %s", st, b)
	}
	if st, b := c.json("POST", "/share", `{"permission":"editor"}`, false); st != 401 || errorMessage(t, b) != "Unauthenticated." {
		t.Errorf("no bearer = %d %s", st, b)
	}

	// Updates.
	if st, b := c.json("PATCH", "/share/demo", `{"permission":"visitor"}`, true); st != 200 || !strings.Contains(string(b), `"permission":"visitor"`) {
		t.Errorf("PATCH permission = %d %s", st, b)
	}
	if resp, _ := c.upload("demo", text("name", "a"), file("file", "a", []byte("a")), text("extension", "")); resp.StatusCode != 403 {
		t.Errorf("upload after visitor = %d", resp.StatusCode)
	}
	if st, b := c.json("PATCH", "/share/demo", `{"protected":true}`, true); st != 422 ||
		laravelErrors(t, b)[0] != "password: The password field is required when protected is true." {
		t.Errorf("protect without password = %d %s", st, b)
	}
	if st, b := c.json("PATCH", "/share/demo", `{"protected":true,"password":"pw","permission":"editor","expiration":5}`, true); st != 200 ||
		!strings.Contains(string(b), `"protected":true`) || !strings.Contains(string(b), `"expire_in":5`) {
		t.Errorf("protect = %d %s", st, b)
	}
	if st, _ := c.json("GET", "/shares/demo/folders/all", "", false); st != 403 {
		t.Errorf("browse after protect = %d", st)
	}
	if st, b := c.json("PATCH", "/share/demo", `{"protected":false,"expiration":null}`, true); st != 200 ||
		!strings.Contains(string(b), `"expire_in":null`) || !strings.Contains(string(b), `"protected":false`) {
		t.Errorf("unprotect = %d %s", st, b)
	}
	if st, _ := c.json("GET", "/shares/demo/folders/all", "", false); st != 200 {
		t.Errorf("browse after unprotect = %d", st)
	}
	if st, _ := c.json("PATCH", "/share/nope", `{"permission":"visitor"}`, true); st != 404 {
		t.Errorf("PATCH unknown = %d", st)
	}
}

func TestBrowsePaging(t *testing.T) {
	c := newClient(t)
	for i := range 51 {
		if st, b := c.json("POST", "/shares/demo/items", fmt.Sprintf(`{"name":"f%02d"}`, i), false); st != 201 {
			t.Fatalf("create folder = %d %s", st, b)
		}
	}
	c.mustUpload("demo", text("name", "z.txt"), file("file", "z.txt", []byte("z")), text("extension", "txt"))
	all := c.browse("demo", "all")
	p := all.Meta.Paginate
	if len(all.Data) != 52 || p.Total != 52 || p.LastPage != 1 || p.PerPage != 52 || all.Links.Next != nil {
		t.Fatalf("no page = %d items, %+v", len(all.Data), p)
	}
	// Folders first, newest first; then files.
	if got := names(all); got[0] != "folder:f50" || got[50] != "folder:f00" || got[51] != "file:z.txt" {
		t.Errorf("order = %v ... %v", got[:2], got[50:])
	}
	st, b := c.json("GET", "/shares/demo/folders/all?page=2", "", false)
	var page2 listing
	json.Unmarshal(b, &page2)
	p = page2.Meta.Paginate
	if st != 200 || len(page2.Data) != 2 || p.CurrentPage != 2 || p.LastPage != 2 || p.PerPage != 50 || *p.From != 51 || *p.To != 52 ||
		page2.Links.Prev == nil || page2.Links.Next != nil || !strings.HasSuffix(page2.Links.First, "/folders/all?page=1") {
		t.Errorf("page 2 = %d %+v %+v", st, p, page2.Links)
	}
	st, b = c.json("GET", "/shares/demo/folders/all?page=9", "", false)
	var empty listing
	json.Unmarshal(b, &empty)
	if st != 200 || len(empty.Data) != 0 || empty.Meta.Paginate.From != nil {
		t.Errorf("page 9 = %d %s", st, b)
	}
	if st, b := c.json("GET", "/shares/demo/folders/all?page=0", "", false); st != 422 ||
		laravelErrors(t, b)[0] != "page: The page must be at least 1." {
		t.Errorf("page 0 = %d %s", st, b)
	}
	if st, _ := c.json("GET", "/shares/nope/folders/all", "", false); st != 404 {
		t.Errorf("unknown share = %d", st)
	}
	if st, b := c.json("POST", "/shares/demo/items", `{"parent_id":"x"}`, false); st != 422 ||
		strings.Join(laravelErrors(t, b), "\n") != "name: The name field is required.\nparent_id: The parent id must be a valid UUID." {
		t.Errorf("bad folder = %d %s", st, b)
	}
}

func TestThumbnailsAndFileURL(t *testing.T) {
	c := newClient(t)
	var pngBuf, gifBuf bytes.Buffer
	png.Encode(&pngBuf, gradient(300, 500))
	gif.Encode(&gifBuf, gradient(50, 40), nil)
	cases := []struct {
		name, ext, ct string
		content       []byte
		w, h          int
	}{
		{"photo", "jpg", "image/jpeg", jpegBytes(t, 800, 600), 256, 192},
		{"drawing", "png", "image/png", pngBuf.Bytes(), 154, 256},
		{"anim", "gif", "image/gif", gifBuf.Bytes(), 50, 40},
	}
	for _, tc := range cases {
		f := c.mustUpload("demo", text("name", tc.name), file("file", tc.name+"."+tc.ext, tc.content), text("extension", tc.ext))
		if f.Attributes.Thumbnail == nil || f.Type != "image" {
			t.Fatalf("%s: no thumbnail: %+v", tc.name, f.Attributes)
		}
		for range 2 { // generated, then served from the store
			resp, b := c.get(*f.Attributes.Thumbnail)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tc.ct {
				t.Fatalf("%s thumbnail = %d %s", tc.name, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			img, format, err := image.Decode(bytes.NewReader(b))
			if err != nil || "image/"+format != tc.ct || img.Bounds().Dx() != tc.w || img.Bounds().Dy() != tc.h {
				t.Errorf("%s thumbnail: %v %s %v, want %dx%d", tc.name, err, format, img.Bounds(), tc.w, tc.h)
			}
		}
		resp, b := c.get(f.Attributes.FileURL)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tc.ct || !bytes.Equal(b, tc.content) ||
			resp.Header.Get("Content-Disposition") != `inline; filename=`+tc.name+"."+tc.ext {
			t.Errorf("%s file_url = %d %v", tc.name, resp.StatusCode, resp.Header)
		}
	}
	txt := c.mustUpload("demo", text("name", "notes.txt"), file("file", "notes.txt", []byte("0123456789")), text("extension", "txt"))
	if txt.Attributes.Thumbnail != nil || txt.Type != "file" || txt.Attributes.Mimetype != "text/plain" || txt.Attributes.Filesize != "10 B" {
		t.Errorf("text file = %+v", txt.Attributes)
	}
	if resp, b := c.get(txt.Attributes.FileURL + "/thumbnail"); resp.StatusCode != 404 || errorMessage(t, b) != "This file has no thumbnail." {
		t.Errorf("thumbnail of text = %d %s", resp.StatusCode, b)
	}
	resp, b := c.do("GET", txt.Attributes.FileURL, nil, http.Header{"Range": {"bytes=2-4"}})
	if resp.StatusCode != 206 || string(b) != "234" {
		t.Errorf("range = %d %q", resp.StatusCode, b)
	}
	if resp, _ := c.get("/shares/demo/files/not-a-file"); resp.StatusCode != 404 {
		t.Errorf("unknown file = %d", resp.StatusCode)
	}
	if resp, _ := c.get("/shares/demo-readonly/files/" + txt.ID); resp.StatusCode != 403 {
		t.Errorf("file through another share = %d", resp.StatusCode)
	}
	// A fake JPEG is an image whose thumbnail cannot be made: the URL is there (VueFileManager's
	// client reads thumbnail.sm of every image) and answers 404.
	fake := c.mustUpload("demo", text("name", "fake"), file("file", "fake.jpg", []byte("\xff\xd8\xff\xe0 not really")), text("extension", "jpg"))
	if fake.Attributes.Thumbnail == nil || fake.Type != "image" || fake.Attributes.Mimetype != "image/jpeg" {
		t.Fatalf("fake jpeg = %s %+v", fake.Type, fake.Attributes)
	}
	if resp, b := c.get(*fake.Attributes.Thumbnail); resp.StatusCode != 404 || errorMessage(t, b) != "This file has no thumbnail." {
		t.Errorf("fake jpeg thumbnail = %d %s", resp.StatusCode, b)
	}
}

func TestExifRelationshipAndOrientation(t *testing.T) {
	c := newClient(t)
	photo := filesro.ExifJPEG(t, 400, 200, filesro.ExifOptions{Orientation: 6, Full: true})
	f := c.mustUpload("demo", text("name", "IMG_0001.JPG"), file("file", "IMG_0001.JPG", photo), text("extension", "JPG"))
	exif, ok := f.Relationships["exif"]
	if !ok || exif.Data.Type != "exif" || !uuidRe.MatchString(exif.Data.ID) {
		t.Fatalf("no exif relationship: %+v", f.Relationships)
	}
	x := exif.Data.Attributes
	want := map[string]any{"camera": "Canon", "model": "EOS 5D", "date_time_original": "2024-01-01 12:30:45",
		"exposure_time": "1/125", "iso": 100.0, "aperture_f_number": 2.8, "focal_length": "50mm", "color_space": "sRGB",
		"width": 400.0, "height": 200.0, "latitude": "52.5200", "longitude": "-13.4050", "artist": "Jane Doe", "x_resolution": "72"}
	for k, v := range want {
		if x[k] != v {
			t.Errorf("exif %s = %v, want %v", k, x[k], v)
		}
	}
	// Orientation 6: the thumbnail is turned upright, portrait.
	_, b := c.get(*f.Attributes.Thumbnail)
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil || img.Bounds().Dx() != 128 || img.Bounds().Dy() != 256 {
		t.Fatalf("thumbnail = %v %v, want 128x256", err, img.Bounds())
	}
	// The red left edge of the stored image is the top of the upright one.
	if r, _, bl, _ := img.At(64, 2).RGBA(); r < bl {
		t.Errorf("top of the thumbnail is not red: r=%d b=%d", r, bl)
	}
	// Only some tags: the rest is null, width and height from the image.
	few := filesro.ExifJPEG(t, 30, 20, filesro.ExifOptions{BigEndian: true})
	f = c.mustUpload("demo", text("name", "few"), file("file", "few.jpg", few), text("extension", "jpg"))
	x = f.Relationships["exif"].Data.Attributes
	if x["camera"] != "Canon" || x["iso"] != nil || x["date_time_original"] != nil || x["width"] != 30.0 || x["height"] != 20.0 {
		t.Errorf("partial exif = %v", x)
	}
}

// Every session starts with the same seed shares, with the same ids for the same seed.
func TestSeedShares(t *testing.T) {
	emu := testkit.Start(t, testkit.WithSeed(7))
	hc := emu.Client(t)
	var ids []string
	for range 2 {
		s := emu.Session(t)
		req, _ := http.NewRequest("GET", s.URL("filesro")+"/api/v1/shares/demo", nil)
		resp, b := testkit.Do(t, hc, req)
		var v struct{ Data struct{ ID string } }
		json.Unmarshal(b, &v)
		if resp.StatusCode != 200 || v.Data.ID == "" {
			t.Fatalf("seed share = %d %s", resp.StatusCode, b)
		}
		ids = append(ids, v.Data.ID)
		st := s.State(t)
		if !strings.Contains(string(st.APIs["filesro"]), `"demo-protected"`) {
			t.Errorf("state lacks the seed shares: %s", st.APIs["filesro"])
		}
	}
	if ids[0] != ids[1] {
		t.Errorf("seed share ids differ: %v", ids)
	}
}

func TestUnknownRoutesAnswerInTheEnvelope(t *testing.T) {
	c := newClient(t)
	resp, b := c.do("DELETE", "/shares/demo", nil, nil)
	if resp.StatusCode != 405 || errorMessage(t, b) != "The DELETE method is not supported for this route. Supported methods: GET." {
		t.Errorf("405 = %d %s", resp.StatusCode, b)
	}
	resp, b = c.do("GET", "/nothing/here", nil, nil)
	if resp.StatusCode != 404 || !strings.Contains(errorMessage(t, b), "could not be found") {
		t.Errorf("404 = %d %s", resp.StatusCode, b)
	}
}

// WithChunkExpiry (--chunk-expiry) shortens how long an abandoned chunked upload is kept.
func TestChunkExpiryIsConfigurable(t *testing.T) {
	clock := testkit.NewClock(time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC))
	c := newClient(t, testkit.WithClock(clock.Now), testkit.WithChunkExpiry(5*time.Minute))
	c.upload("demo", text("name", "y.bin"), file("chunk", "r-y.bin.part", []byte("part")), text("extension", "bin"),
		text("is_last_chunk", "0"))
	clock.Advance(4 * time.Minute)
	c.json("GET", "/shares/demo", "", false)
	if n := len(c.objects("_filesro/chunks/")); n != 1 {
		t.Fatalf("chunks after 4 minutes = %d, want 1", n)
	}
	clock.Advance(2 * time.Minute)
	c.json("GET", "/shares/demo", "", false)
	if n := len(c.objects("_filesro/chunks/")); n != 0 {
		t.Errorf("chunks after 6 minutes = %d, want 0 with a 5 minute expiry", n)
	}
}

// A PNG whose header reads but whose pixels do not (a truncated fixture) has no thumbnail: the
// thumbnail URL answers 404, never 500.
func TestTruncatedImageThumbnailIs404(t *testing.T) {
	c := newClient(t)
	var buf bytes.Buffer
	png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 20, 10)))
	cut := buf.Bytes()[:33] // signature + IHDR only
	resp, b := c.upload("demo", text("name", "cut"), file("file", "cut.png", cut), text("extension", "png"))
	if resp.StatusCode != 201 {
		t.Fatalf("upload = %d %s", resp.StatusCode, b)
	}
	f := decodeFile(t, b)
	if f.Attributes.Thumbnail == nil {
		return // no thumbnail offered: nothing to fetch
	}
	if resp, _ := c.get(*f.Attributes.Thumbnail); resp.StatusCode != 404 {
		t.Errorf("thumbnail of a truncated PNG = %d, want 404", resp.StatusCode)
	}
}
