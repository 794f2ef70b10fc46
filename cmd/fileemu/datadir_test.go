package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/session"
)

// --data-dir (and FILEEMU_DATA_DIR) that cannot be written fails the start, naming it.
func TestDataDirNotWritableFailsStart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(file, "data")
	for _, c := range []struct {
		env  []string
		args []string
	}{
		{nil, []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", bad}},
		{[]string{"FILEEMU_DATA_DIR=" + bad}, []string{"serve", "--addr", "127.0.0.1:0"}},
	} {
		if code, out := runBinary(t, c.env, c.args...); code != 1 || !strings.Contains(out, "data dir") || !strings.Contains(out, bad) {
			t.Errorf("%v %v = %d %q, want 1 naming %s", c.env, c.args, code, out, bad)
		}
	}
}

// fileemu --data-dir is killed (SIGKILL) during a burst of uploads: after it, every upload
// that was answered 2xx is stored intact, nothing half-stored is visible, and fileemu starts
// again on the directory and serves every answered upload through the API that took it.
func TestDataDirSurvivesSIGKILL(t *testing.T) {
	dir := t.TempDir()
	p := start(t, []string{"FILEEMU_DATA_DIR=" + dir})
	var (
		mu       sync.Mutex
		answered []upload // every upload answered 2xx
		wg       sync.WaitGroup
	)
	stop := make(chan struct{})
	if code, b := weavyCall(t, "PUT", p.url()+"/api/apps/kept-files", "application/json", []byte(`{"type":"files","name":"Kept"}`)); code != 201 {
		t.Fatalf("create the Weavy app: %d %s", code, b)
	}
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				body := bytes.Repeat([]byte(fmt.Sprintf("worker %d upload %d\n", w, i)), 1000+i*997%200_000)
				up, ok := uploadOnce(p.url(), body)
				if w == 3 { // one worker uploads Weavy files: blob, then file of an app
					up, ok = weavyUploadOnce(p.url(), fmt.Sprintf("notes-%d.txt", i), body) // names are unique in an app
				}
				if !ok {
					return // the process is gone
				}
				mu.Lock()
				answered = append(answered, up)
				mu.Unlock()
			}
		}()
	}
	time.Sleep(400 * time.Millisecond)
	// On a slow machine: not before the Weavy worker's first file was answered.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		mu.Lock()
		weavy := slices.ContainsFunc(answered, func(u upload) bool { return u.weavy })
		mu.Unlock()
		if weavy {
			break
		}
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.done
	close(stop)
	wg.Wait()
	if len(answered) == 0 {
		t.Fatal("no upload was answered before the kill")
	}

	live, err := session.StoreDir(dir, session.Default)
	if err != nil {
		t.Fatal(err)
	}
	store, err := blobstore.OpenDir(live, nil)
	if err != nil {
		t.Fatalf("the data dir after SIGKILL: %v", err)
	}
	stored := map[string]bool{}
	for _, o := range store.List("") {
		_, r, err := store.Open(o.Name)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		_, err = io.Copy(h, r)
		r.Close()
		if got := hex.EncodeToString(h.Sum(nil)); err != nil || got != o.SHA256 {
			t.Errorf("%s: content SHA-256 %s, its record says %s (%v)", o.Name, got, o.SHA256, err)
		}
		stored[o.SHA256] = true
	}
	for _, up := range answered {
		if !stored[up.sum] {
			t.Errorf("an upload answered 2xx (SHA-256 %s) is not stored", up.sum)
		}
	}
	t.Logf("%d uploads answered before SIGKILL, %d objects stored", len(answered), len(stored))
	p = start(t, []string{"FILEEMU_DATA_DIR=" + dir}) // starts again on what the kill left
	// Through the API that took it: each answered upload's file is there, with its content
	// (Haufe: processed; Weavy: the file of the app, downloaded).
	weavyFiles := 0
	for _, up := range answered {
		if up.weavy {
			weavyFiles++
			code, b := weavyCall(t, "GET", p.url()+"/api/files/"+up.id+"/download", "", nil)
			if s := sha256.Sum256(b); code != 200 || hex.EncodeToString(s[:]) != up.sum {
				t.Errorf("Weavy file %s after the restart: %d, %d bytes not the upload's", up.id, code, len(b))
			}
			continue
		}
		status := ""
		for i := 0; i < 100 && (status == "" || status == "PROCESSING"); i++ {
			code, b := haufeGet(t, p.url()+"/v1/files/"+up.id+"/status")
			var v struct {
				Status string `json:"processing_status"`
			}
			if code != 200 || json.Unmarshal(b, &v) != nil {
				t.Fatalf("file %s after the restart: status %d %s", up.id, code, b)
			}
			if status = v.Status; status == "PROCESSING" {
				time.Sleep(20 * time.Millisecond)
			}
		}
		if status != "PROCESSED" {
			t.Errorf("file %s after the restart: %s, want PROCESSED", up.id, status)
			continue
		}
		code, b := haufeGet(t, p.url()+"/v1/files/"+up.id)
		if s := sha256.Sum256(b); code != 200 || hex.EncodeToString(s[:]) != up.sum {
			t.Errorf("file %s after the restart: %d, %d bytes not the upload's", up.id, code, len(b))
		}
	}

	if weavyFiles == 0 {
		t.Error("no Weavy upload was answered before the kill")
	}
	t.Logf("%d of them Weavy files", weavyFiles)

	// A state file that does not parse refuses the start, named.
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.done
	state := filepath.Join(live, "state", "haufe.json")
	if err := os.WriteFile(state, []byte(`{"version": 1, "state": {"version": 1, "files": [`), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out := runBinary(t, []string{"FILEEMU_DATA_DIR=" + dir}, "serve", "--addr", "127.0.0.1:0"); code != 1 || !strings.Contains(out, state) {
		t.Errorf("start with a corrupt %s = %d %q, want 1 naming it", state, code, out)
	}
}

