package weavy_test

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fileemu/fileemu/testkit"
)

// GUIDs of app types, as responses name them.
const (
	filesGUID = "523edd88-4bbf-4547-b60f-2859a6d2ddc1"
	chatGUID  = "d65dd4bc-418e-403c-9f56-f9cf4da931ed"
)

type userOut struct {
	ID          int64  `json:"id"`
	UID         string `json:"uid"`
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
	Email       string `json:"email"`
	AvatarURL   string `json:"avatar_url"`
	CreatedAt   string `json:"created_at"`
}

type tokenOut struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

// as returns a client of the same session that sends token.
func (c *client) as(token string) *client {
	cc := *c
	cc.token = token
	return &cc
}

// A backend syncs users and gets their access tokens with its API key; the tokens act as their
// user and expire on the emulator clock.
func TestUsersAndTokens(t *testing.T) {
	clock := testkit.NewClock(time.Date(2025, 6, 1, 8, 0, 0, 123456789, time.UTC))
	c := newClient(t, testkit.WithClock(clock.Now), testkit.WithTokens("server-key"))
	c.token = "server-key"

	var u userOut
	c.must(201, "PUT", "/api/users/ada", `{"name":"Ada Lovelace","email":"ada@example.com","picture":"https://example.com/ada.png"}`, &u)
	if u.ID != 2 || u.UID != "ada" || u.Name != "Ada Lovelace" || u.DisplayName != "Ada Lovelace" || u.AvatarURL != "https://example.com/ada.png" {
		t.Errorf("new user = %+v", u)
	}
	// .NET precision: 100 ns ticks, so 7 fractional digits at most.
	if u.CreatedAt != "2025-06-01T08:00:00.1234567Z" {
		t.Errorf("created_at = %q, want 2025-06-01T08:00:00.1234567Z", u.CreatedAt)
	}
	c.must(200, "PUT", "/api/users/ada", `{"email":"ada@lovelace.org","name":null}`, &u)
	if u.ID != 2 || u.Name != "Ada Lovelace" || u.Email != "ada@lovelace.org" {
		t.Errorf("updated user = %+v", u)
	}

	// The API key acts as user 1; GET /api/users/{id or uid}.
	c.must(200, "GET", "/api/user", "", &u)
	if u.ID != 1 || u.Name == "" {
		t.Errorf("API key user = %+v", u)
	}
	for _, key := range []string{"2", "ada"} {
		c.must(200, "GET", "/api/users/"+key, "", &u)
		if u.UID != "ada" {
			t.Errorf("GET /api/users/%s = %+v", key, u)
		}
	}
	if st, b := c.do("GET", "/api/users/nobody", "", nil); st != 404 || problemOf(t, b).Status != 404 {
		t.Errorf("unknown user = %d %s", st, b)
	}

	// Tokens: wyu_, default lifetime 3600 s, no body needed; a new uid becomes a user.
	var tok tokenOut
	c.must(200, "POST", "/api/users/ada/tokens", `{"name":"web","expires_in":60}`, &tok)
	if !strings.HasPrefix(tok.AccessToken, "wyu_") || tok.ExpiresIn != 60 {
		t.Errorf("token = %+v", tok)
	}
	var tok2 tokenOut
	c.must(200, "POST", "/api/users/grace/tokens", "", &tok2)
	if tok2.ExpiresIn != 3600 || tok2.AccessToken == tok.AccessToken {
		t.Errorf("second token = %+v", tok2)
	}
	if st, b := c.do("POST", "/api/users/99/tokens", "", nil); st != 404 {
		t.Errorf("token of an unknown id = %d %s", st, b)
	}

	// A user token passes the emulator's token list and acts as its user.
	ada := c.as(tok.AccessToken)
	ada.must(200, "GET", "/api/user", "", &u)
	if u.UID != "ada" || u.Name != "Ada Lovelace" {
		t.Errorf("GET /api/user as ada = %+v", u)
	}
	c.as(tok2.AccessToken).must(200, "GET", "/api/user", "", &u)
	if u.UID != "grace" || u.ID != 3 || u.Name != "grace" {
		t.Errorf("GET /api/user as grace = %+v", u)
	}
	// What users create names them as creator.
	ada.must(201, "PUT", "/api/apps/docs", `{"type":"files"}`, nil)
	b := ada.blob("plan.txt", "", []byte("plan"))
	var f struct {
		CreatedBy userOut `json:"created_by"`
		UpdatedBy userOut `json:"updated_by"`
	}
	ada.must(201, "POST", "/api/apps/docs/files", fmt.Sprintf(`{"blob_id":%d}`, b.ID), &f)
	if f.CreatedBy.UID != "ada" || f.UpdatedBy.Name != "Ada Lovelace" {
		t.Errorf("file by ada = %+v", f)
	}

	// User tokens may not do the backend's work.
	for _, r := range [][2]string{{"PUT", "/api/users/eve"}, {"POST", "/api/users/eve/tokens"}} {
		if st, b := ada.do(r[0], r[1], `{}`, nil); st != 403 || problemOf(t, b).Status != 403 {
			t.Errorf("%s %s with a user token = %d %s", r[0], r[1], st, b)
		}
	}
	// Unknown and expired user tokens are 401; a user token of another session is unknown here.
	if st, b := c.as("wyu_forged").do("GET", "/api/user", "", nil); st != 401 || problemOf(t, b).Status != 401 {
		t.Errorf("forged token = %d %s", st, b)
	}
	clock.Advance(61 * time.Second)
	if st, b := ada.do("GET", "/api/user", "", nil); st != 401 || !strings.Contains(problemOf(t, b).Detail, "expired") {
		t.Errorf("expired token = %d %s", st, b)
	}
	c.as(tok2.AccessToken).must(200, "GET", "/api/user", "", nil)
	// Routes that need no token ignore a stale one.
	if st, _, body := ada.send("GET", "/version", "", nil); st != 200 {
		t.Errorf("/version with an expired token = %d %s", st, body)
	}
	if st, _ := c.as("not-listed").do("GET", "/api/user", "", nil); st != 401 {
		t.Errorf("API key not listed = %d", st)
	}
}

