package blobstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

func openDir(t *testing.T, dir string, q *Quota) *Store {
	t.Helper()
	s, err := OpenDir(dir, q)
	if err != nil {
		t.Fatalf("OpenDir: %v", err)
	}
	return s
}

func put(t *testing.T, s *Store, name string, content []byte, opts PutOptions) Object {
	t.Helper()
	obj, err := s.Put(context.Background(), name, bytes.NewReader(content), opts)
	if err != nil {
		t.Fatalf("Put %q: %v", name, err)
	}
	return obj
}

func stored(t *testing.T, s *Store, name string) []byte {
	t.Helper()
	_, r, err := s.Open(name)
	if err != nil {
		t.Fatalf("Open %q: %v", name, err)
	}
	defer r.Close()
	return readAll(t, r)
}

// dirFiles lists the files under dir/sub.
func dirFiles(t *testing.T, dir, sub string) []string {
	t.Helper()
	names, err := readDirNames(filepath.Join(dir, sub))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	return names
}

func TestDirRoundTripAndReopen(t *testing.T) {
	dir := t.TempDir()
	q := NewQuota(0)
	s := openDir(t, dir, q)
	created := time.Date(2026, 3, 4, 5, 6, 7, 890, time.UTC)
	// Names are arbitrary strings: S3 keys with slashes and dots, unicode, bytes that are not
	// UTF-8, the empty name.
	objects := map[string][]byte{
		"bucket/dir/key.txt":   []byte("hello"),
		"../../etc/passwd":     pattern(3*chunkSize + 7),
		"ünïcødé/文件 name?*":    pattern(chunkSize),
		"not utf-8 \xff\xfe/x": {},
		"":                     []byte("empty name"),
	}
	want := map[string]Object{}
	for name, b := range objects {
		opts := PutOptions{ContentType: "text/plain", Now: created, Metadata: map[string]string{"k": "v\xff", "é": ""},
			Headers: map[string]string{}, Infected: name == "", Checksum: func() (string, string) { return "x-amz-checksum-crc32", "abc=" }}
		obj := put(t, s, name, b, opts)
		sum := sha256.Sum256(b)
		if obj.SHA256 != hex.EncodeToString(sum[:]) || obj.Size != int64(len(b)) {
			t.Fatalf("Put %q = %+v", name, obj)
		}
		want[name] = obj
	}
	if _, err := s.Concat(context.Background(), "multi", s, []string{"bucket/dir/key.txt", "../../etc/passwd"}, PutOptions{Now: created}); err != nil {
		t.Fatal(err)
	}
	want["multi"], _ = s.Stat("multi")
	objects["multi"] = append(slices.Clone(objects["bucket/dir/key.txt"]), objects["../../etc/passwd"]...)

	check := func(s *Store) {
		t.Helper()
		if s.Len() != len(want) {
			t.Errorf("Len() = %d, want %d", s.Len(), len(want))
		}
		var total int64
		for name, w := range want {
			got, ok := s.Stat(name)
			if !ok {
				t.Errorf("%q missing", name)
				continue
			}
			if !got.Created.Equal(w.Created) {
				t.Errorf("%q created %v, want %v", name, got.Created, w.Created)
			}
			got.Created = w.Created
			if !reflect.DeepEqual(got, w) {
				t.Errorf("Stat(%q) =\n%+v, want\n%+v", name, got, w)
			}
			if !bytes.Equal(stored(t, s, name), objects[name]) {
				t.Errorf("%q: content differs", name)
			}
			total += w.Size
		}
		if s.Bytes() != total || q.Used() != total {
			t.Errorf("Bytes() = %d, quota %d, want %d", s.Bytes(), q.Used(), total)
		}
	}
	check(s)
	q = NewQuota(0) // a new process
	s = openDir(t, dir, q)
	check(s)
	// Record names never come from the object name.
	for _, n := range dirFiles(t, dir, "objects") {
		if len(n) != 64+len(".json") {
			t.Errorf("record file name %q", n)
		}
	}
}

