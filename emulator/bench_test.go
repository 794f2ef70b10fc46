package emulator_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/fileemu/fileemu/emulator"
	"github.com/fileemu/fileemu/emulator/s3"
)

// patternReader yields n bytes of a repeating pattern without allocating: the benchmark then
// measures only what the emulator allocates.
type patternReader struct{ left int64 }

func (p *patternReader) Read(b []byte) (int, error) {
	if p.left <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(b)), p.left)
	for i := range b[:n] {
		b[i] = byte('a' + i%26)
	}
	p.left -= n
	return int(n), nil
}

// discard is a ResponseWriter that keeps nothing.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

func newServer(b *testing.B, now time.Time) *emulator.Server {
	b.Helper()
	srv, err := emulator.New(emulator.Config{Clock: func() time.Time { return now }, JournalSize: 1000})
	if err != nil {
		b.Fatal(err)
	}
	return srv
}

// BenchmarkSignedURL: GET /v1/files/signed-url through the whole chain (session, journal,
// routing, auth, validation, model, presigning, JSON).
func BenchmarkSignedURL(b *testing.B) {
	srv := newServer(b, time.Now())
	req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8080/v1/files/signed-url?filename=report.pdf", nil)
	req.Header.Set("api-key", "k")
	req.Header.Set("user-id", "497f6eca-6276-4993-bfeb-53cbbbba6f08")
	b.ReportAllocs()
	for b.Loop() {
		w := &discard{h: http.Header{}}
		srv.ServeHTTP(w, req)
	}
}

// BenchmarkPut64MiB: a presigned PUT of 64 MiB through the whole chain into the blob store.
// extra-B/op is what the emulator allocates beyond the 64 MiB it stores.
func BenchmarkPut64MiB(b *testing.B) {
	const size = 64 << 20
	now := time.Now()
	srv := newServer(b, now)
	u, err := s3.Presign(s3.Credentials{AccessKey: "fileemu", SecretKey: "fileemu-secret", Region: "us-east-1"},
		s3.PresignOptions{Method: http.MethodPut, URL: "http://127.0.0.1:8080/s3/bench/big.bin", Expires: time.Hour, Now: now})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPut, u, &patternReader{left: size})
		req.ContentLength = size
		w := &discard{h: http.Header{}}
		srv.ServeHTTP(w, req)
		if w.h.Get("ETag") == "" {
			b.Fatal("PUT failed: no ETag")
		}
	}
	runtime.ReadMemStats(&after)
	extra := float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N) - size
	b.ReportMetric(extra, "extra-B/op")
}
