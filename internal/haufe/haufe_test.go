package haufe_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fileemu/fileemu/internal/antivirus"
	"github.com/fileemu/fileemu/testkit"
)

// client drives the Haufe API of one session like an application would.
type client struct {
	t    *testing.T
	http *http.Client
	base string
	s    *testkit.Session
	key  string
}

func newClient(t *testing.T, emu *testkit.Emulator) *client {
	s := emu.Session(t)
	return &client{t: t, http: emu.Client(t), base: s.URL("haufe"), s: s, key: "test-key"}
}

// do sends a request and returns status and body; v, when non-nil, receives the JSON body.
func (c *client) do(method, path, user string, body io.Reader, hdr map[string]string, v any) (int, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.key != "" {
		req.Header.Set("api-key", c.key)
	}
	if user != "" {
		req.Header.Set("user-id", user)
	}
	for k, val := range hdr {
		req.Header.Set(k, val)
	}
	resp, b := testkit.Do(c.t, c.http, req)
	if v != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, v); err != nil {
			c.t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
	return resp.StatusCode, b
}

type signed struct {
	ExpiresIn  int    `json:"expires_in"`
	FileID     string `json:"file_id"`
	FileURL    string `json:"file_url"`
	FileLimits struct {
		AllowedTypes []string `json:"allowed_types"`
		MaxSize      int64    `json:"max_size"`
	} `json:"file_limits"`
}

func (c *client) signedURL(user, filename string, extra string) signed {
	c.t.Helper()
	var s signed
	st, b := c.do("GET", "/v1/files/signed-url?filename="+url.QueryEscape(filename)+extra, user, nil, nil, &s)
	if st != 200 {
		c.t.Fatalf("signed-url: %d %s", st, b)
	}
	return s
}

// put uploads content to a presigned URL the way curl --data-binary does.
func (c *client) put(fileURL string, content []byte, contentType string) (int, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPut, fileURL, bytes.NewReader(content))
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, b := testkit.Do(c.t, c.http, req)
	return resp.StatusCode, b
}

type status struct {
	ProcessingStatus string `json:"processing_status"`
	ProcessingSteps  []struct {
		Status  string  `json:"status"`
		EndedAt *string `json:"endedAt"`
	} `json:"processing_steps"`
	Warnings struct{ Empty, Infected, Length bool } `json:"warnings"`
}

func (c *client) status(user, id string) (int, status) {
	c.t.Helper()
	var s status
	st, _ := c.do("GET", "/v1/files/"+id+"/status", user, nil, nil, &s)
	return st, s
}

// upload runs signed-url + PUT and returns the file id.
func (c *client) upload(user, name string, content []byte) string {
	c.t.Helper()
	s := c.signedURL(user, name, "")
	if st, b := c.put(s.FileURL, content, "text/plain"); st != 200 {
		c.t.Fatalf("PUT: %d %s", st, b)
	}
	return s.FileID
}

func (c *client) pollUntilDone(user, id string) status {
	c.t.Helper()
	for i := 0; i < 10; i++ {
		st, s := c.status(user, id)
		if st != 200 {
			c.t.Fatalf("status: %d", st)
		}
		if s.ProcessingStatus != "PROCESSING" {
			return s
		}
	}
	c.t.Fatal("still PROCESSING after 10 polls")
	return status{}
}

const assistant = "a1b2c3d4-5678-9abc-def0-1234567890ab"

var jsonCT = map[string]string{"Content-Type": "application/json"}

// newThread creates a thread owned by user (a UUID): only user's files can be attached in it.
func (c *client) newThread(user string) string {
	c.t.Helper()
	var th struct {
		ID string `json:"id"`
	}
	body := fmt.Sprintf(`{"assistant_id":%q,"user_id":%q,"title":"t"}`, assistant, user)
	st, b := c.do("POST", "/v1/threads", "", strings.NewReader(body), jsonCT, &th)
	if st != 201 || th.ID == "" {
		c.t.Fatalf("create thread: %d %s", st, b)
	}
	return th.ID
}

// attach posts a user message attaching fileID; threads take no user-id header.
func (c *client) attach(thread, fileID string) (int, []byte) {
	c.t.Helper()
	body := fmt.Sprintf(`{"role":"user","content":"summarise it","attachments":[{"file_id":%q}]}`, fileID)
	return c.do("POST", "/v1/threads/"+thread+"/messages", "", strings.NewReader(body), jsonCT, nil)
}

