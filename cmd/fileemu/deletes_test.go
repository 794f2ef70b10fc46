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
	"net/url"
	"sync"
	"syscall"
	"testing"
	"time"
)

// fileemu --data-dir is killed (SIGKILL) again and again while requests delete stored objects
// that a state names: files.ro chunked uploads (the last chunk joins the chunks and drops
// them) and Haufe deletes. Every time it starts again on what the kill left, every files.ro
// file answered 201 reads back intact and every Haufe file answered deleted stays deleted. A
// delete reaches the disk only after the state that no longer names the object: were it the
// other way round, a kill between the two would leave a state naming an object that is gone,
// and the start would be refused.
func TestDataDirSurvivesSIGKILLDuringDeletes(t *testing.T) {
	dir := t.TempDir()
	env := []string{"FILEEMU_DATA_DIR=" + dir}
	var (
		mu      sync.Mutex
		files   []upload // files.ro files answered 201
		deleted []string // Haufe files answered 204 to their delete
		joins   int
	)
	for round := range 4 {
		p := start(t, env) // fails the test if the start is refused
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					if w == 3 {
						id, ok := haufeUploadAndDelete(p.url())
						if !ok {
							return
						}
						mu.Lock()
						deleted = append(deleted, id)
						mu.Unlock()
						continue
					}
					name := fmt.Sprintf("r%d-w%d-%d", round, w, i)
					up, ok := filesroChunked(p.url(), name, bytes.Repeat([]byte(name+" "), 2000+i%500))
					if !ok {
						return
					}
					mu.Lock()
					files = append(files, up)
					joins++
					mu.Unlock()
				}
			})
		}
		time.Sleep(time.Duration(300+100*round) * time.Millisecond)
		if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-p.done
		close(stop)
		wg.Wait()
	}
	if joins == 0 || len(deleted) == 0 {
		t.Fatalf("before the kills: %d chunked uploads joined, %d Haufe files deleted; want some of each", joins, len(deleted))
	}
	p := start(t, env)
	for _, up := range files {
		u, err := url.Parse(up.id) // the file's file_url, on the port of the process that answered
		if err != nil {
			t.Fatal(err)
		}
		code, b := haufeGet(t, p.url()+u.Path) // files.ro ignores Haufe's headers
		if s := sha256.Sum256(b); code != 200 || hex.EncodeToString(s[:]) != up.sum {
			t.Errorf("files.ro file %s after the kills: %d, %d bytes not the upload's", up.id, code, len(b))
		}
	}
	for _, id := range deleted {
		if code, b := haufeGet(t, p.url()+"/v1/files/"+id+"/status"); code != 404 {
			t.Errorf("Haufe file %s deleted before a kill: status %d %s, want 404", id, code, b)
		}
	}
	t.Logf("4 kills; %d chunked uploads joined, %d Haufe files deleted before them", joins, len(deleted))
}

// filesroChunked uploads content in two chunks into the files.ro share demo, as VueFileManager
// does; up.id is the file's file_url once the last chunk was answered 201.
func filesroChunked(base, name string, content []byte) (up upload, ok bool) {
	half := len(content) / 2
	var fileURL string
	for i, chunk := range [][]byte{content[:half], content[half:]} {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("name", name+".txt")
		fw, _ := mw.CreateFormFile("chunk", "a1b2c3d4e5f6g7h8-"+name+".txt.part")
		fw.Write(chunk)
		mw.WriteField("extension", "txt")
		mw.WriteField("is_last_chunk", fmt.Sprint(i))
		mw.Close()
		resp, err := http.Post(base+"/api/v1/shares/demo/uploads", mw.FormDataContentType(), &buf)
		if err != nil {
			return upload{}, false
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != []int{200, 201}[i] {
			return upload{}, false
		}
		if i == 1 {
			var v struct {
				Data struct {
					Attributes struct {
						FileURL string `json:"file_url"`
					} `json:"attributes"`
				} `json:"data"`
			}
			if json.Unmarshal(b, &v) != nil || v.Data.Attributes.FileURL == "" {
				return upload{}, false
			}
			fileURL = v.Data.Attributes.FileURL
		}
	}
	s := sha256.Sum256(content)
	return upload{id: fileURL, sum: hex.EncodeToString(s[:])}, true
}

// haufeUploadAndDelete uploads a Haufe file through its signed URL and deletes it; ok once the
// delete was answered 204.
func haufeUploadAndDelete(base string) (id string, ok bool) {
	up, ok := uploadOnce(base, []byte("soon deleted"))
	if !ok {
		return "", false
	}
	req, _ := http.NewRequest("DELETE", base+"/v1/files/"+up.id, nil)
	req.Header.Set("api-key", "k")
	req.Header.Set("user-id", "u")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", false
	}
	resp.Body.Close()
	return up.id, resp.StatusCode == 204
}
