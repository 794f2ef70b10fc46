package haufe_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fileemu/fileemu/testkit"
)

var (
	uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	// The docs' timestamps: UTC with microseconds, e.g. 2025-03-15T09:12:33.456789Z.
	timeRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`)
)

// object decodes a JSON object and fails t unless its keys are exactly keys.
func object(t *testing.T, what string, b []byte, keys ...string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %s: %v", what, b, err)
	}
	got := make([]string, 0, len(m))
	for k := range m {
		got = append(got, k)
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(keys))
	if !slices.Equal(got, want) {
		t.Errorf("%s has fields %v, want %v: %s", what, got, want, b)
	}
	return m
}

// checkThread checks a thread body against the documented fields and the values sent.
func checkThread(t *testing.T, what string, b []byte, assistantID, title, userID string) map[string]any {
	t.Helper()
	th := object(t, what, b, "id", "assistant_id", "title", "user_id", "tenant_id", "created_at", "last_updated_at")
	if th["assistant_id"] != assistantID || th["title"] != title || th["user_id"] != userID {
		t.Errorf("%s = %s, want assistant_id %s, title %q, user_id %s", what, b, assistantID, title, userID)
	}
	for _, k := range []string{"id", "tenant_id"} {
		if s, _ := th[k].(string); !uuidRE.MatchString(s) {
			t.Errorf("%s: %s = %v, want a UUID", what, k, th[k])
		}
	}
	for _, k := range []string{"created_at", "last_updated_at"} {
		if s, _ := th[k].(string); !timeRE.MatchString(s) {
			t.Errorf("%s: %s = %v, want UTC with microseconds like the docs", what, k, th[k])
		}
	}
	return th
}

// The API reference's curl examples of the Threads section, replayed as the docs show them
// (Content-Type and bodies; plus the api-key the reference's Authorization section requires,
// which its curl lines leave out) against the documented base URL .../agents.
func TestReferenceThreadCurls(t *testing.T) {
	clock := testkit.NewClock(time.Date(2025, 3, 15, 9, 12, 33, 456789000, time.UTC))
	c := newClient(t, testkit.Start(t, testkit.WithClock(clock.Now)))
	c.base += "/agents"

	// Create a thread.
	st, b := c.do("POST", "/v1/threads", "", strings.NewReader(`{
    "assistant_id": "a1b2c3d4-5678-9abc-def0-1234567890ab",
    "title": "Fragen zur Elternzeit",
    "user_id": "f8e7d6c5-4321-fedc-ba98-765432109876"
  }`), jsonCT, nil)
	if st != 201 {
		t.Fatalf("create thread = %d %s", st, b)
	}
	th := checkThread(t, "created thread", b, "a1b2c3d4-5678-9abc-def0-1234567890ab", "Fragen zur Elternzeit", "f8e7d6c5-4321-fedc-ba98-765432109876")
	id := th["id"].(string)
	if th["created_at"] != "2025-03-15T09:12:33.456789Z" || th["last_updated_at"] != th["created_at"] {
		t.Errorf("timestamps = %v / %v, want the emulator clock's 2025-03-15T09:12:33.456789Z", th["created_at"], th["last_updated_at"])
	}

	// Get a thread.
	st, b = c.do("GET", "/v1/threads/"+id, "", nil, nil, nil)
	if st != 200 {
		t.Fatalf("get thread = %d %s", st, b)
	}
	if got := checkThread(t, "thread", b, "a1b2c3d4-5678-9abc-def0-1234567890ab", "Fragen zur Elternzeit", "f8e7d6c5-4321-fedc-ba98-765432109876"); got["id"] != id || got["tenant_id"] != th["tenant_id"] {
		t.Errorf("get thread = %s, want the created one", b)
	}

	// Create a message.
	clock.Advance(12 * time.Second)
	st, b = c.do("POST", "/v1/threads/"+id+"/messages", "", strings.NewReader(`{
    "content": "Welche Kündigungsfristen gelten während der Probezeit?",
    "role": "user"
  }`), jsonCT, nil)
	if st != 201 {
		t.Fatalf("create message = %d %s", st, b)
	}
	msg := object(t, "message", b, "id", "content", "role", "thread_id", "created_at")
	if msg["content"] != "Welche Kündigungsfristen gelten während der Probezeit?" || msg["role"] != "user" || msg["thread_id"] != id ||
		msg["created_at"] != "2025-03-15T09:12:45.456789Z" || !uuidRE.MatchString(msg["id"].(string)) {
		t.Errorf("message = %s", b)
	}

	// List messages: {cursor, items}, the message as created.
	st, b = c.do("GET", "/v1/threads/"+id+"/messages", "", nil, nil, nil)
	page := object(t, "message list", b, "cursor", "items")
	items, _ := page["items"].([]any)
	if st != 200 || page["cursor"] != nil || len(items) != 1 || items[0].(map[string]any)["id"] != msg["id"] {
		t.Errorf("list messages = %d %s", st, b)
	}

	// List threads: the message moved last_updated_at.
	st, b = c.do("GET", "/v1/threads", "", nil, nil, nil)
	page = object(t, "thread list", b, "cursor", "items")
	items, _ = page["items"].([]any)
	if st != 200 || page["cursor"] != nil || len(items) != 1 {
		t.Fatalf("list threads = %d %s", st, b)
	}
	if listed := items[0].(map[string]any); listed["id"] != id || listed["last_updated_at"] != "2025-03-15T09:12:45.456789Z" {
		t.Errorf("listed thread = %v, want last_updated_at at the message", listed)
	}

	// Delete a thread: empty 204, then it is gone except for include_deleted lists.
	st, b = c.do("DELETE", "/v1/threads/"+id, "", nil, nil, nil)
	if st != 204 || len(b) != 0 {
		t.Errorf("delete thread = %d %q, want 204 and no body", st, b)
	}
	for _, p := range []string{"GET /v1/threads/" + id, "DELETE /v1/threads/" + id, "GET /v1/threads/" + id + "/messages"} {
		method, path, _ := strings.Cut(p, " ")
		if st, b := c.do(method, path, "", nil, nil, nil); st != 404 || string(b) != `{"error_code":"thread_not_found","detail":"Thread not found"}` {
			t.Errorf("%s after delete = %d %s, want the documented thread_not_found", p, st, b)
		}
	}
	var list struct{ Items []struct{ ID string } }
	if c.do("GET", "/v1/threads", "", nil, nil, &list); len(list.Items) != 0 {
		t.Errorf("list after delete = %+v, want empty", list)
	}
	if c.do("GET", "/v1/threads?include_deleted=true", "", nil, nil, &list); len(list.Items) != 1 || list.Items[0].ID != id {
		t.Errorf("list with include_deleted = %+v, want the deleted thread", list)
	}
	for _, op := range []string{"createThread", "getThread", "createMessage", "listMessages", "listThreads", "deleteThread"} {
		if len(c.s.Requests(t, testkit.Operation(op))) == 0 {
			t.Errorf("journal has no %s", op)
		}
	}
}

// A thread needs only assistant_id; title and user_id come back null.
func TestMinimalThread(t *testing.T) {
	c := newClient(t, testkit.Start(t))
	st, b := c.do("POST", "/v1/threads", "", strings.NewReader(`{"assistant_id":"`+assistant+`"}`), jsonCT, nil)
	if st != 201 {
		t.Fatalf("create = %d %s", st, b)
	}
	th := object(t, "thread", b, "id", "assistant_id", "title", "user_id", "tenant_id", "created_at", "last_updated_at")
	if th["title"] != nil || th["user_id"] != nil {
		t.Errorf("thread = %s, want null title and user_id", b)
	}
	// Without a user, no file can be attached: files belong to users.
	file := c.upload(user, "a.txt", []byte("a"))
	c.pollUntilDone(user, file)
	if st, b := c.attach(th["id"].(string), file); st != 403 || errorCode(t, b) != "attachment_access_forbidden" {
		t.Errorf("attach in a thread without user = %d %s, want 403", st, b)
	}
}

func TestAssistantsAndTenants(t *testing.T) {
	c := newClient(t, testkit.Start(t))
	st, b := c.do("POST", "/v1/threads", "", strings.NewReader(`{"assistant_id":"00000000-0000-0000-0000-000000000000"}`), jsonCT, nil)
	if st != 403 || string(b) != `{"error_code":"assistant_not_available","detail":"Assistant not available to your tenant"}` {
		t.Errorf("unavailable assistant = %d %s", st, b)
	}
	mine := c.newThread(user)
	var th struct {
		TenantID string `json:"tenant_id"`
	}
	c.do("GET", "/v1/threads/"+mine, "", nil, nil, &th)

	other := *c
	other.key = "another-key"
	theirs := other.newThread(user)
	var theirThread struct {
		TenantID string `json:"tenant_id"`
	}
	other.do("GET", "/v1/threads/"+theirs, "", nil, nil, &theirThread)
	if th.TenantID == "" || th.TenantID == theirThread.TenantID {
		t.Errorf("tenants %q and %q: want one per api-key", th.TenantID, theirThread.TenantID)
	}
	if st, b := other.do("GET", "/v1/threads/"+mine, "", nil, nil, nil); st != 404 || errorCode(t, b) != "thread_not_found" {
		t.Errorf("another tenant's thread = %d %s, want 404", st, b)
	}
	var list struct{ Items []struct{ ID string } }
	if other.do("GET", "/v1/threads", "", nil, nil, &list); len(list.Items) != 1 || list.Items[0].ID != theirs {
		t.Errorf("other tenant lists %+v, want only its own thread", list)
	}
	if st, _ := c.do("GET", "/v1/threads/00000000-0000-4000-8000-000000000000", "", nil, nil, nil); st != 404 {
		t.Errorf("unknown thread = %d, want 404", st)
	}
}

// Roles, tool calls and the documented message errors.
func TestMessageRoles(t *testing.T) {
	c := newClient(t, testkit.Start(t))
	thread := c.newThread(user)
	post := func(body string) (int, []byte) {
		t.Helper()
		return c.do("POST", "/v1/threads/"+thread+"/messages", "", strings.NewReader(body), jsonCT, nil)
	}
	if st, b := post(`{"role":"system","content":"Antworte auf Deutsch."}`); st != 201 {
		t.Errorf("system message = %d %s", st, b)
	}
	if st, b := post(`{"role":"tool","content":"42","tool_call_id":"call_1"}`); st != 400 ||
		string(b) != `{"error_code":"tool_message_has_no_matching_tool_call","detail":"Tool message id not found in an preceding assistant message's tool calls in the thread"}` {
		t.Errorf("tool message before any tool call = %d %s", st, b)
	}
	calls := `[{"id":"call_1","type":"function","function":{"name":"lookup","arguments":"{\"q\":\"BGB 622\"}"}}]`
	st, b := post(`{"role":"assistant","content":"","tool_calls":` + calls + `}`)
	if st != 201 {
		t.Fatalf("assistant tool call = %d %s", st, b)
	}
	var am struct {
		ToolCalls json.RawMessage `json:"tool_calls"`
	}
	if err := json.Unmarshal(b, &am); err != nil || string(am.ToolCalls) != calls {
		t.Errorf("assistant message = %s, want tool_calls echoed as sent", b)
	}
	if st, b := post(`{"role":"tool","content":"§ 622 BGB","tool_call_id":"call_2"}`); st != 400 || errorCode(t, b) != "tool_message_has_no_matching_tool_call" {
		t.Errorf("tool message for an unknown call = %d %s", st, b)
	}
	if st, b := post(`{"role":"tool","content":"§ 622 BGB","tool_call_id":"call_1"}`); st != 201 || !strings.Contains(string(b), `"tool_call_id":"call_1"`) {
		t.Errorf("tool message = %d %s", st, b)
	}
	if st, b := post(`{"role":"assistant","content":"Zwei Wochen."}`); st != 201 {
		t.Errorf("assistant message = %d %s", st, b)
	}
	for _, body := range []string{`{"role":"user","content":""}`, `{"role":"user","content":"  \n"}`, `{"role":"assistant","content":""}`} {
		if st, b := post(body); st != 422 || string(b) != `{"error_code":"message_content_empty","detail":"Message content cannot be empty."}` {
			t.Errorf("%s = %d %s, want 422 message_content_empty", body, st, b)
		}
	}
	fieldCases := []struct{ body, loc string }{
		{`{"role":"tool","content":"x"}`, "body/tool_call_id"},
		{`{"role":"user","content":"x","tool_call_id":"call_1"}`, "body/tool_call_id"},
		{`{"role":"user","content":"x","tool_calls":` + calls + `}`, "body/tool_calls"},
		{`{"role":"system","content":"x","attachments":[{"file_id":"` + user + `"}]}`, "body/attachments"},
		{`{"role":"assistant","content":"x","tool_calls":[{"type":"function"}]}`, "body/tool_calls/0/id"},
	}
	for _, fc := range fieldCases {
		st, b := post(fc.body)
		var v struct {
			ErrorCode string                   `json:"error_code"`
			Detail    []struct{ Loc []string } `json:"detail"`
		}
		if err := json.Unmarshal(b, &v); err != nil || st != 422 || v.ErrorCode != "validation_error" || len(v.Detail) == 0 || strings.Join(v.Detail[0].Loc, "/") != fc.loc {
			t.Errorf("%s = %d %s, want 422 validation_error at %s", fc.body, st, b, fc.loc)
		}
	}
	var list struct {
		Items []struct{ Role, Content string } `json:"items"`
	}
	c.do("GET", "/v1/threads/"+thread+"/messages", "", nil, nil, &list)
	var roles []string
	for _, m := range list.Items {
		roles = append(roles, m.Role)
	}
	if want := []string{"assistant", "tool", "assistant", "system"}; !slices.Equal(roles, want) {
		t.Errorf("messages newest first = %v, want %v", roles, want)
	}
}

// Cursor pages: newest first, each item once, null cursor on the last page.
func TestCursorPages(t *testing.T) {
	c := newClient(t, testkit.Start(t))
	var threads []string
	for range 5 {
		threads = append(threads, c.newThread(user))
	}
	const other = "11111111-2222-4333-8444-555555555555"
	c.newThread(other)
	type pageOf struct {
		Cursor *string `json:"cursor"`
		Items  []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	var got []string
	cursor := ""
	for range 5 {
		var p pageOf
		st, b := c.do("GET", "/v1/threads?limit=2&user_id="+user+"&cursor="+cursor, "", nil, nil, &p)
		if st != 200 {
			t.Fatalf("page = %d %s", st, b)
		}
		for _, it := range p.Items {
			got = append(got, it.ID)
		}
		if p.Cursor == nil {
			break
		}
		cursor = *p.Cursor
	}
	want := slices.Clone(threads)
	slices.Reverse(want)
	if !slices.Equal(got, want) {
		t.Errorf("paged threads = %v, want newest first %v", got, want)
	}

	thread := threads[0]
	for i := range 3 {
		if st, b := c.do("POST", "/v1/threads/"+thread+"/messages", "", strings.NewReader(fmt.Sprintf(`{"role":"user","content":"m%d"}`, i)), jsonCT, nil); st != 201 {
			t.Fatalf("message = %d %s", st, b)
		}
	}
	var p1, p2 struct {
		Cursor *string                    `json:"cursor"`
		Items  []struct{ Content string } `json:"items"`
	}
	c.do("GET", "/v1/threads/"+thread+"/messages?limit=2", "", nil, nil, &p1)
	if len(p1.Items) != 2 || p1.Items[0].Content != "m2" || p1.Cursor == nil {
		t.Fatalf("first page of messages = %+v", p1)
	}
	c.do("GET", "/v1/threads/"+thread+"/messages?limit=2&cursor="+*p1.Cursor, "", nil, nil, &p2)
	if len(p2.Items) != 1 || p2.Items[0].Content != "m0" || p2.Cursor != nil {
		t.Errorf("last page of messages = %+v", p2)
	}
	if st, b := c.do("GET", "/v1/threads/"+thread+"/messages?cursor="+threads[1], "", nil, nil, nil); st != 422 || !strings.Contains(string(b), `"loc":["query","cursor"]`) {
		t.Errorf("a thread id as message cursor = %d %s, want 422 at query.cursor", st, b)
	}
}

// The files flow through the documented base URL: signed-url -> PUT -> status -> attach.
func TestFilesFlowUnderAgentsBaseURL(t *testing.T) {
	c := newClient(t, testkit.Start(t))
	c.base += "/agents"
	s := c.signedURL(user, "report.txt", "&persist=true")
	if !strings.HasPrefix(s.FileURL, c.s.URL("s3")+"/haufe-files/"+s.FileID+"/report.txt?") {
		t.Errorf("file_url %s does not point at the session's fake S3", s.FileURL)
	}
	if st, b := c.put(s.FileURL, []byte("Quarterly report"), "text/plain"); st != 200 {
		t.Fatalf("PUT = %d %s", st, b)
	}
	if fin := c.pollUntilDone(user, s.FileID); fin.ProcessingStatus != "PROCESSED" {
		t.Fatalf("final status = %+v", fin)
	}
	thread := c.newThread(user)
	st, b := c.attach(thread, s.FileID)
	if st != 201 {
		t.Fatalf("attach = %d %s", st, b)
	}
	m := object(t, "message with attachment", b, "id", "content", "role", "thread_id", "created_at", "attachments")
	if a, _ := m["attachments"].([]any); len(a) != 1 || a[0].(map[string]any)["file_id"] != s.FileID || a[0].(map[string]any)["file_name"] != "report.txt" {
		t.Errorf("attachments = %v", m["attachments"])
	}
	var run struct {
		Sources []struct {
			Content  string
			MetaData struct {
				DocumentTitle string `json:"document_title"`
			} `json:"meta_data"`
		}
	}
	if st, b := c.do("POST", "/v1/threads/"+thread+"/run", "", nil, nil, &run); st != 200 || len(run.Sources) != 1 ||
		run.Sources[0].MetaData.DocumentTitle != "report.txt" || run.Sources[0].Content != "Quarterly report" {
		t.Errorf("run citing the attachment = %d %s", st, b)
	}
	var files struct{ Total int }
	c.do("GET", "/v1/files", user, nil, nil, &files)
	if files.Total != 1 {
		t.Errorf("files listed under /agents = %d, want 1", files.Total)
	}
	for op, n := range map[string]int{"getSignedUrl": 1, "putObject": 1, "createThread": 1, "createMessage": 1, "listFiles": 1} {
		c.s.AssertCalled(t, op, n)
	}
	if st, b := c.do("GET", "/v1/nothing", user, nil, nil, nil); st != 404 || errorCode(t, b) != "not_found" {
		t.Errorf("unknown route under /agents = %d %s", st, b)
	}
	c.base = strings.TrimSuffix(c.base, "/agents")
	if st, _ := c.do("GET", "/agents/v2/files", user, nil, nil, nil); st != 404 {
		t.Errorf("/agents/v2 = %d, want 404", st)
	}
	// An escaped slash stays inside its segment under /v1 and under /agents alike.
	for _, base := range []string{"/v1", "/agents/v1"} {
		if st, b := c.do("GET", base+"/files/a%2Fb/status", user, nil, nil, nil); st != 422 || !strings.Contains(string(b), `"loc":["path","file_id"]`) {
			t.Errorf("%s with an escaped slash = %d %s, want 422 at path.file_id", base, st, b)
		}
	}
}

// A scenario's bare statuses come in each operation's own documented body: the files'
// gateway rate limit has no error_code, the threads' has rate_limit_gateway.
func TestScenarioBodiesByOperation(t *testing.T) {
	c := newClient(t, testkit.Start(t))
	thread := c.newThread(user)
	c.s.LoadScenarioText(t, `scenarios:
  - name: limited
    rules:
      - match: {api: haufe, operation: getThread}
        respond: {status: 403}
      - match: {api: haufe, operation: listMessages}
        respond: {status: 503}
      - match: {api: haufe, operation: createRun}
        respond: {status: 500}
      - match: {api: haufe}
        respond: {status: 429}
`)
	cases := []struct{ method, path, body, want string }{
		{"GET", "/v1/files", "", `{"message":"Rate limit exceeded!"}`},
		{"GET", "/v1/files/signed-url?filename=a.txt", "", `{"message":"Rate limit exceeded!"}`},
		{"POST", "/v1/threads", `{"assistant_id":"` + assistant + `"}`, `{"error_code":"rate_limit_gateway","detail":"Rate limit exceeded"}`},
		{"GET", "/v1/threads", "", `{"error_code":"rate_limit_gateway","detail":"Rate limit exceeded"}`},
		{"POST", "/agents/v1/threads/" + thread + "/messages", `{"role":"user","content":"x"}`, `{"error_code":"rate_limit_gateway","detail":"Rate limit exceeded"}`},
		{"DELETE", "/v1/threads/" + thread, "", `{"error_code":"rate_limit_gateway","detail":"Rate limit exceeded"}`},
		{"GET", "/v1/threads/" + thread, "", `{"error_code":"assistant_not_available","detail":"Assistant not available to your tenant"}`},
		{"POST", "/v1/threads/" + thread + "/run", "{}", `{"error_code":"api_timeout_error","detail":"OpenAI API request timed out."}`},
		{"GET", "/v1/threads/" + thread + "/messages", "", `{"error_code":"internal_service_error","detail":"An internal service required for processing the request is currently unavailable. Please try again later."}`},
	}
	for _, tc := range cases {
		var body *strings.Reader
		hdr := map[string]string{"X-Fileemu-Scenario": "limited"}
		if tc.body != "" {
			body = strings.NewReader(tc.body)
			hdr["Content-Type"] = "application/json"
		} else {
			body = strings.NewReader("")
		}
		st, b := c.do(tc.method, tc.path, user, body, hdr, nil)
		if string(b) != tc.want || st < 400 {
			t.Errorf("%s %s = %d %s, want %s", tc.method, tc.path, st, b, tc.want)
		}
	}
}

// The reference's run curls: POST .../run and .../run/stream with the body '{}'.
func TestReferenceRunCurls(t *testing.T) {
	c := newClient(t, testkit.Start(t))
	c.base += "/agents"
	thread := c.newThread(user)
	post := func(path, body string) (int, []byte) {
		t.Helper()
		return c.do("POST", "/v1/threads/"+thread+path, "", strings.NewReader(body), jsonCT, nil)
	}
	if st, b := post("/run", `{}`); st != 400 || string(b) != `{"error_code":"incorrect_stack_ending","detail":"The last message in the stack must be a user, tool, or system message."}` {
		t.Errorf("run of an empty thread = %d %s, want 400 incorrect_stack_ending", st, b)
	}
	if st, b := post("/messages", `{"content":"Welche Kündigungsfristen gelten während der Probezeit?","role":"user"}`); st != 201 {
		t.Fatalf("message = %d %s", st, b)
	}
	st, b := post("/run", `{}`)
	if st != 200 {
		t.Fatalf("run = %d %s", st, b)
	}
	run := object(t, "run", b, "id", "content", "role", "thread_id", "created_at", "meta_data", "sources")
	meta, _ := run["meta_data"].(map[string]any)
	if run["role"] != "assistant" || run["thread_id"] != thread || run["content"] == "" || !timeRE.MatchString(run["created_at"].(string)) ||
		meta["intent"] != "Welche Kündigungsfristen gelten während der Probezeit" || meta["legal_advice"] != false || meta["type"] != "53aa66b7-b874-407f-967c-3a959c919d62" {
		t.Errorf("run = %s", b)
	}
	if st, b := post("/run/stream", `{}`); st != 400 || errorCode(t, b) != "incorrect_stack_ending" {
		t.Errorf("stream ending on the assistant's answer = %d %s, want 400 incorrect_stack_ending", st, b)
	}

	// The same question at the same place in another thread gets the same answer.
	other := c.newThread(user)
	c.do("POST", "/v1/threads/"+other+"/messages", "", strings.NewReader(`{"content":"Welche Kündigungsfristen gelten während der Probezeit?","role":"user"}`), jsonCT, nil)
	var again struct{ Content string }
	c.do("POST", "/v1/threads/"+other+"/run", "", nil, nil, &again)
	if again.Content != run["content"] {
		t.Errorf("answers differ for the same question: %q vs %q", again.Content, run["content"])
	}

	post("/messages", `{"content":"Und nach der Probezeit?","role":"user"}`)
	st, b = post("/run/stream", `{}`)
	if st != 200 {
		t.Fatalf("stream = %d %s", st, b)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) < 2 {
		t.Fatalf("stream = %q, want several NDJSON lines", b)
	}
	var content strings.Builder
	var messageID string
	for i, line := range lines {
		chunk := object(t, fmt.Sprintf("line %d", i), []byte(line), "created_at", "delta", "message_id", "thread_id")
		delta := object(t, fmt.Sprintf("delta %d", i), must(json.Marshal(chunk["delta"])), "content", "role", "sources")
		if delta["role"] != "assistant" || chunk["thread_id"] != thread || (messageID != "" && chunk["message_id"] != messageID) {
			t.Errorf("line %d = %s", i, line)
		}
		messageID, _ = chunk["message_id"].(string)
		content.WriteString(delta["content"].(string))
	}
	var list struct {
		Items []struct{ ID, Role, Content string } `json:"items"`
	}
	c.do("GET", "/v1/threads/"+thread+"/messages", "", nil, nil, &list)
	if len(list.Items) != 4 || list.Items[0].ID != messageID || list.Items[0].Role != "assistant" || list.Items[0].Content != content.String() {
		t.Errorf("messages after the stream = %+v, want the streamed answer %q (%s) first", list.Items, content.String(), messageID)
	}
	if st, b := c.do("POST", "/v1/threads/00000000-0000-4000-8000-000000000000/run", "", nil, nil, nil); st != 404 || errorCode(t, b) != "thread_not_found" {
		t.Errorf("run of an unknown thread = %d %s", st, b)
	}
	c.s.AssertCalled(t, "streamRun", 2)
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
