package snapshot_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/fileemu/fileemu/testkit"
)

// api is a session's client of the emulated APIs, as the vendors' clients call them.
type api struct {
	t    testing.TB
	http *http.Client
	s    *testkit.Session
}

// call sends a request (body: string, []byte or io.Reader) to a URL, or to a path of the API named
// before the first space ("weavy /api/apps"), and returns status and body.
func (c *api) call(method, target string, hdr map[string]string, body any) (int, []byte) {
	c.t.Helper()
	u := target
	if name, path, ok := strings.Cut(target, " "); ok {
		u = c.s.URL(name) + path
	}
	var rd io.Reader
	switch b := body.(type) {
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	case io.Reader:
		rd = b
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, b := testkit.Do(c.t, c.http, req)
	return resp.StatusCode, b
}

// must is call expecting status, decoding the answer into v (when not nil).
func (c *api) must(status int, method, target string, hdr map[string]string, body any, v any) []byte {
	c.t.Helper()
	st, b := c.call(method, target, hdr, body)
	if st != status {
		c.t.Fatalf("%s %s = %d %s, want %d", method, target, st, b, status)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			c.t.Fatalf("%s %s: decode %s: %v", method, target, b, err)
		}
	}
	return b
}

func (c *api) s3() *awss3.Client {
	return awss3.New(awss3.Options{Region: "us-east-1", BaseEndpoint: aws.String(c.s.URL("s3")), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("fileemu", "fileemu-secret", ""), HTTPClient: c.http})
}

// form is a multipart body: text fields, then one file part.
func form(fields [][2]string, fileField, filename string, content []byte) (string, []byte) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		mw.WriteField(f[0], f[1])
	}
	if fileField != "" {
		w, _ := mw.CreateFormFile(fileField, filename)
		w.Write(content)
	}
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

var (
	weavyAuth = map[string]string{"Authorization": "Bearer weavy-key"}
	deskAuth  = map[string]string{"Authorization": "Bearer desk-key"}
	haufeUser = map[string]string{"api-key": "haufe-key", "user-id": "497f6eca-6276-4993-bfeb-53cbbbba6f08"}
	jsonCT    = map[string]string{"Content-Type": "application/json"}
)

