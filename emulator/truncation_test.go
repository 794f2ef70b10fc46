package emulator_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/fileemu/fileemu/testkit"
)

// multipartCut builds a multipart body of fields and a file part named part, then cuts it:
// "final" drops the closing "--" of the last delimiter, "headers" ends inside the headers of
// a part after the file.
func multipartCut(t *testing.T, fields map[string]string, part, filename string, content []byte, cut string) (*bytes.Buffer, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.SetBoundary("XyZ")
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	w, _ := mw.CreateFormFile(part, filename)
	w.Write(content)
	if cut == "headers" {
		mw.WriteField("after", "the file")
	}
	mw.Close()
	s := b.String()
	switch cut {
	case "final":
		s = strings.TrimSuffix(s, "--XyZ--\r\n") + "--XyZ"
	case "headers":
		i := strings.LastIndex(s, "\r\n--XyZ\r\n")
		s = s[:i] + "\r\n--XyZ\r\nContent-Disposition: form-da"
	}
	return bytes.NewBufferString(s), mw.FormDataContentType()
}

// A multipart upload that does not close with its final boundary is refused and stores
// nothing: Weavy blobs, the fake S3's POST (the Desk flow) and files.ro alike.
func TestTruncatedMultipartBodiesAreRefused(t *testing.T) {
	emu := testkit.Start(t)
	client := emu.Client(t)
	for _, cut := range []string{"final", "headers"} {
		t.Run(cut, func(t *testing.T) {
			s := emu.Session(t)
			body, ct := multipartCut(t, nil, "blob", "a.txt", []byte("weavy bytes"), cut)
			r, _ := http.NewRequest("POST", s.URL("weavy")+"/api/blobs", body)
			r.Header.Set("Authorization", "Bearer k")
			r.Header.Set("Content-Type", ct)
			if resp, b := testkit.Do(t, client, r); resp.StatusCode != 400 {
				t.Errorf("Weavy blob cut at %s = %d %s, want 400", cut, resp.StatusCode, b)
			}

			r, _ = http.NewRequest("POST", s.URL("desk")+"/files/ref.json", strings.NewReader(`{"filename":"cut.txt","mimeType":"text/plain"}`))
			r.Header.Set("Authorization", "Bearer k")
			r.Header.Set("Content-Type", "application/json")
			_, rb := testkit.Do(t, client, r)
			var ref struct {
				URL    string            `json:"url"`
				Params map[string]string `json:"params"`
			}
			if err := json.Unmarshal(rb, &ref); err != nil {
				t.Fatal(err)
			}
			body, ct = multipartCut(t, ref.Params, "file", "cut.txt", []byte("desk bytes"), cut)
			r, _ = http.NewRequest("POST", ref.URL, body)
			r.Header.Set("Content-Type", ct)
			if resp, b := testkit.Do(t, client, r); resp.StatusCode != 400 || !bytes.Contains(b, []byte("MalformedPOSTRequest")) {
				t.Errorf("S3 POST cut at %s = %d %s, want 400 MalformedPOSTRequest", cut, resp.StatusCode, b)
			}

			body, ct = multipartCut(t, map[string]string{"name": "cut", "extension": "txt"}, "file", "cut.txt", []byte("files.ro bytes"), cut)
			r, _ = http.NewRequest("POST", s.URL("filesro")+"/api/v1/shares/demo/uploads", body)
			r.Header.Set("Content-Type", ct)
			if resp, b := testkit.Do(t, client, r); resp.StatusCode != 400 {
				t.Errorf("files.ro upload cut at %s = %d %s, want 400", cut, resp.StatusCode, b)
			}
			if objs := s.State(t).Objects; len(objs) != 0 {
				t.Errorf("cut uploads stored %+v", objs)
			}
		})
	}
}

// Uploaded HTML and SVG are served from the emulator's origin without running there: a
// sandbox CSP and no sniffing.
func TestUploadedActiveContentIsSandboxed(t *testing.T) {
	emu := testkit.Start(t)
	client := emu.Client(t)
	s := emu.Session(t)
	for _, ext := range []string{"html", "svg"} {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("name", "page")
		w, _ := mw.CreateFormFile("file", "page."+ext)
		w.Write([]byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>`))
		mw.WriteField("extension", ext)
		mw.Close()
		r, _ := http.NewRequest("POST", s.URL("filesro")+"/api/v1/shares/demo/uploads", &buf)
		r.Header.Set("Content-Type", mw.FormDataContentType())
		resp, body := testkit.Do(t, client, r)
		var v struct {
			Data struct {
				Attributes struct {
					FileURL string `json:"file_url"`
				} `json:"attributes"`
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &v); err != nil || resp.StatusCode != 201 {
			t.Fatalf("upload page.%s = %d %s", ext, resp.StatusCode, body)
		}
		get, _ := http.NewRequest("GET", v.Data.Attributes.FileURL, nil)
		resp, _ = testkit.Do(t, client, get)
		if resp.Header.Get("Content-Security-Policy") != "sandbox" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("page.%s served with %v", ext, resp.Header)
		}
	}
}
