package filesro_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/fileemu/fileemu/internal/formdata"
	"github.com/fileemu/fileemu/testkit"
)

// formWith writes parts as a multipart/form-data body with a fixed boundary.
func formWith(tb testing.TB, boundary string, parts ...part) []byte {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.SetBoundary(boundary); err != nil {
		tb.Fatal(err)
	}
	for _, p := range parts {
		if p.filename != "" {
			w, _ := mw.CreateFormFile(p.name, p.filename)
			w.Write(p.content)
			continue
		}
		mw.WriteField(p.name, p.value)
	}
	mw.Close()
	return buf.Bytes()
}

// complete reads a form the reference way: every part to its end, then io.EOF.
func complete(body []byte, boundary string) error {
	r := formdata.NewReader(bytes.NewReader(body), boundary)
	for {
		p, err := r.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := io.Copy(io.Discard, p); err != nil {
			return err
		}
	}
}

// FuzzShareUpload posts arbitrary multipart bodies to a share's uploads, simple and chunked.
// Nothing answers 5xx (the validating client checks each answer against the spec); a refused
// upload (4xx) leaves the session's stored objects exactly as they were; an accepted one (200
// chunk, 201 file) was a complete form.
func FuzzShareUpload(f *testing.F) {
	emu := testkit.Start(f)
	s := emu.Session(f)
	// The documented route, and the web client's (VueFileManager) chunked one.
	routes := []string{s.URL("filesro") + "/api/v1/shares/demo/uploads", s.URL("filesro") + "/api/sharing/upload/chunks/demo"}
	const boundary = "fuzzfilesro"
	simple := formWith(f, boundary, text("name", "a"), text("extension", "txt"), text("path", "/A/B/a.txt"), file("file", "a.txt", []byte("hello")))
	for _, b := range [][]byte{
		simple, simple[:len(simple)-4], simple[:len(simple)/2],
		formWith(f, boundary, text("name", "c"), text("extension", "bin"), text("is_last_chunk", "0"), file("chunk", "k-c.bin.part", []byte("first "))),
		formWith(f, boundary, text("name", "c"), text("extension", "bin"), text("is_last_chunk", "1"), file("chunk", "k-c.bin.part", []byte("last"))),
		formWith(f, boundary, text("name", "x"), text("extension", "txt"), text("path", "../../x.txt"), file("file", "x.txt", []byte("x"))),
		formWith(f, boundary, text("name", "x"), text("extension", "txt"), text("parent_id", "00000000-0000-0000-0000-000000000000"), file("file", "x.txt", []byte("x"))),
		formWith(f, boundary, text("name", "e"), text("extension", "com"), file("file", "eicar.com", []byte(`X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`))),
		formWith(f, boundary, text("name", "only")),
		[]byte("--" + boundary + "--\r\n"),
	} {
		f.Add(b, false)
	}
	// As the web client sends its chunks (name with a space, chunk named after a random prefix).
	for _, last := range []string{"0", "1"} {
		f.Add(formWith(f, boundary, text("name", "notes one.txt"), file("chunk", "abcdefghijklmnop-notes-one.txt.part", []byte("hello ")),
			text("extension", "txt"), text("is_last_chunk", last)), true)
	}
	names := func(t *testing.T) []string {
		var out []string
		for _, o := range s.State(t).Objects {
			out = append(out, o.Name+" "+o.SHA256)
		}
		slices.Sort(out)
		return out
	}
	f.Fuzz(func(t *testing.T, body []byte, vfm bool) {
		u := routes[0]
		if vfm {
			u = routes[1]
		}
		before := names(t)
		// A hang is a failure too: the fuzzing engine itself has no per-input timeout.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "POST", u, bytes.NewReader(body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		req.Header.Set("Accept", "application/json")
		resp, b := testkit.Do(t, emu.Client(t), req)
		switch st := resp.StatusCode; {
		case st == 200 || st == 201:
			if err := complete(body, boundary); err != nil {
				t.Fatalf("%d for an incomplete form (%v): %q", st, err, body)
			}
		case st >= 400 && st < 500:
			if after := names(t); !slices.Equal(before, after) {
				t.Fatalf("%d %s changed the stored objects:\n%q\n%q", st, b, before, after)
			}
		default:
			t.Fatalf("%d %s", st, b)
		}
	})
}
