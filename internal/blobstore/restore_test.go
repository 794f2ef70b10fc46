package blobstore

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// Restore puts an object back exactly as described, multipart ETag and checksum included, and
// refuses content that is not the described one, keeping nothing.
func TestRestore(t *testing.T) {
	ctx := context.Background()
	src := New()
	parts := New()
	if _, err := parts.Put(ctx, "p1", strings.NewReader("hello "), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := parts.Put(ctx, "p2", strings.NewReader("world"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	created := time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC)
	want, err := src.Concat(ctx, "b/k", parts, []string{"p1", "p2"}, PutOptions{ContentType: "text/plain",
		Metadata: map[string]string{"a": "b"}, Headers: map[string]string{"Cache-Control": "no-cache"}, Now: created, Infected: true})
	if err != nil {
		t.Fatal(err)
	}
	want.ChecksumName, want.ChecksumValue = "x-amz-checksum-crc32", "abc="

	q := NewQuota(1 << 20)
	dst := NewIn(q)
	got, err := dst.Restore(ctx, want, strings.NewReader("hello world"))
	if err != nil {
		t.Fatal(err)
	}
	stat, _ := dst.Stat("b/k")
	for _, o := range []Object{got, stat} {
		if o.ETag() != want.ETag() || !o.Created.Equal(created) || o.ContentType != "text/plain" || o.Metadata["a"] != "b" ||
			o.Headers["Cache-Control"] != "no-cache" || !o.Infected || o.ChecksumValue != "abc=" || o.SHA256 != want.SHA256 {
			t.Errorf("restored %+v, want %+v", o, want)
		}
	}
	if !strings.Contains(want.ETag(), "-2") {
		t.Fatalf("not a multipart ETag: %s", want.ETag())
	}

	for _, body := range []string{"hello World", "hello worl", "hello world!"} {
		bad := want
		bad.Name = "b/bad"
		if _, err := dst.Restore(ctx, bad, strings.NewReader(body)); !errors.Is(err, ErrMismatch) {
			t.Errorf("restore of %q = %v, want ErrMismatch", body, err)
		}
		if _, ok := dst.Stat("b/bad"); ok {
			t.Errorf("a mismatching %q was kept", body)
		}
	}
	if q.Used() != int64(len("hello world")) {
		t.Errorf("quota holds %d bytes, want only the restored object's", q.Used())
	}
	empty := Object{Name: "e", MD5: "d41d8cd98f00b204e9800998ecf8427e", SHA256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}
	if _, err := dst.Restore(ctx, empty, strings.NewReader("")); err != nil {
		t.Errorf("empty object: %v", err)
	}
	if _, err := dst.Restore(ctx, Object{Name: "e2", MD5: empty.MD5, SHA256: empty.SHA256}, strings.NewReader("x")); !errors.Is(err, ErrMismatch) {
		t.Errorf("a byte for an empty object: %v, want ErrMismatch", err)
	}
}