func TestDirFailureLeavesNothing(t *testing.T) {
	boom := errors.New("connection reset")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	exists := errors.New("exists")
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
		{"too large", context.Background(), &patternReader{n: 2 * chunkSize}, PutOptions{MaxSize: chunkSize}, nil},
		{"quota", context.Background(), &patternReader{n: 5 * chunkSize}, PutOptions{}, ErrStorageFull},
		{"precondition", context.Background(), strings.NewReader("new"), PutOptions{Precondition: func(Object, bool) error { return exists }}, exists},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			q := NewQuota(4 * chunkSize)
			s := openDir(t, dir, q)
			put(t, s, "k", []byte("old"), PutOptions{})
			data, objects := dirFiles(t, dir, "data"), dirFiles(t, dir, "objects")
			_, err := s.Put(tt.ctx, "k", tt.r, tt.opts)
			var tl *TooLargeError
			if tt.wantErr == nil && !errors.As(err, &tl) || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("Put error = %v, want %v", err, tt.wantErr)
			}
			if got := dirFiles(t, dir, "data"); !slices.Equal(got, data) {
				t.Errorf("data/ = %v, want %v", got, data)
			}
			if got := dirFiles(t, dir, "objects"); !slices.Equal(got, objects) {
				t.Errorf("objects/ = %v, want %v", got, objects)
			}
			if got := dirFiles(t, dir, "tmp"); len(got) != 0 {
				t.Errorf("tmp/ = %v", got)
			}
			if q.Used() != 3 || string(stored(t, s, "k")) != "old" {
				t.Errorf("quota %d, content %q", q.Used(), stored(t, s, "k"))
			}
		})
	}
}

func TestDirCopyConcatJoinDelete(t *testing.T) {
	dir := t.TempDir()
	q := NewQuota(0)
	s := openDir(t, dir, q)
	parts := s.Sibling()
	ctx := context.Background()
	a := pattern(chunkSize + 3)
	put(t, s, "a", a, PutOptions{ContentType: "x/a"})

	// Copy hard-links the content file.
	if _, err := s.Copy("a", "b", nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	ea, _ := s.get("a")
	eb, _ := s.get("b")
	fa, _ := os.Stat(ea.file)
	fb, _ := os.Stat(eb.file)
	if ea.file == eb.file || !os.SameFile(fa, fb) {
		t.Errorf("copy is not a hard link: %s, %s", ea.file, eb.file)
	}
	// An open Reader keeps its snapshot through Delete and replacement.
	_, r, err := s.Open("a")
	if err != nil {
		t.Fatal(err)
	}
	if !s.Delete("a") {
		t.Fatal("Delete found nothing")
	}
	put(t, s, "b", []byte("replaced"), PutOptions{})
	if got := readAll(t, r); !bytes.Equal(got, a) {
		t.Error("an open Reader lost its content")
	}
	r.Close()
	if _, err := os.Stat(ea.file); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("deleted content still on disk: %v", err)
	}
	if _, err := os.Stat(eb.file); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("replaced content still on disk: %v", err)
	}

	// Concat from a sibling (S3 multipart parts), Join within the store.
	var whole []byte
	var names []string
	for i, n := range []int{chunkSize, 5, 2*chunkSize + 1} {
		b := bytes.Repeat([]byte{byte('a' + i)}, n)
		whole = append(whole, b...)
		names = append(names, fmt.Sprint("part", i))
		put(t, parts, names[i], b, PutOptions{})
		put(t, s, names[i], b, PutOptions{})
	}
	obj, err := s.Concat(ctx, "concat", parts, names, PutOptions{})
	if err != nil || !strings.HasSuffix(obj.ETag(), `-3"`) || !bytes.Equal(stored(t, s, "concat"), whole) {
		t.Fatalf("Concat = %+v, %v", obj, err)
	}
	if _, err := s.Join(ctx, "joined", names, PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stored(t, s, "joined"), whole) || s.Len() != 3 {
		t.Errorf("Join: %d objects", s.Len())
	}
	if found, err := s.Contains("joined", []byte("aaaab")); err != nil || !found {
		t.Errorf("Contains across a part boundary = %v, %v", found, err)
	}
	if found, err := s.Contains("joined", []byte("ba")); err != nil || found {
		t.Errorf("Contains of an absent needle = %v, %v", found, err)
	}
	if h, err := s.Head("joined", 3); err != nil || string(h) != "aaa" {
		t.Errorf("Head = %q, %v", h, err)
	}
	total := s.Bytes() + parts.Bytes()
	if q.Used() != total {
		t.Errorf("quota %d, stores hold %d", q.Used(), total)
	}

	// After a restart the side store is found again as the same sibling.
	s2 := openDir(t, dir, NewQuota(0))
	if p2 := s2.Sibling(); p2.Len() != 3 || s2.Len() != 3 || !bytes.Equal(stored(t, s2, "joined"), whole) {
		t.Errorf("reopened: %d objects, %d parts", s2.Len(), p2.Len())
	}
	if n := len(dirFiles(t, dir, "data")); n != 3 {
		t.Errorf("data/ holds %d files for 3 objects", n)
	}

	s.Reset()
	if q.Used() != 0 || s.Len() != 0 || parts.Len() != 0 {
		t.Errorf("after Reset: quota %d", q.Used())
	}
	for _, sub := range []string{"data", "objects", "side-1/data", "side-1/objects"} {
		if got := dirFiles(t, dir, sub); len(got) != 0 {
			t.Errorf("after Reset %s/ = %v", sub, got)
		}
	}
}