func with(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func sum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// prepared is what prepare left in a session, for the flows that continue it.
type prepared struct {
	weavyFile       int64
	weavyContent    []byte
	weavyToken      string // a user token issued before the snapshot
	deskActive      int64
	deskUploaded    int64 // uploaded, not activated yet
	haufeThread     string
	haufeProcessed  string
	haufeProcessing string // uploaded and polled once: still PROCESSING
	haufeText       []byte
	filesroFolder   string
	filesroChunk    []byte // the first chunk of an upload to finish
	filesroPart     string // the chunk file name the client keeps
	s3UploadID      string
	s3Part1         []byte
	s3Object        []byte
}

// prepare builds state in every API through its flows; the first part of the S3 multipart
// upload holds partSize bytes (at least 5 MiB for it to complete).
func prepare(t testing.TB, c *api, partSize int) prepared {
	var p prepared
	ctx := context.Background()

	// Weavy: a Files app, a blob, a file of it with metadata and tags.
	c.must(201, "PUT", "weavy /api/apps/project-files", with(weavyAuth, jsonCT), `{"type":"files","name":"Project files"}`, nil)
	p.weavyContent = []byte("first revision of the notes")
	ct, body := form(nil, "blob", "notes.txt", p.weavyContent)
	var blob struct{ ID int64 }
	c.must(201, "POST", "weavy /api/blobs", with(weavyAuth, map[string]string{"Content-Type": ct}), body, &blob)
	var wf struct{ ID int64 }
	c.must(201, "POST", "weavy /api/apps/project-files/files", with(weavyAuth, jsonCT),
		fmt.Sprintf(`{"blob_id":%d,"metadata":{"color":"blue"},"tags":["draft"]}`, blob.ID), &wf)
	p.weavyFile = wf.ID
	c.must(201, "PUT", "weavy /api/users/ada", with(weavyAuth, jsonCT), `{"name":"Ada Lovelace"}`, nil)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	c.must(200, "POST", "weavy /api/users/ada/tokens", with(weavyAuth, jsonCT), `{"name":"web","expires_in":3600}`, &tok)
	p.weavyToken = tok.AccessToken

	// Desk: one file uploaded and activated, one uploaded only.
	deskUpload := func(name, content string) int64 {
		var ref struct {
			URL    string             `json:"url"`
			Params map[string]string  `json:"params"`
			File   struct{ ID int64 } `json:"file"`
		}
		c.must(201, "POST", "desk /files/ref.json", with(deskAuth, jsonCT), fmt.Sprintf(`{"filename":%q,"mimeType":"text/plain"}`, name), &ref)
		var fields [][2]string
		for k, v := range ref.Params {
			fields = append(fields, [2]string{k, v})
		}
		ct, body := form(fields, "file", name, []byte(content))
		c.must(201, "POST", ref.URL, map[string]string{"Content-Type": ct}, body, nil)
		return ref.File.ID
	}
	p.deskActive = deskUpload("active.txt", "an active desk file")
	c.must(200, "PATCH", fmt.Sprintf("desk /files/%d.json", p.deskActive), deskAuth, nil, nil)
	p.deskUploaded = deskUpload("pending.txt", "uploaded before the snapshot")

	// Haufe: a thread with a message; a processed file; a file still processing.
	var th struct{ ID string }
	c.must(201, "POST", "haufe /v1/threads", with(haufeUser, jsonCT), `{"assistant_id":"a1b2c3d4-5678-9abc-def0-1234567890ab","title":"Elternzeit","user_id":"497f6eca-6276-4993-bfeb-53cbbbba6f08"}`, &th)
	p.haufeThread = th.ID
	c.must(201, "POST", "haufe /v1/threads/"+th.ID+"/messages", with(haufeUser, jsonCT), `{"role":"user","content":"Hallo"}`, nil)
	c.must(201, "POST", "haufe /v1/threads/"+th.ID+"/messages", with(haufeUser, jsonCT),
		`{"role":"assistant","content":"","tool_calls":[{"id":"call_1","type":"function","function":{"name":"lookup","arguments":"{\"q\":1}"}}]}`, nil)
	haufeUpload := func(name string, content []byte) string {
		var su struct {
			FileID  string `json:"file_id"`
			FileURL string `json:"file_url"`
		}
		c.must(200, "GET", "haufe /v1/files/signed-url?filename="+name, haufeUser, nil, &su)
		c.must(200, "PUT", su.FileURL, nil, content, nil)
		return su.FileID
	}
	status := func(id string) string {
		var st struct {
			Status string `json:"processing_status"`
		}
		c.must(200, "GET", "haufe /v1/files/"+id+"/status", haufeUser, nil, &st)
		return st.Status
	}
	p.haufeText = []byte("Kündigungsfristen in der Probezeit: zwei Wochen.")
	p.haufeProcessed = haufeUpload("fristen.txt", p.haufeText)
	for status(p.haufeProcessed) == "PROCESSING" {
	}
	p.haufeProcessing = haufeUpload("later.txt", []byte("processed after the restore"))
	if st := status(p.haufeProcessing); st != "PROCESSING" {
		t.Fatalf("second Haufe file = %s, want PROCESSING", st)
	}

	// files.ro: a file in a folder made by its path; the first chunk of a chunked upload.
	ct, body = form([][2]string{{"name", "readme.txt"}, {"extension", "txt"}, {"path", "/Docs/readme.txt"}}, "file", "readme.txt", []byte("read me"))
	var up struct {
		Data struct {
			Attributes struct {
				ParentID string `json:"parent_id"`
			} `json:"attributes"`
		} `json:"data"`
	}
	c.must(201, "POST", "filesro /api/v1/shares/demo/uploads", map[string]string{"Content-Type": ct}, body, &up)
	p.filesroFolder = up.Data.Attributes.ParentID
	p.filesroPart = "0123456789abcdef-big.bin.part"
	p.filesroChunk = bytes.Repeat([]byte("chunk one "), 100)
	ct, body = form([][2]string{{"name", "big.bin"}, {"extension", "bin"}, {"is_last_chunk", "0"}, {"path", "/Docs/big.bin"}},
		"chunk", p.filesroPart, p.filesroChunk)
	c.must(200, "POST", "filesro /api/v1/shares/demo/uploads", map[string]string{"Content-Type": ct}, body, nil)

	// S3: an object with metadata; a multipart upload with its first part.
	s3c := c.s3()
	if _, err := s3c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("photos")}); err != nil {
		t.Fatal(err)
	}
	p.s3Object = []byte("a small photo")
	if _, err := s3c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("photos"), Key: aws.String("2024/a.jpg"),
		Body: bytes.NewReader(p.s3Object), ContentType: aws.String("image/jpeg"), Metadata: map[string]string{"album": "summer"}}); err != nil {
		t.Fatal(err)
	}
	mu, err := s3c.CreateMultipartUpload(ctx, &awss3.CreateMultipartUploadInput{Bucket: aws.String("photos"), Key: aws.String("big.bin")})
	if err != nil {
		t.Fatal(err)
	}
	p.s3UploadID = *mu.UploadId
	p.s3Part1 = bytes.Repeat([]byte{7}, partSize)
	if _, err := s3c.UploadPart(ctx, &awss3.UploadPartInput{Bucket: aws.String("photos"), Key: aws.String("big.bin"),
		UploadId: mu.UploadId, PartNumber: aws.Int32(1), Body: bytes.NewReader(p.s3Part1)}); err != nil {
		t.Fatal(err)
	}
	return p
}

