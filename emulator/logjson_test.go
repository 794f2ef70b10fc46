package emulator_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/fileemu/fileemu/emulator"
)

// TestJSONLogHandlerMatchesSlog: request records come out byte for byte as slog's JSON handler
// writes them, whatever the strings hold, and every other record goes to slog's handler.
func TestJSONLogHandlerMatchesSlog(t *testing.T) {
	at := time.Date(2026, 11, 26, 6, 17, 47, 123456789, time.FixedZone("X", 3600))
	strs := []string{"", "plain", `quote " and \ backslash`, "ctl \x00\x01\x1f\t\r\n", "<html>&amp;</html>",
		"ünïcödé 日本", "bad \xff\xfe utf8", "sep \u2028 \u2029", "/_s/t1/v1/files/signed-url?filename=a%20b.pdf&api-key=REDACTED"}
	var records []slog.Record
	for i, s := range strs {
		r := slog.NewRecord(at, []slog.Level{slog.LevelInfo, slog.LevelDebug}[i%2], emulator.RequestLogMessage, 0)
		r.AddAttrs(slog.Int("status", 200+i), slog.String("method", "GET"), slog.String("path", s),
			slog.String("api", "haufe"), slog.String("operation", s), slog.String("session", "default"),
			slog.Duration("duration", time.Duration(i)*1234567*time.Nanosecond), slog.Int64("in", int64(i)), slog.Int64("out", -1),
			slog.String("reason", s), slog.Bool("flag", i%2 == 0), slog.Uint64("u", uint64(i)), slog.Attr{})
		records = append(records, r)
	}
	noTime := slog.NewRecord(time.Time{}, slog.LevelWarn, emulator.RequestLogMessage, 0)
	noTime.AddAttrs(slog.Int("status", 0))
	other := slog.NewRecord(at, slog.LevelInfo, "listening", 0)
	other.AddAttrs(slog.String("addr", "127.0.0.1:8080"), slog.Float64("f", 1.5))
	floaty := slog.NewRecord(at, slog.LevelInfo, emulator.RequestLogMessage, 0)
	floaty.AddAttrs(slog.Float64("f", 0.1), slog.Time("t", at), slog.Any("a", []int{1}), slog.Group("g", slog.Int("x", 1)))
	records = append(records, noTime, other, floaty)

	for _, opts := range []*slog.HandlerOptions{nil, {Level: slog.LevelDebug}} {
		for _, r := range records {
			var want, got bytes.Buffer
			if err := slog.NewJSONHandler(&want, opts).Handle(context.Background(), r); err != nil {
				t.Fatal(err)
			}
			if err := emulator.NewJSONLogHandler(&got, opts).Handle(context.Background(), r); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Errorf("record %q:\n got %s\nwant %s", r.Message, got.String(), want.String())
			}
		}
	}
	// Attributes added with With (and groups) are slog's to write: the output stays slog's.
	var want, got bytes.Buffer
	slog.New(slog.NewJSONHandler(&want, nil)).With("component", "x").WithGroup("g").LogAttrs(context.Background(), slog.LevelInfo, emulator.RequestLogMessage, slog.Int("status", 200))
	slog.New(emulator.NewJSONLogHandler(&got, nil)).With("component", "x").WithGroup("g").LogAttrs(context.Background(), slog.LevelInfo, emulator.RequestLogMessage, slog.Int("status", 200))
	trimTime := func(s string) string { return s[bytes.IndexByte([]byte(s), ','):] }
	if trimTime(got.String()) != trimTime(want.String()) {
		t.Errorf("With and WithGroup:\n got %s\nwant %s", got.String(), want.String())
	}
	// ReplaceAttr changes what is written: slog writes it.
	opts := &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}
	want.Reset()
	got.Reset()
	_ = slog.NewJSONHandler(&want, opts).Handle(context.Background(), records[1])
	_ = emulator.NewJSONLogHandler(&got, opts).Handle(context.Background(), records[1])
	if got.String() != want.String() {
		t.Errorf("ReplaceAttr:\n got %s\nwant %s", got.String(), want.String())
	}
	if !emulator.NewJSONLogHandler(io.Discard, nil).Enabled(context.Background(), slog.LevelInfo) ||
		emulator.NewJSONLogHandler(io.Discard, nil).Enabled(context.Background(), slog.LevelDebug) {
		t.Error("Enabled is not slog's")
	}
}
