package emulator

import (
	"bufio"
	"context"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

// A live stream says it is alive while nothing happens, and a client that goes away leaves
// nothing behind: its handler returns.
func TestStreamHeartbeatAndClientGone(t *testing.T) {
	h := start(t, Config{heartbeat: 20 * time.Millisecond})
	base := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", h.url+"/__admin/requests/stream", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(resp.Body)
	beats := 0
	for beats < 2 && sc.Scan() {
		if strings.HasPrefix(sc.Text(), ": heartbeat") {
			beats++
		}
	}
	if beats < 2 {
		t.Fatalf("%d heartbeats before the stream ended: %v", beats, sc.Err())
	}
	cancel()
	resp.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > base {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines after the client left, %d before it came:\n%s", n, base, buf[:runtime.Stack(buf, true)])
	}
}