type appOut struct {
	ID   int64  `json:"id"`
	UID  string `json:"uid"`
	Type string `json:"type"`
	Name string `json:"name"`
}

type appList struct {
	Data  []appOut `json:"data"`
	Start *int     `json:"start"`
	End   *int     `json:"end"`
	Count int      `json:"count"`
}

func (l appList) uids() []string {
	var out []string
	for _, a := range l.Data {
		out = append(out, a.UID)
	}
	return out
}

// App types come in by name or GUID and go out as GUIDs; apps are listed with the UI kit's
// filters; apps/init gets or creates and adds a member.
func TestAppsTypesListAndInit(t *testing.T) {
	c := newClient(t)
	var a appOut
	c.must(201, "POST", "/api/apps", `{"type":"`+chatGUID+`","uid":"chat-1","name":"Support"}`, &a)
	if a.Type != chatGUID {
		t.Errorf("chat app type = %q", a.Type)
	}
	c.must(201, "PUT", "/api/apps/files-1", `{"type":"files","name":"Alpha"}`, &a)
	c.must(201, "PUT", "/api/apps/files-2", `{"type":"`+strings.ToUpper(filesGUID)+`","name":"beta"}`, &a)
	if a.Type != filesGUID {
		t.Errorf("files app type = %q", a.Type)
	}
	if st, b := c.do("POST", "/api/apps", `{"type":"00000000-0000-0000-0000-000000000000","uid":"x"}`, nil); st != 422 || !slices.Contains(problemOf(t, b).fields(), "type") {
		t.Errorf("unknown type GUID = %d %s", st, b)
	}
	if st, b := c.do("PUT", "/api/apps/chat-1", `{"type":"files"}`, nil); st != 409 {
		t.Errorf("upsert as another type = %d %s", st, b)
	}

	var l appList
	c.must(200, "GET", "/api/apps", "", &l)
	if !slices.Equal(l.uids(), []string{"chat-1", "files-1", "files-2"}) || l.Count != 3 || *l.Start != 0 || *l.End != 3 {
		t.Errorf("all apps = %+v", l)
	}
	c.must(200, "GET", "/api/apps?type="+filesGUID+"&order_by=name+desc", "", &l)
	if !slices.Equal(l.uids(), []string{"files-2", "files-1"}) {
		t.Errorf("files apps by name desc = %v", l.uids())
	}
	c.must(200, "GET", "/api/apps?uid=chat-1&uid=files-2", "", &l)
	if !slices.Equal(l.uids(), []string{"chat-1", "files-2"}) {
		t.Errorf("by uid = %v", l.uids())
	}
	c.must(200, "GET", "/api/apps?type=chat&q=SUPP", "", &l)
	if !slices.Equal(l.uids(), []string{"chat-1"}) {
		t.Errorf("chat apps matching supp = %v", l.uids())
	}
	c.must(200, "GET", "/api/apps?skip=1&take=1", "", &l)
	if !slices.Equal(l.uids(), []string{"files-1"}) || *l.Start != 1 || *l.End != 2 || l.Count != 3 {
		t.Errorf("page 2 = %+v", l)
	}
	// The kit's unread counter: no read state, nothing unread; uid=false: apps without uid (none).
	c.must(200, "GET", "/api/apps?count_only=true&unread=true&uid=false&type="+chatGUID, "", &l)
	if l.Count != 0 || l.Data != nil {
		t.Errorf("unread = %+v", l)
	}

	// apps/init: 201 then 200, the user becomes a member; the members list shows them.
	c.must(201, "POST", "/api/apps/init", `{"app":{"uid":"ctx-chat","type":"chat","name":"Context"},"user":{"uid":"bob"}}`, &a)
	if a.Type != chatGUID || a.Name != "Context" {
		t.Errorf("init app = %+v", a)
	}
	c.must(200, "POST", "/api/apps/init", `{"app":{"uid":"ctx-chat","type":"`+chatGUID+`"},"user":{"uid":"carol"}}`, nil)
	if st, b := c.do("POST", "/api/apps/init", `{"app":{"uid":"ctx-chat","type":"files"}}`, nil); st != 409 {
		t.Errorf("init as another type = %d %s", st, b)
	}
	var members struct {
		Data []struct {
			UID    string `json:"uid"`
			Access string `json:"access"`
		} `json:"data"`
		Count int `json:"count"`
	}
	c.must(200, "GET", "/api/apps/ctx-chat/members", "", &members)
	var uids []string
	for _, m := range members.Data {
		uids = append(uids, m.UID)
	}
	if members.Count != 3 || !slices.Equal(uids, []string{"", "bob", "carol"}) {
		t.Errorf("members = %+v", members)
	}
	c.must(200, "GET", "/api/apps?member=bob", "", &l)
	if !slices.Equal(l.uids(), []string{"ctx-chat"}) {
		t.Errorf("apps of bob = %v", l.uids())
	}
}

