package weavy_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/fileemu/fileemu/internal/formdata"
	"github.com/fileemu/fileemu/testkit"
)

// formOf writes parts as a multipart/form-data body with boundary.
func formOf(f testing.TB, boundary string, parts ...part) []byte {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.SetBoundary(boundary); err != nil {
		f.Fatal(err)
	}
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		cd := fmt.Sprintf(`form-data; name=%q`, p.name)
		if p.filename != "" {
			cd += fmt.Sprintf(`; filename=%q`, p.filename)
		}
		h.Set("Content-Disposition", cd)
		if p.contentType != "" {
			h.Set("Content-Type", p.contentType)
		}
		w, err := mw.CreatePart(h)
		if err != nil {
			f.Fatal(err)
		}
		w.Write(p.content)
	}
	mw.Close()
	return buf.Bytes()
}

// weavyPost sends an authorised request, failing tb unless the answer is 2xx.
func weavyPost(tb testing.TB, hc *http.Client, method, u, contentType string, body []byte) []byte {
	tb.Helper()
	req, _ := http.NewRequest(method, u, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer weavy-api-key")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, b := testkit.Do(tb, hc, req)
	if resp.StatusCode >= 300 {
		tb.Fatalf("%s %s = %d %s", method, u, resp.StatusCode, b)
	}
	return b
}

// FuzzListQuery sends arbitrary query strings to the file lists. Nothing answers 5xx (the
// validating client checks every answer against the spec); a 200 list has at most take items
// (25 unless take is given), no file twice, a count covering them, and no trashed file unless
// trashed asks for them; a refusal is a 400/422 problem.
func FuzzListQuery(f *testing.F) {
	emu := testkit.Start(f)
	s := emu.Session(f)
	base, hc := s.URL("weavy"), emu.Client(f)
	weavyPost(f, hc, "POST", base+"/api/apps", "application/json", []byte(`{"type":"files","uid":"fz"}`))
	for i, name := range []string{"b.txt", "A.txt", "c.PNG", "b copy.txt"} {
		b := weavyPost(f, hc, "POST", base+"/api/blobs", "multipart/form-data; boundary=fz",
			formOf(f, "fz", part{"blob", name, "text/plain", bytes.Repeat([]byte("x"), i+1)}))
		var bl blob
		if err := json.Unmarshal(b, &bl); err != nil {
			f.Fatal(err)
		}
		weavyPost(f, hc, "POST", base+"/api/apps/fz/files", "application/json", fmt.Appendf(nil, `{"blob_id":%d,"tags":["t%d"]}`, bl.ID, i%2))
	}
	weavyPost(f, hc, "POST", base+"/api/files/2/trash", "", nil)
	for _, q := range []string{"", "skip=0&take=25&orderby=name&trashed=null", "order_by=size+desc&take=1", "q=B&tag=T1",
		"take=0", "take=101", "skip=-1", "around=3&take=1", "count_only=true", "trashed=true&order_by=updated_at%20asc",
		"order_by=nope", "take=2&skip=99999999999", "q=%zz", "take=1&take=2", "orderby=name+desc&order_by="} {
		f.Add(q, false)
		f.Add(q, true)
	}
	f.Fuzz(func(t *testing.T, rawQuery string, app bool) {
		path := "/api/files"
		if app {
			path = "/api/apps/fz/files"
		}
		req, err := http.NewRequest("GET", base+path+"?"+rawQuery, nil)
		if err != nil || req.URL.RawQuery != rawQuery || strings.ContainsFunc(rawQuery, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
			return // not a request line a client can send (net/http itself answers those 400)
		}
		req.Header.Set("Authorization", "Bearer weavy-api-key")
		resp, b := testkit.Do(t, emu.Client(t), req)
		if resp.StatusCode >= 500 {
			t.Fatalf("?%s: %d %s", rawQuery, resp.StatusCode, b)
		}
		if resp.StatusCode != 200 {
			if (resp.StatusCode != 400 && resp.StatusCode != 422) || !strings.Contains(resp.Header.Get("Content-Type"), "problem+json") {
				t.Fatalf("?%s: %d %s %s", rawQuery, resp.StatusCode, resp.Header.Get("Content-Type"), b)
			}
			return
		}
		q, _ := url.ParseQuery(rawQuery)
		var l list
		if err := json.Unmarshal(b, &l); err != nil {
			t.Fatalf("?%s: %s: %v", rawQuery, b, err)
		}
		take := 25
		if n, err := strconv.Atoi(q.Get("take")); err == nil && q.Has("take") {
			take = n
		}
		if len(l.Data) > take {
			t.Fatalf("?%s: %d items, take %d", rawQuery, len(l.Data), take)
		}
		if l.Count < len(l.Data) {
			t.Fatalf("?%s: count %d < %d items", rawQuery, l.Count, len(l.Data))
		}
		if len(l.Data) > 0 && (l.Start == nil || l.End == nil || *l.End-*l.Start != len(l.Data) || *l.End > l.Count) {
			t.Fatalf("?%s: start/end/count do not frame %d items: %s", rawQuery, len(l.Data), b)
		}
		seen := map[int64]bool{}
		for _, fl := range l.Data {
			if seen[fl.ID] {
				t.Fatalf("?%s: file %d twice", rawQuery, fl.ID)
			}
			seen[fl.ID] = true
			if fl.IsTrashed && q.Get("trashed") != "true" && q.Get("trashed") != "null" {
				t.Fatalf("?%s: trashed file %d listed", rawQuery, fl.ID)
			}
			if sub := q.Get("q"); sub != "" && !strings.Contains(strings.ToLower(fl.Name), strings.ToLower(sub)) {
				t.Fatalf("?%s: %q does not match q", rawQuery, fl.Name)
			}
		}
	})
}

// FuzzBlobUpload posts arbitrary multipart bodies to /api/blobs. A refused upload (4xx) stores
// nothing; an accepted one (201) stores one object and its body was a complete form.
func FuzzBlobUpload(f *testing.F) {
	emu := testkit.Start(f)
	s := emu.Session(f)
	base := s.URL("weavy")
	const boundary = "fuzzboundary"
	whole := func(parts ...part) []byte { return formOf(f, boundary, parts...) }
	ok := whole(part{"blob", "a.txt", "text/plain", []byte("hello")})
	f.Add(ok)
	f.Add(ok[:len(ok)-4])
	f.Add(ok[:len(ok)/2])
	f.Add(whole(part{"blob", "", "", []byte("no filename")}))
	f.Add(whole(part{"other", "x.bin", "", []byte("x")}))
	f.Add(whole(part{"blob", "a.png", "image/png", pngOf(&testing.T{}, 3, 2)}, part{"blob", "b.txt", "", []byte("two")}))
	f.Add([]byte("--" + boundary + "--\r\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, body []byte) {
		before := len(s.State(t).Objects)
		req, _ := http.NewRequest("POST", base+"/api/blobs", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer weavy-api-key")
		req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		resp, b := testkit.Do(t, emu.Client(t), req)
		after := len(s.State(t).Objects)
		switch {
		case resp.StatusCode == 201:
			if after != before+1 {
				t.Fatalf("201 stored %d objects", after-before)
			}
			if _, err := readForm(body, boundary); err != nil {
				t.Fatalf("201 for an incomplete form (%v): %q", err, body)
			}
		case resp.StatusCode >= 400 && resp.StatusCode < 500:
			if after != before {
				t.Fatalf("%d %s stored %d objects", resp.StatusCode, b, after-before)
			}
		default:
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
	})
}

// readForm reads a whole form the reference way: every part to its end, then io.EOF.
func readForm(body []byte, boundary string) (int, error) {
	r := formdata.NewReader(bytes.NewReader(body), boundary)
	for n := 0; ; n++ {
		p, err := r.NextPart()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if _, err := io.Copy(io.Discard, p); err != nil {
			return n, err
		}
	}
}
