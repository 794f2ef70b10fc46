// Package browsertest runs Weavy's official UI kit (@weavy/uikit-web, unmodified, from npm) in
// a real browser (Debian's chromium, driven by chromedp) against fileemu: the kit's page on one
// loopback origin, fileemu on another, nothing shimmed. CI installs both (.ci/run): chromium with
// apt, the kit with `npm ci` in testdata/uikit.
package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/fileemu/fileemu/internal/chromium"
	"github.com/fileemu/fileemu/internal/session"
	"github.com/fileemu/fileemu/testkit"
)

// apiKey is the backend's Weavy API key; the emulator accepts only it (and the user tokens it
// issues).
const apiKey = "wys_browsertest_key"

// userUID is the app's signed-in user, as the backend knows them.
const userUID = "ada"

// kitDist is where npm ci puts the kit's build.
var kitDist = filepath.Join("testdata", "uikit", "node_modules", "@weavy", "uikit-web", "dist")

// backend is the app's own server: it serves the page and the kit, and talks to Weavy (fileemu)
// with its API key, as Weavy's example backend (weavy-labs/weavy-web-node) does.
type backend struct {
	t      *testing.T
	emu    string
	client *http.Client // validates every fileemu response against openapi/weavy.yaml
}

// call sends JSON (or a prepared body) to fileemu with the API key and decodes the answer.
func (b *backend) call(method, path, contentType string, body io.Reader, want int, out any) {
	b.t.Helper()
	req, err := http.NewRequest(method, b.emu+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+apiKey)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, data := testkit.Do(b.t, b.client, req)
	if resp.StatusCode != want {
		b.t.Fatalf("%s %s = %d %s, want %d", method, path, resp.StatusCode, data, want)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			b.t.Fatalf("%s %s: decode %s: %v", method, path, data, err)
		}
	}
}

func (b *backend) json(method, path, body string, want int, out any) {
	b.t.Helper()
	b.call(method, path, "application/json", strings.NewReader(body), want, out)
}

// uploadBlob posts content as a multipart blob.
func (b *backend) uploadBlob(name, content string) int64 {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("blob", name)
	if err != nil {
		b.t.Fatal(err)
	}
	_, _ = fw.Write([]byte(content))
	_ = mw.Close()
	var blob struct {
		ID int64 `json:"id"`
	}
	b.call("POST", "/api/blobs", mw.FormDataContentType(), &buf, http.StatusCreated, &blob)
	return blob.ID
}

// token is the backend's token endpoint (the kit's tokenUrl): it asks fileemu for an access
// token of the signed-in user and hands it to the page.
func (b *backend) token(w http.ResponseWriter, r *http.Request) {
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	b.json("POST", "/api/users/"+userUID+"/tokens", `{"name":"browsertest","expires_in":3600}`, http.StatusOK, &tok)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"access_token": tok.AccessToken})
}

// page loads the kit as an app would: the Weavy context with fileemu's URL and the backend's
// token URL, a Files component and a Chat component.
const page = `<!doctype html>
<html><head><meta charset="utf-8"><title>fileemu + Weavy UI kit</title></head>
<body>
<wy-files uid="team-files" name="Team files"></wy-files>
<wy-chat uid="team-chat"></wy-chat>
<script type="module">
import { Weavy } from "/kit/build/weavy.esm.bundle.js";
const weavy = new Weavy();
weavy.url = %q;
weavy.tokenUrl = "/token";
</script>
</body></html>`

// deepJS defines helpers that look through every open shadow root, where the kit renders.
const deepJS = `
window.__deepAll = (sel) => {
  const out = [];
  const walk = (root) => {
    root.querySelectorAll(sel).forEach((el) => out.push(el));
    root.querySelectorAll("*").forEach((el) => { if (el.shadowRoot) walk(el.shadowRoot); });
  };
  walk(document);
  return out;
};
// __deepIn finds sel at any depth inside the elements matching host.
window.__deepIn = (host, sel) => {
  const out = [];
  const walk = (root) => {
    root.querySelectorAll(sel).forEach((el) => out.push(el));
    root.querySelectorAll("*").forEach((el) => { if (el.shadowRoot) walk(el.shadowRoot); });
  };
  __deepAll(host).forEach((h) => walk(h.shadowRoot || h));
  return out;
};
// __textOf is the text of an element, shadow roots included.
window.__textOf = (el) => {
  const parts = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) parts.push(node.textContent);
    if (node.shadowRoot) walk(node.shadowRoot);
    node.childNodes.forEach(walk);
  };
  walk(el);
  return parts.join(" ").replace(/\s+/g, " ");
};
// __deepText is the text of every element matching host, wherever it is.
window.__deepText = (host) => __deepAll(host).map(__textOf).join(" ");
`