type msgOut struct {
	ID          int64  `json:"id"`
	Text        string `json:"text"`
	HTML        string `json:"html"`
	Attachments *struct {
		Count int `json:"count"`
		Data  []struct {
			Name string `json:"name"`
		} `json:"data"`
	} `json:"attachments"`
	CreatedBy userOut `json:"created_by"`
	Parent    *struct {
		Type string `json:"type"`
		ID   int64  `json:"id"`
	} `json:"parent"`
}

type msgList struct {
	Data  []msgOut `json:"data"`
	Start *int     `json:"start"`
	End   *int     `json:"end"`
	Count int      `json:"count"`
}

func (l msgList) ids() []int64 {
	var out []int64
	for _, m := range l.Data {
		out = append(out, m.ID)
	}
	return out
}

// Chat messages are listed (the kit pages newest first); files have comments and subscriptions.
func TestMessagesCommentsSubscribe(t *testing.T) {
	c := newClient(t)
	c.must(201, "POST", "/api/apps", `{"type":"chat","uid":"room"}`, nil)
	c.must(201, "POST", "/api/apps", `{"type":"files","uid":"docs"}`, nil)
	b := c.blob("minutes.txt", "", []byte("minutes"))
	c.must(201, "POST", "/api/apps/room/messages", `{"text":"hello <b>team</b>"}`, nil)
	// The kit's message body: nulls and properties fileemu does not emulate are accepted.
	c.must(201, "POST", "/api/apps/room/messages", fmt.Sprintf(`{"text":"see file","blobs":[%d],"embed_id":null,"options":[],"metadata":null}`, b.ID), nil)
	c.must(201, "POST", "/api/apps/room/messages", `{"text":"third"}`, nil)

	var l msgList
	c.must(200, "GET", "/api/apps/room/messages?order_by=id+desc&skip=0", "", &l)
	if !slices.Equal(l.ids(), []int64{3, 2, 1}) || l.Count != 3 || *l.End != 3 {
		t.Fatalf("messages desc = %+v", l)
	}
	if m := l.Data[1]; m.Attachments == nil || m.Attachments.Count != 1 || m.Attachments.Data[0].Name != "minutes.txt" {
		t.Errorf("message with attachment = %+v", m)
	}
	if l.Data[2].HTML != "<p>hello &lt;b&gt;team&lt;/b&gt;</p>" || l.Data[2].CreatedBy.ID != 1 {
		t.Errorf("message 1 = %+v", l.Data[2])
	}
	c.must(200, "GET", "/api/apps/1/messages?skip=1&take=1", "", &l)
	if !slices.Equal(l.ids(), []int64{2}) || *l.Start != 1 || *l.End != 2 {
		t.Errorf("page of messages = %+v", l)
	}
	if st, b := c.do("GET", "/api/apps/docs/messages", "", nil); st != 400 || problemOf(t, b).Status != 400 {
		t.Errorf("messages of a files app = %d %s", st, b)
	}

	// Comments on a file.
	fb := c.blob("a.txt", "", []byte("a"))
	var f struct {
		ID           int64 `json:"id"`
		IsSubscribed bool  `json:"is_subscribed"`
	}
	c.must(201, "POST", "/api/apps/docs/files", fmt.Sprintf(`{"blob_id":%d}`, fb.ID), &f)
	var cm msgOut
	c.must(201, "POST", fmt.Sprintf("/api/files/%d/comments", f.ID), `{"text":"looks good"}`, &cm)
	if cm.Parent == nil || cm.Parent.Type != "file" || cm.Parent.ID != f.ID {
		t.Errorf("comment = %+v", cm)
	}
	c.must(201, "POST", fmt.Sprintf("/api/files/%d/comments", f.ID), `{"text":"agreed"}`, nil)
	c.must(200, "GET", fmt.Sprintf("/api/files/%d/comments?order_by=id&skip=0", f.ID), "", &l)
	if l.Count != 2 || l.Data[0].Text != "looks good" || l.Data[1].Text != "agreed" {
		t.Errorf("comments = %+v", l)
	}
	if st, b := c.do("POST", "/api/files/99/comments", `{"text":"x"}`, nil); st != 404 {
		t.Errorf("comment on unknown file = %d %s", st, b)
	}

	// Comments on a post are listed the same way.
	c.must(201, "POST", "/api/apps", `{"type":"posts","uid":"feed"}`, nil)
	c.must(201, "POST", "/api/apps/feed/posts", `{"text":"news"}`, nil)
	c.must(201, "POST", "/api/posts/1/comments", `{"text":"first!"}`, nil)
	c.must(200, "GET", "/api/posts/1/comments?order_by=id+desc", "", &l)
	if l.Count != 1 || l.Data[0].Text != "first!" || l.Data[0].Parent.Type != "post" {
		t.Errorf("post comments = %+v", l)
	}
	if st, _ := c.do("GET", "/api/posts/9/comments", "", nil); st != 404 {
		t.Errorf("comments of an unknown post = %d", st)
	}

	c.must(200, "POST", fmt.Sprintf("/api/files/%d/subscribe", f.ID), "", &f)
	if !f.IsSubscribed {
		t.Error("subscribe did not subscribe")
	}
	c.must(200, "GET", fmt.Sprintf("/api/files/%d", f.ID), "", &f)
	if !f.IsSubscribed {
		t.Error("subscription not kept")
	}
	c.must(200, "POST", fmt.Sprintf("/api/files/%d/unsubscribe", f.ID), "", &f)
	if f.IsSubscribed {
		t.Error("unsubscribe kept the subscription")
	}
	c.must(204, "POST", fmt.Sprintf("/api/files/%d/trash", f.ID), "", nil)
	if st, _ := c.do("GET", fmt.Sprintf("/api/files/%d/comments", f.ID), "", nil); st != 404 {
		t.Errorf("comments of a trashed file = %d", st)
	}
}

