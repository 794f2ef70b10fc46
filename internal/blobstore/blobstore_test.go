package blobstore

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"
)

// patternReader yields n bytes of a repeating pattern without allocating,
// so memory measurements only see what the store allocates.
type patternReader struct {
	n, off int64
}

// patternPeriod is prime so the pattern never lines up with chunks.
const patternPeriod = 251

// patternTable holds the pattern twice over a whole number of periods, so
// any read is a few copies from it.
var patternTable = func() []byte {
	b := make([]byte, 64*patternPeriod)
	for i := range b {
		b[i] = byte(i % patternPeriod)
	}
	return b
}()

func (p *patternReader) Read(b []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	b = b[:min(int64(len(b)), p.n-p.off)]
	for n := 0; n < len(b); {
		n += copy(b[n:], patternTable[(p.off+int64(n))%patternPeriod:])
	}
	p.off += int64(len(b))
	return len(b), nil
}

func pattern(n int64) []byte {
	b := make([]byte, n)
	_, _ = io.ReadFull(&patternReader{n: n}, b)
	return b
}

func readAll(t *testing.T, r io.Reader) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, r); err != nil {
		t.Fatalf("read: %v", err)
	}
	return buf.Bytes()
}

func TestPutRoundTrip(t *testing.T) {
	sizes := []int64{0, 1, chunkSize - 1, chunkSize, chunkSize + 1, 3*chunkSize + 7}
	for _, size := range sizes {
		for _, hint := range []int64{-1, 0, size, size / 2, size + 100} {
			t.Run(fmt.Sprintf("size=%d/hint=%d", size, hint), func(t *testing.T) {
				s := New()
				want := pattern(size)
				// OneByteReader and DataErrReader exercise short reads and
				// data returned together with io.EOF.
				for _, r := range []io.Reader{
					bytes.NewReader(want),
					iotest.DataErrReader(bytes.NewReader(want)),
					iotest.HalfReader(bytes.NewReader(want)),
				} {
					obj, err := s.Put(context.Background(), "b/k", r, PutOptions{SizeHint: hint, ContentType: "text/plain"})
					if err != nil {
						t.Fatalf("Put: %v", err)
					}
					md5sum, shasum := md5.Sum(want), sha256.Sum256(want)
					if obj.Size != size || obj.MD5 != hex.EncodeToString(md5sum[:]) || obj.SHA256 != hex.EncodeToString(shasum[:]) {
						t.Fatalf("Put = %+v, want size %d md5 %x sha256 %x", obj, size, md5sum, shasum)
					}
					if obj.ETag() != `"`+obj.MD5+`"` {
						t.Errorf("ETag = %s", obj.ETag())
					}
					got, rd, err := s.Open("b/k")
					if err != nil {
						t.Fatalf("Open: %v", err)
					}
					if got.Size != size || rd.Size() != size || got.ContentType != "text/plain" {
						t.Errorf("Open = %+v, Size() = %d", got, rd.Size())
					}
					if data := readAll(t, rd); !bytes.Equal(data, want) {
						t.Fatalf("content mismatch: got %d bytes, want %d", len(data), len(want))
					}
					if s.Bytes() != size || s.Len() != 1 {
						t.Errorf("Bytes() = %d, Len() = %d", s.Bytes(), s.Len())
					}
				}
			})
		}
	}
}

func TestPutChunkLayout(t *testing.T) {
	// Every chunk but the last must be full: Reader relies on it.
	for _, hint := range []int64{-1, 10, chunkSize + 5} {
		s := New()
		if _, err := s.Put(context.Background(), "k", iotest.HalfReader(&patternReader{n: 2*chunkSize + 9}), PutOptions{SizeHint: hint}); err != nil {
			t.Fatal(err)
		}
		chunks := s.objects["k"].chunks
		if len(chunks) != 3 || len(chunks[0]) != chunkSize || len(chunks[1]) != chunkSize || len(chunks[2]) != 9 {
			t.Errorf("hint %d: chunk lengths wrong: %d chunks", hint, len(chunks))
		}
		if cap(chunks[2]) > 2*9 {
			t.Errorf("hint %d: last chunk not trimmed: cap %d", hint, cap(chunks[2]))
		}
	}
}

