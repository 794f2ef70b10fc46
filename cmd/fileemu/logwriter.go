package main

import (
	"io"
	"sync"
)

// maxPendingLog is how many bytes of log lines may wait for the output before a writer waits too.
const maxPendingLog = 256 << 10

// logWriter hands log lines to one goroutine that writes whatever has gathered since its last
// write in one system call. A request's goroutine then never waits for the log's write (one write
// per request cost about a quarter of the binary's signed-url throughput under load, issue 18),
// and under load many lines leave in one write. Each Write is one whole line (slog handlers write
// a record at once), appended whole: lines never interleave and keep their order. An output slower
// than the lines (a pipe nobody reads) makes Write wait once maxPendingLog bytes wait, as a direct
// write would block: the log never grows without bound.
type logWriter struct {
	out     io.Writer
	mu      sync.Mutex
	ready   sync.Cond // lines wait, or the writer was closed
	drained sync.Cond // the waiting lines were taken
	pending []byte
	closed  bool
	done    chan struct{}
}

func newLogWriter(out io.Writer) *logWriter {
	l := &logWriter{out: out, done: make(chan struct{})}
	l.ready.L, l.drained.L = &l.mu, &l.mu
	go l.run()
	return l
}

func (l *logWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	for len(l.pending) >= maxPendingLog && !l.closed {
		l.drained.Wait()
	}
	if l.closed {
		l.mu.Unlock()
		<-l.done              // after the lines handed over before
		return l.out.Write(p) // a line after Close (a last error) goes straight out
	}
	l.pending = append(l.pending, p...)
	l.ready.Signal()
	l.mu.Unlock()
	return len(p), nil
}

// run writes the waiting lines until Close, then what is left.
func (l *logWriter) run() {
	defer close(l.done)
	var batch []byte
	l.mu.Lock()
	for {
		for len(l.pending) == 0 && !l.closed {
			l.ready.Wait()
		}
		if len(l.pending) == 0 {
			l.mu.Unlock()
			return
		}
		batch, l.pending = l.pending, batch[:0]
		l.drained.Broadcast()
		l.mu.Unlock()
		_, _ = l.out.Write(batch) // as before: a log that cannot be written fails no request
		if cap(batch) > 4*maxPendingLog {
			batch = nil // a burst's buffer is not kept for ever
		}
		l.mu.Lock()
	}
}

// Close writes every line handed over so far and returns once they are out.
func (l *logWriter) Close() error {
	l.mu.Lock()
	l.closed = true
	l.ready.Signal()
	l.drained.Broadcast()
	l.mu.Unlock()
	<-l.done
	return nil
}
