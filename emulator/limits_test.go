package emulator_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fileemu/fileemu/testkit"
)

// A body that is not an upload is bounded before it is read whole: 413 in each API's envelope,
// with or without a Content-Length, and the journal records it.
func TestNonUploadBodiesAreBounded(t *testing.T) {
	emu := testkit.Start(t, testkit.WithMaxBodySize(64<<10))
	s := emu.Session(t)
	client := emu.Client(t)
	cases := []struct {
		name, method, url string
		header            map[string]string
		want              string
	}{
		{"desk", "POST", s.URL("desk") + "/files/ref.json", map[string]string{"Authorization": "Bearer k"}, `"errors"`},
		{"haufe", "POST", s.URL("haufe") + "/v1/threads", map[string]string{"api-key": "k", "user-id": "u"}, `"error_code"`},
		{"weavy", "POST", s.URL("weavy") + "/api/apps", map[string]string{"Authorization": "Bearer k"}, `"status":413`},
		{"filesro", "POST", s.URL("filesro") + "/api/v1/shares/demo-protected/authenticate", nil, `"message"`},
		{"admin", "POST", s.URL("admin") + "/sessions", nil, `"error":"request_entity_too_large"`},
	}
	for _, c := range cases {
		for _, known := range []bool{true, false} {
			size := int64(1 << 20)
			var body io.Reader = &patternReader{left: size}
			req, _ := http.NewRequest(c.method, c.url, body)
			if known {
				req.ContentLength = size
			} else {
				req.ContentLength = -1 // chunked: the bound must stop reading by itself
			}
			req.Header.Set("Content-Type", "application/json")
			for k, v := range c.header {
				req.Header.Set(k, v)
			}
			resp, b := testkit.Do(t, client, req)
			if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), c.want) {
				t.Errorf("%s (length known %v) = %d %s, want 413 with %s", c.name, known, resp.StatusCode, b, c.want)
			}
		}
	}
	if n := s.Count(t, testkit.Status(413)); n != 8 {
		t.Errorf("journal has %d 413s, want 8 (the admin API is not journaled)", n)
	}
	// Below the bound, the same requests are handled.
	req, _ := http.NewRequest("POST", s.URL("admin")+"/sessions", strings.NewReader(`{"id":"small-enough"}`))
	req.Header.Set("Content-Type", "application/json")
	if resp, b := testkit.Do(t, client, req); resp.StatusCode != 201 {
		t.Errorf("small body = %d %s", resp.StatusCode, b)
	}
}

// A body that trickles (or declares more bytes than it sends) is cut once the grace period has
// passed and the average rate is below the minimum; a slow but steady upload is not.
func TestBodyPacing(t *testing.T) {
	emu := testkit.Start(t, testkit.WithBodyPacing(4000, 700*time.Millisecond))
	s := emu.Session(t)
	u, _ := url.Parse(signedPutURL(t, emu, s))
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "PUT %s HTTP/1.1\r\nHost: %s\r\nContent-Length: 100000\r\n\r\nabc", u.RequestURI(), u.Host)
	start := time.Now()
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err == nil {
		resp.Body.Close()
	}
	if waited := time.Since(start); waited > 20*time.Second {
		t.Errorf("a trickling body held the connection %s (err %v)", waited, err)
	}
	if err == nil && resp.StatusCode < 400 {
		t.Errorf("a trickling body was answered %d", resp.StatusCode)
	}
	if st := s.State(t); len(st.Objects) != 0 {
		t.Errorf("the cut upload stored %v", st.Objects)
	}

	// 40 KB over about 1.2 s: 33 KB/s, far above the minimum, across the grace period.
	pr, pw := io.Pipe()
	go func() {
		for range 12 {
			pw.Write(bytes.Repeat([]byte("x"), 40_000/12))
			time.Sleep(100 * time.Millisecond)
		}
		pw.Write(bytes.Repeat([]byte("x"), 40_000-12*(40_000/12)))
		pw.Close()
	}()
	req, _ := http.NewRequest("PUT", signedPutURL(t, emu, s), pr)
	req.ContentLength = 40_000
	if resp, b := testkit.Do(t, emu.Client(t), req); resp.StatusCode != 200 {
		t.Errorf("a steady slow upload = %d %s", resp.StatusCode, b)
	}
}

