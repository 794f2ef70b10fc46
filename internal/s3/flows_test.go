package s3_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/fileemu/fileemu/testkit"
)

// An object uploaded through the Haufe flow (presigned PUT to haufe-files) is readable and
// listable with an SDK client; an object an SDK writes to the key a flow handed out is what the
// flow processes.
func TestSDKSeesFlowObjects(t *testing.T) {
	emu := testkit.Start(t)
	s := emu.Session(t)
	client := emu.Client(t)
	c := sdkClient(s.URL("s3"), "fileemu-secret", client)
	ctx := context.Background()

	signedURL := func(filename string) (id, fileURL string) {
		t.Helper()
		req, _ := http.NewRequest("GET", s.URL("haufe")+"/v1/files/signed-url?filename="+url.QueryEscape(filename), nil)
		req.Header.Set("api-key", "k")
		req.Header.Set("user-id", "497f6eca-6276-4993-bfeb-53cbbbba6f08")
		resp, b := testkit.Do(t, client, req)
		var out struct {
			FileID  string `json:"file_id"`
			FileURL string `json:"file_url"`
		}
		if resp.StatusCode != 200 || json.Unmarshal(b, &out) != nil {
			t.Fatalf("signed-url: %d %s", resp.StatusCode, b)
		}
		return out.FileID, out.FileURL
	}
	status := func(id string) string {
		t.Helper()
		var st struct {
			Status string `json:"processing_status"`
		}
		for range 5 { // PROCESSING first, then the final state
			req, _ := http.NewRequest("GET", s.URL("haufe")+"/v1/files/"+id+"/status", nil)
			req.Header.Set("api-key", "k")
			req.Header.Set("user-id", "497f6eca-6276-4993-bfeb-53cbbbba6f08")
			resp, b := testkit.Do(t, client, req)
			if resp.StatusCode != 200 || json.Unmarshal(b, &st) != nil {
				return "HTTP " + resp.Status
			}
			if st.Status != "PROCESSING" {
				return st.Status
			}
		}
		return st.Status
	}
	// bucketKey splits a handed-out /s3/{bucket}/{key} URL.
	bucketKey := func(fileURL string) (string, string) {
		u, err := url.Parse(fileURL)
		if err != nil {
			t.Fatal(err)
		}
		rest := u.Path[strings.Index(u.Path, "/s3/")+len("/s3/"):]
		bucket, key, _ := strings.Cut(rest, "/")
		return bucket, key
	}

	// Flow upload, SDK read.
	id, fileURL := signedURL("report.txt")
	req, _ := http.NewRequest("PUT", fileURL, strings.NewReader("uploaded by the flow"))
	if resp, b := testkit.Do(t, client, req); resp.StatusCode != 200 {
		t.Fatalf("presigned PUT: %d %s", resp.StatusCode, b)
	}
	bucket, key := bucketKey(fileURL)
	if bucket != "haufe-files" {
		t.Fatalf("Haufe bucket = %q", bucket)
	}
	got, err := c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("SDK GetObject of a flow upload: %v", err)
	}
	b, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if string(b) != "uploaded by the flow" {
		t.Errorf("SDK read %q", b)
	}
	list, err := c.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(id + "/")})
	if err != nil || len(list.Contents) != 1 || aws.ToString(list.Contents[0].Key) != key {
		t.Errorf("SDK listing of haufe-files: %v %+v", err, list)
	}
	if _, err := c.HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Errorf("HeadBucket haufe-files: %v", err)
	}
	if st := status(id); st != "PROCESSED" {
		t.Errorf("flow upload status %s", st)
	}

	// SDK upload to the handed-out key, flow processing.
	id2, fileURL2 := signedURL("notes.txt")
	bucket, key = bucketKey(fileURL2)
	if _, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
		Body: bytes.NewReader([]byte("uploaded by the SDK"))}); err != nil {
		t.Fatalf("SDK PutObject: %v", err)
	}
	if st := status(id2); st != "PROCESSED" {
		t.Errorf("SDK upload status %s, want PROCESSED", st)
	}

	// Desk: a browser form POST to desk-uploads, read back with the SDK.
	req, _ = http.NewRequest("POST", s.URL("desk")+"/files/ref.json", strings.NewReader(
		`{"type":"attachment","filename":"photo.txt","mimeType":"text/plain","disposition":"attachment"}`))
	req.Header.Set("Authorization", "Bearer k")
	req.Header.Set("Content-Type", "application/json")
	resp, rb := testkit.Do(t, client, req)
	var ref struct {
		URL    string            `json:"url"`
		Params map[string]string `json:"params"`
	}
	if resp.StatusCode != 201 || json.Unmarshal(rb, &ref) != nil {
		t.Fatalf("desk ref: %d %s", resp.StatusCode, rb)
	}
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	for _, k := range []string{"Content-Type", "key", "policy", "success_action_status", "x-amz-algorithm",
		"x-amz-credential", "x-amz-date", "x-amz-signature"} {
		_ = mw.WriteField(k, ref.Params[k])
	}
	fw, _ := mw.CreateFormFile("file", "photo.txt")
	_, _ = fw.Write([]byte("posted by a browser"))
	_ = mw.Close()
	req, _ = http.NewRequest("POST", ref.URL, &form)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if resp, b := testkit.Do(t, client, req); resp.StatusCode/100 != 2 {
		t.Fatalf("desk form POST: %d %s", resp.StatusCode, b)
	}
	dget, err := c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(ref.Params["bucket"]), Key: aws.String(ref.Params["key"])})
	if err != nil {
		t.Fatalf("SDK GetObject of a Desk upload (%s/%s): %v", ref.Params["bucket"], ref.Params["key"], err)
	}
	b, _ = io.ReadAll(dget.Body)
	dget.Body.Close()
	if string(b) != "posted by a browser" || aws.ToString(dget.ContentType) != "text/plain" {
		t.Errorf("SDK read of the Desk upload: %q %s", b, aws.ToString(dget.ContentType))
	}
}
