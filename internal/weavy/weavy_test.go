package weavy_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/fileemu/fileemu/internal/antivirus"
	"github.com/fileemu/fileemu/testkit"
)

// client drives the Weavy API of one session like a Weavy client would. Every response goes
// through the kit's validating client, so it is checked against openapi/weavy.yaml.
type client struct {
	t     *testing.T
	http  *http.Client
	s     *testkit.Session
	base  string
	token string
}

func newClient(t *testing.T, opts ...testkit.Option) *client {
	emu := testkit.Start(t, opts...)
	s := emu.Session(t)
	return &client{t: t, http: emu.Client(t), s: s, base: s.URL("weavy"), token: "weavy-api-key"}
}

// send sends a request with the bearer token and returns status, headers and body.
func (c *client) send(method, path, contentType string, body io.Reader) (int, http.Header, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, b := testkit.Do(c.t, c.http, req)
	return resp.StatusCode, resp.Header, b
}

// do sends JSON (body "" for none) and decodes a successful JSON answer into v.
func (c *client) do(method, path, body string, v any) (int, []byte) {
	c.t.Helper()
	var rd io.Reader
	ct := ""
	if body != "" {
		rd, ct = strings.NewReader(body), "application/json"
	}
	st, _, b := c.send(method, path, ct, rd)
	if v != nil && st < 300 {
		reflect.ValueOf(v).Elem().SetZero() // decode into a fresh value: absent properties stay absent
		if err := json.Unmarshal(b, v); err != nil {
			c.t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
	return st, b
}

// must is do that fails the test unless the status is want.
func (c *client) must(want int, method, path, body string, v any) []byte {
	c.t.Helper()
	st, b := c.do(method, path, body, v)
	if st != want {
		c.t.Fatalf("%s %s = %d %s, want %d", method, path, st, b, want)
	}
	return b
}

type blob struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	MediaType string `json:"media_type"`
	Width     int    `json:"width"`
	Height    int    `json:"height"`
	Size      int64  `json:"size"`
}

type file struct {
	ID  int64 `json:"id"`
	Rev int   `json:"rev"`
	App struct {
		ID   int64  `json:"id"`
		UID  string `json:"uid"`
		Type string `json:"type"`
	} `json:"app"`
	Parent struct {
		ID   int64  `json:"id"`
		Type string `json:"type"`
	} `json:"parent"`
	Name          string            `json:"name"`
	Kind          string            `json:"kind"`
	MediaType     string            `json:"media_type"`
	Width         int               `json:"width"`
	Height        int               `json:"height"`
	Size          int64             `json:"size"`
	Metadata      map[string]string `json:"metadata"`
	Tags          []string          `json:"tags"`
	DownloadURL   string            `json:"download_url"`
	PreviewFormat string            `json:"preview_format"`
	CreatedAt     string            `json:"created_at"`
	UpdatedAt     string            `json:"updated_at"`
	IsTrashed     bool              `json:"is_trashed"`
}

type list struct {
	Data  []file `json:"data"`
	Start *int   `json:"start"`
	End   *int   `json:"end"`
	Count int    `json:"count"`
}

func (l list) ids() []int64 {
	ids := []int64{}
	for _, f := range l.Data {
		ids = append(ids, f.ID)
	}
	return ids
}

func (l list) revs() []int {
	revs := []int{}
	for _, f := range l.Data {
		revs = append(revs, f.Rev)
	}
	return revs
}

type problem struct {
	Type   string              `json:"type"`
	Title  string              `json:"title"`
	Status int                 `json:"status"`
	Detail string              `json:"detail"`
	Errors map[string][]string `json:"errors"`
}

// problemOf decodes a problem detail, failing the test if b is none.
func problemOf(t *testing.T, b []byte) problem {
	t.Helper()
	var p problem
	if err := json.Unmarshal(b, &p); err != nil || p.Status == 0 || p.Title == "" || p.Type == "" {
		t.Fatalf("not a problem detail: %s", b)
	}
	return p
}

func (p problem) fields() []string {
	var keys []string
	for k := range p.Errors {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// part is one part of a multipart form.
type part struct {
	name, filename, contentType string
	content                     []byte
}

func multipartBody(t *testing.T, parts ...part) (string, []byte) {
	t.Helper()
	const boundary = "fileemu-test-boundary"
	return "multipart/form-data; boundary=" + boundary, formOf(t, boundary, parts...)
}

// upload posts parts to /api/blobs.
func (c *client) upload(parts ...part) (int, []byte) {
	c.t.Helper()
	ct, body := multipartBody(c.t, parts...)
	st, _, b := c.send("POST", "/api/blobs", ct, bytes.NewReader(body))
	return st, b
}

// blob uploads content as the blob part and returns the blob.
func (c *client) blob(filename, contentType string, content []byte) blob {
	c.t.Helper()
	st, b := c.upload(part{"blob", filename, contentType, content})
	if st != 201 {
		c.t.Fatalf("upload %s = %d %s", filename, st, b)
	}
	var out blob
	if err := json.Unmarshal(b, &out); err != nil {
		c.t.Fatal(err)
	}
	return out
}

// download GETs a download URL without a token (as <img src> would).
func (c *client) download(url string, hdr map[string]string) (*http.Response, []byte) {
	c.t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return testkit.Do(c.t, c.http, req)
}

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{200, 10, 10, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// The whole life of a file, as the issue tells it: create app → upload blob → create file → 409 on
// the same name → replace → update with backup → list revisions → restore revision 1 → trash → not
// listed → listed with trashed=true → restore → delete; plus message and post attachments.
func TestFileLifecycle(t *testing.T) {
	c := newClient(t)

	// Apps: upsert creates (201) then updates (200); GET by uid and by id.
	var app struct {
		ID          int64    `json:"id"`
		UID         string   `json:"uid"`
		Type        string   `json:"type"`
		Name        string   `json:"name"`
		Permissions []string `json:"permissions"`
	}
	c.must(201, "PUT", "/api/apps/project-files", `{"type":"files","name":"Project files"}`, &app)
	// Responses name app types by GUID; requests may use the name or the GUID.
	if app.ID != 1 || app.UID != "project-files" || app.Type != "523edd88-4bbf-4547-b60f-2859a6d2ddc1" || len(app.Permissions) == 0 {
		t.Errorf("new app = %+v", app)
	}
	c.must(200, "PUT", "/api/apps/project-files", `{"type":"523EDD88-4bbf-4547-b60f-2859a6d2ddc1","name":"Project docs"}`, &app)
	for _, key := range []string{"1", "project-files"} {
		c.must(200, "GET", "/api/apps/"+key, "", &app)
		if app.ID != 1 || app.Name != "Project docs" {
			t.Errorf("GET /api/apps/%s = %+v", key, app)
		}
	}

	// Blob → file.
	v1 := pngOf(t, 7, 5)
	b1 := c.blob("diagram.png", "image/png", v1)
	if b1.ID != 1 || b1.MediaType != "image/png" || b1.Width != 7 || b1.Height != 5 || b1.Size != int64(len(v1)) {
		t.Errorf("blob = %+v", b1)
	}
	var f file
	c.must(201, "POST", "/api/apps/project-files/files", fmt.Sprintf(`{"blob_id":%d,"metadata":{"color":"blue"},"tags":["draft"]}`, b1.ID), &f)
	if f.ID != 1 || f.Rev != 1 || f.Name != "diagram.png" || f.Kind != "image" || f.PreviewFormat != "image" ||
		f.App.ID != 1 || f.Parent.Type != "app" || f.Parent.ID != 1 || f.Width != 7 || f.Metadata["color"] != "blue" ||
		!slices.Equal(f.Tags, []string{"draft"}) || f.IsTrashed || f.DownloadURL != c.base+"/api/files/1/download" {
		t.Errorf("created file = %+v", f)
	}
	resp, got := c.download(f.DownloadURL, nil)
	if resp.StatusCode != 200 || !bytes.Equal(got, v1) || resp.Header.Get("Content-Type") != "image/png" ||
		resp.Header.Get("Content-Disposition") != `attachment; filename=diagram.png` || resp.Header.Get("ETag") == "" {
		t.Errorf("download = %d %v (%d bytes)", resp.StatusCode, resp.Header, len(got))
	}
	if resp, _ := c.download(f.DownloadURL, map[string]string{"If-None-Match": resp.Header.Get("ETag")}); resp.StatusCode != 304 {
		t.Errorf("download with If-None-Match = %d, want 304", resp.StatusCode)
	}
	if resp, got := c.download(f.DownloadURL, map[string]string{"Range": "bytes=0-3"}); resp.StatusCode != 206 || !bytes.Equal(got, v1[:4]) {
		t.Errorf("ranged download = %d %q", resp.StatusCode, got)
	}

	// Same name: 409 (case-insensitive); replace: a new revision of the same file, 200.
	st, b := c.do("POST", "/api/apps/1/files", fmt.Sprintf(`{"blob_id":%d,"name":"DIAGRAM.png"}`, b1.ID), nil)
	if p := problemOf(t, b); st != 409 || p.Status != 409 || p.Title != "Conflict" || !strings.Contains(p.Detail, "replace") {
		t.Errorf("same name = %d %s", st, b)
	}
	v2 := pngOf(t, 8, 6)
	b2 := c.blob("diagram.png", "image/png", v2)
	c.must(200, "POST", "/api/apps/1/files", fmt.Sprintf(`{"blob_id":%d,"replace":true}`, b2.ID), &f)
	if f.ID != 1 || f.Rev != 2 || f.Width != 8 || f.Metadata["color"] != "blue" {
		t.Errorf("replaced file = %+v", f)
	}

	// Update with backup keeps revision 2 and adds 3; revisions newest first.
	v3 := pngOf(t, 9, 9)
	b3 := c.blob("v3.png", "", v3)
	c.must(200, "PATCH", "/api/files/1", fmt.Sprintf(`{"blob_id":%d,"backup":true,"tags":["final","Final"]}`, b3.ID), &f)
	if f.Rev != 3 || f.Name != "diagram.png" || f.Width != 9 || f.MediaType != "image/png" || !slices.Equal(f.Tags, []string{"final"}) {
		t.Errorf("updated file = %+v", f)
	}
	var revs list
	c.must(200, "GET", "/api/files/1/versions", "", &revs)
	if !slices.Equal(revs.revs(), []int{3, 2, 1}) || revs.Count != 3 || revs.Data[2].Width != 7 ||
		revs.Data[2].DownloadURL != c.base+"/api/files/1/versions/1/download" {
		t.Errorf("revisions = %+v", revs)
	}
	var r1 file
	c.must(200, "GET", "/api/files/1/versions/1", "", &r1)
	if r1.Rev != 1 || r1.Size != int64(len(v1)) || r1.ID != 1 {
		t.Errorf("revision 1 = %+v", r1)
	}
	if resp, got := c.download(r1.DownloadURL, nil); resp.StatusCode != 200 || !bytes.Equal(got, v1) {
		t.Errorf("download of revision 1 = %d, %d bytes", resp.StatusCode, len(got))
	}

	// Restore revision 1: a new revision 4 with its content, history kept.
	c.must(204, "POST", "/api/files/1/versions/1/restore", "", nil)
	c.must(200, "GET", "/api/files/1", "", &f)
	if f.Rev != 4 || f.Width != 7 || f.Size != int64(len(v1)) {
		t.Errorf("after restoring revision 1 = %+v", f)
	}
	c.must(200, "GET", "/api/files/1/versions", "", &revs)
	if !slices.Equal(revs.revs(), []int{4, 3, 2, 1}) {
		t.Errorf("revisions after restore = %v", revs.revs())
	}
	if resp, got := c.download(f.DownloadURL, nil); resp.StatusCode != 200 || !bytes.Equal(got, v1) {
		t.Errorf("current content after restore: %d bytes", len(got))
	}

	// The current revision cannot be deleted; others can.
	st, b = c.do("DELETE", "/api/files/1/versions/4", "", nil)
	if p := problemOf(t, b); st != 400 || p.Status != 400 {
		t.Errorf("delete current revision = %d %s", st, b)
	}
	c.must(204, "DELETE", "/api/files/1/versions/2", "", nil)
	c.must(200, "GET", "/api/files/1/versions", "", &revs)
	if !slices.Equal(revs.revs(), []int{4, 3, 1}) {
		t.Errorf("revisions after delete = %v", revs.revs())
	}
	if st, _ := c.do("GET", "/api/files/1/versions/2", "", nil); st != 404 {
		t.Errorf("deleted revision = %d, want 404", st)
	}

	// Trash: 404 unless trashed=true, listed only with trashed=true or null; restore; delete.
	c.must(204, "POST", "/api/files/1/trash", "", nil)
	if st, b := c.do("GET", "/api/files/1", "", nil); st != 404 || problemOf(t, b).Status != 404 {
		t.Errorf("GET trashed = %d %s", st, b)
	}
	c.must(200, "GET", "/api/files/1?trashed=true", "", &f)
	if !f.IsTrashed {
		t.Errorf("trashed file = %+v", f)
	}
	var l list
	c.must(200, "GET", "/api/apps/project-files/files", "", &l)
	if l.Count != 0 || l.Data != nil || l.Start != nil || l.End != nil {
		t.Errorf("list without trashed = %+v", l)
	}
	c.must(200, "GET", "/api/apps/project-files/files?trashed=true", "", &l)
	if !slices.Equal(l.ids(), []int64{1}) || !l.Data[0].IsTrashed {
		t.Errorf("list trashed = %+v", l)
	}
	c.must(200, "GET", "/api/apps/project-files/files?trashed=null", "", &l)
	if !slices.Equal(l.ids(), []int64{1}) {
		t.Errorf("list trashed=null = %+v", l)
	}
	c.must(204, "POST", "/api/files/1/restore", "", nil)
	c.must(200, "GET", "/api/apps/project-files/files", "", &l)
	if !slices.Equal(l.ids(), []int64{1}) || *l.Start != 0 || *l.End != 1 || l.Data[0].IsTrashed {
		t.Errorf("list after restore = %+v", l)
	}
	c.must(204, "DELETE", "/api/files/1", "", nil)
	if st, _ := c.do("GET", "/api/files/1?trashed=true", "", nil); st != 404 {
		t.Errorf("GET deleted = %d, want 404", st)
	}

	// Attachments of a message, a post and a comment.
	c.must(201, "POST", "/api/apps", `{"type":"chat","uid":"support-chat"}`, nil)
	c.must(201, "POST", "/api/apps", `{"type":"posts","uid":"news-feed"}`, nil)
	notes := c.blob("notes.txt", "", []byte("meeting notes\n"))
	report := c.blob("report.pdf", "", []byte("%PDF-1.4\n% fake\n"))
	var msg struct {
		ID          int64 `json:"id"`
		Text        string
		Attachments struct {
			Data  []file
			Count int
		}
	}
	c.must(201, "POST", "/api/apps/support-chat/messages", jsonOf(map[string]any{"text": "see attached", "blobs": []int64{notes.ID, report.ID}}), &msg)
	if msg.ID != 1 || msg.Attachments.Count != 2 || msg.Attachments.Data[0].Parent.Type != "message" {
		t.Errorf("message = %+v", msg)
	}
	c.must(200, "GET", fmt.Sprintf("/api/messages/%d/attachments?order_by=name+desc", msg.ID), "", &l)
	if l.Count != 2 || l.Data[0].Name != "report.pdf" || l.Data[0].Kind != "document" || l.Data[0].PreviewFormat != "pdf" ||
		l.Data[0].MediaType != "application/pdf" || l.Data[1].Name != "notes.txt" || l.Data[1].Kind != "text" ||
		l.Data[1].MediaType != "text/plain" || l.Data[0].App.UID != "support-chat" || l.Data[0].Parent.ID != msg.ID {
		t.Errorf("message attachments = %+v", l)
	}
	var post struct{ ID int64 }
	c.must(201, "POST", "/api/apps/news-feed/posts", jsonOf(map[string]any{"blobs": []int64{b1.ID}}), &post)
	c.must(200, "GET", fmt.Sprintf("/api/posts/%d/attachments", post.ID), "", &l)
	if l.Count != 1 || l.Data[0].Name != "diagram.png" || l.Data[0].Parent.Type != "post" || l.Data[0].Width != 7 {
		t.Errorf("post attachments = %+v", l)
	}
	var comment struct {
		ID     int64
		Parent struct {
			Type string
			ID   int64
		}
	}
	c.must(201, "POST", fmt.Sprintf("/api/posts/%d/comments", post.ID), jsonOf(map[string]any{"text": "nice", "blobs": []int64{notes.ID}}), &comment)
	if comment.Parent.Type != "post" || comment.Parent.ID != post.ID {
		t.Errorf("comment = %+v", comment)
	}
	c.must(200, "GET", fmt.Sprintf("/api/comments/%d/attachments", comment.ID), "", &l)
	if l.Count != 1 || l.Data[0].Parent.Type != "comment" || l.Data[0].App.UID != "news-feed" {
		t.Errorf("comment attachments = %+v", l)
	}
	// Attachments are files: all files lists them, the Files app lists only its own (none left).
	c.must(200, "GET", "/api/files?count_only=true", "", &l)
	if l.Count != 4 || l.Data != nil {
		t.Errorf("count of all files = %+v", l)
	}
	c.must(200, "GET", "/api/apps/project-files/files?trashed=null", "", &l)
	if l.Count != 0 {
		t.Errorf("files app after delete = %+v", l)
	}

	for op, n := range map[string]int{"upsertApp": 2, "uploadBlob": 5, "createFile": 3, "updateFile": 1, "listFileVersions": 3,
		"restoreFileVersion": 1, "trashFile": 1, "restoreFile": 1, "deleteFile": 1, "createMessage": 1, "createPost": 1, "downloadFileVersion": 1,
		"createComment": 1, "listMessageAttachments": 1, "listPostAttachments": 1, "listCommentAttachments": 1, "downloadFile": 4} {
		c.s.AssertCalled(t, op, n)
	}
}

// Update without backup replaces the content of the current revision in place; a name alone
// renames; renaming onto another file's name is a conflict.
func TestUpdateInPlaceAndRename(t *testing.T) {
	c := newClient(t)
	c.must(201, "POST", "/api/apps", `{"type":"files","uid":"docs"}`, nil)
	a := c.blob("a.txt", "text/plain", []byte("first"))
	b := c.blob("b.md", "", []byte("# second, longer"))
	var f, other file
	c.must(201, "POST", "/api/apps/docs/files", fmt.Sprintf(`{"blob_id":%d}`, a.ID), &f)
	c.must(201, "POST", "/api/apps/docs/files", fmt.Sprintf(`{"blob_id":%d,"name":"other.txt"}`, a.ID), &other)
	c.must(200, "PATCH", fmt.Sprintf("/api/files/%d", f.ID), fmt.Sprintf(`{"blob_id":%d,"metadata":{"k":"v"}}`, b.ID), &f)
	if f.Rev != 1 || f.Size != b.Size || f.Name != "a.txt" || f.MediaType != "text/markdown" || f.Metadata["k"] != "v" {
		t.Errorf("in-place update = %+v", f)
	}
	var revs list
	c.must(200, "GET", fmt.Sprintf("/api/files/%d/versions", f.ID), "", &revs)
	if !slices.Equal(revs.revs(), []int{1}) {
		t.Errorf("revisions = %v, want [1]", revs.revs())
	}
	if _, got := c.download(f.DownloadURL, nil); string(got) != "# second, longer" {
		t.Errorf("content = %q", got)
	}
	c.must(200, "PATCH", fmt.Sprintf("/api/files/%d", f.ID), `{"name":"renamed.md","metadata":{},"tags":[]}`, &f)
	if f.Name != "renamed.md" || f.Kind != "text" || f.Metadata != nil || f.Tags != nil {
		t.Errorf("renamed = %+v", f)
	}
	st, body := c.do("PATCH", fmt.Sprintf("/api/files/%d", f.ID), `{"name":"OTHER.txt"}`, nil)
	if st != 409 || problemOf(t, body).Status != 409 {
		t.Errorf("rename onto another file = %d %s", st, body)
	}
	// Trashing frees the name; restoring then conflicts.
	c.must(204, "POST", fmt.Sprintf("/api/files/%d/trash", other.ID), "", nil)
	c.must(204, "POST", fmt.Sprintf("/api/files/%d/trash", other.ID), "", nil)
	c.must(200, "PATCH", fmt.Sprintf("/api/files/%d", f.ID), `{"name":"other.txt"}`, &f)
	st, body = c.do("POST", fmt.Sprintf("/api/files/%d/restore", other.ID), "", nil)
	if st != 409 || problemOf(t, body).Status != 409 {
		t.Errorf("restore onto a taken name = %d %s", st, body)
	}
	if st, _ := c.do("PATCH", fmt.Sprintf("/api/files/%d", other.ID), `{"name":"x.txt"}`, nil); st != 404 {
		t.Errorf("update of a trashed file = %d, want 404", st)
	}
}

func TestBlobUploads(t *testing.T) {
	c := newClient(t, testkit.WithMaxObjectSize(4096))
	cases := []struct {
		name, filename, partType string
		content                  []byte
		mediaType                string
		w, h                     int
	}{
		{"part type wins", "x.bin", "application/vnd.custom", []byte("abc"), "application/vnd.custom", 0, 0},
		{"sniffed png despite name", "photo.txt", "application/octet-stream", pngOf(t, 3, 2), "image/png", 3, 2},
		{"extension refines zip", "sheet.xlsx", "", []byte("PK\x03\x04rest-of-zip"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", 0, 0},
		{"extension refines text", "data.csv", "", []byte("a,b\n1,2\n"), "text/csv", 0, 0},
		{"sniffed pdf", "noext", "", []byte("%PDF-1.7\n"), "application/pdf", 0, 0},
		{"unknown binary", "blob", "", []byte{0, 1, 2, 3, 0xff}, "application/octet-stream", 0, 0},
		{"params dropped", "a.txt", "text/plain; charset=utf-8", []byte("hi"), "text/plain", 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := c.blob(tc.filename, tc.partType, tc.content)
			if b.MediaType != tc.mediaType || b.Width != tc.w || b.Height != tc.h || b.Name != tc.filename || b.Size != int64(len(tc.content)) {
				t.Errorf("blob = %+v, want %s %dx%d", b, tc.mediaType, tc.w, tc.h)
			}
			var got blob
			c.must(200, "GET", fmt.Sprintf("/api/blobs/%d", b.ID), "", &got)
			if got != b {
				t.Errorf("GET blob = %+v, want %+v", got, b)
			}
			resp, body := c.download(fmt.Sprintf("%s/api/blobs/%d/download", c.base, b.ID), nil)
			if resp.StatusCode != 200 || !bytes.Equal(body, tc.content) || resp.Header.Get("Content-Type") != tc.mediaType {
				t.Errorf("blob download = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
		})
	}
	stored := len(c.s.State(t).Objects)

	// Other form fields are ignored; a part without filename is named "blob".
	st, body := c.upload(part{"note", "", "", []byte("hello")}, part{"blob", "", "", []byte("plain")})
	var b blob
	if json.Unmarshal(body, &b); st != 201 || b.Name != "blob" {
		t.Errorf("upload with extra field = %d %s", st, body)
	}
	stored++

	type refusal struct {
		name, ct string
		body     []byte
		status   int
		field    string
	}
	var refused []refusal
	add := func(name string, status int, field string, parts ...part) {
		ct, body := multipartBody(t, parts...)
		refused = append(refused, struct {
			name   string
			ct     string
			body   []byte
			status int
			field  string
		}{name, ct, body, status, field})
	}
	add("eicar", 409, "", part{"blob", "eicar.com", "", []byte("x" + antivirus.EICAR + "y")})
	add("no blob part", 422, "blob", part{"file", "", "", []byte("not the blob field")})
	add("two blobs", 422, "blob", part{"blob", "a.txt", "", []byte("a")}, part{"blob", "b.txt", "", []byte("b")})
	add("too large", 413, "", part{"blob", "big.bin", "", bytes.Repeat([]byte("z"), 4097)})
	ct, full := multipartBody(t, part{"blob", "cut.txt", "", bytes.Repeat([]byte("c"), 1000)})
	refused = append(refused, refusal{"truncated in the blob", ct, full[:len(full)/2], 400, ""})
	refused = append(refused, refusal{"truncated after the blob", ct, full[:len(full)-10], 400, ""})
	refused = append(refused, refusal{"not multipart", "application/json", []byte(`{"blob":"x"}`), 415, ""})
	refused = append(refused, refusal{"no boundary", "multipart/form-data", []byte("--x--"), 400, ""})
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			st, _, body := c.send("POST", "/api/blobs", tc.ct, bytes.NewReader(tc.body))
			p := problemOf(t, body)
			if st != tc.status || p.Status != tc.status {
				t.Fatalf("= %d %s, want %d", st, body, tc.status)
			}
			if tc.field != "" && len(p.Errors[tc.field]) == 0 {
				t.Errorf("errors = %v, want a message for %s", p.Errors, tc.field)
			}
			if n := len(c.s.State(t).Objects); n != stored {
				t.Errorf("%d objects stored, want %d: a refused upload must keep nothing", n, stored)
			}
		})
	}
	var blobs struct {
		Blobs []json.RawMessage `json:"blobs"`
	}
	json.Unmarshal(c.s.State(t).APIs["weavy"], &blobs)
	if len(blobs.Blobs) != len(cases)+1 {
		t.Errorf("%d blobs in the state, want %d", len(blobs.Blobs), len(cases)+1)
	}
}

func TestBadInputGetsProblems(t *testing.T) {
	c := newClient(t)
	c.must(201, "POST", "/api/apps", `{"type":"files","uid":"f"}`, nil)
	c.must(201, "POST", "/api/apps", `{"type":"chat","uid":"c"}`, nil)
	bl := c.blob("a.txt", "", []byte("a"))
	var f file
	c.must(201, "POST", "/api/apps/f/files", fmt.Sprintf(`{"blob_id":%d}`, bl.ID), &f)
	long := strings.Repeat("n", 257)
	cases := []struct {
		name, method, path, body string
		status                   int
		fields                   []string
	}{
		{"malformed JSON", "POST", "/api/apps/f/files", `{"blob_id":`, 422, []string{"$"}},
		{"no body, no Content-Type", "POST", "/api/apps/f/files", ``, 415, nil},
		{"wrong types, every field", "POST", "/api/apps/f/files", `{"blob_id":"one","tags":"x","replace":"yes","metadata":{"a":1}}`, 422,
			[]string{"blob_id", "metadata.a", "replace", "tags"}},
		{"missing blob_id", "POST", "/api/apps/f/files", `{"name":"x"}`, 422, []string{"blob_id"}},
		{"integer as 1.0", "POST", "/api/apps/f/files", `{"blob_id":1.0}`, 422, []string{"blob_id"}},
		{"nulls are not given", "POST", "/api/apps/f/files", `{"blob_id":null}`, 422, []string{"blob_id"}},
		{"name over 256", "POST", "/api/apps/f/files", fmt.Sprintf(`{"blob_id":%d,"name":%q}`, bl.ID, long), 422, []string{"name"}},
		{"tag item", "PATCH", fmt.Sprintf("/api/files/%d", f.ID), `{"tags":["ok",""]}`, 422, []string{"tags[1]"}},
		{"unknown blob", "POST", "/api/apps/f/files", `{"blob_id":999}`, 422, []string{"blob_id"}},
		{"unknown attachment blob", "POST", "/api/apps/c/messages", `{"blobs":[1,999]}`, 422, []string{"blobs[1]"}},
		{"empty message", "POST", "/api/apps/c/messages", `{}`, 422, []string{"text"}},
		{"take 0", "GET", "/api/files?take=0", "", 422, []string{"take"}},
		{"take 101 and bad skip", "GET", "/api/files?take=101&skip=-1", "", 422, []string{"skip", "take"}},
		{"order_by bogus", "GET", "/api/files?order_by=bogus", "", 422, []string{"order_by"}},
		{"order_by bad direction", "GET", "/api/apps/f/files?order_by=name+up", "", 422, []string{"order_by"}},
		{"trashed bogus", "GET", "/api/files?trashed=maybe", "", 422, []string{"trashed"}},
		{"take not a number", "GET", "/api/files?take=ten", "", 422, []string{"take"}},
		{"app type", "POST", "/api/apps", `{"type":"wiki","uid":"w"}`, 422, []string{"type"}},
		{"uid with whitespace", "POST", "/api/apps", `{"type":"files","uid":"a b"}`, 422, []string{"uid"}},
		{"uid of digits", "PUT", "/api/apps/123", `{"type":"files"}`, 422, []string{"app"}},
		{"uid taken", "POST", "/api/apps", `{"type":"files","uid":"f"}`, 409, nil},
		{"upsert another type", "PUT", "/api/apps/f", `{"type":"chat"}`, 409, nil},
		{"files in a chat app", "POST", "/api/apps/c/files", fmt.Sprintf(`{"blob_id":%d}`, bl.ID), 400, nil},
		{"posts in a chat app", "POST", "/api/apps/c/posts", `{"text":"x"}`, 400, nil},
		{"unknown app", "POST", "/api/apps/nope/files", fmt.Sprintf(`{"blob_id":%d}`, bl.ID), 404, nil},
		{"unknown app id", "GET", "/api/apps/42", "", 404, nil},
		{"unknown app files", "GET", "/api/apps/nope/files", "", 404, nil},
		{"file id not a number", "GET", "/api/files/abc", "", 404, nil},
		{"file id negative", "DELETE", "/api/files/-1", "", 404, nil},
		{"file id huge", "GET", "/api/files/99999999999999999999999", "", 404, nil},
		{"unknown file", "PATCH", "/api/files/77", `{"name":"x"}`, 404, nil},
		{"rev not a number", "GET", fmt.Sprintf("/api/files/%d/versions/first", f.ID), "", 404, nil},
		{"unknown rev", "POST", fmt.Sprintf("/api/files/%d/versions/9/restore", f.ID), "", 404, nil},
		{"blob id not a number", "GET", "/api/blobs/x1", "", 404, nil},
		{"download id not a number", "GET", "/api/files/x/download", "", 404, nil},
		{"message id not a number", "GET", "/api/messages/m/attachments", "", 404, nil},
		{"unknown post", "POST", "/api/posts/5/comments", `{"text":"x"}`, 404, nil},
		{"unknown comment", "GET", "/api/comments/5/attachments", "", 404, nil},
		{"unknown route", "GET", "/api/files/1/nothing", "", 404, nil},
		{"method not allowed", "PUT", "/api/files", "", 405, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, b := c.do(tc.method, tc.path, tc.body, nil)
			if st != tc.status {
				t.Fatalf("= %d %s, want %d", st, b, tc.status)
			}
			p := problemOf(t, b)
			if p.Status != tc.status || !strings.HasPrefix(p.Type, "https://tools.ietf.org/html/rfc") {
				t.Errorf("problem = %+v", p)
			}
			if got := p.fields(); !slices.Equal(got, tc.fields) {
				t.Errorf("errors = %v, want fields %v", p.Errors, tc.fields)
			}
			if tc.status == 422 && p.Title != "One or more validation errors occurred." {
				t.Errorf("title = %q", p.Title)
			}
		})
	}

	st, _, b := c.send("POST", "/api/apps/f/files", "application/json", nil)
	if p := problemOf(t, b); st != 422 || !slices.Equal(p.fields(), []string{"$"}) {
		t.Errorf("empty JSON body = %d %s", st, b)
	}
	st, hdr, b := c.send("POST", "/api/apps/f/files", "text/plain", strings.NewReader("blob_id=1"))
	if st != 415 || problemOf(t, b).Status != 415 {
		t.Errorf("text/plain body = %d %s", st, b)
	}
	if hdr.Get("Content-Type") != "application/problem+json; charset=utf-8" {
		t.Errorf("problem Content-Type = %q", hdr.Get("Content-Type"))
	}
	for _, token := range []string{"", " "} {
		c.token = token
		st, hdr, b := c.send("GET", "/api/files", "", nil)
		if p := problemOf(t, b); st != 401 || p.Status != 401 || p.Title != "Unauthorized" || hdr.Get("WWW-Authenticate") != "Bearer" {
			t.Errorf("token %q = %d %s %v", token, st, b, hdr)
		}
	}
	c.token = "Basic"
	req, _ := http.NewRequest("GET", c.base+"/api/files", nil)
	req.Header.Set("Authorization", "Basic dTpw")
	if resp, b := testkit.Do(t, c.http, req); resp.StatusCode != 401 {
		t.Errorf("Basic auth = %d %s", resp.StatusCode, b)
	}
	// Downloads need no token.
	c.token = ""
	if resp, _ := c.download(f.DownloadURL, nil); resp.StatusCode != 200 {
		t.Errorf("download without token = %d", resp.StatusCode)
	}
}

func TestListedTokensOnly(t *testing.T) {
	c := newClient(t, testkit.WithTokens("good"))
	if st, b := c.do("GET", "/api/files", "", nil); st != 401 || problemOf(t, b).Status != 401 {
		t.Errorf("unlisted token = %d %s", st, b)
	}
	c.token = "good"
	c.must(200, "GET", "/api/files", "", nil)
}

// Each session has its own ids from 1; /api/v1/ is not Weavy's.
func TestSessionsAndPrefixes(t *testing.T) {
	emu := testkit.Start(t)
	for range 2 {
		s := emu.Session(t)
		c := &client{t: t, http: emu.Client(t), s: s, base: s.URL("weavy"), token: "k"}
		if b := c.blob("a.txt", "", []byte("a")); b.ID != 1 {
			t.Errorf("first blob of a session has id %d", b.ID)
		}
	}
	resp, err := http.Get(emu.URL + "/api/v1/shares/x")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if strings.Contains(resp.Header.Get("Content-Type"), "problem+json") {
		t.Errorf("/api/v1/ answered by Weavy: %d %s", resp.StatusCode, b)
	}
}

// The official UI kit sends orderby (not order_by) and trashed=null; both work.
func TestUIKitListQuery(t *testing.T) {
	clock := testkit.NewClock(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
	c := newClient(t, testkit.WithClock(clock.Now))
	c.must(201, "POST", "/api/apps", `{"type":"files","uid":"ui"}`, nil)
	for i, name := range []string{"b.txt", "a.txt", "c.txt"} {
		clock.Advance(time.Second)
		bl := c.blob(name, "", bytes.Repeat([]byte("x"), 10-i))
		c.must(201, "POST", "/api/apps/ui/files", fmt.Sprintf(`{"blob_id":%d}`, bl.ID), nil)
	}
	c.must(204, "POST", "/api/files/3/trash", "", nil)
	var l list
	c.must(200, "GET", "/api/apps/1/files?skip=0&take=25&orderby=name&trashed=null", "", &l)
	if !slices.Equal(l.ids(), []int64{2, 1, 3}) || *l.End != 3 || l.Count != 3 {
		t.Errorf("orderby=name = %v %+v", l.ids(), l)
	}
	c.must(200, "GET", "/api/apps/1/files?skip=0&take=25&orderby=", "", &l)
	if !slices.Equal(l.ids(), []int64{1, 2}) {
		t.Errorf("orderby empty = %v", l.ids())
	}
	c.must(200, "GET", "/api/apps/1/files?orderby=name&order_by=size%2Bdesc", "", &l)
	if !slices.Equal(l.ids(), []int64{1, 2}) {
		t.Errorf("order_by wins over orderby = %v", l.ids())
	}
	c.must(200, "GET", "/api/files?order_by=created_at+desc&take=1&trashed=null", "", &l)
	if !slices.Equal(l.ids(), []int64{3}) || l.Data[0].CreatedAt != "2025-03-01T09:00:03Z" || *l.Start != 0 || *l.End != 1 || l.Count != 3 {
		t.Errorf("created_at desc = %+v", l)
	}
	c.must(200, "GET", "/api/files?skip=50", "", &l)
	if l.Count != 2 || l.Data != nil || l.Start != nil {
		t.Errorf("past the end = %+v", l)
	}
}

// A large blob sent with chunked transfer encoding (no Content-Length) is streamed into the
// store whole: size and content survive the trip.
func TestLargeBlobStreams(t *testing.T) {
	c := newClient(t)
	content := bytes.Repeat([]byte("0123456789abcdef"), 3<<16) // 3 MiB
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		w, err := mw.CreateFormFile("blob", "big.bin")
		if err == nil {
			for off := 0; off < len(content); off += 64 << 10 {
				if _, err = w.Write(content[off : off+64<<10]); err != nil {
					break
				}
			}
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	st, _, b := c.send("POST", "/api/blobs", mw.FormDataContentType(), pr)
	var bl blob
	if json.Unmarshal(b, &bl); st != 201 || bl.Size != int64(len(content)) || bl.MediaType != "application/octet-stream" {
		t.Fatalf("upload = %d %s", st, b)
	}
	resp, got := c.download(fmt.Sprintf("%s/api/blobs/%d/download", c.base, bl.ID), nil)
	if resp.StatusCode != 200 || !bytes.Equal(got, content) {
		t.Errorf("download = %d, %d bytes", resp.StatusCode, len(got))
	}
}