func TestOpenDirRefuses(t *testing.T) {
	setup := func(t *testing.T) (dir, record, data string) {
		dir = t.TempDir()
		s := openDir(t, dir, nil)
		put(t, s, "k", []byte("content"), PutOptions{})
		e, _ := s.get("k")
		return dir, filepath.Join(dir, "objects", recordName("k")), e.file
	}
	tests := []struct {
		name   string
		break_ func(t *testing.T, dir, record, data string) string // returns the file the error must name
		want   string
	}{
		{"other version", func(t *testing.T, dir, _, _ string) string {
			f := filepath.Join(dir, "FORMAT")
			os.WriteFile(f, []byte("fileemu blob store, format 99\n"), 0o644)
			return f
		}, "another version"},
		{"truncated record", func(t *testing.T, _, record, _ string) string {
			b, _ := os.ReadFile(record)
			os.WriteFile(record, b[:len(b)/2], 0o644)
			return record
		}, "not a valid object record"},
		{"unknown field", func(t *testing.T, _, record, _ string) string {
			b, _ := os.ReadFile(record)
			os.WriteFile(record, bytes.Replace(b, []byte(`{`), []byte(`{"extra":1,`), 1), 0o644)
			return record
		}, "unknown field"},
		{"short content", func(t *testing.T, _, record, data string) string {
			os.Truncate(data, 3)
			return record
		}, "holds 3 bytes, the record says 7"},
		{"missing content", func(t *testing.T, _, record, data string) string {
			os.Remove(data)
			return record
		}, "no such file"},
		{"misplaced record", func(t *testing.T, dir, record, _ string) string {
			other := filepath.Join(dir, "objects", recordName("other"))
			os.Rename(record, other)
			return other
		}, `holds object "k"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, record, data := setup(t)
			file := tt.break_(t, dir, record, data)
			_, err := OpenDir(dir, nil)
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("OpenDir = %v, want ErrCorrupt naming %s and saying %q", err, file, tt.want)
			}
		})
	}

	t.Run("foreign directory", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "notes.txt"), nil, 0o644)
		if _, err := OpenDir(dir, nil); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "FORMAT") {
			t.Errorf("OpenDir = %v", err)
		}
	})
	t.Run("not writable", func(t *testing.T) {
		// A path under a regular file cannot be created by anyone, root included.
		file := filepath.Join(t.TempDir(), "file")
		os.WriteFile(file, nil, 0o644)
		if _, err := OpenDir(filepath.Join(file, "store"), nil); err == nil {
			t.Error("OpenDir under a file succeeded")
		}
		if os.Geteuid() != 0 { // root writes into read-only directories
			dir := t.TempDir()
			openDir(t, dir, nil)
			os.Chmod(filepath.Join(dir, "tmp"), 0o555)
			defer os.Chmod(filepath.Join(dir, "tmp"), 0o755)
			if _, err := OpenDir(dir, nil); err == nil || !strings.Contains(err.Error(), "not writable") {
				t.Errorf("OpenDir of a read-only store = %v", err)
			}
		}
	})
	t.Run("over the quota", func(t *testing.T) {
		dir, _, _ := setup(t)
		if _, err := OpenDir(dir, NewQuota(5)); !errors.Is(err, ErrStorageFull) {
			t.Errorf("OpenDir = %v, want ErrStorageFull", err)
		}
	})
}

func TestOpenDirRemovesLeftovers(t *testing.T) {
	dir := t.TempDir()
	s := openDir(t, dir, nil)
	put(t, s, "k", []byte("kept"), PutOptions{})
	// What a crash leaves: a staged record, content no record names.
	os.WriteFile(filepath.Join(dir, "tmp", newID()+".json"), []byte("{"), 0o644)
	orphan := filepath.Join(dir, "data", newID())
	os.WriteFile(orphan, []byte("half an upl"), 0o644)
	s = openDir(t, dir, nil)
	if got := dirFiles(t, dir, "tmp"); len(got) != 0 {
		t.Errorf("tmp/ = %v", got)
	}
	if _, err := os.Stat(orphan); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("orphan content kept: %v", err)
	}
	if string(stored(t, s, "k")) != "kept" || s.Len() != 1 {
		t.Error("the stored object did not survive")
	}
}

// TestDirPutMemory checks that a directory store streams: what Put allocates does not grow
// with the upload.
func TestDirPutMemory(t *testing.T) {
	s := openDir(t, t.TempDir(), nil)
	for _, size := range []int64{8 << 20, 64 << 20} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		if _, err := s.Put(context.Background(), fmt.Sprint(size), &patternReader{n: size}, PutOptions{SizeHint: size}); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		grown := after.TotalAlloc - before.TotalAlloc
		t.Logf("Put of %d bytes allocated %d bytes", size, grown)
		if grown > 1<<20 {
			t.Errorf("Put of %d bytes allocated %d bytes, want < 1 MiB", size, grown)
		}
	}
}

// BenchmarkDirPut512MiB stores 512 MiB (BLOBSTORE_BENCH_BYTES overrides it) through Put into a
// directory store, in 64 MiB uploads, and reports the heap in use afterwards.
func BenchmarkDirPut512MiB(b *testing.B) {
	total := int64(512 << 20)
	if v := os.Getenv("BLOBSTORE_BENCH_BYTES"); v != "" {
		fmt.Sscan(v, &total)
	}
	const upload = 64 << 20
	b.SetBytes(total)
	var ms runtime.MemStats
	for b.Loop() {
		s, err := OpenDir(b.TempDir(), nil)
		if err != nil {
			b.Fatal(err)
		}
		for i := int64(0); i*upload < total; i++ {
			if _, err := s.Put(context.Background(), fmt.Sprint(i), &patternReader{n: min(upload, total-i*upload)}, PutOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&ms)
	}
	b.ReportMetric(float64(ms.HeapInuse), "heap-inuse-B")
}

// TestDirMatchesMemory runs the same random operations on a memory store and a directory
// store and requires the same answers, before and after the directory is reopened.
func TestDirMatchesMemory(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, uint64(time.Now().UnixNano())))
	dir := t.TempDir()
	mq, dq := NewQuota(40*chunkSize), NewQuota(40*chunkSize)
	mem, disk := NewIn(mq), openDir(t, dir, dq)
	mside, dside := mem.Sibling(), disk.Sibling()
	names := []string{"a", "b/c", "../d", "é", "", "x y"}
	pick := func() string { return names[rng.IntN(len(names))] }
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	compare := func(step int, what string, mo, do Object, merr, derr error) {
		t.Helper()
		if (merr == nil) != (derr == nil) || merr != nil && errors.Is(derr, ErrNotFound) != errors.Is(merr, ErrNotFound) {
			t.Fatalf("step %d %s: memory error %v, directory error %v", step, what, merr, derr)
		}
		if !reflect.DeepEqual(mo, do) {
			t.Fatalf("step %d %s: memory %+v, directory %+v", step, what, mo, do)
		}
	}
	same := func(step int) {
		t.Helper()
		ml, dl := mem.List(""), disk.List("")
		for i := range dl {
			dl[i].Created = dl[i].Created.UTC() // a reopened record is in UTC, as stored
		}
		if !reflect.DeepEqual(ml, dl) || mq.Used() != dq.Used() || mem.Bytes() != disk.Bytes() {
			t.Fatalf("step %d: memory %v (quota %d), directory %v (quota %d)", step, ml, mq.Used(), dl, dq.Used())
		}
		for _, o := range ml {
			if !bytes.Equal(stored(t, mem, o.Name), stored(t, disk, o.Name)) {
				t.Fatalf("step %d: %q content differs", step, o.Name)
			}
		}
	}
	for step := range 120 {
		now = now.Add(time.Second)
		switch op := rng.IntN(7); op {
		case 0, 1: // Put, sometimes over the size cap or the quota
			name, size := pick(), int64(rng.IntN(3*chunkSize))
			opts := PutOptions{Now: now, ContentType: "t/" + name, Metadata: map[string]string{"n": fmt.Sprint(step)}}
			if rng.IntN(5) == 0 {
				opts.MaxSize = size / 2
			}
			mo, merr := mem.Put(ctx, name, &patternReader{n: size}, opts)
			do, derr := disk.Put(ctx, name, &patternReader{n: size}, opts)
			compare(step, "Put", mo, do, merr, derr)
		case 2:
			src, dst := pick(), pick()
			mo, merr := mem.Copy(src, dst, nil, now)
			do, derr := disk.Copy(src, dst, nil, now)
			compare(step, "Copy", mo, do, merr, derr)
		case 3:
			name := pick()
			if mem.Delete(name) != disk.Delete(name) {
				t.Fatalf("step %d: Delete(%q) differs", step, name)
			}
		case 4: // a part for Concat
			name, size := pick(), int64(rng.IntN(2*chunkSize))
			_, merr := mside.Put(ctx, name, &patternReader{n: size}, PutOptions{Now: now})
			_, derr := dside.Put(ctx, name, &patternReader{n: size}, PutOptions{Now: now})
			compare(step, "Put part", Object{}, Object{}, merr, derr)
		case 5:
			name, parts := pick(), []string{pick(), pick()}
			if rng.IntN(2) == 0 {
				mo, merr := mem.Concat(ctx, name, mside, parts, PutOptions{Now: now})
				do, derr := disk.Concat(ctx, name, dside, parts, PutOptions{Now: now})
				compare(step, "Concat", mo, do, merr, derr)
			} else {
				mo, merr := mem.Join(ctx, name, parts, PutOptions{Now: now})
				do, derr := disk.Join(ctx, name, parts, PutOptions{Now: now})
				compare(step, "Join", mo, do, merr, derr)
			}
		case 6:
			needle := patternTable[rng.IntN(200) : 200+rng.IntN(51)]
			name := pick()
			mf, merr := mem.Contains(name, needle)
			df, derr := disk.Contains(name, needle)
			if mf != df || (merr == nil) != (derr == nil) {
				t.Fatalf("step %d: Contains(%q) = %v, %v in memory, %v, %v in the directory", step, name, mf, merr, df, derr)
			}
		}
		same(step)
	}
	// A restart: the same objects, counted again. The side store's bytes come back with it.
	dq = NewQuota(0)
	disk = openDir(t, dir, dq)
	if disk.Sibling().Bytes() != mside.Bytes() {
		t.Errorf("the reopened side store holds %d bytes, want %d", dq.Used()-disk.Bytes(), mside.Bytes())
	}
	same(-1)
}
