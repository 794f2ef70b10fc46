package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/fileemu/fileemu/emulator"
)

// The five upload paths, in round-robin order.
var flowNames = []string{"haufe", "desk", "weavy", "filesro", "s3sdk"}

const (
	haufeUser     = "497f6eca-6276-4993-bfeb-53cbbbba6f08"
	chunkSize     = 1 << 20 // files.ro: larger uploads go in chunks of this size
	multipartOver = 8 << 20 // S3 SDK: larger uploads go through feature/s3/manager
	weavyApp      = "load-files"
	haufeMaxSize  = 10 << 20 // Haufe's documented max_size
)

// env is what every flow shares: the server's base URL, the APIs' paths and one HTTP client.
type env struct {
	base   string
	paths  map[string]string // API name -> the path its clients append to a session's URL
	client *http.Client
	flaky  bool // the flaky-s3 scenario is on: S3 upload steps are retried

	retries atomic.Int64 // upload steps sent again (the SDK's own retries not counted)
}

// sess is one emulator session and the per-session clients.
type sess struct {
	id    string
	base  string // base + emulator.SessionPrefix + id
	s3    *s3.Client
	weavy sync.Once
	wErr  error
}

// upload is one planned upload.
type upload struct {
	n    int
	flow string
	name string
	c    content
	sum  string // client-side SHA-256
}

// stored is an upload the server accepted: how to read it back, in its own session and
// through another session's URLs.
type stored struct {
	read   func(ctx context.Context) (string, error)
	readAs func(ctx context.Context, other *sess) (status int, sum string, err error)
}

// refusedError is a refusal for lack of room (--max-storage) in the API's own form.
type refusedError struct{ msg string }

func (e *refusedError) Error() string { return "refused: " + e.msg }

// runFlow uploads u through its flow and returns how to read it back.
func (e *env) runFlow(ctx context.Context, s *sess, u *upload) (*stored, error) {
	switch u.flow {
	case "haufe":
		return e.haufe(ctx, s, u)
	case "desk":
		return e.desk(ctx, s, u)
	case "weavy":
		return e.weavyFlow(ctx, s, u)
	case "filesro":
		return e.filesro(ctx, s, u)
	default:
		return e.s3sdk(ctx, s, u)
	}
}

// swapSession rewrites a URL handed out in session a into the same URL in session b.
func swapSession(raw string, a, b *sess) string {
	return strings.Replace(raw, emulator.SessionPrefix+a.id+"/", emulator.SessionPrefix+b.id+"/", 1)
}

// call sends a request and reads a small (JSON or XML) response.
func (e *env) call(ctx context.Context, method, url string, hdr map[string]string, body io.Reader, size int64) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.ContentLength = size
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, b, err
}

// fetchSum downloads url and returns the status and the SHA-256 of a 200 body.
func (e *env) fetchSum(ctx context.Context, url string, hdr map[string]string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return 0, "", err
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return resp.StatusCode, "", nil
	}
	h := sha256.New()
	if _, err := io.Copy(h, resp.Body); err != nil {
		return resp.StatusCode, "", fmt.Errorf("GET %s: %w", url, err)
	}
	return 200, hex.EncodeToString(h.Sum(nil)), nil
}

// readOK is fetchSum for the owner's read-back: anything but 200 is an error.
func (e *env) readOK(ctx context.Context, url string, hdr map[string]string) (string, error) {
	st, sum, err := e.fetchSum(ctx, url, hdr)
	if err == nil && st != 200 {
		err = fmt.Errorf("GET %s = %d", url, st)
	}
	return sum, err
}

// withRetry runs an upload step; with flaky-s3 on, a broken connection or a 5xx other than
// 507 is tried again with backoff, at most 6 times.
func (e *env) withRetry(ctx context.Context, step func() (int, []byte, error)) (int, []byte, error) {
	delay := 50 * time.Millisecond
	for attempt := 1; ; attempt++ {
		st, body, err := step()
		retryable := err != nil || (st >= 500 && st != 507 && st != 501)
		if !e.flaky || !retryable || attempt == 6 || ctx.Err() != nil {
			return st, body, err
		}
		e.retries.Add(1)
		select {
		case <-ctx.Done():
			return st, body, err
		case <-time.After(delay):
		}
		delay = min(2*delay, time.Second)
	}
}

// s3Refused tells the fake S3's 507 (its XML InsufficientStorage) from other failures.
func s3Refused(what string, st int, body []byte) error {
	if st == 507 && bytes.Contains(body, []byte("<Code>InsufficientStorage</Code>")) {
		return &refusedError{what + ": 507 InsufficientStorage"}
	}
	return fmt.Errorf("%s = %d %.300s", what, st, body)
}

