package emulator_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fileemu/fileemu/emulator"
	"github.com/fileemu/fileemu/internal/s3"
)

// patternReader yields n bytes of a repeating pattern without allocating: the benchmark then
// measures only what the emulator allocates. It copies from patternBytes: filled a byte at a
// time, the body cost more than the emulator's MD5.
type patternReader struct{ left int64 }

// patternBytes is the alphabet over and over; every Read starts at its beginning.
var patternBytes = bytes.Repeat([]byte("abcdefghijklmnopqrstuvwxyz"), 4096)

func (p *patternReader) Read(b []byte) (int, error) {
	if p.left <= 0 {
		return 0, io.EOF
	}
	b = b[:min(int64(len(b)), p.left)]
	for n := 0; n < len(b); {
		n += copy(b[n:], patternBytes[n%26:])
	}
	p.left -= int64(len(b))
	return len(b), nil
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
	benchSignedURL(b, srv)
}

// benchSignedURL measures GET /v1/files/signed-url on srv, in-process.
func benchSignedURL(b *testing.B, srv http.Handler) {
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

// rulesDoc writes n rules spread over every operation of every API, as a real suite of
// scenarios would be; none fires on the benchmarked request (those on its operation want a
// header it does not send), so the benchmark measures matching alone.
func rulesDoc(b *testing.B, srv *emulator.Server, n int) []byte {
	b.Helper()
	type op struct{ api, id string }
	var ops []op
	cat := srv.Scenarios().Catalog()
	for _, api := range []string{"haufe", "desk", "s3", "weavy", "filesro"} {
		for _, id := range slices.Sorted(maps.Keys(cat[api].Operations)) {
			ops = append(ops, op{api, id})
		}
	}
	var doc strings.Builder
	doc.WriteString("scenarios:\n  - name: many\n    rules:\n")
	for i := range n {
		o := ops[i%len(ops)]
		fmt.Fprintf(&doc, "      - match: {api: %s, operation: %s, headers: {x-never: \"%d\"}}\n        respond: 503\n", o.api, o.id, i)
	}
	return []byte(doc.String())
}

// BenchmarkSignedURLWithRules: the signed-url request with 0 and with 200 loaded rules. The
// rule index keeps the cost flat (WireMock loses about 70% at 310 stubs).
func BenchmarkSignedURLWithRules(b *testing.B) {
	for _, n := range []int{0, 200} {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			srv := newServer(b, time.Now())
			if n > 0 {
				if _, err := srv.Scenarios().Put("", rulesDoc(b, srv, n)); err != nil {
					b.Fatal(err)
				}
			}
			benchSignedURL(b, srv)
		})
	}
}

// BenchmarkSignedURLObserved: BenchmarkSignedURL with the request log on (--log-format json lines into
// io.Discard) and live journal streams connected: idle ones (following another session) and
// busy ones (following every request). Compare with "plain".
func BenchmarkSignedURLObserved(b *testing.B) {
	for _, tc := range []struct {
		name         string
		log          bool
		idle, follow int
	}{
		{"plain", false, 0, 0},
		{"log", true, 0, 0},
		{"log+100idle", true, 100, 0},
		{"log+100following", true, 0, 100},
	} {
		b.Run(tc.name, func(b *testing.B) {
			now := time.Now()
			cfg := emulator.Config{Clock: func() time.Time { return now }, JournalSize: 1000, LogRequests: tc.log}
			if tc.log {
				cfg.Logger = slog.New(emulator.NewJSONLogHandler(io.Discard, nil)) // what --log-format json uses
			}
			srv, err := emulator.New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			hs := httptest.NewServer(srv)
			defer hs.Close()
			defer srv.Close()
			for i := range tc.idle + tc.follow {
				q := ""
				if i < tc.idle {
					q = "?session=elsewhere"
				}
				resp, err := http.Get(hs.URL + "/__admin/requests/stream" + q)
				if err != nil {
					b.Fatal(err)
				}
				defer resp.Body.Close()
				go func() { _, _ = io.Copy(io.Discard, resp.Body) }()
			}
			benchSignedURL(b, srv)
		})
	}
}