// upload is a Haufe file uploaded through its signed URL (or a Weavy file): its id and
// content's SHA-256.
type upload struct {
	id, sum string
	weavy   bool
}

// weavyUploadOnce stores body as a Weavy blob and makes it a file of the app kept-files; ok
// is false when the emulator did not answer both.
func weavyUploadOnce(base, name string, body []byte) (up upload, ok bool) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("blob", name)
	fw.Write(body)
	mw.Close()
	code, b, err := weavyDo("POST", base+"/api/blobs", mw.FormDataContentType(), buf.Bytes())
	var blob struct{ ID int64 }
	if err != nil || code != 201 || json.Unmarshal(b, &blob) != nil {
		return upload{}, false
	}
	code, b, err = weavyDo("POST", base+"/api/apps/kept-files/files", "application/json", []byte(fmt.Sprintf(`{"blob_id":%d}`, blob.ID)))
	var file struct{ ID int64 }
	if err != nil || code != 201 || json.Unmarshal(b, &file) != nil {
		return upload{}, false
	}
	s := sha256.Sum256(body)
	return upload{id: fmt.Sprint(file.ID), sum: hex.EncodeToString(s[:]), weavy: true}, true
}

func weavyDo(method, u, contentType string, body []byte) (int, []byte, error) {
	req, _ := http.NewRequest(method, u, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer weavy-key")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func weavyCall(t *testing.T, method, u, contentType string, body []byte) (int, []byte) {
	t.Helper()
	code, b, err := weavyDo(method, u, contentType, body)
	if err != nil {
		t.Fatal(err)
	}
	return code, b
}

func haufeGet(t *testing.T, u string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("api-key", "k")
	req.Header.Set("user-id", "u")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// uploadOnce stores body through a Haufe signed URL and returns the file's id and the body's
// SHA-256 once answered 2xx; ok is false when the emulator did not answer.
func uploadOnce(base string, body []byte) (up upload, ok bool) {
	req, _ := http.NewRequest("GET", base+"/v1/files/signed-url?filename=a.txt", nil) // text: its content is what GET /v1/files/{id} answers
	req.Header.Set("api-key", "k")
	req.Header.Set("user-id", "u")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return upload{}, false
	}
	var v struct {
		FileID  string `json:"file_id"`
		FileURL string `json:"file_url"`
	}
	err = json.NewDecoder(resp.Body).Decode(&v)
	resp.Body.Close()
	if err != nil || v.FileURL == "" {
		return upload{}, false
	}
	resp, err = http.DefaultClient.Do(must(http.NewRequest("PUT", v.FileURL, bytes.NewReader(body))))
	if err != nil {
		return upload{}, false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return upload{}, false
	}
	s := sha256.Sum256(body)
	return upload{id: v.FileID, sum: hex.EncodeToString(s[:])}, true
}

func must(req *http.Request, err error) *http.Request {
	if err != nil {
		panic(err)
	}
	return req
}