func TestPutMaxSize(t *testing.T) {
	const limit = chunkSize + 10
	tests := []struct {
		size    int64
		wantErr bool
	}{
		{limit - 1, false},
		{limit, false},
		{limit + 1, true},
		{10 * limit, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.size), func(t *testing.T) {
			s := New()
			if _, err := s.Put(context.Background(), "k", strings.NewReader("old"), PutOptions{}); err != nil {
				t.Fatal(err)
			}
			src := &patternReader{n: tt.size}
			// A hint claiming a small body must not defeat the limit.
			obj, err := s.Put(context.Background(), "k", src, PutOptions{MaxSize: limit, SizeHint: 5})
			if !tt.wantErr {
				if err != nil || obj.Size != tt.size {
					t.Fatalf("Put = %+v, %v; want size %d", obj, err, tt.size)
				}
				return
			}
			var tl *TooLargeError
			if !errors.As(err, &tl) {
				t.Fatalf("Put error = %v, want *TooLargeError", err)
			}
			if tl.Max != limit || tl.Read != limit+1 {
				t.Errorf("TooLargeError = %+v, want Max %d Read %d", tl, limit, limit+1)
			}
			if src.off != limit+1 {
				t.Errorf("read %d bytes from the body, want %d", src.off, limit+1)
			}
			if got, _ := s.Head("k", 10); string(got) != "old" {
				t.Errorf("previous object replaced: %q", got)
			}
			if s.Bytes() != 3 {
				t.Errorf("Bytes() = %d, want 3", s.Bytes())
			}
		})
	}
}

// failingReader returns n bytes and then err.
type failingReader struct {
	r   io.Reader
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

func TestPutFailureStoresNothing(t *testing.T) {
	boom := errors.New("connection reset")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()

	tests := []struct {
		name    string
		ctx     context.Context
		r       io.Reader
		opts    PutOptions
		wantErr error
	}{
		{"read error", context.Background(), &failingReader{&patternReader{n: 3 * chunkSize}, boom}, PutOptions{}, boom},
		{"cancelled", cancelled, &patternReader{n: 10}, PutOptions{}, context.Canceled},
		{"bad digest", context.Background(), strings.NewReader("hello"), PutOptions{ContentMD5: b64md5("other")}, ErrBadDigest},
		{"invalid digest", context.Background(), strings.NewReader("hello"), PutOptions{ContentMD5: "not base64!"}, ErrInvalidDigest},
		{"digest wrong length", context.Background(), strings.NewReader("hello"), PutOptions{ContentMD5: base64.StdEncoding.EncodeToString([]byte("short"))}, ErrInvalidDigest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New()
			if _, err := s.Put(context.Background(), "k", strings.NewReader("old"), PutOptions{}); err != nil {
				t.Fatal(err)
			}
			_, err := s.Put(tt.ctx, "k", tt.r, tt.opts)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Put error = %v, want %v", err, tt.wantErr)
			}
			if _, err := s.Put(tt.ctx, "new", tt.r, tt.opts); err == nil {
				t.Fatal("second Put succeeded")
			}
			if s.Len() != 1 || s.Bytes() != 3 {
				t.Errorf("Len() = %d, Bytes() = %d; want 1, 3", s.Len(), s.Bytes())
			}
			if got, _ := s.Head("k", 10); string(got) != "old" {
				t.Errorf("previous object replaced: %q", got)
			}
		})
	}
}