// multipartBody lays out a multipart form with the file part last, streaming the content:
// only the fields and part headers are in memory, and the length is known up front.
func multipartBody(fields [][2]string, fileField, filename string, r io.Reader, size int64) (io.Reader, string, int64, error) {
	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	for _, f := range fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			return nil, "", 0, err
		}
	}
	if _, err := mw.CreateFormFile(fileField, filename); err != nil {
		return nil, "", 0, err
	}
	prefix := bytes.Clone(head.Bytes())
	head.Reset()
	if err := mw.Close(); err != nil {
		return nil, "", 0, err
	}
	suffix := head.Bytes()
	return io.MultiReader(bytes.NewReader(prefix), r, bytes.NewReader(suffix)), mw.FormDataContentType(),
		int64(len(prefix)) + size + int64(len(suffix)), nil
}

// haufe: signed URL, PUT to the fake S3, status until PROCESSED, the extracted text (a .txt
// file's content, byte for byte) as the read-back.
func (e *env) haufe(ctx context.Context, s *sess, u *upload) (*stored, error) {
	hdr := map[string]string{"api-key": "load", "user-id": haufeUser}
	st, body, err := e.call(ctx, "GET", s.base+"/v1/files/signed-url?filename="+u.name+".txt", hdr, nil, 0)
	if err != nil || st != 200 {
		return nil, fmt.Errorf("haufe signed-url = %d %.300s: %v", st, body, err)
	}
	var signed struct {
		FileID  string `json:"file_id"`
		FileURL string `json:"file_url"`
	}
	if err := json.Unmarshal(body, &signed); err != nil {
		return nil, fmt.Errorf("haufe signed-url: %w", err)
	}
	st, body, err = e.withRetry(ctx, func() (int, []byte, error) {
		return e.call(ctx, "PUT", signed.FileURL, nil, u.c.open(), u.c.size)
	})
	if err != nil {
		return nil, fmt.Errorf("haufe PUT: %w", err)
	}
	if st != 200 {
		return nil, s3Refused("haufe PUT", st, body)
	}
	for poll := 0; ; poll++ {
		st, body, err = e.call(ctx, "GET", s.base+"/v1/files/"+signed.FileID+"/status", hdr, nil, 0)
		if err != nil || st != 200 {
			return nil, fmt.Errorf("haufe status = %d %.300s: %v", st, body, err)
		}
		var status struct {
			Status string `json:"processing_status"`
		}
		_ = json.Unmarshal(body, &status)
		if status.Status == "PROCESSED" {
			break
		}
		if status.Status == "FAILED" || poll == 50 {
			return nil, fmt.Errorf("haufe status after %d polls: %s", poll+1, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	path := "/v1/files/" + signed.FileID
	return &stored{
		read: func(ctx context.Context) (string, error) { return e.readOK(ctx, s.base+path, hdr) },
		readAs: func(ctx context.Context, o *sess) (int, string, error) {
			return e.fetchSum(ctx, o.base+path, hdr)
		},
	}, nil
}

// desk: ref.json, the S3 POST form, PATCH to activate, the downloadURL.
func (e *env) desk(ctx context.Context, s *sess, u *upload) (*stored, error) {
	hdr := map[string]string{"Authorization": "Bearer load", "Content-Type": "application/json"}
	reqBody := fmt.Sprintf(`{"type":"attachment","filename":%q,"mimeType":"application/octet-stream","disposition":"attachment"}`, u.name+".bin")
	st, body, err := e.call(ctx, "POST", s.base+e.paths["desk"]+"/files/ref.json", hdr, strings.NewReader(reqBody), int64(len(reqBody)))
	if err != nil || st != 201 {
		return nil, fmt.Errorf("desk ref.json = %d %.300s: %v", st, body, err)
	}
	var ref struct {
		URL    string            `json:"url"`
		Params map[string]string `json:"params"`
		File   struct {
			ID int64 `json:"id"`
		} `json:"file"`
	}
	if err := json.Unmarshal(body, &ref); err != nil {
		return nil, fmt.Errorf("desk ref.json: %w", err)
	}
	// The params in a fixed order (the same bytes run to run), the file last as browsers send it.
	var fields [][2]string
	for _, k := range slices.Sorted(maps.Keys(ref.Params)) {
		fields = append(fields, [2]string{k, ref.Params[k]})
	}
	st, body, err = e.withRetry(ctx, func() (int, []byte, error) {
		form, ct, n, err := multipartBody(fields, "file", u.name+".bin", u.c.open(), u.c.size)
		if err != nil {
			return 0, nil, err
		}
		return e.call(ctx, "POST", ref.URL, map[string]string{"Content-Type": ct}, form, n)
	})
	if err != nil {
		return nil, fmt.Errorf("desk S3 POST: %w", err)
	}
	if st != 201 && st != 204 && st != 200 {
		return nil, s3Refused("desk S3 POST", st, body)
	}
	st, body, err = e.call(ctx, "PATCH", fmt.Sprintf("%s%s/files/%d.json", s.base, e.paths["desk"], ref.File.ID), hdr, nil, 0)
	if err != nil || st != 200 {
		return nil, fmt.Errorf("desk activate = %d %.300s: %v", st, body, err)
	}
	var active struct {
		File struct {
			DownloadURL string `json:"downloadURL"`
		} `json:"file"`
	}
	if err := json.Unmarshal(body, &active); err != nil || active.File.DownloadURL == "" {
		return nil, fmt.Errorf("desk activate: no downloadURL in %.300s (%v)", body, err)
	}
	dl := active.File.DownloadURL
	return &stored{
		read: func(ctx context.Context) (string, error) { return e.readOK(ctx, dl, nil) },
		readAs: func(ctx context.Context, o *sess) (int, string, error) {
			return e.fetchSum(ctx, swapSession(dl, s, o), nil)
		},
	}, nil
}

// weavyFlow: a blob, a file of the session's Files app, the file's download_url.
func (e *env) weavyFlow(ctx context.Context, s *sess, u *upload) (*stored, error) {
	auth := map[string]string{"Authorization": "Bearer load"}
	s.weavy.Do(func() {
		b := `{"type":"files"}`
		st, body, err := e.call(ctx, "PUT", s.base+"/api/apps/"+weavyApp, map[string]string{"Authorization": "Bearer load", "Content-Type": "application/json"}, strings.NewReader(b), int64(len(b)))
		if err == nil && st != 200 && st != 201 {
			err = fmt.Errorf("= %d %.300s", st, body)
		}
		if err != nil {
			s.wErr = fmt.Errorf("weavy app: %w", err)
		}
	})
	if s.wErr != nil {
		return nil, s.wErr
	}
	form, ct, n, err := multipartBody(nil, "blob", u.name+".bin", u.c.open(), u.c.size)
	if err != nil {
		return nil, err
	}
	st, body, err := e.call(ctx, "POST", s.base+"/api/blobs", map[string]string{"Authorization": "Bearer load", "Content-Type": ct}, form, n)
	if err != nil {
		return nil, fmt.Errorf("weavy blob: %w", err)
	}
	if st == 507 && bytes.Contains(body, []byte(`"status":507`)) {
		return nil, &refusedError{"weavy blob: 507 problem"}
	}
	if st != 201 && st != 200 {
		return nil, fmt.Errorf("weavy blob = %d %.300s", st, body)
	}
	var blob struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(body, &blob); err != nil {
		return nil, fmt.Errorf("weavy blob: %w", err)
	}
	fb := fmt.Sprintf(`{"blob_id":%d}`, blob.ID)
	st, body, err = e.call(ctx, "POST", s.base+"/api/apps/"+weavyApp+"/files", map[string]string{"Authorization": "Bearer load", "Content-Type": "application/json"}, strings.NewReader(fb), int64(len(fb)))
	if err != nil || st != 201 {
		return nil, fmt.Errorf("weavy file = %d %.300s: %v", st, body, err)
	}
	var file struct {
		DownloadURL string `json:"download_url"`
	}
	if err := json.Unmarshal(body, &file); err != nil || file.DownloadURL == "" {
		return nil, fmt.Errorf("weavy file: no download_url in %.300s (%v)", body, err)
	}
	dl := file.DownloadURL
	return &stored{
		read: func(ctx context.Context) (string, error) { return e.readOK(ctx, dl, auth) },
		readAs: func(ctx context.Context, o *sess) (int, string, error) {
			return e.fetchSum(ctx, swapSession(dl, s, o), auth)
		},
	}, nil
}

// filesroRefused tells files.ro's 507 (its JSON message) from other failures.
func filesroRefused(what string, st int, body []byte) error {
	if st == 507 && bytes.Contains(body, []byte(`"message"`)) {
		return &refusedError{what + ": 507"}
	}
	return fmt.Errorf("%s = %d %.300s", what, st, body)
}

// filesro: a simple upload into the seed share demo, chunked above chunkSize as the web
// client does; the file_url as the read-back.
func (e *env) filesro(ctx context.Context, s *sess, u *upload) (*stored, error) {
	url := s.base + "/api/v1/shares/demo/uploads"
	var st int
	var body []byte
	if u.c.size <= chunkSize {
		form, ct, n, err := multipartBody([][2]string{{"name", u.name}, {"extension", "bin"}}, "file", u.name+".bin", u.c.open(), u.c.size)
		if err != nil {
			return nil, err
		}
		if st, body, err = e.call(ctx, "POST", url, map[string]string{"Content-Type": ct}, form, n); err != nil {
			return nil, fmt.Errorf("files.ro upload: %w", err)
		}
		if st != 201 {
			return nil, filesroRefused("files.ro upload", st, body)
		}
	} else {
		part := fmt.Sprintf("%016x-%s.bin.part", u.c.seed, u.name)
		r := u.c.open()
		for off := int64(0); off < u.c.size; off += chunkSize {
			n := min(int64(chunkSize), u.c.size-off)
			last := "0"
			if off+n == u.c.size {
				last = "1"
			}
			form, ct, ln, err := multipartBody([][2]string{{"name", u.name + ".bin"}, {"extension", "bin"}, {"is_last_chunk", last}},
				"chunk", part, io.NewSectionReader(r, off, n), n)
			if err != nil {
				return nil, err
			}
			if st, body, err = e.call(ctx, "POST", url, map[string]string{"Content-Type": ct}, form, ln); err != nil {
				return nil, fmt.Errorf("files.ro chunk at %d: %w", off, err)
			}
			if want := map[string]int{"0": 200, "1": 201}[last]; st != want {
				return nil, filesroRefused(fmt.Sprintf("files.ro chunk at %d", off), st, body)
			}
		}
	}
	var file struct {
		Data struct {
			Attributes struct {
				FileURL string `json:"file_url"`
			} `json:"attributes"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &file); err != nil || file.Data.Attributes.FileURL == "" {
		return nil, fmt.Errorf("files.ro upload: no file_url in %.300s (%v)", body, err)
	}
	dl := file.Data.Attributes.FileURL
	return &stored{
		read: func(ctx context.Context) (string, error) { return e.readOK(ctx, dl, nil) },
		readAs: func(ctx context.Context, o *sess) (int, string, error) {
			return e.fetchSum(ctx, swapSession(dl, s, o), nil)
		},
	}, nil
}

// newS3 is an AWS SDK client of the session's S3 endpoint, path-style.
func (e *env) newS3(s *sess) *s3.Client {
	attempts := 3 // the SDK's default
	if e.flaky {
		attempts = 6
	}
	return s3.New(s3.Options{
		Region:           emulator.DefaultS3Region,
		BaseEndpoint:     aws.String(s.base + e.paths["s3"]),
		UsePathStyle:     true,
		Credentials:      credentials.NewStaticCredentialsProvider(emulator.DefaultS3AccessKey, emulator.DefaultS3SecretKey, ""),
		HTTPClient:       e.client,
		RetryMaxAttempts: attempts,
	})
}

// s3sdk: PutObject (multipart through feature/s3/manager above 8 MiB), GetObject back; the
// other session's client asks for the same bucket and key.
func (e *env) s3sdk(ctx context.Context, s *sess, u *upload) (*stored, error) {
	bucket, key := "load", u.name+".bin"
	var err error
	if u.c.size > multipartOver {
		up := manager.NewUploader(s.s3, func(o *manager.Uploader) { o.PartSize = 5 << 20; o.Concurrency = 2 })
		_, err = up.Upload(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: u.c.open()})
	} else {
		_, err = s.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: u.c.open(), ContentLength: aws.Int64(u.c.size)})
	}
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) && ae.ErrorCode() == "InsufficientStorage" {
			return nil, &refusedError{"s3 PutObject: InsufficientStorage"}
		}
		return nil, fmt.Errorf("s3 PutObject: %w", err)
	}
	get := func(ctx context.Context, c *s3.Client) (int, string, error) {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key})
		if err != nil {
			var re interface{ HTTPStatusCode() int }
			if errors.As(err, &re) {
				return re.HTTPStatusCode(), "", nil
			}
			return 0, "", err
		}
		defer out.Body.Close()
		h := sha256.New()
		if _, err := io.Copy(h, out.Body); err != nil {
			return 200, "", err
		}
		return 200, hex.EncodeToString(h.Sum(nil)), nil
	}
	return &stored{
		read: func(ctx context.Context) (string, error) {
			st, sum, err := get(ctx, s.s3)
			if err == nil && st != 200 {
				err = fmt.Errorf("s3 GetObject = %d", st)
			}
			return sum, err
		},
		readAs: func(ctx context.Context, o *sess) (int, string, error) { return get(ctx, o.s3) },
	}, nil
}