// signedPutURL asks Haufe for an upload URL in session s.
func signedPutURL(t *testing.T, emu *testkit.Emulator, s *testkit.Session) string {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL("haufe")+"/v1/files/signed-url?filename=a.bin", nil)
	req.Header.Set("api-key", "k")
	req.Header.Set("user-id", "u")
	_, b := testkit.Do(t, emu.Client(t), req)
	var v struct {
		FileURL string `json:"file_url"`
	}
	if err := json.Unmarshal(b, &v); err != nil || v.FileURL == "" {
		t.Fatalf("signed-url: %s", b)
	}
	return v.FileURL
}

// Past Go's 10,000 query parameters Go parses none: the answer says so instead of naming a
// "missing" parameter.
func TestTooManyQueryParameters(t *testing.T) {
	emu := testkit.Start(t)
	s := emu.Session(t)
	q := "filename=a.txt" + strings.Repeat("&x=1", 10_000)
	req, _ := http.NewRequest("GET", s.URL("haufe")+"/v1/files/signed-url?"+q, nil)
	req.Header.Set("api-key", "k")
	req.Header.Set("user-id", "u")
	resp, b := testkit.Do(t, emu.Client(t), req)
	if resp.StatusCode != 422 || !strings.Contains(string(b), "too many query parameters") {
		t.Errorf("= %d %s", resp.StatusCode, b)
	}
}

// A client that half-closes its connection after sending a complete request still gets the
// request processed: files.ro uploads with 10,000 fields before the file, and chunked uploads
// whose last chunk assembles the file.
func TestHalfClosedClientsGetTheirRequestProcessed(t *testing.T) {
	emu := testkit.Start(t)
	s := emu.Session(t)
	u, _ := url.Parse(s.URL("filesro") + "/api/v1/shares/demo/uploads")
	send := func(t *testing.T, fields map[string]string, many int, part, filename string, content []byte) int {
		t.Helper()
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for i := range many {
			mw.WriteField(fmt.Sprintf("x%d", i), "v")
		}
		for k, v := range fields {
			mw.WriteField(k, v)
		}
		w, _ := mw.CreateFormFile(part, filename)
		w.Write(content)
		mw.Close()
		conn, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n",
			u.RequestURI(), u.Host, mw.FormDataContentType(), body.Len())
		conn.Write(body.Bytes())
		conn.(*net.TCPConn).CloseWrite() // all sent: the client half-closes
		_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("no answer: %v", err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			t.Logf("answer: %d %s", resp.StatusCode, b)
		}
		return resp.StatusCode
	}
	for i := range 5 {
		if st := send(t, map[string]string{"name": fmt.Sprint("f", i), "extension": "txt"}, 10_000, "file", "f.txt", []byte("hello")); st != 201 {
			t.Errorf("upload %d after 10,000 fields, half-closed = %d, want 201", i, st)
		}
	}
	chunk := bytes.Repeat([]byte("c"), 1000)
	for i, last := range []string{"0", "0", "1"} {
		want := 200
		if last == "1" {
			want = 201
		}
		st := send(t, map[string]string{"name": "big.bin", "extension": "bin", "is_last_chunk": last}, 0, "chunk", "abcd1234abcd1234-big.bin.part", chunk)
		if st != want {
			t.Errorf("chunk %d half-closed = %d, want %d", i, st, want)
		}
	}
}