func errorCode(t *testing.T, b []byte) string {
	t.Helper()
	var e struct {
		ErrorCode string `json:"error_code"`
	}
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("error body %s: %v", b, err)
	}
	return e.ErrorCode
}

const user = "497f6eca-6276-4993-bfeb-53cbbbba6f08"

func TestSeedFlow(t *testing.T) {
	emu := testkit.Start(t)
	c := newClient(t, emu)

	s := c.signedURL(user, "report.txt", "")
	if s.ExpiresIn != 600 || s.FileLimits.MaxSize != 10485760 || len(s.FileLimits.AllowedTypes) != 5 {
		t.Errorf("signed-url body = %+v", s)
	}
	if !strings.HasPrefix(s.FileURL, c.s.URL("s3")+"/haufe-files/"+s.FileID+"/report.txt?") {
		t.Errorf("file_url %s does not point at the session's fake S3", s.FileURL)
	}
	if st, _ := c.status(user, s.FileID); st != 404 {
		t.Errorf("status before upload = %d, want 404", st)
	}
	content := []byte("Quarterly report: revenue up.\n")
	if st, b := c.put(s.FileURL, content, "text/plain"); st != 200 {
		t.Fatalf("PUT = %d %s", st, b)
	}

	thread := c.newThread(user)
	if st, b := c.attach(thread, s.FileID); st != 409 || errorCode(t, b) != "conflict" {
		t.Errorf("attach before processing = %d %s, want 409 conflict", st, b)
	}
	st1, first := c.status(user, s.FileID)
	if st1 != 200 || first.ProcessingStatus != "PROCESSING" || first.ProcessingSteps[0].Status != "ANTIVIRUS_SCANNING" || first.ProcessingSteps[0].EndedAt != nil {
		t.Errorf("first poll = %d %+v, want PROCESSING with a running ANTIVIRUS_SCANNING step", st1, first)
	}
	_, second := c.status(user, s.FileID)
	if second.ProcessingStatus != "PROCESSED" || len(second.ProcessingSteps) != 2 || second.ProcessingSteps[1].Status != "TEXT_EXTRACTION" {
		t.Errorf("second poll = %+v, want PROCESSED after ANTIVIRUS_SCANNING and TEXT_EXTRACTION", second)
	}
	if st, b := c.do("GET", "/v1/files/"+s.FileID, user, nil, nil, nil); st != 200 || !bytes.Equal(b, content) {
		t.Errorf("content = %d %q, want the uploaded text", st, b)
	}
	if st, b := c.attach(thread, s.FileID); st != 201 {
		t.Fatalf("attach = %d %s", st, b)
	}
	other := c.upload(user, "second.txt", []byte("more"))
	c.pollUntilDone(user, other)
	if st, b := c.attach(thread, other); st != 409 || errorCode(t, b) != "attachment_not_unique" {
		t.Errorf("second attachment = %d %s, want 409 attachment_not_unique", st, b)
	}

	c.s.AssertCalled(t, "getSignedUrl", 2)
	c.s.AssertCalled(t, "putObject", 2)
	c.s.AssertCalled(t, "createMessage", 3)
	puts := c.s.Requests(t, testkit.Operation("putObject"))
	if puts[0].BodySize != int64(len(content)) || puts[0].BodySHA256 == "" {
		t.Errorf("journal of the PUT = %+v, want body size and SHA-256", puts[0])
	}
}

func TestInfectedFileFailsAndCannotBeAttached(t *testing.T) {
	c := newClient(t, testkit.Start(t))
	id := c.upload(user, "eicar.txt", []byte("prefix "+antivirus.EICAR+" suffix"))
	s := c.pollUntilDone(user, id)
	if s.ProcessingStatus != "FAILED" || !s.Warnings.Infected {
		t.Errorf("final status = %+v, want FAILED infected", s)
	}
	if st, b := c.attach(c.newThread(user), id); st != 409 || errorCode(t, b) != "conflict" {
		t.Errorf("attach infected = %d %s, want 409 conflict", st, b)
	}
	if st, _ := c.do("GET", "/v1/files/"+id, user, nil, nil, nil); st != 409 {
		t.Errorf("content of infected file = %d, want 409", st)
	}
}