// External blobs reference a cloud file: files made from them redirect their download.
func TestExternalBlobs(t *testing.T) {
	c := newClient(t)
	c.must(201, "POST", "/api/apps", `{"type":"files","uid":"docs"}`, nil)
	var b blob
	c.must(201, "POST", "/api/blobs/external", `{"provider":"Google Drive","link":"https://drive.example.com/d/abc","name":"budget.xlsx","size":2048}`, &b)
	if b.Name != "budget.xlsx" || b.MediaType != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" || b.Size != 2048 {
		t.Errorf("external blob = %+v", b)
	}
	var f struct {
		ID          int64  `json:"id"`
		Provider    string `json:"provider"`
		ExternalURL string `json:"external_url"`
		Kind        string `json:"kind"`
		DownloadURL string `json:"download_url"`
	}
	c.must(201, "POST", "/api/apps/docs/files", fmt.Sprintf(`{"blob_id":%d}`, b.ID), &f)
	if f.Provider != "Google Drive" || f.ExternalURL != "https://drive.example.com/d/abc" || f.Kind != "spreadsheet" {
		t.Errorf("external file = %+v", f)
	}
	noRedirect := *c.http
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, _ := http.NewRequest("GET", f.DownloadURL, nil)
	resp, _ := testkit.Do(t, &noRedirect, req)
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "https://drive.example.com/d/abc" {
		t.Errorf("download of an external file = %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if st, bd := c.do("POST", "/api/blobs/external", `{"provider":"Box","link":"not a url","name":"x","size":1}`, nil); st != 422 || !slices.Contains(problemOf(t, bd).fields(), "link") {
		t.Errorf("bad link = %d %s", st, bd)
	}
}

