package formdata

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"strings"
	"testing"
	"testing/iotest"
)

// readAll reads every part of body like the upload handlers do: NextPart, then the part's
// content. It returns the contents and the error that ended the loop.
func readAll(body io.Reader, boundary string) ([][]byte, error) {
	r := NewReader(body, boundary)
	var parts [][]byte
	for {
		p, err := r.NextPart()
		if err != nil {
			return parts, err
		}
		b, err := io.ReadAll(p)
		if err != nil {
			return parts, err
		}
		parts = append(parts, b)
	}
}

// closes reports whether body holds the final delimiter of boundary at the start of a line:
// the reference check a body answered with io.EOF must pass.
func closes(body []byte, boundary string) bool {
	final := []byte("--" + boundary + "--")
	return bytes.HasPrefix(body, final) || bytes.Contains(body, append([]byte("\n"), final...))
}

// FuzzNextPart: over arbitrary bodies, io.EOF only for a body that holds its final delimiter;
// a body without one ends in ErrTruncated or another error, never in io.EOF.
func FuzzNextPart(f *testing.F) {
	head := "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\nbytes\r\n"
	for _, s := range []string{
		head + "--XyZ--\r\n", head + "--XyZ--", "--XyZ--\r\n", head + "--XyZ", head,
		head + "--XyZ\r\nContent-Disposition: form-da", "--XyZ\r\nContent-Disposition: form-data; name=\"f\"",
		"preamble\r\n" + head + "--XyZ--\r\nepilogue", "--XyZ\n\nx\n--XyZ--", "",
	} {
		f.Add([]byte(s), "XyZ", uint8(0))
	}
	f.Fuzz(func(t *testing.T, body []byte, boundary string, chunk uint8) {
		if boundary == "" || len(boundary) > 70 {
			return // mime.ParseMediaType's callers refuse these before a reader exists
		}
		var rd io.Reader = bytes.NewReader(body)
		if chunk%2 == 1 {
			rd = iotest.OneByteReader(rd) // the tail must not depend on read sizes
		}
		_, err := readAll(rd, boundary)
		if errors.Is(err, io.EOF) && !closes(body, boundary) {
			t.Fatalf("io.EOF for a body without its final delimiter: %q", body)
		}
		if errors.Is(err, ErrTruncated) && closes(body[max(0, len(body)-tailSize):], boundary) {
			t.Fatalf("ErrTruncated for a body closing in its last bytes: %q", body)
		}
	})
}

// FuzzNextPartCut: a form written by mime/multipart reads back whole (same parts, then io.EOF);
// the same body cut anywhere before the end of its final delimiter never ends in io.EOF.
func FuzzNextPartCut(f *testing.F) {
	f.Add("file", "a.txt", []byte("hello"), []byte("world"), uint16(10), uint8(0))
	f.Add("key", "", []byte("uploads/a b.txt"), []byte{}, uint16(0), uint8(1))
	f.Add("f", "x", bytes.Repeat([]byte("--"), 3000), []byte("\r\n--"), uint16(6000), uint8(3))
	f.Fuzz(func(t *testing.T, name, filename string, a, b []byte, cut uint16, mode uint8) {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		if strings.ContainsFunc(name+filename, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '"' || r == '\\' }) {
			return // multipart.Writer writes header values as given
		}
		var want [][]byte
		for _, content := range [][]byte{a, b} {
			var pw io.Writer
			var err error
			if filename != "" {
				pw, err = w.CreateFormFile(name, filename)
			} else {
				pw, err = w.CreateFormField(name)
			}
			if err != nil {
				t.Fatal(err)
			}
			pw.Write(content)
			want = append(want, content)
		}
		if mode&2 != 0 && len(want) > 0 {
			want = nil // also a form without parts
			buf.Reset()
			w = multipart.NewWriter(&buf)
		}
		w.Close()
		body := buf.Bytes()
		got, err := readAll(bytes.NewReader(body), w.Boundary())
		if !errors.Is(err, io.EOF) {
			t.Fatalf("complete body: %v", err)
		}
		if len(got) != len(want) {
			t.Fatalf("complete body: %d parts, want %d", len(got), len(want))
		}
		for i := range got {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("part %d: %q, want %q", i, got[i], want[i])
			}
		}
		end := bytes.LastIndex(body, []byte("--"+w.Boundary()+"--")) + len(w.Boundary()) + 4
		n := int(cut) % (end + 1)
		if n == end {
			return
		}
		var rd io.Reader = bytes.NewReader(body[:n])
		if mode&1 != 0 {
			rd = iotest.OneByteReader(rd)
		}
		if _, err := readAll(rd, w.Boundary()); errors.Is(err, io.EOF) {
			t.Fatalf("body cut at %d of %d answered io.EOF: %q", n, len(body), body[:n])
		}
	})
}
