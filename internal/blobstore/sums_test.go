package blobstore

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestSumsFeedOrder: small feeds hashed at once, then more chunks than the hashers' queue holds,
// then a short last chunk: the sums are those of the bytes in the order fed.
func TestSumsFeedOrder(t *testing.T) {
	content := pattern(3*feedQueue*chunkSize + 1234)
	s := newSums()
	rest := content
	for _, n := range []int{10, parallelHash + 3} { // before the hashers start
		s.feed(rest[:n])
		rest = rest[n:]
	}
	for len(rest) > 0 {
		n := min(chunkSize, len(rest))
		s.feed(rest[:n])
		rest = rest[n:]
	}
	if s.feeds == nil {
		t.Fatal("the hashers never started")
	}
	gotMD5, gotSHA := s.finish()
	wantMD5, wantSHA := md5.Sum(content), sha256.Sum256(content)
	if string(gotMD5) != string(wantMD5[:]) || string(gotSHA) != string(wantSHA[:]) {
		t.Errorf("sums = %x %x, want %x %x", gotMD5, gotSHA, wantMD5, wantSHA)
	}
}

// TestPutFailureStopsHashers: a large upload that fails once the hashers run leaves no goroutine
// behind, whether the body breaks or grows too large.
func TestPutFailureStopsHashers(t *testing.T) {
	boom := errors.New("connection reset")
	before := runtime.NumGoroutine()
	s := New()
	for range 5 {
		if _, err := s.Put(context.Background(), "k", &failingReader{&patternReader{n: 2 * feedQueue * chunkSize}, boom}, PutOptions{}); !errors.Is(err, boom) {
			t.Fatalf("Put of a broken body = %v", err)
		}
		var tooLarge *TooLargeError
		if _, err := s.Put(context.Background(), "k", &patternReader{n: 40 * chunkSize}, PutOptions{MaxSize: 20 * chunkSize}); !errors.As(err, &tooLarge) {
			t.Fatalf("Put of a body too large = %v", err)
		}
	}
	// A goroutine that returned may take a moment to be gone from the count.
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > before; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after the failed uploads, %d before", runtime.NumGoroutine(), before)
		}
	}
	if s.Len() != 0 || s.Bytes() != 0 {
		t.Errorf("failed uploads stored %d objects, %d bytes", s.Len(), s.Bytes())
	}
}

// TestPutContentSHA256: a body whose SHA-256 is not the one given is not stored, and the error
// carries the SHA-256 worked out; a wrong Content-MD5 as well is reported as the SHA-256.
func TestPutContentSHA256(t *testing.T) {
	content := pattern(2*chunkSize + 5) // hashed by the hashers
	sum := sha256.Sum256(content)
	good := hex.EncodeToString(sum[:])
	s := New()
	if _, err := s.Put(context.Background(), "k", strings.NewReader("old"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	other := strings.Repeat("0", 64)
	for _, opts := range []PutOptions{{ContentSHA256: other}, {ContentSHA256: other, ContentMD5: b64md5("other")}} {
		_, err := s.Put(context.Background(), "k", bytes.NewReader(content), opts)
		var mismatch *SHA256MismatchError
		if !errors.As(err, &mismatch) || mismatch.Got != good || mismatch.Want != other {
			t.Fatalf("Put with %+v = %v, want a SHA-256 mismatch with the content's", opts, err)
		}
		if got, _ := s.Head("k", 10); string(got) != "old" || s.Bytes() != 3 {
			t.Errorf("the mismatching body was stored: %q, %d bytes", got, s.Bytes())
		}
	}
	obj, err := s.Put(context.Background(), "k", bytes.NewReader(content), PutOptions{ContentSHA256: good})
	if err != nil || obj.SHA256 != good {
		t.Fatalf("Put with the right SHA-256 = %+v, %v", obj, err)
	}
}

// cancelAfter is a context cancelled from its n-th Err on.
type cancelAfter struct {
	context.Context
	n atomic.Int32
}

func (c *cancelAfter) Err() error {
	if c.n.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

// TestConcatCancelledStopsHashers: a concatenation cancelled once its hashers run leaves no
// goroutine behind and stores nothing; one that completes has the sums of the whole.
func TestConcatCancelledStopsHashers(t *testing.T) {
	ctx := context.Background()
	parts, dst := New(), New()
	content := pattern(3 * chunkSize)
	if _, err := parts.Put(ctx, "p", bytes.NewReader(content), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	for range 5 {
		c := &cancelAfter{Context: ctx}
		c.n.Store(1) // the second part is not read
		if _, err := dst.Concat(c, "whole", parts, []string{"p", "p"}, PutOptions{}); !errors.Is(err, context.Canceled) {
			t.Fatalf("Concat cancelled after a part = %v", err)
		}
	}
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > before; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after the cancelled concatenations, %d before", runtime.NumGoroutine(), before)
		}
	}
	if dst.Len() != 0 {
		t.Errorf("a cancelled concatenation stored %d objects", dst.Len())
	}
	obj, err := dst.Concat(ctx, "whole", parts, []string{"p", "p"}, PutOptions{})
	whole := append(bytes.Clone(content), content...)
	wantMD5, wantSHA := md5.Sum(whole), sha256.Sum256(whole)
	if err != nil || obj.MD5 != hex.EncodeToString(wantMD5[:]) || obj.SHA256 != hex.EncodeToString(wantSHA[:]) {
		t.Errorf("Concat = %+v, %v; want MD5 %x, SHA-256 %x", obj, err, wantMD5, wantSHA)
	}
}