// A snapshot taken in emulator A restores into another session of emulator B, and every API
// flow continues there from where it was; restored under A's session id, B's snapshot is A's,
// byte for byte.
func TestSnapshotRestoresIntoAnotherEmulator(t *testing.T) {
	emuA, emuB := testkit.Start(t), testkit.Start(t)
	a := &api{t: t, http: emuA.Client(t), s: emuA.Session(t)}
	p := prepare(t, a, 5<<20)
	snap := a.s.Snapshot(t)
	// Through the validating client: the answer is the spec's.
	if got := a.must(200, "GET", "admin /sessions/"+a.s.ID+"/snapshot", nil, nil, nil); !bytes.Equal(got, snap) {
		t.Fatalf("two snapshots of one state differ (%d and %d bytes)", len(snap), len(got))
	}
	a.must(404, "GET", "admin /sessions/no-such-session/snapshot", nil, nil, nil)
	if again := a.s.Snapshot(t); !bytes.Equal(again, snap) {
		t.Fatalf("two snapshots of one state differ (%d and %d bytes)", len(snap), len(again))
	}

	// Under A's session id, B holds exactly A's state.
	ctx := context.Background()
	if err := emuB.Admin.Restore(ctx, a.s.ID, bytes.NewReader(snap)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emuB.Admin.DeleteSession(context.Background(), a.s.ID) })
	if got, err := emuB.Admin.Snapshot(ctx, a.s.ID); err != nil || !bytes.Equal(got, snap) {
		t.Errorf("B's snapshot of the restored session differs from A's (err %v, %d and %d bytes)", err, len(got), len(snap))
	}

	b := &api{t: t, http: emuB.Client(t), s: emuB.Session(t)}
	b.s.Restore(t, snap)
	continues(t, b, p)
}

