package main

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// countingBuffer counts the writes the log writer makes.
type countingBuffer struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
}

func (b *countingBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.writes++
	return b.buf.Write(p)
}

func TestLogWriterKeepsEveryLineWholeAndInOrder(t *testing.T) {
	var out countingBuffer
	l := newLogWriter(&out)
	const writers, lines = 8, 2000
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range lines {
				fmt.Fprintf(l, "writer=%d line=%d %s\n", w, i, strings.Repeat("x", i%300))
			}
		})
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(l, "after close\n") // still written, after the rest

	next := make([]int, writers)
	got := strings.Split(strings.TrimSuffix(out.buf.String(), "\n"), "\n")
	if len(got) != writers*lines+1 || got[len(got)-1] != "after close" {
		t.Fatalf("%d lines, last %q; want %d and the line written after Close", len(got), got[len(got)-1], writers*lines+1)
	}
	for _, line := range got[:len(got)-1] {
		var w, i int
		f := strings.SplitN(line, " ", 3)
		if len(f) != 3 {
			t.Fatalf("torn line %q", line)
		}
		if _, err := fmt.Sscanf(f[0]+" "+f[1], "writer=%d line=%d", &w, &i); err != nil || w < 0 || w >= writers {
			t.Fatalf("torn line %q: %v", line, err)
		}
		if i != next[w] || f[2] != strings.Repeat("x", i%300) {
			t.Fatalf("line %q: want writer %d's line %d next, whole", line, w, next[w])
		}
		next[w]++
	}
	if out.writes >= writers*lines {
		t.Errorf("%d writes for %d lines: nothing was gathered", out.writes, writers*lines)
	}
	t.Logf("%d lines in %d writes", writers*lines, out.writes)
}

// blockedOutput is an output nobody reads: its writes wait until released.
type blockedOutput struct {
	entered chan struct{}
	release chan struct{}
}

func (b *blockedOutput) Write(p []byte) (int, error) {
	select {
	case b.entered <- struct{}{}:
	default:
	}
	<-b.release
	return len(p), nil
}

func TestLogWriterWaitsForASlowOutput(t *testing.T) {
	out := &blockedOutput{entered: make(chan struct{}, 1), release: make(chan struct{})}
	l := newLogWriter(out)
	line := []byte(strings.Repeat("y", 1000) + "\n")
	if _, err := l.Write(line); err != nil {
		t.Fatal(err)
	}
	<-out.entered // the writer is stuck in its first write

	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 4 * maxPendingLog / len(line) {
			_, _ = l.Write(line)
		}
	}()
	select {
	case <-done:
	case <-time.After(200 * time.Millisecond):
	}
	l.mu.Lock()
	waiting := len(l.pending)
	l.mu.Unlock()
	if waiting > maxPendingLog+len(line) {
		t.Errorf("%d bytes wait for a blocked output; want at most %d: the log must not grow without bound", waiting, maxPendingLog+len(line))
	}
	select {
	case <-done:
		t.Error("every write returned while the output was blocked")
	default:
	}
	close(out.release)
	<-done
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
}