func TestEmptyAndOversizedFiles(t *testing.T) {
	c := newClient(t, testkit.Start(t))
	empty := c.pollUntilDone(user, c.upload(user, "empty.txt", nil))
	if empty.ProcessingStatus != "PROCESSED" || !empty.Warnings.Empty {
		t.Errorf("empty file = %+v, want PROCESSED with warnings.empty", empty)
	}
	big := c.pollUntilDone(user, c.upload(user, "big.csv", bytes.Repeat([]byte("a,b\n"), (10<<20)/4+1)))
	if big.ProcessingStatus != "FAILED" || !big.Warnings.Length {
		t.Errorf("file over max_size = %+v, want FAILED with warnings.length", big)
	}
}

func TestOtherUsersFilesAreForbidden(t *testing.T) {
	c := newClient(t, testkit.Start(t))
	id := c.upload(user, "mine.txt", []byte("x"))
	c.pollUntilDone(user, id)
	const intruder = "11111111-2222-4333-8444-555555555555"
	if st, b := c.do("GET", "/v1/files/"+id+"/status", intruder, nil, nil, nil); st != 403 || errorCode(t, b) != "attachment_access_forbidden" {
		t.Errorf("other user's status = %d %s", st, b)
	}
	if st, b := c.attach(c.newThread(intruder), id); st != 403 || errorCode(t, b) != "attachment_access_forbidden" {
		t.Errorf("attach other user's file = %d %s, want 403", st, b)
	}
	if st, _ := c.do("DELETE", "/v1/files/"+id, intruder, nil, nil, nil); st != 403 {
		t.Errorf("delete other user's file = %d, want 403", st)
	}
	otherTenant := *c
	otherTenant.key = "another-tenant"
	if st, b := otherTenant.attach(c.newThread(user), id); st != 404 || errorCode(t, b) != "thread_not_found" {
		t.Errorf("message to another tenant's thread = %d %s, want 404 thread_not_found", st, b)
	}
	if st, b := c.do("GET", "/v1/files/00000000-0000-4000-8000-000000000000/status", user, nil, nil, nil); st != 404 || errorCode(t, b) != "attachment_document_does_not_exist" {
		t.Errorf("unknown file = %d %s", st, b)
	}
}

