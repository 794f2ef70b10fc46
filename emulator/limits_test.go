package emulator_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/fileemu/fileemu/testkit"
)

// zeros is an endless JSON-ish body: the bound must hold without the client's help.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), z.n)
	for i := range p[:n] {
		p[i] = ' '
	}
	z.n -= n
	return int(n), nil
}

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
			var body io.Reader = &zeros{n: size}
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