// Unknown routes under /api/ answer Weavy's problem details (the kit shows their detail);
// /version is plain text; the real-time hub answers a problem 404 (the kit retries quietly).
func TestUnknownRoutesVersionAndHub(t *testing.T) {
	c := newClient(t)
	for _, r := range [][2]string{{"GET", "/api/notifications"}, {"POST", "/hubs/rtm/negotiate?negotiateVersion=1"}, {"GET", "/api/features/files"}} {
		st, h, b := c.send(r[0], r[1], "", nil)
		if st != 404 || !strings.HasPrefix(h.Get("Content-Type"), "application/problem+json") || problemOf(t, b).Detail == "" {
			t.Errorf("%s %s = %d %s %s", r[0], r[1], st, h.Get("Content-Type"), b)
		}
	}
	if st, b := c.do("DELETE", "/api/apps/1/messages", "", nil); st != 405 || problemOf(t, b).Status != 405 {
		t.Errorf("DELETE messages = %d %s", st, b)
	}
	st, h, b := c.send("GET", "/version", "", nil)
	if st != 200 || string(b) != "32.2.0" || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
		t.Errorf("/version = %d %s %q", st, h.Get("Content-Type"), b)
	}
}

// The kit runs on the app's origin: preflights allow its headers, responses let it read them.
func TestCORSForTheKit(t *testing.T) {
	emu := testkit.Start(t)
	req, _ := http.NewRequest("OPTIONS", emu.URL+"/api/blobs", nil)
	req.Header.Set("Origin", "http://127.0.0.1:5173")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "authorization,content-type,x-weavy-source")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	h := resp.Header
	if resp.StatusCode != 204 || h.Get("Access-Control-Allow-Origin") != "http://127.0.0.1:5173" ||
		!strings.Contains(h.Get("Access-Control-Allow-Headers"), "x-weavy-source") || !strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("preflight = %d %v", resp.StatusCode, h)
	}
	req, _ = http.NewRequest("GET", emu.URL+"/api/user", nil)
	req.Header.Set("Origin", "http://127.0.0.1:5173")
	req.Header.Set("Authorization", "Bearer k")
	resp, body := testkit.Do(t, emu.Client(t), req)
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "http://127.0.0.1:5173" {
		t.Errorf("GET /api/user from another origin = %d %v %s", resp.StatusCode, resp.Header, body)
	}
}