func TestBadInputGetsHaufeErrors(t *testing.T) {
	emu := testkit.Start(t, testkit.WithTokens("good-key"))
	c := newClient(t, emu)
	c.key = ""
	if st, b := c.do("GET", "/v1/files/signed-url?filename=a.txt", user, nil, nil, nil); st != 401 || errorCode(t, b) != "unauthorized" {
		t.Errorf("no api-key = %d %s", st, b)
	}
	if st, b := c.do("GET", "/v1/files/signed-url", "", nil, nil, nil); st != 401 || errorCode(t, b) != "unauthorized" {
		t.Errorf("no api-key, no user-id, no filename = %d %s, want 401 before any validation", st, b)
	}
	c.key = "wrong"
	if st, _ := c.do("GET", "/v1/files", user, nil, nil, nil); st != 401 {
		t.Errorf("wrong api-key = %d, want 401", st)
	}
	c.key = "good-key"

	cases := []struct {
		name, method, path, user, body, ct string
		wantLoc                            []string
	}{
		{"missing user-id", "GET", "/v1/files/signed-url?filename=a.txt", "", "", "", []string{"header", "user-id"}},
		{"missing filename", "GET", "/v1/files/signed-url", user, "", "", []string{"query", "filename"}},
		{"persist not a boolean", "GET", "/v1/files/signed-url?filename=a&persist=maybe", user, "", "", []string{"query", "persist"}},
		{"limit over 100", "GET", "/v1/files?limit=101", user, "", "", []string{"query", "limit"}},
		{"page past any list", "GET", "/v1/files?page=9223372036854775807", user, "", "", []string{"query", "page"}},
		{"file id not a UUID", "GET", "/v1/files/not-a-uuid/status", user, "", "", []string{"path", "file_id"}},
		{"filename of dots", "GET", "/v1/files/signed-url?filename=..", user, "", "", []string{"query", "filename"}},
		{"filename with a slash", "GET", "/v1/files/signed-url?filename=a%2F..%2Fb.txt", user, "", "", []string{"query", "filename"}},
		{"filename with NUL", "GET", "/v1/files/signed-url?filename=a%00b.txt", user, "", "", []string{"query", "filename"}},
		{"filename with a newline", "GET", "/v1/files/signed-url?filename=a%0Ab.txt", user, "", "", []string{"query", "filename"}},
		{"malformed JSON", "POST", "/v1/threads/" + user + "/messages", "", `{"role":`, "application/json", []string{"body"}},
		{"missing content", "POST", "/v1/threads/" + user + "/messages", "", `{"role":"user"}`, "application/json", []string{"body", "content"}},
		{"unknown role", "POST", "/v1/threads/" + user + "/messages", "", `{"role":"robot","content":"x"}`, "application/json", []string{"body", "role"}},
		{"thread id not a UUID", "GET", "/v1/threads/x/messages", "", "", "", []string{"path", "thread_id"}},
		{"missing assistant_id", "POST", "/v1/threads", "", `{"title":"t"}`, "application/json", []string{"body", "assistant_id"}},
		{"assistant_id not a UUID", "POST", "/v1/threads", "", `{"assistant_id":"tax"}`, "application/json", []string{"body", "assistant_id"}},
		{"user_id not a UUID", "POST", "/v1/threads", "", `{"assistant_id":"` + assistant + `","user_id":"bob"}`, "application/json", []string{"body", "user_id"}},
		{"unknown thread field", "POST", "/v1/threads", "", `{"assistant_id":"` + assistant + `","colour":"red"}`, "application/json", []string{"body", "colour"}},
		{"limit of threads over 100", "GET", "/v1/threads?limit=101", "", "", "", []string{"query", "limit"}},
		{"include_deleted not a boolean", "GET", "/v1/threads?include_deleted=maybe", "", "", "", []string{"query", "include_deleted"}},
		{"unknown cursor", "GET", "/v1/threads?cursor=nope", "", "", "", []string{"query", "cursor"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{}
			if tc.ct != "" {
				hdr["Content-Type"] = tc.ct
			}
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			st, b := c.do(tc.method, tc.path, tc.user, body, hdr, nil)
			var v struct {
				ErrorCode string `json:"error_code"`
				Detail    []struct {
					Loc []string `json:"loc"`
				} `json:"detail"`
			}
			if err := json.Unmarshal(b, &v); err != nil || st != 422 || v.ErrorCode != "validation_error" {
				t.Fatalf("= %d %s, want 422 validation_error", st, b)
			}
			found := false
			for _, d := range v.Detail {
				found = found || strings.Join(d.Loc, "/") == strings.Join(tc.wantLoc, "/")
			}
			if !found {
				t.Errorf("detail %s does not name %v", b, tc.wantLoc)
			}
		})
	}
	if st, b := c.do("GET", "/v1/nothing-here", user, nil, nil, nil); st != 404 || errorCode(t, b) != "not_found" {
		t.Errorf("unknown route = %d %s", st, b)
	}
	if st, b := c.do("PUT", "/v1/files", user, nil, nil, nil); st != 405 || errorCode(t, b) != "method_not_allowed" {
		t.Errorf("wrong method = %d %s", st, b)
	}
}

func TestListPagesAndDelete(t *testing.T) {
	c := newClient(t, testkit.Start(t))
	var ids []string
	for i := range 3 {
		ids = append(ids, c.upload(user, fmt.Sprintf("f%d.txt", i), []byte("x")))
	}
	c.signedURL(user, "never-uploaded.txt", "") // not listed: nothing landed
	var page struct {
		Files []struct {
			FileID   string `json:"file_id"`
			FileName string `json:"file_name"`
		} `json:"files"`
		Limit, Page, Total int
	}
	c.do("GET", "/v1/files?limit=2", user, nil, nil, &page)
	if page.Total != 3 || len(page.Files) != 2 || page.Limit != 2 || page.Page != 1 || page.Files[0].FileID != ids[0] {
		t.Errorf("page 1 = %+v", page)
	}
	c.do("GET", "/v1/files?limit=2&page=2", user, nil, nil, &page)
	if len(page.Files) != 1 || page.Files[0].FileName != "f2.txt" {
		t.Errorf("page 2 = %+v", page)
	}
	c.do("GET", "/v1/files", "someone-else", nil, nil, &page)
	if page.Total != 0 || page.Limit != 30 {
		t.Errorf("other user's list = %+v, want empty with default limit 30", page)
	}
	if st, _ := c.do("DELETE", "/v1/files/"+ids[0], user, nil, nil, nil); st != 204 {
		t.Errorf("delete = %d", st)
	}
	if st, _ := c.status(user, ids[0]); st != 404 {
		t.Errorf("status after delete = %d, want 404", st)
	}
	st := c.s.State(t)
	if n := len(st.Objects); n != 2 {
		t.Errorf("objects after delete = %d, want 2 (the upload is gone)", n)
	}
	var dump struct {
		Files []struct {
			ID   string `json:"file_id"`
			Size int64  `json:"size"`
		} `json:"files"`
	}
	if err := json.Unmarshal(st.APIs["haufe"], &dump); err != nil {
		t.Fatal(err)
	}
	for _, f := range dump.Files {
		if f.ID == ids[1] && f.Size != 1 {
			t.Errorf("state dump shows size %d for an upload never polled, want 1", f.Size)
		}
	}
}

