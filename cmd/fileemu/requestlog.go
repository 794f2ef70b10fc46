package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"

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
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %-6s %8s %-9s %-10s %-32s %s",
		r.Time.UTC().Format("2006-01-02T15:04:05.000Z"), st, printable(method), dur.Round(10*time.Microsecond),
		"in "+size(in), "out "+size(out), what, printable(path))
	if session != "" && !strings.HasPrefix(path, emulator.SessionPrefix+session+"/") {
		b.WriteString(" session=" + printable(session)) // chosen by header, or the default one
	}
	if reason != "" {
		b.WriteString("  " + printable(reason))
	}
	b.WriteByte('\n')
	_, err := io.WriteString(h.w, b.String()) // one write per line: lines never interleave
	return err
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
