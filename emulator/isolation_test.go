package emulator_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/fileemu/fileemu/testkit"
)

// Sessions are part of what is signed: a Desk form handed out in session A and posted in
// session B, or a presigned URL of the default session sent with X-Fileemu-Session: B, is
// refused as a signature mismatch and stores nothing in B.
func TestSignedURLsAndFormsStayInTheirSession(t *testing.T) {
	emu := testkit.Start(t)
	client := emu.Client(t)
	a, b := emu.Session(t), emu.Session(t)

	ref := func(s *testkit.Session) (url string, params map[string]string, id int) {
		r, _ := http.NewRequest("POST", s.URL("desk")+"/files/ref.json", strings.NewReader(`{"filename":"same.txt","mimeType":"text/plain"}`))
		r.Header.Set("Authorization", "Bearer k")
		r.Header.Set("Content-Type", "application/json")
		_, body := testkit.Do(t, client, r)
		var v struct {
			URL    string            `json:"url"`
			Params map[string]string `json:"params"`
			File   struct{ ID int }  `json:"file"`
		}
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatalf("ref.json: %s", body)
		}
		return v.URL, v.Params, v.File.ID
	}
	post := func(url string, params map[string]string, content string) (int, []byte) {
		form, ct := multipartForm(params, "same.txt", []byte(content))
		r, _ := http.NewRequest("POST", url, form)
		r.Header.Set("Content-Type", ct)
		resp, body := testkit.Do(t, client, r)
		return resp.StatusCode, body
	}
	urlA, paramsA, _ := ref(a)
	urlB, paramsB, _ := ref(b)
	if st, body := post(urlB, paramsB, "B's own"); st != 201 {
		t.Fatalf("B's own form = %d %s", st, body)
	}
	// A's form, posted to B's bucket URL.
	crossURL := strings.Replace(urlA, "/_s/"+a.ID+"/", "/_s/"+b.ID+"/", 1)
	if st, body := post(crossURL, paramsA, "A's bytes in B"); st != 403 || !bytes.Contains(body, []byte("x-fileemu-session")) {
		t.Errorf("A's form posted in B = %d %s, want 403 naming the session condition", st, body)
	}
	for _, o := range b.State(t).Objects {
		if o.Size == int64(len("A's bytes in B")) {
			t.Errorf("B holds A's upload: %+v", o)
		}
	}
	if st, body := post(urlA, paramsA, "A's own"); st != 201 {
		t.Errorf("A's form in A = %d %s", st, body)
	}

	// A presigned URL of the default session, sent with the session header of B.
	r, _ := http.NewRequest("GET", strings.Replace(a.URL("haufe"), "/_s/"+a.ID, "", 1)+"/v1/files/signed-url?filename=x.txt", nil)
	r.Header.Set("api-key", "k")
	r.Header.Set("user-id", "u")
	_, body := testkit.Do(t, client, r)
	var su struct {
		FileURL string `json:"file_url"`
	}
	json.Unmarshal(body, &su)
	if strings.Contains(su.FileURL, "/_s/") {
		t.Fatalf("the default session's URL has a session prefix: %s", su.FileURL)
	}
	put, _ := http.NewRequest("PUT", su.FileURL, strings.NewReader("into B from elsewhere"))
	put.Header.Set("X-Fileemu-Session", b.ID)
	if resp, body := testkit.Do(t, client, put); resp.StatusCode != 403 || !bytes.Contains(body, []byte("SignatureDoesNotMatch")) {
		t.Errorf("default-session URL with X-Fileemu-Session: B = %d %s, want 403 SignatureDoesNotMatch", resp.StatusCode, body)
	}
	for _, o := range b.State(t).Objects {
		if o.Size == int64(len("into B from elsewhere")) {
			t.Errorf("B holds the default session's upload: %+v", o)
		}
	}
	// The same URL in its own session works.
	put, _ = http.NewRequest("PUT", su.FileURL, strings.NewReader("default"))
	if resp, body := testkit.Do(t, client, put); resp.StatusCode != 200 {
		t.Errorf("default-session URL in the default session = %d %s", resp.StatusCode, body)
	}
}

// The session check holds whatever host the request claims (the public-host retry) and in
// lenient mode: a default-session URL never stores into session B through the header.
func TestSessionBindingSurvivesHostAndLenience(t *testing.T) {
	for _, lenient := range []bool{false, true} {
		var opts []testkit.Option
		if lenient {
			opts = append(opts, testkit.WithS3Lenient())
		}
		emu := testkit.Start(t, opts...)
		client := emu.Client(t)
		b := emu.Session(t)
		base := strings.Replace(b.URL("haufe"), "/_s/"+b.ID, "", 1)
		r, _ := http.NewRequest("GET", base+"/v1/files/signed-url?filename=x.txt", nil)
		r.Header.Set("api-key", "k")
		r.Header.Set("user-id", "u")
		_, body := testkit.Do(t, client, r)
		var su struct {
			FileURL string `json:"file_url"`
		}
		json.Unmarshal(body, &su)
		put, _ := http.NewRequest("PUT", su.FileURL, strings.NewReader("smuggled into B"))
		signedHost := put.URL.Host
		put.Host = "evil.example"
		put.Header.Set("X-Forwarded-Host", signedHost)
		put.Header.Set("X-Fileemu-Session", b.ID)
		if resp, body := testkit.Do(t, client, put); resp.StatusCode != 403 {
			t.Errorf("lenient %v: forged host + session header = %d %s, want 403", lenient, resp.StatusCode, body)
		}
		if objs := b.State(t).Objects; len(objs) != 0 {
			t.Errorf("lenient %v: B holds %+v", lenient, objs)
		}
	}
}
