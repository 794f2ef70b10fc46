package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/fileemu/fileemu/emulator"
)

// requestLines renders the emulator's request records (emulator.RequestLogMessage) as aligned
// lines a terminal reads at a glance, the status coloured when the output is a terminal; every
// other record goes to the text handler it wraps. JSON logs need none of this: each request is
// one object per line with the same fields.
type requestLines struct {
	slog.Handler // the text handler, for every other record
	w            io.Writer
	color        bool
}

func (h *requestLines) WithAttrs(as []slog.Attr) slog.Handler {
	return &requestLines{h.Handler.WithAttrs(as), h.w, h.color}
}

func (h *requestLines) WithGroup(name string) slog.Handler {
	return &requestLines{h.Handler.WithGroup(name), h.w, h.color}
}

func (h *requestLines) Handle(ctx context.Context, r slog.Record) error {
	if r.Message != emulator.RequestLogMessage {
		return h.Handler.Handle(ctx, r)
	}
	var (
		status                                 int64
		method, path, api, op, session, reason string
		dur                                    time.Duration
		in, out                                int64
	)
	r.Attrs(func(a slog.Attr) bool {
		v := a.Value.Resolve()
		switch a.Key {
		case "status":
			status = v.Int64()
		case "method":
			method = v.String()
		case "path":
			path = v.String()
		case "api":
			api = v.String()
		case "operation":
			op = v.String()
		case "session":
			session = v.String()
		case "duration":
			dur = v.Duration()
		case "in":
			in = v.Int64()
		case "out":
			out = v.Int64()
		case "reason":
			reason = v.String()
		}
		return true
	})
	st := "---" // a broken connection: no status reached the client
	if status != 0 {
		st = strconv.FormatInt(status, 10)
	}
	if h.color {
		st = statusColor(status) + st + "\x1b[0m"
	}
	what := api
	if op != "" {
		what += "." + op
	}
	// Fixed-width columns first, the path (of any length) after them: the columns stay aligned.
	// Appended into a pooled buffer (what fmt's "%s %s %-6s %8s %-9s %-10s %-32s %s" wrote).
	bp := lineBufs.Get().(*[]byte)
	b := r.Time.UTC().AppendFormat((*bp)[:0], "2006-01-02T15:04:05.000Z")
	b = append(append(b, ' '), st...)
	b = pad(append(b, ' '), printable(method), -6)
	b = pad(append(b, ' '), dur.Round(10*time.Microsecond).String(), 8)
	b = pad(append(b, ' '), "in "+size(in), -9)
	b = pad(append(b, ' '), "out "+size(out), -10)
	b = pad(append(b, ' '), what, -32)
	b = append(append(b, ' '), printable(path)...)
	if session != "" && !strings.HasPrefix(path, emulator.SessionPrefix+session+"/") {
		b = append(append(b, " session="...), printable(session)...) // chosen by header, or the default one
	}
	if reason != "" {
		b = append(append(b, "  "...), printable(reason)...)
	}
	b = append(b, '\n')
	_, err := h.w.Write(b) // one write per line: lines never interleave
	if cap(b) <= 16<<10 {
		*bp = b
		lineBufs.Put(bp)
	}
	return err
}

var lineBufs = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// pad appends s padded with spaces to width runes, as fmt's %*s does: on the left for a
// positive width, on the right for a negative one.
func pad(b []byte, s string, width int) []byte {
	n := utf8.RuneCountInString(s)
	if width < 0 {
		b = append(b, s...)
		for ; n < -width; n++ {
			b = append(b, ' ')
		}
		return b
	}
	for ; n < width; n++ {
		b = append(b, ' ')
	}
	return append(b, s...)
}

// statusColor is the ANSI colour of a status class: green 2xx, cyan 3xx, yellow 4xx, red 5xx
// and broken connections.
func statusColor(status int64) string {
	switch {
	case status >= 200 && status < 300:
		return "\x1b[32m"
	case status >= 300 && status < 400:
		return "\x1b[36m"
	case status >= 400 && status < 500:
		return "\x1b[33m"
	}
	return "\x1b[31m"
}

// size is n bytes, short.
func size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1fM", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1fK", float64(n)/(1<<10))
	}
	return strconv.FormatInt(n, 10) + "B"
}

// printable keeps what clients sent (paths, reasons quoting their values) from writing control
// sequences to the terminal: anything not graphic is escaped as Go would quote it.
func printable(s string) string {
	for _, c := range s {
		if !unicode.IsGraphic(c) {
			q := strconv.QuoteToGraphic(s)
			return q[1 : len(q)-1]
		}
	}
	return s
}

// isTerminal reports whether w is a terminal that takes colours (NO_COLOR and TERM=dumb say no).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