func TestUIKitFilesAndChat(t *testing.T) {
	if _, err := os.Stat(filepath.Join(kitDist, "build", "weavy.esm.bundle.js")); err != nil {
		t.Fatalf("the Weavy UI kit is not installed (%v): run `npm ci --ignore-scripts` in internal/weavy/browsertest/testdata/uikit (.ci/run does)", err)
	}
	browserPath := chromium.Find(t, "the Weavy UI kit test")

	emu := testkit.Start(t, testkit.WithTokens(apiKey))
	be := &backend{t: t, emu: emu.URL, client: emu.Client(t)}

	// What the backend does before the page loads (weavy-web-node's syncUser and initApp): the user,
	// and a chat with a message carrying an attachment, posted with the API key.
	be.json("PUT", "/api/users/"+userUID, `{"name":"Ada Lovelace","email":"ada@example.com"}`, http.StatusCreated, nil)
	var chat struct {
		ID int64 `json:"id"`
	}
	be.json("POST", "/api/apps/init", `{"app":{"uid":"team-chat","name":"Team chat","type":"chat"},"user":{"uid":"`+userUID+`"}}`, http.StatusCreated, &chat)
	blob := be.uploadBlob("meeting-notes.txt", "Notes of the kick-off meeting.\n")
	be.json("POST", fmt.Sprintf("/api/apps/%d/messages", chat.ID), fmt.Sprintf(`{"text":"Minutes attached","blobs":[%d]}`, blob), http.StatusCreated, nil)

	mux := http.NewServeMux()
	mux.Handle("/kit/", http.StripPrefix("/kit/", http.FileServer(http.Dir(kitDist))))
	mux.HandleFunc("/token", be.token)
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, page, emu.URL)
	})
	app := httptest.NewServer(mux) // another loopback port: another origin than fileemu
	t.Cleanup(app.Close)

	upload := filepath.Join(t.TempDir(), "quarterly-report.txt")
	if err := os.WriteFile(upload, []byte("Q3 revenue grew.\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	ctx := chromium.Tab(t, browserPath, 120*time.Second)

	// The console tells why a component shows nothing: keep it for the failure message.
	var (
		mu      sync.Mutex
		console []string
	)
	if err := chromedp.Listen(ctx, func(ev any) {
		line := ""
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			line = string(ev.Type) + ": " + strings.Join(args, " ")
		case *runtime.EventExceptionThrown:
			line = "exception: " + ev.ExceptionDetails.Text
			if ex := ev.ExceptionDetails.Exception; ex != nil {
				line += " " + ex.Description
			}
		default:
			return
		}
		mu.Lock()
		console = append(console, line)
		mu.Unlock()
	}); err != nil {
		t.Fatalf("start chromium (%s): %v", browserPath, err)
	}
	failf := func(format string, args ...any) {
		t.Helper()
		mu.Lock()
		t.Logf("browser console:\n%s", strings.Join(console, "\n"))
		mu.Unlock()
		logJournal(t, emu)
		t.Fatalf(format, args...)
	}

	inputJS := `__deepAll('input[type="file"][data-testid="uploadFile"]')[0]`
	if err := chromedp.Do(ctx,
		chromedp.Navigate(app.URL+"/"),
		chromedp.Evaluate[chromedp.Void](deepJS),
		// The files component has loaded the user and its app when its upload input exists.
		chromedp.Poll[chromedp.Void](`__deepAll('input[type="file"][data-testid="uploadFile"]').length > 0`, chromedp.WithPollingTimeout(60*time.Second)),
	); err != nil {
		failf("wy-files never rendered its upload input: %v", err)
	}
	if err := chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.JSPath(inputJS), []string{upload}),
		// Listed by the files list (not only shown as a pending upload by the header).
		chromedp.Poll[chromedp.Void](`__deepText("wy-files-list").includes("quarterly-report.txt")`, chromedp.WithPollingTimeout(30*time.Second)),
	); err != nil {
		failf("the file picked in wy-files' input is not listed: %v", err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Poll[chromedp.Void](`__deepText("wy-chat").includes("Minutes attached") && __deepText("wy-chat").includes("meeting-notes.txt")`,
			chromedp.WithPollingTimeout(30*time.Second)),
	); err != nil {
		failf("wy-chat does not show the message with its attachment: %v", err)
	}

	// Ada sends a file from the chat's own editor: its input, then its send button.
	chatFile := filepath.Join(t.TempDir(), "agenda.txt")
	if err := os.WriteFile(chatFile, []byte("1. Budget\n2. Hiring\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	uploads := func() int {
		n, err := emu.Admin.Count(context.Background(), session.Default, testkit.Operation("uploadBlob"))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := uploads()
	if err := chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.JSPath(`__deepIn("wy-chat", 'input[type="file"]')[0]`), []string{chatFile}),
	); err != nil {
		failf("wy-chat's editor has no file input: %v", err)
	}
	for deadline := time.Now().Add(30 * time.Second); uploads() == before; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			failf("the file picked in wy-chat's editor was never uploaded")
		}
	}
	if err := chromedp.Do(ctx,
		// The editor sends once the upload settled: press Send until a message lists the file.
		chromedp.Poll[chromedp.Void](`(() => {
			if (__deepIn("wy-chat", "wy-message").some((m) => __textOf(m).includes("agenda.txt"))) return true;
			__deepIn("wy-chat", 'wy-button[title="Send"]').forEach((b) => b.click());
			return false;
		})()`, chromedp.WithPollingTimeout(30*time.Second), chromedp.WithPollingInterval(500*time.Millisecond)),
	); err != nil {
		dbg, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({btns: __deepIn("wy-chat", 'wy-button').map((b) => b.getAttribute("color")+"|"+b.title+"|"+b.hasAttribute("disabled")), text: __deepText("wy-chat")})`))
		t.Logf("wy-chat buttons (color|title|disabled) and text: %s", dbg)
		failf("the message sent from wy-chat's editor is not listed: %v", err)
	}
	var msgs struct {
		Count int `json:"count"`
		Data  []struct {
			Attachments struct {
				Data []struct {
					Name string `json:"name"`
				} `json:"data"`
			} `json:"attachments"`
			CreatedBy struct {
				UID string `json:"uid"`
			} `json:"created_by"`
		} `json:"data"`
	}
	be.json("GET", fmt.Sprintf("/api/apps/%d/messages?order_by=id+desc", chat.ID), "", http.StatusOK, &msgs)
	if msgs.Count != 2 || len(msgs.Data[0].Attachments.Data) != 1 || msgs.Data[0].Attachments.Data[0].Name != "agenda.txt" ||
		msgs.Data[0].CreatedBy.UID != userUID {
		failf("messages of team-chat = %+v, want the newest with agenda.txt sent by %s", msgs, userUID)
	}

	// The upload went through the kit's own calls, as the user of the token, into the app.
	var files struct {
		Count int `json:"count"`
		Data  []struct {
			Name      string `json:"name"`
			CreatedBy struct {
				UID  string `json:"uid"`
				Name string `json:"name"`
			} `json:"created_by"`
			Size int64 `json:"size"`
		} `json:"data"`
	}
	be.json("GET", "/api/apps/team-files/files", "", http.StatusOK, &files)
	if files.Count != 1 || files.Data[0].Name != "quarterly-report.txt" || files.Data[0].Size != int64(len("Q3 revenue grew.\n")) ||
		files.Data[0].CreatedBy.UID != userUID || files.Data[0].CreatedBy.Name != "Ada Lovelace" {
		failf("files of team-files = %+v, want quarterly-report.txt uploaded by %s", files, userUID)
	}
	for _, op := range []string{"getCurrentUser", "upsertApp", "uploadBlob", "createFile", "listAppFiles", "listMessages"} {
		if n, err := emu.Admin.Count(context.Background(), session.Default, testkit.Operation(op)); err != nil || n == 0 {
			failf("the kit never called %s", op)
		}
	}
	// Everything the kit asked for is emulated: no error answers but the real-time hub's, which
	// is not emulated (a problem 404 the kit retries quietly).
	reqs, err := emu.Admin.Requests(context.Background(), session.Default)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reqs {
		if r.Status >= 400 && !strings.HasPrefix(r.Path, "/hubs/rtm/") {
			failf("the kit got %d for %s %s?%s", r.Status, r.Method, r.Path, r.Query)
		}
	}
	logJournal(t, emu)
}

// logJournal logs every request the kit (and the backend) sent to fileemu.
func logJournal(t *testing.T, emu *testkit.Emulator) {
	t.Helper()
	reqs, err := emu.Admin.Requests(context.Background(), session.Default)
	if err != nil {
		t.Logf("journal: %v", err)
		return
	}
	for _, r := range reqs {
		q := ""
		if r.Query != "" {
			q = "?" + r.Query
		}
		t.Logf("fileemu: %s %s%s -> %d %s", r.Method, r.Path, q, r.Status, r.Operation)
	}
}
