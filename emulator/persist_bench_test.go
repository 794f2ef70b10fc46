package emulator_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fileemu/fileemu/emulator"
)

// BenchmarkDataDir: what --data-dir adds to a request. signed-url changes the Haufe model (one
// more file: the state is encoded and written, synced, renamed); poll reads the status of a
// processed file among 100 (its poll count changes: written too); content reads its text (the
// state is encoded and found unchanged: no write).
func BenchmarkDataDir(b *testing.B) {
	for _, op := range []string{"signed-url", "poll", "content"} {
		for _, disk := range []bool{false, true} {
			name := "memory"
			if disk {
				name = "datadir"
			}
			b.Run(op+"/"+name, func(b *testing.B) {
				now := time.Now()
				cfg := emulator.Config{Clock: func() time.Time { return now }, JournalSize: 1000}
				if disk {
					cfg.DataDir = b.TempDir()
				}
				srv, err := emulator.New(cfg)
				if err != nil {
					b.Fatal(err)
				}
				get := func(path string) *discardBody {
					req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8080"+path, nil)
					req.Header.Set("api-key", "k")
					req.Header.Set("user-id", "497f6eca-6276-4993-bfeb-53cbbbba6f08")
					w := &discardBody{h: http.Header{}}
					srv.ServeHTTP(w, req)
					return w
				}
				path := "/v1/files/signed-url?filename=report.pdf"
				if op != "signed-url" {
					var v struct {
						FileID  string `json:"file_id"`
						FileURL string `json:"file_url"`
					}
					for range 100 {
						json.Unmarshal(get(path).body, &v)
					}
					id := v.FileID
					put := httptest.NewRequest(http.MethodPut, v.FileURL, strings.NewReader("a report"))
					srv.ServeHTTP(&discardBody{h: http.Header{}}, put)
					path = "/v1/files/" + id + "/status"
					for range 10 {
						get(path) // polled until processed
					}
					if op == "content" {
						path = "/v1/files/" + id
					}
				}
				b.ReportAllocs()
				for b.Loop() {
					if w := get(path); w.status != 200 {
						b.Fatal(fmt.Sprintf("%s = %d %s", path, w.status, w.body))
					}
				}
			})
		}
	}
}

type discardBody struct {
	h      http.Header
	status int
	body   []byte
}

func (d *discardBody) Header() http.Header { return d.h }
func (d *discardBody) Write(b []byte) (int, error) {
	if d.status == 0 {
		d.status = 200
	}
	d.body = append(d.body, b...)
	return len(b), nil
}
func (d *discardBody) WriteHeader(s int) { d.status = s }