// A total storage bound across sessions: an upload that would cross it is refused in each
// API's own form (S3 507 InsufficientStorage, Weavy and files.ro 507), nothing of it is kept,
// and deleting objects or dropping a session gives the room back.
func TestMaxStorageAcrossSessions(t *testing.T) {
	const limit = 256 << 10
	emu := testkit.Start(t, testkit.WithMaxStorage(limit))
	client := emu.Client(t)
	a, b := emu.Session(t), emu.Session(t)
	put := func(s *testkit.Session, n int) (int, []byte) {
		req, _ := http.NewRequest("PUT", signedPutURL(t, emu, s), bytes.NewReader(bytes.Repeat([]byte("s"), n)))
		resp, body := testkit.Do(t, client, req)
		return resp.StatusCode, body
	}
	if st, body := put(a, 200<<10); st != 200 {
		t.Fatalf("200 KiB in A = %d %s", st, body)
	}
	// B's upload would cross the bound: refused while streaming, nothing kept.
	if st, body := put(b, 100<<10); st != 507 || !bytes.Contains(body, []byte("<Code>InsufficientStorage</Code>")) {
		t.Errorf("100 KiB more in B = %d %s, want 507 InsufficientStorage", st, body)
	}
	if objs := b.State(t).Objects; len(objs) != 0 {
		t.Errorf("B kept %+v", objs)
	}
	form, ct := multipartPart("blob", "big.bin", bytes.Repeat([]byte("w"), 100<<10))
	r, _ := http.NewRequest("POST", b.URL("weavy")+"/api/blobs", form)
	r.Header.Set("Authorization", "Bearer k")
	r.Header.Set("Content-Type", ct)
	if resp, body := testkit.Do(t, client, r); resp.StatusCode != 507 || !bytes.Contains(body, []byte(`"status":507`)) {
		t.Errorf("Weavy blob = %d %s, want a 507 problem", resp.StatusCode, body)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("name", "big")
	mw.WriteField("extension", "bin")
	w, _ := mw.CreateFormFile("file", "big.bin")
	w.Write(bytes.Repeat([]byte("f"), 100<<10))
	mw.Close()
	r, _ = http.NewRequest("POST", b.URL("filesro")+"/api/v1/shares/demo/uploads", &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	if resp, body := testkit.Do(t, client, r); resp.StatusCode != 507 || !bytes.Contains(body, []byte("--max-storage")) {
		t.Errorf("files.ro upload = %d %s, want 507", resp.StatusCode, body)
	}
	if objs := b.State(t).Objects; len(objs) != 0 {
		t.Errorf("B kept %+v after the refusals", objs)
	}
	// Resetting A gives its bytes back.
	a.Reset(t)
	if st, body := put(b, 100<<10); st != 200 {
		t.Errorf("after A was reset = %d %s", st, body)
	}
}

// --session-ttl drops sessions idle that long (on the emulator clock), freeing what they held;
// reset with drop=true drops every session.
func TestIdleSessionsAreDropped(t *testing.T) {
	clock := testkit.NewClock(time.Now()) // presigned URLs are made on the real clock's date
	emu := testkit.Start(t, testkit.WithClock(clock.Now), testkit.WithSessionTTL(time.Hour), testkit.WithMaxStorage(1<<20))
	idle := emu.Session(t)
	busy := emu.Session(t)
	req, _ := http.NewRequest("PUT", signedPutURL(t, emu, idle), bytes.NewReader(bytes.Repeat([]byte("i"), 900<<10)))
	if resp, b := testkit.Do(t, emu.Client(t), req); resp.StatusCode != 200 {
		t.Fatalf("PUT = %d %s", resp.StatusCode, b)
	}
	clock.Advance(50 * time.Minute)
	signedPutURL(t, emu, busy) // busy is used; idle is not
	clock.Advance(20 * time.Minute)
	signedPutURL(t, emu, busy) // a request after the TTL triggers the sweep
	ids := sessionIDs(t, emu)
	if slices.Contains(ids, idle.ID) || !slices.Contains(ids, busy.ID) {
		t.Errorf("sessions after the TTL: %v (idle %s should be gone, busy %s kept)", ids, idle.ID, busy.ID)
	}
	// What idle stored is free again: 900 KiB fit under the 1 MiB bound.
	req, _ = http.NewRequest("PUT", signedPutURL(t, emu, busy), bytes.NewReader(bytes.Repeat([]byte("b"), 900<<10)))
	if resp, b := testkit.Do(t, emu.Client(t), req); resp.StatusCode != 200 {
		t.Errorf("PUT after the idle session was dropped = %d %s", resp.StatusCode, b)
	}

	// reset?drop=true drops every session but the default one.
	r, _ := http.NewRequest("POST", emu.URL+"/__admin/reset?drop=true", nil)
	if resp, b := testkit.Do(t, emu.Client(t), r); resp.StatusCode != 200 {
		t.Fatalf("reset drop = %d %s", resp.StatusCode, b)
	}
	if ids := sessionIDs(t, emu); len(ids) != 1 || ids[0] != "default" {
		t.Errorf("after reset?drop=true: %v", ids)
	}
	emu.Admin.CreateSession(t.Context(), busy.ID) // the kit drops its sessions when the test ends
	emu.Admin.CreateSession(t.Context(), idle.ID)
}

func sessionIDs(t *testing.T, emu *testkit.Emulator) []string {
	t.Helper()
	r, _ := http.NewRequest("GET", emu.URL+"/__admin/sessions", nil)
	_, b := testkit.Do(t, emu.Client(t), r)
	var v struct {
		Sessions []struct{ ID string } `json:"sessions"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("sessions: %s", b)
	}
	var ids []string
	for _, s := range v.Sessions {
		ids = append(ids, s.ID)
	}
	return ids
}
