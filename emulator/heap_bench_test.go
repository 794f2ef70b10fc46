package emulator_test

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/fileemu/fileemu/emulator"
)

// BenchmarkPendingFileHeap: what one signed-url request leaves on the heap for good, the pending
// file record (and its place in the model's map) that waits for the upload. The journal is
// filled first, so its bounded entries are already in the heap before the measurement and are
// replaced, not added, during it. B/record is the live heap grown per request.
func BenchmarkPendingFileHeap(b *testing.B) {
	const journal = 1000
	srv, err := emulator.New(emulator.Config{JournalSize: journal})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	signedURL := func() {
		req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8080/v1/files/signed-url?filename=report.pdf", nil)
		req.Header.Set("api-key", "k")
		req.Header.Set("user-id", "497f6eca-6276-4993-bfeb-53cbbbba6f08")
		w := &discard{h: http.Header{}}
		srv.ServeHTTP(w, req)
	}
	for range 2 * journal {
		signedURL()
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	n := 0
	for b.Loop() {
		signedURL()
		n++
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(n), "B/record")
}
