package desk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/fileemu/fileemu/internal/antivirus"
	"github.com/fileemu/fileemu/testkit"
)

// client drives the Desk API of one session like an application would.
type client struct {
	t     *testing.T
	http  *http.Client
	s     *testkit.Session
	token string
}

func newClient(t *testing.T, opts ...testkit.Option) *client {
	emu := testkit.Start(t, opts...)
	return &client{t: t, http: emu.Client(t), s: emu.Session(t), token: "desk-api-key"}
}

func (c *client) do(method, path string, body string, v any) (int, []byte) {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.s.URL("desk")+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, b := testkit.Do(c.t, c.http, req)
	if v != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, v); err != nil {
			c.t.Fatalf("decode %s: %v", b, err)
		}
	}
	return resp.StatusCode, b
}

type file struct {
	ID          int64  `json:"id"`
	MimeType    string `json:"mimeType"`
	FileName    string `json:"fileName"`
	Size        int64  `json:"size"`
	Disposition string `json:"disposition"`
	Type        string `json:"type"`
	State       string `json:"state"`
	DownloadURL string `json:"downloadURL"`
	PixelWidth  int    `json:"pixelWidth"`
	PixelHeight int    `json:"pixelHeight"`
	CreatedAt   string `json:"createdAt"`
	DeletedAt   string `json:"deletedAt"`
}

type ref struct {
	URL    string            `json:"url"`
	Params map[string]string `json:"params"`
	File   file              `json:"file"`
}

func (c *client) ref(filename, mime string) ref {
	c.t.Helper()
	var r ref
	body := fmt.Sprintf(`{"type":"attachment","filename":%q,"mimeType":%q,"disposition":"attachment"}`, filename, mime)
	if st, b := c.do("POST", "/files/ref.json", body, &r); st != 201 {
		c.t.Fatalf("ref.json = %d %s", st, b)
	}
	return r
}

// post sends the S3 form: fields in order (name, value) pairs, the file where "file" appears.
func (c *client) post(url string, fields [][2]string, filename string, content []byte) (*http.Response, []byte) {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		if f[0] == "file" {
			w, _ := mw.CreateFormFile("file", filename)
			w.Write(content)
			continue
		}
		mw.WriteField(f[0], f[1])
	}
	mw.Close()
	req, _ := http.NewRequest("POST", url, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return testkit.Do(c.t, c.http, req)
}

// seedOrder is the field order of the Desk docs' curl: bucket comes after file.
func seedOrder(p map[string]string) [][2]string {
	var out [][2]string
	for _, k := range []string{"Content-Type", "key", "policy", "success_action_status", "x-amz-algorithm",
		"x-amz-credential", "x-amz-date", "x-amz-signature", "file", "bucket"} {
		out = append(out, [2]string{k, p[k]})
	}
	return out
}

func (c *client) upload(r ref, content []byte) {
	c.t.Helper()
	resp, b := c.post(r.URL, seedOrder(r.Params), r.File.FileName, content)
	if resp.StatusCode != 201 {
		c.t.Fatalf("S3 POST = %d %s", resp.StatusCode, b)
	}
}

