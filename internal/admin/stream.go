package admin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/journal"
)

// Live stream tuning: how often a stream says it is alive, how long one write may block before
// a client that stopped reading is dropped, and how often a stream looks at the journal at
// most (a burst of requests is sent as one batch, so a thousand streams cost the request path
// nothing but a channel close per change).
const (
	DefaultHeartbeat = 15 * time.Second
	streamWriteLimit = 10 * time.Second
	streamBatch      = 50 * time.Millisecond
)

// streamRequests serves GET /__admin/requests/stream: the journal as Server-Sent Events. Each
// new entry is an event "request" whose id is its seq; when an entry is completed (duration,
// bodies) an event "update" without id carries it again, so Last-Event-ID stays the newest seq
// sent. A client that reconnects with Last-Event-ID (or asks ?after=) first gets the entries
// after it that are still held. "lost" says the stream fell behind the journal's change feed:
// read GET /__admin/requests again.
func (s *service) streamRequests(r *api.Request) error {
	f, ok, err := s.filter(r)
	if !ok {
		return err
	}
	if id := r.Request().Header.Get("Last-Event-ID"); id != "" {
		after, err := strconv.ParseUint(strings.TrimSpace(id), 10, 64)
		if err != nil {
			return Error{Status: 422, Code: "invalid_request", Message: fmt.Sprintf("Last-Event-ID %q: want the seq of the last event received", id)}
		}
		f.AfterSeq = max(f.AfterSeq, after)
	}
	resume := f.AfterSeq > 0 || r.Request().URL.Query().Has("after")
	f.Limit = 0
	j := s.d.Journal
	pos, last := j.Position() // before the backlog is read: nothing falls between the two

	w := r.Response()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // proxies must not hold events back
	w.WriteHeader(http.StatusOK)
	st := &stream{w: w, rc: http.NewResponseController(w), filter: f}
	if err := st.send("retry: 3000\n\n"); err != nil {
		return nil
	}
	if resume {
		// The backlog, flushed as it grows: a slow reader gets it in parts, each write with a
		// deadline of its own.
		for _, e := range j.Find(f) {
			st.event("request", e)
			if st.buf.Len() >= 256<<10 && st.flush() != nil {
				return nil
			}
		}
		st.last = max(st.last, f.AfterSeq)
	} else {
		st.last = last
	}
	// What changes from now on: entries the client saw begin (seq <= AfterSeq) may still complete.
	live := f
	live.AfterSeq = 0
	if err := st.flush(); err != nil {
		return nil // the client left: nothing more to say
	}
	heartbeat := s.d.Heartbeat
	if heartbeat <= 0 {
		heartbeat = DefaultHeartbeat
	}
	beat := time.NewTicker(heartbeat)
	defer beat.Stop()
	ctx := r.ClientContext()
	for {
		// A stream following one session sleeps through the other sessions' changes.
		ready, from := j.WaitSession(pos, live.Session)
		pos = from
		select {
		case <-ctx.Done():
			return nil
		case <-s.d.Done:
			return nil
		case <-beat.C:
			if st.send(": heartbeat\n\n") != nil {
				return nil
			}
		case <-ready:
			entries, next, lost := j.Changes(pos, live)
			pos = next
			if lost {
				st.buf.WriteString("event: lost\ndata: {}\n\n")
			}
			for _, e := range entries {
				if e.Seq > st.last {
					st.event("request", e)
				} else {
					st.event("update", e)
				}
			}
			if st.flush() != nil {
				return nil
			}
			// Batch what arrives next instead of waking per request.
			select {
			case <-time.After(streamBatch):
			case <-ctx.Done():
				return nil
			case <-s.d.Done:
				return nil
			}
		}
	}
}

// stream is one client's event stream: events are gathered in buf and written in one go.
type stream struct {
	w      http.ResponseWriter
	rc     *http.ResponseController
	filter journal.Filter
	buf    bytes.Buffer
	last   uint64 // the newest seq sent as a "request" event
}

// event adds one event carrying e; "request" events carry its seq as id.
func (st *stream) event(kind string, e journal.Entry) {
	data, err := json.Marshal(e)
	if err != nil {
		return // an entry is plain data: it always encodes
	}
	if kind == "request" {
		fmt.Fprintf(&st.buf, "id: %d\n", e.Seq)
		st.last = e.Seq
	}
	fmt.Fprintf(&st.buf, "event: %s\ndata: %s\n\n", kind, data)
}

// send writes s now.
func (st *stream) send(s string) error {
	st.buf.WriteString(s)
	return st.flush()
}

// flush writes what was gathered, dropping a client that does not read it in time.
func (st *stream) flush() error {
	if st.buf.Len() > 0 {
		_ = st.rc.SetWriteDeadline(time.Now().Add(streamWriteLimit))
		_, err := st.w.Write(st.buf.Bytes())
		st.buf.Reset()
		if err != nil {
			return err
		}
	}
	return st.rc.Flush()
}