func TestTemporaryFilesExpireAfter24Hours(t *testing.T) {
	clock := testkit.NewClock(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	c := newClient(t, testkit.Start(t, testkit.WithClock(clock.Now)))
	s := c.signedURL(user, "tmp.txt", "&persist=false")
	c.put(s.FileURL, []byte("temporary"), "text/plain")
	kept := c.upload(user, "kept.txt", []byte("kept"))
	clock.Advance(24*time.Hour - time.Second)
	if st, _ := c.status(user, s.FileID); st != 200 {
		t.Fatalf("before 24h = %d", st)
	}
	clock.Advance(time.Second)
	if st, _ := c.status(user, s.FileID); st != 404 {
		t.Errorf("after 24h = %d, want 404", st)
	}
	if st, _ := c.status(user, kept); st != 200 {
		t.Errorf("persisted file after 24h = %d, want 200", st)
	}
}

func TestUploadURLExpiresAndTamperingStoresNothing(t *testing.T) {
	clock := testkit.NewClock(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	c := newClient(t, testkit.Start(t, testkit.WithClock(clock.Now)))
	s := c.signedURL(user, "a.txt", "")
	tampered := strings.Replace(s.FileURL, "/a.txt?", "/b.txt?", 1)
	if st, b := c.put(tampered, []byte("x"), ""); st != 403 || !bytes.Contains(b, []byte("<Code>SignatureDoesNotMatch</Code>")) {
		t.Errorf("tampered key = %d %s", st, b)
	}
	clock.Advance(601 * time.Second)
	if st, b := c.put(s.FileURL, []byte("x"), ""); st != 403 || !bytes.Contains(b, []byte("Request has expired")) {
		t.Errorf("expired URL = %d %s", st, b)
	}
	if n := len(c.s.State(t).Objects); n != 0 {
		t.Errorf("objects = %d, want none stored", n)
	}
	if st, _ := c.status(user, s.FileID); st != 404 {
		t.Errorf("status = %d, want 404 (nothing uploaded)", st)
	}
}

func TestReuploadRestartsProcessing(t *testing.T) {
	c := newClient(t, testkit.Start(t))
	s := c.signedURL(user, "r.txt", "")
	c.put(s.FileURL, []byte("clean"), "")
	c.pollUntilDone(user, s.FileID)
	c.put(s.FileURL, []byte(antivirus.EICAR), "")
	if _, st := c.status(user, s.FileID); st.ProcessingStatus != "PROCESSING" {
		t.Errorf("after re-upload = %+v, want PROCESSING again", st)
	}
	if st := c.pollUntilDone(user, s.FileID); !st.Warnings.Infected {
		t.Errorf("re-uploaded EICAR = %+v, want infected", st)
	}
}

func TestSessionsAreIsolated(t *testing.T) {
	emu := testkit.Start(t)
	ids := make(chan string, 1)
	t.Run("group", func(t *testing.T) {
		t.Run("a", func(t *testing.T) {
			t.Parallel()
			c := newClient(t, emu)
			id := c.upload(user, "a.txt", []byte("a"))
			ids <- id
			c.pollUntilDone(user, id)
			c.s.AssertCalled(t, "getSignedUrl", 1)
		})
		t.Run("b", func(t *testing.T) {
			t.Parallel()
			c := newClient(t, emu)
			other := <-ids
			if st, _ := c.status(user, other); st != 404 {
				t.Errorf("session b sees session a's file: status %d", st)
			}
			var page struct{ Total int }
			c.do("GET", "/v1/files", user, nil, nil, &page)
			if page.Total != 0 {
				t.Errorf("session b lists %d files", page.Total)
			}
			c.s.AssertCalled(t, "getSignedUrl", 0)
			c.s.AssertCalled(t, "getFileStatus", 1)
		})
	})
}