func errorCodes(t *testing.T, b []byte) []string {
	t.Helper()
	var e struct {
		Errors []struct {
			Code   string `json:"code"`
			Source struct {
				Pointer   string `json:"pointer"`
				Parameter string `json:"parameter"`
			} `json:"source"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(b, &e); err != nil || len(e.Errors) == 0 {
		t.Fatalf("not a Desk error envelope: %s", b)
	}
	var out []string
	for _, it := range e.Errors {
		out = append(out, it.Code+" "+it.Source.Pointer+it.Source.Parameter)
	}
	sort.Strings(out)
	return out
}

var microseconds = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$`)

func TestSeedThreeSteps(t *testing.T) {
	c := newClient(t)
	r := c.ref("the_file_name.jpeg", "image/jpeg")
	var keys []string
	for k := range r.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	want := "Content-Type bucket key policy success_action_status x-amz-algorithm x-amz-credential x-amz-date x-amz-signature"
	if strings.Join(keys, " ") != want {
		t.Errorf("params = %v, want exactly %s", keys, want)
	}
	if r.Params["Content-Type"] != "image/jpeg" || r.Params["success_action_status"] != "201" || r.Params["x-amz-algorithm"] != "AWS4-HMAC-SHA256" {
		t.Errorf("params = %v", r.Params)
	}
	if r.File.State != "temp" || r.File.Size != 0 || r.File.ID != 1 || r.File.FileName != "the_file_name.jpeg" || !microseconds.MatchString(r.File.CreatedAt) {
		t.Errorf("file = %+v", r.File)
	}
	if !strings.HasPrefix(r.URL, c.s.URL("s3")+"/") {
		t.Errorf("url %s is not the session's fake S3", r.URL)
	}

	content := bytes.Repeat([]byte("jpeg-ish "), 1595)
	resp, b := c.post(r.URL, seedOrder(r.Params), "photo.jpeg", content)
	var pr struct {
		Bucket, Key, ETag, Location string
	}
	if resp.StatusCode != 201 || xml.Unmarshal(b, &pr) != nil || pr.Bucket != r.Params["bucket"] || pr.Key != r.Params["key"] || pr.ETag == "" {
		t.Fatalf("S3 POST = %d %s", resp.StatusCode, b)
	}

	var act struct{ File file }
	if st, b := c.do("PATCH", fmt.Sprintf("/files/%d.json", r.File.ID), "", &act); st != 200 {
		t.Fatalf("PATCH = %d %s", st, b)
	}
	if act.File.State != "active" || act.File.Size != int64(len(content)) || act.File.DownloadURL == "" {
		t.Errorf("activated file = %+v", act.File)
	}
	dl, err := c.http.Get(act.File.DownloadURL)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(dl.Body)
	dl.Body.Close()
	if dl.StatusCode != 200 || !bytes.Equal(got, content) {
		t.Errorf("downloadURL = %d, %d bytes", dl.StatusCode, len(got))
	}
	c.s.AssertCalled(t, "createFileRef", 1)
	c.s.AssertCalled(t, "postObject", 1)
	c.s.AssertCalled(t, "activateFile", 1)
}

func TestImageDimensionsAndIncludes(t *testing.T) {
	c := newClient(t)
	r := c.ref("pic.png", "image/png")
	img := image.NewRGBA(image.Rect(0, 0, 7, 5))
	img.Set(1, 1, color.RGBA{255, 0, 0, 255})
	var buf bytes.Buffer
	png.Encode(&buf, img)
	c.upload(r, buf.Bytes())
	var act struct{ File file }
	c.do("PATCH", fmt.Sprintf("/files/%d.json", r.File.ID), "", &act)
	if act.File.PixelWidth != 7 || act.File.PixelHeight != 5 {
		t.Errorf("dimensions = %dx%d, want 7x5", act.File.PixelWidth, act.File.PixelHeight)
	}
	var got struct {
		Included struct {
			Users []struct {
				ID    int
				Email string
			}
		}
	}
	c.do("GET", fmt.Sprintf("/files/%d.json?includes=users", r.File.ID), "", &got)
	if len(got.Included.Users) != 1 || got.Included.Users[0].ID != 1 || got.Included.Users[0].Email == "" {
		t.Errorf("included = %+v", got.Included)
	}
}

func TestActivationNeedsACleanUpload(t *testing.T) {
	c := newClient(t)
	r := c.ref("notes.txt", "text/plain")
	path := fmt.Sprintf("/files/%d.json", r.File.ID)
	if st, b := c.do("PATCH", path, "", nil); st != 400 || errorCodes(t, b)[0] != "upload_missing " {
		t.Errorf("PATCH before upload = %d %s", st, b)
	}
	c.upload(r, []byte("x "+antivirus.EICAR))
	if st, b := c.do("PATCH", path, "", nil); st != 400 || errorCodes(t, b)[0] != "infected " {
		t.Errorf("PATCH of EICAR = %d %s", st, b)
	}
	var got struct{ File file }
	c.do("GET", path, "", &got)
	if got.File.State != "temp" {
		t.Errorf("state after refused activation = %s, want temp", got.File.State)
	}
}

func TestTamperedFormsStoreNothing(t *testing.T) {
	c := newClient(t, testkit.WithMaxObjectSize(1024))
	r := c.ref("a.txt", "text/plain")
	tamper := func(k, v string) [][2]string {
		f := seedOrder(r.Params)
		for i := range f {
			if f[i][0] == k {
				f[i][1] = v
			}
		}
		return f
	}
	cases := []struct {
		name    string
		fields  [][2]string
		content []byte
		status  int
		code    string
	}{
		{"key", tamper("key", "1/other.txt"), []byte("x"), 403, "AccessDenied"},
		{"content type", tamper("Content-Type", "text/html"), []byte("x"), 403, "AccessDenied"},
		{"signature", tamper("x-amz-signature", strings.Repeat("0", 64)), []byte("x"), 403, "SignatureDoesNotMatch"},
		{"too large", seedOrder(r.Params), bytes.Repeat([]byte("x"), 1025), 400, "EntityTooLarge"},
		{"empty", seedOrder(r.Params), nil, 400, "EntityTooSmall"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := c.post(r.URL, tc.fields, "a.txt", tc.content)
			if resp.StatusCode != tc.status || !bytes.Contains(b, []byte("<Code>"+tc.code+"</Code>")) {
				t.Errorf("= %d %s, want %d %s", resp.StatusCode, b, tc.status, tc.code)
			}
			if n := len(c.s.State(t).Objects); n != 0 {
				t.Errorf("%d objects stored", n)
			}
		})
	}
	if st, _ := c.do("PATCH", fmt.Sprintf("/files/%d.json", r.File.ID), "", nil); st != 400 {
		t.Errorf("PATCH after refused uploads = %d, want 400", st)
	}
}

func TestBadInputGetsDeskErrors(t *testing.T) {
	c := newClient(t)
	cases := []struct {
		name, method, path, body string
		status                   int
		want                     []string
	}{
		{"not JSON", "POST", "/files/ref.json", `{"filename":`, 400, []string{"parse /"}},
		{"every problem at once", "POST", "/files/ref.json", `{"type":"photo","disposition":"inline"}`, 400,
			[]string{"enum /disposition", "enum /type", "required /filename", "required /mimeType"}},
		{"non-numeric id", "GET", "/files/abc.json", "", 400, []string{"type id"}},
		{"unknown id", "GET", "/files/999.json", "", 404, []string{"not_found "}},
		{"bad page size", "GET", "/files.json?pageSize=0", "", 400, []string{"minimum pageSize"}},
		{"bad disposition on update", "PUT", "/files/1.json", `{"file":{"disposition":"x"}}`, 400, []string{"enum /file/disposition"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, b := c.do(tc.method, tc.path, tc.body, nil)
			if st != tc.status {
				t.Fatalf("= %d %s, want %d", st, b, tc.status)
			}
			if got := errorCodes(t, b); strings.Join(got, ", ") != strings.Join(tc.want, ", ") {
				t.Errorf("errors = %v, want %v", got, tc.want)
			}
		})
	}
	c.token = ""
	if st, b := c.do("GET", "/files.json", "", nil); st != 401 || errorCodes(t, b)[0] != "unauthorized " {
		t.Errorf("no bearer = %d %s", st, b)
	}
}

func TestListUpdateDelete(t *testing.T) {
	c := newClient(t)
	var ids []int64
	for i := range 3 {
		r := c.ref(fmt.Sprintf("f%d.txt", i), "text/plain")
		ids = append(ids, r.File.ID)
	}
	first := c.ref("active.txt", "text/plain")
	c.upload(first, []byte("hello"))
	c.do("PATCH", fmt.Sprintf("/files/%d.json", first.File.ID), "", nil)

	var list struct {
		Files []file
		Meta  struct {
			Page struct {
				PageOffset, PageSize, Count int
				HasMore                     bool
			}
		}
		Pagination struct{ Page, PageSize, Pages, Records int }
	}
	c.do("GET", "/files.json?page=1&pageSize=3", "", &list)
	if len(list.Files) != 3 || list.Files[0].ID != first.File.ID || !list.Meta.Page.HasMore || list.Pagination.Pages != 2 || list.Pagination.Records != 4 {
		t.Errorf("page 1 = %+v", list)
	}
	c.do("GET", "/files.json?state=active", "", &list)
	if len(list.Files) != 1 || list.Files[0].State != "active" {
		t.Errorf("active files = %+v", list.Files)
	}

	var upd struct{ File file }
	path := fmt.Sprintf("/files/%d.json", first.File.ID)
	if st, b := c.do("PUT", path, `{"file":{"fileName":"renamed.txt","disposition":"attachment-inline"}}`, &upd); st != 200 {
		t.Fatalf("PUT = %d %s", st, b)
	}
	if upd.File.FileName != "renamed.txt" || upd.File.Disposition != "attachment-inline" || upd.File.Size != 5 {
		t.Errorf("updated = %+v", upd.File)
	}

	if st, _ := c.do("DELETE", path, "", nil); st != 204 {
		t.Errorf("DELETE = %d", st)
	}
	var del struct{ File file }
	c.do("GET", path, "", &del)
	if del.File.State != "deleted" || del.File.DeletedAt == "" || del.File.DownloadURL != "" {
		t.Errorf("deleted file reads %+v", del.File)
	}
	if st, _ := c.do("PATCH", path, "", nil); st != 404 {
		t.Errorf("PATCH deleted = %d, want 404", st)
	}
	if st, _ := c.do("DELETE", path, "", nil); st != 204 {
		t.Errorf("second DELETE = %d, want 204", st)
	}
	c.do("GET", "/files.json", "", &list)
	if list.Pagination.Records != 3 {
		t.Errorf("records after delete = %d, want 3", list.Pagination.Records)
	}
	if n := len(c.s.State(t).Objects); n != 0 {
		t.Errorf("objects after delete = %d, want 0", n)
	}
	_ = ids
}

// The AWS SDK's PresignPostObject can upload a Desk file too: the emulator checks its form
// like any other, and PATCH activates the file.
func TestSDKPresignedPostActivates(t *testing.T) {
	c := newClient(t)
	r := c.ref("sdk.bin", "application/octet-stream")
	pc := awss3.NewPresignClient(awss3.New(awss3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(c.s.URL("s3")), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("fileemu", "fileemu-secret", ""),
	}))
	form, err := pc.PresignPostObject(context.Background(), &awss3.PutObjectInput{
		Bucket: aws.String(r.Params["bucket"]), Key: aws.String(r.Params["key"]),
	}, func(o *awss3.PresignPostOptions) {
		o.Expires = 5 * time.Minute
		o.Conditions = []any{[]any{"content-length-range", 1, 1 << 20}}
	})
	if err != nil {
		t.Fatal(err)
	}
	var fields [][2]string
	for k, v := range form.Values {
		fields = append(fields, [2]string{k, v})
	}
	fields = append(fields, [2]string{"file", ""})
	resp, b := c.post(form.URL, fields, "sdk.bin", []byte("from the sdk"))
	if resp.StatusCode != 204 {
		t.Fatalf("SDK POST = %d %s", resp.StatusCode, b)
	}
	var act struct{ File file }
	if st, b := c.do("PATCH", fmt.Sprintf("/files/%d.json", r.File.ID), "", &act); st != 200 || act.File.Size != 12 {
		t.Errorf("PATCH = %d %s", st, b)
	}
}

// The docs show the form URL with a trailing slash ("http://url/"); both spellings work.
func TestFormURLWithTrailingSlash(t *testing.T) {
	c := newClient(t)
	r := c.ref("slash.txt", "text/plain")
	resp, b := c.post(r.URL+"/", seedOrder(r.Params), "slash.txt", []byte("slash"))
	if resp.StatusCode != 201 {
		t.Fatalf("POST to url/ = %d %s", resp.StatusCode, b)
	}
	if st, b := c.do("PATCH", fmt.Sprintf("/files/%d.json", r.File.ID), "", nil); st != 200 {
		t.Errorf("PATCH = %d %s", st, b)
	}
}
