package desk_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"sync"
	"testing"

	deskclient "github.com/teamwork/desksdkgo/client"
	deskmodels "github.com/teamwork/desksdkgo/models"

	"github.com/fileemu/fileemu/testkit"
)

// sent records the method, path and body of every request the SDK makes through the client.
type sent struct {
	mu   sync.Mutex
	reqs []string
}

func (s *sent) middleware(ctx context.Context, req *http.Request, next deskclient.RequestHandler) (*http.Response, error) {
	var body []byte
	if req.GetBody != nil {
		rc, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		body, _ = io.ReadAll(rc)
	}
	s.mu.Lock()
	s.reqs = append(s.reqs, req.Method+" "+req.URL.RequestURI()+" "+string(body))
	s.mu.Unlock()
	return next(ctx, req)
}

func (s *sent) last() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reqs[len(s.reqs)-1]
}

func ptr[T any](v T) *T { return &v }

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{0, 128, 255, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Teamwork's own Go SDK for Desk, unmodified, through the whole file flow: Files.Create ->
// Files.Upload (the SDK posts the S3 form itself) -> PATCH (the SDK's generic service with
// PATCH, as it has no activation method) -> Files.Get -> Files.List -> Files.Update. The SDK's
// HTTP client is the kit's validating one, so every Desk response is checked against the spec.
func TestTeamworkDeskSDK(t *testing.T) {
	emu := testkit.Start(t)
	s := emu.Session(t)
	hc := emu.Client(t)
	var rec sent
	c := deskclient.NewClient(s.URL("desk"), deskclient.WithAPIKey("desk-api-key"),
		deskclient.WithHTTPClient(hc), deskclient.WithMiddleware(rec.middleware))
	ctx := t.Context()

	// 1. Create: the SDK wraps the file in {"params":{...empty},"file":{"id":0,...}}.
	ref, err := c.Files.Create(ctx, &deskmodels.FileResponse{File: deskmodels.File{
		Filename: ptr("photo.png"), MIMEType: ptr("image/png"),
		Type: ptr(deskmodels.FileTypeAttachment), Disposition: ptr(deskmodels.DispositionAttachment),
	}})
	if err != nil {
		t.Fatalf("Files.Create: %v", err)
	}
	want := `POST ` + pathOf(t, s.URL("desk")) + `/files/ref.json {"params":{"Content-Type":"","bucket":"","key":"","policy":"",` +
		`"success_action_status":"","x-amz-algorithm":"","x-amz-credential":"","x-amz-date":"","x-amz-signature":""},` +
		`"file":{"id":0,"mimeType":"image/png","filename":"photo.png","disposition":"attachment","type":"attachment"}}`
	if got := rec.last(); got != want {
		t.Errorf("the SDK sent\n%s\nwant\n%s", got, want)
	}
	if ref.URL == nil || ref.Params.Policy == "" || ref.Params.Key == "" || ref.Params.ContentType != "image/png" ||
		ref.File.ID == 0 || ref.File.State == nil || *ref.File.State != "temp" ||
		ref.File.Filename == nil || *ref.File.Filename != "photo.png" || ref.File.CreatedAt == nil {
		t.Fatalf("Files.Create returned %+v", ref)
	}
	id := ref.File.ID

	// 2. Upload: the SDK posts the form (fields in map order, file last) with http.DefaultClient.
	content := pngOf(t, 9, 4)
	if err := c.Files.Upload(ctx, ref, content); err != nil {
		t.Fatalf("Files.Upload: %v", err)
	}
	// That client is not the validating one: the journal tells what the fake S3 answered and got.
	posts := s.Requests(t, testkit.Operation("postObject"))
	sum := sha256.Sum256(content)
	if len(posts) != 1 || posts[0].Status != 201 || posts[0].BodySHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("S3 POSTs = %+v, want one 201 carrying the content", posts)
	}

	// 3. Activate: no SDK method; its generic service sends PATCH with an empty FileResponse.
	activator := deskclient.NewService[deskmodels.FileResponse, deskmodels.FilesResponse](c,
		deskclient.NewDefaultPathHandlerWithUpdateMethod("files", http.MethodPatch))
	act, err := activator.Update(ctx, id, &deskmodels.FileResponse{})
	if err != nil {
		t.Fatalf("PATCH through the SDK: %v", err)
	}
	if act.File.State == nil || *act.File.State != "active" || act.File.ID != id {
		t.Errorf("activated file = %+v", act.File)
	}

	// 4. Get: the SDK adds includes=all.
	got, err := c.Files.Get(ctx, id, nil)
	if err != nil {
		t.Fatalf("Files.Get: %v", err)
	}
	if got.File.Filename == nil || *got.File.Filename != "photo.png" || *got.File.State != "active" ||
		got.File.CreatedBy == nil || got.File.CreatedBy.ID != 1 {
		t.Errorf("Files.Get = %+v", got)
	}
	if want := fmt.Sprintf("GET %s/files/%d.json?includes=all ", pathOf(t, s.URL("desk")), id); rec.last() != want {
		t.Errorf("the SDK sent %q, want %q", rec.last(), want)
	}
	// What the SDK's model leaves out (size, downloadURL) is there and right.
	raw := getJSON(t, hc, s.URL("desk")+fmt.Sprintf("/files/%d.json?includes=all", id))
	if raw.File.Size != int64(len(content)) || raw.File.PixelWidth != 9 || raw.File.PixelHeight != 4 || len(raw.Included.Users) != 1 {
		t.Errorf("file = %+v", raw)
	}
	if b := download(t, hc, raw.File.DownloadURL); !bytes.Equal(b, content) {
		t.Errorf("download = %d bytes, want the %d uploaded", len(b), len(content))
	}
	sparse, err := c.Files.Get(ctx, id, url.Values{"fields": {"filename,state"}})
	if err != nil {
		t.Fatalf("Files.Get with fields: %v", err)
	}
	if sparse.File.ID != id || sparse.File.Filename == nil || sparse.File.State == nil || sparse.File.MIMEType != nil || sparse.File.CreatedAt != nil {
		t.Errorf("Files.Get with fields = %+v", sparse.File)
	}

	// 5. List: a second file, still temp; filters built with the SDK's own FilterBuilder.
	second, err := c.Files.Create(ctx, &deskmodels.FileResponse{File: deskmodels.File{
		Filename: ptr("notes.txt"), MIMEType: ptr("text/plain"),
	}})
	if err != nil {
		t.Fatalf("second Files.Create: %v", err)
	}
	all, err := c.Files.List(ctx, nil)
	if err != nil {
		t.Fatalf("Files.List: %v", err)
	}
	if len(all.Files) != 2 || all.Files[0].ID != second.File.ID || all.Pagination.Records != 2 ||
		all.Meta.Page.Count != 2 || all.Pagination.HasMorePages || all.Meta.Page.Pages != 1 {
		t.Errorf("Files.List = %+v", all)
	}
	active, err := c.Files.List(ctx, url.Values{
		"filter": {deskclient.NewFilter().Eq("state", "active").Build()},
	})
	if err != nil {
		t.Fatalf("Files.List with filter: %v", err)
	}
	if len(active.Files) != 1 || active.Files[0].ID != id {
		t.Errorf("active files = %+v", active.Files)
	}
	oldest, err := c.Files.List(ctx, url.Values{"orderBy": {"createdAt"}, "orderMode": {"asc"}, "pageSize": {"1"}})
	if err != nil {
		t.Fatalf("Files.List ordered: %v", err)
	}
	if len(oldest.Files) != 1 || oldest.Files[0].ID != id || !oldest.Pagination.HasMorePages || !oldest.Meta.Page.HasMore {
		t.Errorf("oldest first, one per page = %+v", oldest)
	}

	// 6. Update: the SDK PUTs a whole FileResponse; a read-back one (id, state, times) works too.
	upd, err := c.Files.Update(ctx, id, &deskmodels.FileResponse{File: deskmodels.File{
		Filename: ptr("renamed.png"), Disposition: ptr(deskmodels.DispositionAttachmentInline),
	}})
	if err != nil {
		t.Fatalf("Files.Update: %v", err)
	}
	if *upd.File.Filename != "renamed.png" || *upd.File.Disposition != deskmodels.DispositionAttachmentInline {
		t.Errorf("Files.Update = %+v", upd.File)
	}
	got.File.Filename = ptr("again.png")
	again, err := c.Files.Update(ctx, id, got)
	if err != nil {
		t.Fatalf("Files.Update with a read-back file: %v", err)
	}
	if *again.File.Filename != "again.png" || *again.File.Disposition != deskmodels.DispositionAttachment || *again.File.State != "active" {
		t.Errorf("Files.Update with a read-back file = %+v", again.File)
	}
	// An id from another file is a client bug, not an update of this one.
	other := *second
	other.File.Filename = ptr("x.txt")
	if _, err := c.Files.Update(ctx, id, &other); err == nil {
		t.Errorf("Files.Update of file %d with the body of file %d succeeded", id, other.File.ID)
	}

	for op, n := range map[string]int{"createFileRef": 2, "activateFile": 1, "getFile": 3, "listFiles": 3, "updateFile": 3} {
		s.AssertCalled(t, op, n)
	}
}

// fullFile is what the SDK's model leaves out of a Desk file response.
type fullFile struct {
	File struct {
		ID          int64  `json:"id"`
		Size        int64  `json:"size"`
		DownloadURL string `json:"downloadURL"`
		PixelWidth  int    `json:"pixelWidth"`
		PixelHeight int    `json:"pixelHeight"`
	} `json:"file"`
	Included struct {
		Users []struct{ ID int } `json:"users"`
	} `json:"included"`
}

func getJSON(t *testing.T, hc *http.Client, u string) fullFile {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth("desk-api-key", "X")
	resp, b := testkit.Do(t, hc, req)
	var f fullFile
	if resp.StatusCode != 200 || json.Unmarshal(b, &f) != nil {
		t.Fatalf("GET %s = %d %s", u, resp.StatusCode, b)
	}
	return f
}

func download(t *testing.T, hc *http.Client, u string) []byte {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, b := testkit.Do(t, hc, req)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s = %d %s", u, resp.StatusCode, b)
	}
	return b
}

func pathOf(t *testing.T, u string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return p.Path
}