func b64md5(s string) string {
	sum := md5.Sum([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}

func TestPutContentMD5Good(t *testing.T) {
	s := New()
	obj, err := s.Put(context.Background(), "k", strings.NewReader("hello"), PutOptions{ContentMD5: b64md5("hello")})
	if err != nil || obj.Size != 5 {
		t.Fatalf("Put = %+v, %v", obj, err)
	}
}

func TestPutMetadataAndCreated(t *testing.T) {
	s := New()
	meta := map[string]string{"a": "1"}
	now := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	if _, err := s.Put(context.Background(), "k", strings.NewReader("x"), PutOptions{Metadata: meta, Now: now}); err != nil {
		t.Fatal(err)
	}
	meta["a"] = "changed by caller"
	obj, ok := s.Stat("k")
	if !ok || obj.Metadata["a"] != "1" || !obj.Created.Equal(now) {
		t.Fatalf("Stat = %+v, %v", obj, ok)
	}
	obj.Metadata["a"] = "changed via Stat"
	if obj, _ := s.Stat("k"); obj.Metadata["a"] != "1" {
		t.Errorf("store metadata aliased: %v", obj.Metadata)
	}

	before := time.Now()
	obj, _ = s.Put(context.Background(), "k2", strings.NewReader("x"), PutOptions{})
	if obj.Created.Before(before) || obj.Metadata != nil {
		t.Errorf("Put with zero options = %+v", obj)
	}
}

func TestContains(t *testing.T) {
	eicar := []byte(`X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`)
	place := func(size, at int) []byte {
		b := bytes.Repeat([]byte{'.'}, size)
		copy(b[at:], eicar)
		return b
	}
	n := len(eicar)
	tests := []struct {
		name    string
		content []byte
		needle  []byte
		want    bool
	}{
		{"empty content", nil, eicar, false},
		{"empty needle", []byte("abc"), nil, true},
		{"start", place(3*chunkSize, 0), eicar, true},
		{"end", place(3*chunkSize, 3*chunkSize-n), eicar, true},
		{"inside chunk", place(3*chunkSize, chunkSize+100), eicar, true},
		{"across first boundary", place(3*chunkSize, chunkSize-n/2), eicar, true},
		{"one byte over boundary", place(3*chunkSize, chunkSize-n+1), eicar, true},
		{"into short last chunk", place(2*chunkSize+5, 2*chunkSize-n+5), eicar, true},
		{"short last chunk only", place(chunkSize+3, chunkSize+3-n), eicar, true},
		{"absent", place(3*chunkSize, 0)[n:], eicar, false},
		{"needle longer than last chunk, absent", bytes.Repeat([]byte{'a'}, chunkSize+2), append(bytes.Repeat([]byte{'a'}, 4), 'b'), false},
		{"needle longer than a chunk", place(3*chunkSize, 0), bytes.Repeat([]byte{'.'}, chunkSize+10), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New()
			if _, err := s.Put(context.Background(), "k", bytes.NewReader(tt.content), PutOptions{}); err != nil {
				t.Fatal(err)
			}
			got, err := s.Contains("k", tt.needle)
			if err != nil || got != tt.want {
				t.Errorf("Contains = %v, %v; want %v", got, err, tt.want)
			}
			if want := bytes.Contains(tt.content, tt.needle); want != tt.want {
				t.Errorf("test case is wrong: bytes.Contains = %v", want)
			}
		})
	}
	if _, err := New().Contains("missing", eicar); !errors.Is(err, ErrNotFound) {
		t.Errorf("Contains(missing) error = %v", err)
	}
}

func TestContainsEveryOffsetNearBoundary(t *testing.T) {
	needle := []byte("0123456789")
	for at := chunkSize - len(needle) - 1; at <= chunkSize+1; at++ {
		content := make([]byte, chunkSize+20)
		copy(content[at:], needle)
		chunks := [][]byte{content[:chunkSize], content[chunkSize:]}
		if !containsChunks(chunks, needle) {
			t.Errorf("needle at %d not found", at)
		}
	}
	// Many chunks shorter than the needle (not produced by Put, but the
	// search must not depend on chunk sizes).
	var tiny [][]byte
	for _, b := range []byte("xx0123456789yy") {
		tiny = append(tiny, []byte{b})
	}
	if !containsChunks(tiny, needle) || containsChunks(tiny, []byte("0123456789z")) {
		t.Error("containsChunks wrong with one-byte chunks")
	}
}

func TestHead(t *testing.T) {
	s := New()
	want := pattern(chunkSize + 100)
	if _, err := s.Put(context.Background(), "k", bytes.NewReader(want), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{-1, 0, 1, 512, chunkSize + 50, chunkSize + 100, 10 * chunkSize} {
		got, err := s.Head("k", n)
		wantN := min(max(n, 0), len(want))
		if err != nil || !bytes.Equal(got, want[:wantN]) {
			t.Errorf("Head(%d) = %d bytes, %v; want %d bytes", n, len(got), err, wantN)
		}
	}
	if _, err := s.Head("missing", 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("Head(missing) error = %v", err)
	}
}

func TestReaderSeekAndReadAt(t *testing.T) {
	s := New()
	want := pattern(2*chunkSize + 33)
	if _, err := s.Put(context.Background(), "k", bytes.NewReader(want), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	_, r, err := s.Open("k")
	if err != nil {
		t.Fatal(err)
	}
	if err := iotest.TestReader(r, want); err != nil {
		t.Fatal(err)
	}

	buf := make([]byte, 100)
	n, err := r.ReadAt(buf, chunkSize-50)
	if n != 100 || err != nil || !bytes.Equal(buf, want[chunkSize-50:chunkSize+50]) {
		t.Errorf("ReadAt across boundary = %d, %v", n, err)
	}
	n, err = r.ReadAt(buf, int64(len(want))-10)
	if n != 10 || err != io.EOF || !bytes.Equal(buf[:n], want[len(want)-10:]) {
		t.Errorf("ReadAt at end = %d, %v; want 10, EOF", n, err)
	}
	if _, err := r.ReadAt(buf, -1); err == nil {
		t.Error("ReadAt(-1) succeeded")
	}
	if pos, err := r.Seek(-5, io.SeekEnd); pos != int64(len(want))-5 || err != nil {
		t.Errorf("Seek(-5, End) = %d, %v", pos, err)
	}
	if got := readAll(t, r); !bytes.Equal(got, want[len(want)-5:]) {
		t.Errorf("read after seek = %q", got)
	}
	if _, err := r.Seek(-1, io.SeekStart); err == nil {
		t.Error("Seek to negative position succeeded")
	}
	if _, err := r.Seek(0, 42); err == nil {
		t.Error("Seek with bad whence succeeded")
	}
	if pos, _ := r.Seek(100, io.SeekEnd); pos != int64(len(want))+100 {
		t.Errorf("Seek past end = %d", pos)
	}
	if n, err := r.Read(buf); n != 0 || err != io.EOF {
		t.Errorf("Read past end = %d, %v", n, err)
	}
}

func TestServeContentRange(t *testing.T) {
	s := New()
	want := pattern(3*chunkSize + 7)
	if _, err := s.Put(context.Background(), "k", bytes.NewReader(want), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		obj, r, err := s.Open("k")
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		w.Header().Set("ETag", obj.ETag())
		http.ServeContent(w, req, "", obj.Created, r)
	}))
	defer srv.Close()

	tests := []struct {
		rng        string
		wantStatus int
		want       []byte
	}{
		{"", http.StatusOK, want},
		{"bytes=0-9", http.StatusPartialContent, want[:10]},
		{fmt.Sprintf("bytes=%d-%d", chunkSize-5, chunkSize+5), http.StatusPartialContent, want[chunkSize-5 : chunkSize+6]},
		{"bytes=-7", http.StatusPartialContent, want[len(want)-7:]},
		{fmt.Sprintf("bytes=%d-", 2*chunkSize), http.StatusPartialContent, want[2*chunkSize:]},
	}
	for _, tt := range tests {
		t.Run(tt.rng, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.rng != "" {
				req.Header.Set("Range", tt.rng)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			got := readAll(t, resp.Body)
			if resp.StatusCode != tt.wantStatus || !bytes.Equal(got, tt.want) {
				t.Errorf("status %d, %d bytes; want %d, %d bytes", resp.StatusCode, len(got), tt.wantStatus, len(tt.want))
			}
		})
	}
}

func TestReaderSnapshotIsolation(t *testing.T) {
	s := New()
	old := pattern(2 * chunkSize)
	if _, err := s.Put(context.Background(), "k", bytes.NewReader(old), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	_, r, err := s.Open("k")
	if err != nil {
		t.Fatal(err)
	}
	first := make([]byte, 10)
	if _, err := io.ReadFull(r, first); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(context.Background(), "k", strings.NewReader("new"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	_, r2, _ := s.Open("k")
	s.Delete("k")
	s.Reset()
	rest := readAll(t, r)
	if !bytes.Equal(append(first, rest...), old) {
		t.Error("open reader saw a later Put/Delete")
	}
	if got := readAll(t, r2); string(got) != "new" {
		t.Errorf("second reader = %q", got)
	}
}

func TestStoreBookkeeping(t *testing.T) {
	s := New()
	ctx := context.Background()
	for _, name := range []string{"b/z", "b/a", "c/x", "b/m"} {
		if _, err := s.Put(ctx, name, strings.NewReader(name), PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	for _, o := range s.List("b/") {
		names = append(names, o.Name)
	}
	if got := strings.Join(names, ","); got != "b/a,b/m,b/z" {
		t.Errorf("List(b/) = %s", got)
	}
	if len(s.List("")) != 4 || s.Len() != 4 || s.Bytes() != 12 {
		t.Errorf("Len() = %d, Bytes() = %d", s.Len(), s.Bytes())
	}
	if _, err := s.Put(ctx, "b/a", strings.NewReader("longer"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if s.Bytes() != 15 {
		t.Errorf("Bytes() after replace = %d, want 15", s.Bytes())
	}
	if !s.Delete("b/a") || s.Delete("b/a") {
		t.Error("Delete did not report presence correctly")
	}
	if _, ok := s.Stat("b/a"); ok {
		t.Error("Stat found deleted object")
	}
	if _, _, err := s.Open("b/a"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open(deleted) error = %v", err)
	}
	s.Reset()
	if s.Len() != 0 || s.Bytes() != 0 || len(s.List("")) != 0 {
		t.Error("Reset left objects behind")
	}
}

func TestConcurrentAccess(t *testing.T) {
	s := New()
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				name := fmt.Sprintf("k%d", i%3)
				size := int64((g*50+i)%5) * chunkSize / 2
				switch (g + i) % 4 {
				case 0:
					obj, err := s.Put(ctx, name, &patternReader{n: size}, PutOptions{Metadata: map[string]string{"g": "x"}})
					if err != nil || obj.Size != size {
						t.Errorf("Put = %+v, %v", obj, err)
					}
				case 1:
					obj, r, err := s.Open(name)
					if errors.Is(err, ErrNotFound) {
						continue
					}
					if err != nil {
						t.Errorf("Open: %v", err)
						continue
					}
					data, err := io.ReadAll(r)
					sum := sha256.Sum256(data)
					if err != nil || hex.EncodeToString(sum[:]) != obj.SHA256 {
						t.Errorf("snapshot of %s does not match its Object", name)
					}
				case 2:
					s.Delete(name)
				case 3:
					_ = s.List("")
					_, _ = s.Contains(name, []byte("abc"))
					_, _ = s.Head(name, 10)
					_, _ = s.Stat(name)
					_ = s.Bytes()
				}
			}
		})
	}
	wg.Wait()
	var total int64
	for _, o := range s.List("") {
		total += o.Size
	}
	if total != s.Bytes() {
		t.Errorf("Bytes() = %d, sum of sizes = %d", s.Bytes(), total)
	}
}

func TestPutMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 64 MiB")
	}
	const size = 64 << 20
	for _, hint := range []int64{-1, size} {
		t.Run(fmt.Sprint("hint=", hint), func(t *testing.T) {
			s := New()
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			obj, err := s.Put(context.Background(), "big", &patternReader{n: size}, PutOptions{SizeHint: hint})
			runtime.ReadMemStats(&after)
			if err != nil || obj.Size != size {
				t.Fatalf("Put = %+v, %v", obj, err)
			}
			grown := after.TotalAlloc - before.TotalAlloc
			t.Logf("allocated %d bytes for %d stored (overhead %d)", grown, size, int64(grown)-size)
			if limit := uint64(size + 2<<20); grown > limit {
				t.Errorf("Put of %d bytes allocated %d bytes, want < %d (double buffering?)", size, grown, limit)
			}
			runtime.KeepAlive(s)
		})
	}
}

func BenchmarkPut64MiB(b *testing.B) {
	const size = 64 << 20
	s := New()
	ctx := context.Background()
	b.ReportAllocs()
	b.SetBytes(size)
	for b.Loop() {
		if _, err := s.Put(ctx, "big", &patternReader{n: size}, PutOptions{SizeHint: -1}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCopySharesContent(t *testing.T) {
	s := New()
	ctx := context.Background()
	content := bytes.Repeat([]byte("copy me "), 100000) // several chunks
	called := false
	put, err := s.Put(ctx, "a", bytes.NewReader(content), PutOptions{ContentType: "text/plain", Metadata: map[string]string{"k": "v"},
		Checksum: func() (string, string) { called = true; return "x-amz-checksum-crc32", "abc=" }})
	if err != nil || !called || put.ChecksumName != "x-amz-checksum-crc32" || put.ChecksumValue != "abc=" {
		t.Fatalf("Put with a checksum = %+v, %v", put, err)
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	obj, err := s.Copy("a", "b", nil, now)
	if err != nil || obj.Name != "b" || obj.ContentType != "text/plain" || obj.Metadata["k"] != "v" || !obj.Created.Equal(now) ||
		obj.ChecksumValue != "abc=" {
		t.Fatalf("Copy = %+v, %v", obj, err)
	}
	s.Delete("a") // the copy keeps its snapshot
	_, r, err := s.Open("b")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(r); !bytes.Equal(got, content) {
		t.Error("copy content differs")
	}
	obj, err = s.Copy("b", "c", &PutOptions{ContentType: "image/png"}, now)
	if err != nil || obj.ContentType != "image/png" || obj.Metadata != nil {
		t.Errorf("Copy with replace = %+v, %v", obj, err)
	}
	if _, err := s.Copy("missing", "d", nil, now); !errors.Is(err, ErrNotFound) {
		t.Errorf("Copy of a missing object: %v", err)
	}
	if s.Bytes() != 2*int64(len(content)) || s.Len() != 2 {
		t.Errorf("store holds %d objects, %d bytes", s.Len(), s.Bytes())
	}
}

func TestConcat(t *testing.T) {
	ctx := context.Background()
	cases := map[string][]int{
		"aligned":   {2 * chunkSize, chunkSize, 17},
		"unaligned": {chunkSize + 5, 3, 2*chunkSize - 1, chunkSize},
		"one part":  {100},
		"empty":     {0, 10},
	}
	for name, sizes := range cases {
		t.Run(name, func(t *testing.T) {
			parts, dst := New(), New()
			var want []byte
			var names []string
			sums := md5.New()
			for i, n := range sizes {
				b := make([]byte, n)
				for j := range b {
					b[j] = byte(i*31 + j)
				}
				want = append(want, b...)
				name := fmt.Sprintf("part%d", i)
				obj, err := parts.Put(ctx, name, bytes.NewReader(b), PutOptions{})
				if err != nil {
					t.Fatal(err)
				}
				sum, _ := hex.DecodeString(obj.MD5)
				sums.Write(sum)
				names = append(names, name)
			}
			obj, err := dst.Concat(ctx, "whole", parts, names, PutOptions{ContentType: "x/y"})
			if err != nil {
				t.Fatal(err)
			}
			wantETag := fmt.Sprintf(`"%x-%d"`, sums.Sum(nil), len(sizes))
			wantMD5 := md5.Sum(want)
			if obj.Size != int64(len(want)) || obj.ETag() != wantETag || obj.MD5 != hex.EncodeToString(wantMD5[:]) || obj.ContentType != "x/y" {
				t.Errorf("Concat = %+v (ETag %s), want size %d ETag %s", obj, obj.ETag(), len(want), wantETag)
			}
			_, r, err := dst.Open("whole")
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(r)
			if !bytes.Equal(got, want) {
				t.Error("content differs")
			}
			if name == "aligned" { // whole chunks are shared with the parts, not copied
				pe, _ := parts.get("part1")
				we, _ := dst.get("whole")
				if &we.chunks[2][0] != &pe.chunks[0][0] {
					t.Error("an aligned part's chunk was copied")
				}
			}
			// ReadAt across part boundaries relies on full chunks everywhere but the end.
			if len(want) > 10 {
				p := make([]byte, 10)
				if _, err := r.ReadAt(p, int64(len(want)-10)); err != nil || !bytes.Equal(p, want[len(want)-10:]) {
					t.Errorf("ReadAt the tail: %v", err)
				}
			}
		})
	}
}

func TestConcatStoresNothingOnError(t *testing.T) {
	ctx := context.Background()
	parts, dst := New(), New()
	if _, err := parts.Put(ctx, "p1", strings.NewReader("0123456789"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := dst.Put(ctx, "whole", strings.NewReader("previous"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := dst.Concat(ctx, "whole", parts, []string{"p1", "missing"}, PutOptions{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing part: %v", err)
	}
	var tooLarge *TooLargeError
	if _, err := dst.Concat(ctx, "whole", parts, []string{"p1", "p1"}, PutOptions{MaxSize: 15}); !errors.As(err, &tooLarge) {
		t.Errorf("over MaxSize: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := dst.Concat(cancelled, "whole", parts, []string{"p1"}, PutOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if obj, ok := dst.Stat("whole"); !ok || obj.Size != int64(len("previous")) {
		t.Errorf("the previous object changed: %+v", obj)
	}
}

func TestPutPrecondition(t *testing.T) {
	s := New()
	ctx := context.Background()
	ifAbsent := func(_ Object, exists bool) error {
		if exists {
			return errors.New("exists")
		}
		return nil
	}
	if _, err := s.Put(ctx, "k", strings.NewReader("first"), PutOptions{Precondition: ifAbsent}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "k", strings.NewReader("second"), PutOptions{Precondition: ifAbsent}); err == nil || err.Error() != `put "k": exists` {
		t.Errorf("second conditional Put: %v", err)
	}
	var seen Object
	_, err := s.Put(ctx, "k", strings.NewReader("third"), PutOptions{Precondition: func(old Object, exists bool) error {
		seen = old
		return nil
	}})
	if err != nil || seen.Size != int64(len("first")) {
		t.Errorf("the precondition saw %+v, %v", seen, err)
	}
	// Of many racing conditional writes to a new name exactly one wins.
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Put(ctx, "race", strings.NewReader(fmt.Sprint(i)), PutOptions{Precondition: ifAbsent}); err == nil {
				mu.Lock()
				won++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("%d conditional writers won, want 1", won)
	}
}

func TestJoin(t *testing.T) {
	ctx := context.Background()
	for name, sizes := range map[string][]int{
		"aligned":   {chunkSize, 4 * chunkSize, 17},
		"unaligned": {chunkSize - 1, 3, 2*chunkSize + 1},
	} {
		t.Run(name, func(t *testing.T) {
			q := NewQuota(0)
			s := NewIn(q)
			var want []byte
			var parts []string
			for i, n := range sizes {
				b := bytes.Repeat([]byte{byte('a' + i)}, n)
				want = append(want, b...)
				parts = append(parts, fmt.Sprintf("chunk%d", i))
				if _, err := s.Put(ctx, parts[i], bytes.NewReader(b), PutOptions{SizeHint: int64(n)}); err != nil {
					t.Fatal(err)
				}
			}
			first, _ := s.get(parts[0])
			obj, err := s.Join(ctx, "whole", parts, PutOptions{ContentType: "x/y"})
			if err != nil {
				t.Fatal(err)
			}
			sum := md5.Sum(want)
			if obj.Size != int64(len(want)) || obj.ETag() != `"`+hex.EncodeToString(sum[:])+`"` || obj.ContentType != "x/y" {
				t.Errorf("Join = %+v, want %d bytes with a plain MD5 ETag", obj, len(want))
			}
			if _, r, err := s.Open("whole"); err != nil || !bytes.Equal(readAll(t, r), want) {
				t.Errorf("joined content differs (err %v)", err)
			}
			if s.Len() != 1 || s.Bytes() != int64(len(want)) || q.Used() != int64(len(want)) {
				t.Errorf("after Join: %d objects, %d bytes, quota %d; want 1, %d, %d", s.Len(), s.Bytes(), q.Used(), len(want), len(want))
			}
			whole, _ := s.get("whole")
			if shared := &whole.chunks[0][0] == &first.chunks[0][0]; shared != (name == "aligned") {
				t.Errorf("first chunk shared = %v", shared)
			}
		})
	}
}

func TestJoinStoresNothingOnError(t *testing.T) {
	ctx := context.Background()
	q := NewQuota(0)
	s := NewIn(q)
	for _, p := range []string{"p1", "p2"} {
		if _, err := s.Put(ctx, p, strings.NewReader("0123456789"), PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, parts := range [][]string{{"p1", "missing"}, {"p1", "p1"}} {
		if _, err := s.Join(ctx, "whole", parts, PutOptions{}); !errors.Is(err, ErrNotFound) {
			t.Errorf("Join(%q) = %v, want ErrNotFound", parts, err)
		}
	}
	if s.Len() != 2 || q.Used() != 20 {
		t.Fatalf("a refused Join changed the store: %d objects, quota %d", s.Len(), q.Used())
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Join(cancelled, "whole", []string{"p1", "p2"}, PutOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Join = %v", err)
	}
	if s.Len() != 0 || s.Bytes() != 0 || q.Used() != 0 {
		t.Errorf("after a failed Join: %d objects, %d bytes, quota %d; want all 0", s.Len(), s.Bytes(), q.Used())
	}
}
