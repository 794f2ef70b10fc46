package testkit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// Event is one event of the live journal stream (GET /__admin/requests/stream).
type Event struct {
	// Kind is "request" (a new journal entry), "update" (that entry again, completed: duration,
	// bodies, upload hash), "lost" (the stream fell behind: read the journal again) or "error"
	// (the stream broke off before it ended: Err says why; the channel closes after it).
	Kind string
	// Request is the entry ("request" and "update").
	Request Request
	// Err is why the stream broke off ("error").
	Err error
}

// Follow opens the live journal stream of session ("" for every session) with filters and
// sends its events on the returned channel, which is closed when ctx ends or the stream does
// (the emulator shut down). The stream starts with what happens next.
func (a *Admin) Follow(ctx context.Context, session string, filters ...Filter) (<-chan Event, error) {
	resp, err := a.do(ctx, http.MethodGet, "/requests/stream", journalQuery(session, filters), "", nil)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		return nil, fmt.Errorf("admin follow: status %d: %s", resp.StatusCode, bytes.TrimSpace(b))
	}
	events := make(chan Event)
	go func() {
		defer close(events)
		defer resp.Body.Close()
		err := readEvents(resp.Body, func(kind, data string) bool {
			ev := Event{Kind: kind}
			if kind == "request" || kind == "update" {
				if json.Unmarshal([]byte(data), &ev.Request) != nil {
					return true // not an entry: nothing to hand on
				}
			}
			select {
			case events <- ev:
				return true
			case <-ctx.Done():
				return false
			}
		})
		if err != nil && ctx.Err() == nil {
			select {
			case events <- Event{Kind: "error", Err: fmt.Errorf("admin follow: %w", err)}:
			case <-ctx.Done():
			}
		}
	}()
	return events, nil
}

// readEvents parses a text/event-stream and calls fn with each event's name and data until fn
// returns false or the stream ends; it returns why reading stopped early (nil at the end of
// the stream or when fn stopped it). Comments (heartbeats), ids and retry fields are skipped.
func readEvents(r io.Reader, fn func(kind, data string) bool) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 8<<20) // an entry with its bodies is well below this
	kind, data := "message", []string(nil)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if data != nil && !fn(kind, strings.Join(data, "\n")) {
				return nil
			}
			kind, data = "message", nil
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "event:"):
			kind = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			data = append(data, strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
		}
	}
	return sc.Err()
}

// Follow streams this session's journal live until t ends (see Admin.Follow). A test reads
// the events it expects from the channel, with a timeout of its own.
func (s *Session) Follow(t testing.TB, filters ...Filter) <-chan Event {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	events, err := s.admin.Follow(ctx, s.ID, filters...)
	if err != nil {
		t.Fatalf("testkit: %v", err)
	}
	return events
}