// continues checks that every flow prepare started goes on in b: its objects are there, its
// uploads finish, new ids follow the ones prepare got.
func continues(t *testing.T, b *api, p prepared) {
	t.Run("weavy", func(t *testing.T) {
		b := &api{t: t, http: b.http, s: b.s}
		var f struct {
			ID       int64
			Name     string
			Tags     []string
			Metadata map[string]string
			Rev      int
		}
		b.must(200, "GET", fmt.Sprintf("weavy /api/files/%d", p.weavyFile), weavyAuth, nil, &f)
		if f.Name != "notes.txt" || f.Rev != 1 || len(f.Tags) != 1 || f.Tags[0] != "draft" || f.Metadata["color"] != "blue" {
			t.Errorf("restored file = %+v", f)
		}
		if got := b.must(200, "GET", fmt.Sprintf("weavy /api/files/%d/download", p.weavyFile), weavyAuth, nil, nil); !bytes.Equal(got, p.weavyContent) {
			t.Errorf("restored download = %q", got)
		}
		// A new revision: the blob gets the next id (no collision), the file revision 2.
		ct, body := form(nil, "blob", "notes.txt", []byte("second revision"))
		var blob struct{ ID int64 }
		b.must(201, "POST", "weavy /api/blobs", with(weavyAuth, map[string]string{"Content-Type": ct}), body, &blob)
		if blob.ID != 2 {
			t.Errorf("new blob id = %d, want 2 (after the restored one)", blob.ID)
		}
		b.must(200, "PATCH", fmt.Sprintf("weavy /api/files/%d", p.weavyFile), with(weavyAuth, jsonCT), fmt.Sprintf(`{"blob_id":%d,"backup":true}`, blob.ID), &f)
		if f.Rev != 2 || f.Metadata["color"] != "blue" {
			t.Errorf("new revision = %+v", f)
		}
		if got := b.must(200, "GET", fmt.Sprintf("weavy /api/files/%d/versions/1/download", p.weavyFile), weavyAuth, nil, nil); !bytes.Equal(got, p.weavyContent) {
			t.Errorf("restored revision 1 = %q", got)
		}
		// A user token issued before the snapshot still acts as its user.
		var u struct {
			UID  string
			Name string
		}
		b.must(200, "GET", "weavy /api/user", map[string]string{"Authorization": "Bearer " + p.weavyToken}, nil, &u)
		if u.UID != "ada" || u.Name != "Ada Lovelace" {
			t.Errorf("restored token's user = %+v", u)
		}
		var nu struct{ ID int64 }
		b.must(201, "PUT", "weavy /api/users/grace", with(weavyAuth, jsonCT), `{"name":"Grace"}`, &nu)
		if nu.ID != 3 {
			t.Errorf("new user id = %d, want 3 (after user 1 and the restored ada)", nu.ID)
		}
	})

	t.Run("desk", func(t *testing.T) {
		b := &api{t: t, http: b.http, s: b.s}
		var got struct {
			File struct {
				ID    int64
				State string
			}
		}
		b.must(200, "GET", fmt.Sprintf("desk /files/%d.json", p.deskActive), deskAuth, nil, &got)
		if got.File.State != "active" {
			t.Errorf("restored active file = %+v", got.File)
		}
		// The file uploaded before the snapshot is activated (attached) after it.
		b.must(200, "PATCH", fmt.Sprintf("desk /files/%d.json", p.deskUploaded), deskAuth, nil, &got)
		if got.File.ID != p.deskUploaded || got.File.State != "active" {
			t.Errorf("activated restored upload = %+v", got.File)
		}
		var ref struct{ File struct{ ID int64 } }
		b.must(201, "POST", "desk /files/ref.json", with(deskAuth, jsonCT), `{"filename":"new.txt","mimeType":"text/plain"}`, &ref)
		if ref.File.ID != p.deskUploaded+1 {
			t.Errorf("new ref id = %d, want %d", ref.File.ID, p.deskUploaded+1)
		}
	})

	t.Run("haufe", func(t *testing.T) {
		b := &api{t: t, http: b.http, s: b.s}
		if got := b.must(200, "GET", "haufe /v1/files/"+p.haufeProcessed, haufeUser, nil, nil); !bytes.Equal(got, p.haufeText) {
			t.Errorf("restored processed file's content = %q", got)
		}
		var st struct {
			Status string `json:"processing_status"`
		}
		b.must(200, "GET", "haufe /v1/files/"+p.haufeProcessing+"/status", haufeUser, nil, &st)
		if st.Status != "PROCESSED" {
			t.Errorf("file processing at the snapshot = %s on the next poll, want PROCESSED", st.Status)
		}
		b.must(201, "POST", "haufe /v1/threads/"+p.haufeThread+"/messages", with(haufeUser, jsonCT),
			`{"role":"user","content":"Und danach?","attachments":[{"file_id":"`+p.haufeProcessed+`"}]}`, nil)
		var list struct {
			Items []struct {
				Content   string
				ToolCalls []map[string]any `json:"tool_calls"`
			}
		}
		b.must(200, "GET", "haufe /v1/threads/"+p.haufeThread+"/messages", haufeUser, nil, &list)
		if len(list.Items) != 3 {
			t.Fatalf("messages of the restored thread = %+v, want the two restored ones and the new one", list.Items)
		}
		var calls int
		for _, m := range list.Items {
			for _, c := range m.ToolCalls {
				if c["id"] == "call_1" && c["function"].(map[string]any)["arguments"] == `{"q":1}` {
					calls++
				}
			}
		}
		if calls != 1 {
			t.Errorf("restored tool call lost: %+v", list.Items)
		}
	})

	t.Run("filesro", func(t *testing.T) {
		b := &api{t: t, http: b.http, s: b.s}
		last := []byte("and the last chunk")
		ct, body := form([][2]string{{"name", "big.bin"}, {"extension", "bin"}, {"is_last_chunk", "1"}, {"path", "/Docs/big.bin"}},
			"chunk", p.filesroPart, last)
		var f struct {
			Data struct {
				Attributes struct {
					FileURL  string `json:"file_url"`
					ParentID string `json:"parent_id"`
				} `json:"attributes"`
			} `json:"data"`
		}
		b.must(201, "POST", "filesro /api/v1/shares/demo/uploads", map[string]string{"Content-Type": ct}, body, &f)
		if f.Data.Attributes.ParentID != p.filesroFolder {
			t.Errorf("finished upload's folder = %q, want the restored %q", f.Data.Attributes.ParentID, p.filesroFolder)
		}
		if got := b.must(200, "GET", f.Data.Attributes.FileURL, nil, nil, nil); sum(got) != sum(append(append([]byte{}, p.filesroChunk...), last...)) {
			t.Errorf("assembled file = %d bytes, want the chunk from before the snapshot and the last one", len(got))
		}
		var l struct {
			Data []struct {
				Data struct {
					Attributes map[string]any `json:"attributes"`
				} `json:"data"`
			} `json:"data"`
		}
		b.must(200, "GET", "filesro /api/v1/shares/demo/folders/"+p.filesroFolder, nil, nil, &l)
		var names []string
		for _, it := range l.Data {
			names = append(names, fmt.Sprint(it.Data.Attributes["name"]))
		}
		if strings.Join(names, ",") != "readme.txt,big.bin" && strings.Join(names, ",") != "big.bin,readme.txt" {
			t.Errorf("restored folder lists %v", names)
		}
	})

	t.Run("s3", func(t *testing.T) {
		b := &api{t: t, http: b.http, s: b.s}
		ctx := context.Background()
		s3c := b.s3()
		obj, err := s3c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("photos"), Key: aws.String("2024/a.jpg")})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(obj.Body)
		if !bytes.Equal(got, p.s3Object) || aws.ToString(obj.ContentType) != "image/jpeg" || obj.Metadata["album"] != "summer" {
			t.Errorf("restored object = %q %s %v", got, aws.ToString(obj.ContentType), obj.Metadata)
		}
		part2 := []byte("the last part")
		up, err := s3c.UploadPart(ctx, &awss3.UploadPartInput{Bucket: aws.String("photos"), Key: aws.String("big.bin"),
			UploadId: aws.String(p.s3UploadID), PartNumber: aws.Int32(2), Body: bytes.NewReader(part2)})
		if err != nil {
			t.Fatal(err)
		}
		parts, err := s3c.ListParts(ctx, &awss3.ListPartsInput{Bucket: aws.String("photos"), Key: aws.String("big.bin"), UploadId: aws.String(p.s3UploadID)})
		if err != nil || len(parts.Parts) != 2 {
			t.Fatalf("parts = %v, %v", parts, err)
		}
		if _, err := s3c.CompleteMultipartUpload(ctx, &awss3.CompleteMultipartUploadInput{Bucket: aws.String("photos"), Key: aws.String("big.bin"),
			UploadId: aws.String(p.s3UploadID), MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{
				{PartNumber: aws.Int32(1), ETag: parts.Parts[0].ETag}, {PartNumber: aws.Int32(2), ETag: up.ETag}}}}); err != nil {
			t.Fatal(err)
		}
		obj, err = s3c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("photos"), Key: aws.String("big.bin")})
		if err != nil {
			t.Fatal(err)
		}
		got, _ = io.ReadAll(obj.Body)
		if sum(got) != sum(append(append([]byte{}, p.s3Part1...), part2...)) {
			t.Errorf("completed object = %d bytes, not the part from before the snapshot and the new one", len(got))
		}
	})
}
