package emulator

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// NewJSONLogHandler is slog's JSON handler (slog.NewJSONHandler(w, opts)) that writes the
// request records (RequestLogMessage) itself: the same bytes, appended into a pooled buffer and
// written in one Write, without slog's general encoder, which took most of the request log's
// cost (a tenth of a signed-url request). Other records, and every record once ReplaceAttr,
// AddSource, WithAttrs or WithGroup make the output more than the record, go to slog's handler.
func NewJSONLogHandler(w io.Writer, opts *slog.HandlerOptions) slog.Handler {
	fast := opts == nil || (opts.ReplaceAttr == nil && !opts.AddSource)
	return &jsonLog{Handler: slog.NewJSONHandler(w, opts), w: w, mu: &sync.Mutex{}, fast: fast}
}

type jsonLog struct {
	slog.Handler // slog's: every other record, and Enabled
	w            io.Writer
	mu           *sync.Mutex // one line at a time from this handler and the ones derived from it
	fast         bool        // the output is the record alone: request records are encoded here
}

func (h *jsonLog) WithAttrs(as []slog.Attr) slog.Handler {
	if len(as) == 0 {
		return h
	}
	return &jsonLog{Handler: h.Handler.WithAttrs(as), w: h.w, mu: h.mu}
}

func (h *jsonLog) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &jsonLog{Handler: h.Handler.WithGroup(name), w: h.w, mu: h.mu}
}

var jsonLines = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

func (h *jsonLog) Handle(ctx context.Context, r slog.Record) error {
	if !h.fast || r.Message != RequestLogMessage || !plainAttrs(r) {
		return h.Handler.Handle(ctx, r)
	}
	bp := jsonLines.Get().(*[]byte)
	b := append((*bp)[:0], '{')
	if !r.Time.IsZero() {
		b = append(b, `"time":"`...)
		b = r.Time.Round(0).AppendFormat(b, time.RFC3339Nano)
		b = append(b, `",`...)
	}
	b = append(b, `"level":`...)
	b = appendJSONString(b, r.Level.String())
	b = append(b, `,"msg":`...)
	b = appendJSONString(b, r.Message)
	r.Attrs(func(a slog.Attr) bool {
		if a.Equal(slog.Attr{}) {
			return true // slog leaves empty attributes out
		}
		b = append(b, ',')
		b = appendJSONString(b, a.Key)
		b = append(b, ':')
		v := a.Value.Resolve()
		switch v.Kind() {
		case slog.KindString:
			b = appendJSONString(b, v.String())
		case slog.KindInt64:
			b = strconv.AppendInt(b, v.Int64(), 10)
		case slog.KindUint64:
			b = strconv.AppendUint(b, v.Uint64(), 10)
		case slog.KindBool:
			b = strconv.AppendBool(b, v.Bool())
		case slog.KindDuration:
			b = strconv.AppendInt(b, int64(v.Duration()), 10) // as slog (and json.Marshal) do
		}
		return true
	})
	b = append(b, "}\n"...)
	h.mu.Lock()
	_, err := h.w.Write(b)
	h.mu.Unlock()
	if cap(b) <= 16<<10 { // a huge path is not kept around
		*bp = b
		jsonLines.Put(bp)
	}
	return err
}

// plainAttrs reports whether every attribute of r is of a kind Handle encodes exactly as slog
// does; others (floats, times, any, groups) go to slog.
func plainAttrs(r slog.Record) bool {
	ok := true
	r.Attrs(func(a slog.Attr) bool {
		switch a.Value.Resolve().Kind() {
		case slog.KindString, slog.KindInt64, slog.KindUint64, slog.KindBool, slog.KindDuration:
		default:
			ok = a.Equal(slog.Attr{})
		}
		return ok
	})
	return ok
}

// appendJSONString appends s as a JSON string escaped exactly as slog's JSON handler escapes
// it: '"', '\\' and control characters, invalid UTF-8 as \ufffd, U+2028 and U+2029; HTML
// characters stay as they are.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
