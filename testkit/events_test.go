package testkit

import (
	"bufio"
	"errors"
	"strings"
	"testing"
)

// A stream that breaks off (here: an event larger than the reader takes) is reported, not taken
// for the stream's end.
func TestReadEventsReportsABrokenStream(t *testing.T) {
	var got []string
	stream := "event: request\ndata: {}\n\n" + "data: " + strings.Repeat("x", 9<<20) + "\n\n"
	err := readEvents(strings.NewReader(stream), func(kind, data string) bool {
		got = append(got, kind)
		return true
	})
	if !errors.Is(err, bufio.ErrTooLong) || len(got) != 1 {
		t.Errorf("readEvents = %v after %v, want bufio.ErrTooLong after one event", err, got)
	}
	if err := readEvents(strings.NewReader("event: lost\ndata: x\n\n"), func(string, string) bool { return true }); err != nil {
		t.Errorf("readEvents at the end of a stream = %v", err)
	}
}
