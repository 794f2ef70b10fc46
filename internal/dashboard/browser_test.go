package dashboard_test

// The dashboard in a real browser: Debian's chromium driven by chromedp (CI installs it,
// .ci/run), against an in-process emulator with an admin token. One browser for every check,
// in the order a newcomer would use the page; screenshots of each view are kept in a temporary
// directory (or in $FILEEMU_DASHBOARD_SCREENSHOTS) and named in the log.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/fileemu/fileemu/internal/chromium"
	"github.com/fileemu/fileemu/testkit"
)

const (
	adminToken = "dash-token"
	haufeUser  = "497f6eca-6276-4993-bfeb-53cbbbba6f08"
	// xssName is a file name that is also markup: the page must show it as text.
	xssName = `<img src=x onerror=alert(1)>.png`
)

// browser is one chromium tab on the dashboard, with what the page logged.
type browser struct {
	t       *testing.T
	ctx     context.Context
	emu     *testkit.Emulator
	shots   string
	mu      sync.Mutex
	console []string
	dialogs []string
}

func (b *browser) fail(format string, args ...any) {
	b.t.Helper()
	b.mu.Lock()
	b.t.Logf("browser console:\n%s", strings.Join(b.console, "\n"))
	b.mu.Unlock()
	b.shot("failure")
	b.t.Fatalf(format, args...)
}

// do runs steps, failing the test with what with its error.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.fail("%s: %v", what, err)
	}
}

// wait polls a JS expression until it is true.
func (b *browser) wait(what, expr string) {
	b.t.Helper()
	b.do(what, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(10*time.Second)))
}

// js evaluates an expression and returns its value as T.
func js[T any](b *browser, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.fail("evaluate %s: %v", expr, err)
	}
	return v
}

// shot writes a PNG of the viewport.
func (b *browser) shot(name string) {
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644); err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
	}
}

// view goes to one of the page's views by its link, as a user would.
func (b *browser) view(name string) {
	b.t.Helper()
	b.do("open view "+name, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector('nav a[data-view=%q]').click()`, name)))
	b.wait("view "+name+" shown", fmt.Sprintf(`!document.getElementById("view-%s").hidden`, name))
}

// call sends a request to the emulator through the validating client and returns status and body.
func call(t *testing.T, c *http.Client, method, url string, body io.Reader, hdr ...string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, data := testkit.Do(t, c, req)
	return resp.StatusCode, data
}

// rowJS finds the rows of the request table for the session with cells matching.
func rowJS(session, cond string) string {
	return fmt.Sprintf(`[...document.querySelectorAll("#req-table tbody tr")].filter((tr) => {
		const c = (k) => tr.querySelector(".c-" + k).textContent;
		return c("session") === %q && (%s);
	})`, session, cond)
}

func TestDashboard(t *testing.T) {
	browserPath := chromium.Find(t, "the dashboard test")
	emu := testkit.Start(t, testkit.WithAdminToken(adminToken))
	client := emu.Client(t)
	sess := emu.Session(t)
	sid := sess.ID

	shots := os.Getenv("FILEEMU_DASHBOARD_SCREENSHOTS")
	if shots == "" {
		var err error
		if shots, err = os.MkdirTemp("", "fileemu-dashboard-"); err != nil {
			t.Fatal(err)
		}
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots of the dashboard: %s", shots)

	ctx := chromium.Tab(t, browserPath, 90*time.Second, chromedp.WindowSize(1280, 800))
	b := &browser{t: t, ctx: ctx, emu: emu, shots: shots}
	if err := chromedp.Listen(ctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			b.console = append(b.console, string(ev.Type)+": "+strings.Join(args, " "))
		case *runtime.EventExceptionThrown:
			line := "exception: " + ev.ExceptionDetails.Text
			if ex := ev.ExceptionDetails.Exception; ex != nil {
				line += " " + ex.Description
			}
			b.console = append(b.console, line)
		case *page.EventJavascriptDialogOpening:
			b.dialogs = append(b.dialogs, string(ev.Type)+": "+ev.Message)
		}
	}); err != nil {
		t.Fatalf("start chromium (%s): %v", browserPath, err)
	}
	b.do("viewport 1280x800", chromedp.EmulateViewport(1280, 800))

	// Signing in: the token once in the address, then a cookie; the address loses the token.
	b.do("open the dashboard with the token", chromedp.Navigate(emu.URL+"/__admin/ui?token="+adminToken))
	b.wait("the page started", `document.documentElement.dataset.ready === "true"`)
	if u := js[string](b, `location.href`); strings.Contains(u, "token") || !strings.HasSuffix(u, "/__admin/ui/") {
		b.fail("after signing in the address is %s, want /__admin/ui/ without the token", u)
	}
	b.do("open the dashboard on the test's session", chromedp.Navigate(emu.URL+"/__admin/ui/?session="+sid+"#requests"))
	b.wait("the live stream is connected", `document.getElementById("live").textContent === "live"`)

	haufe := sess.URL("haufe")
	hh := []string{"api-key", "my-key", "user-id", haufeUser}
	signedURL := func() (int, string) {
		status, body := call(t, client, "GET", haufe+"/v1/files/signed-url?filename=report.txt", nil, hh...)
		var out struct {
			FileURL string `json:"file_url"`
		}
		_ = json.Unmarshal(body, &out)
		return status, out.FileURL
	}

	// run is t.Run with the browser failing the subtest.
	run := func(name string, f func(t *testing.T)) {
		parent := b.t
		t.Run(name, func(t *testing.T) {
			b.t = t
			defer func() { b.t = parent }()
			f(t)
		})
	}

	run("requests live", func(t *testing.T) {
		status, fileURL := signedURL()
		if status != 200 {
			t.Fatalf("signed-url = %d", status)
		}
		// The upload as a developer makes it by hand: with curl (.ci/run installs it).
		out, err := exec.Command("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT",
			"-H", "Content-Type: text/plain", "--data-binary", "Quarterly report\n", fileURL).CombinedOutput()
		if err != nil || string(out) != "200" {
			t.Fatalf("curl PUT to the presigned URL = %s (%v)", out, err)
		}
		// Both appear without a reload: the page follows the journal's stream.
		b.wait("the Haufe request appears live", rowJS(sid, `c("op") === "getSignedUrl" && c("status") === "200" && c("method") === "GET"`)+`.length === 1`)
		b.wait("the upload appears live", rowJS(sid, `c("op") === "putObject" && c("status") === "200"`)+`.length === 1`)
		// Its detail names the upload's size and SHA-256 and links the stored object.
		b.do("open the upload's detail", chromedp.Evaluate[chromedp.Void](rowJS(sid, `c("op") === "putObject"`)+`[0].querySelector("button").click()`))
		b.wait("the detail links the stored object", `[...document.querySelectorAll("#req-detail .upload a")].some((a) => a.href.includes("/object?name=haufe-files"))`)
		if txt := js[string](b, `document.getElementById("req-detail").textContent`); !strings.Contains(txt, "17 bytes") {
			b.fail("the upload's detail does not give its size: %s", txt)
		}
		b.shot("1-requests")
	})

	run("scenario switched on in the page", func(t *testing.T) {
		doc := "scenarios:\n  - name: haufe-outage\n    description: Haufe answers 503\n    active: false\n    rules:\n" +
			"      - match: {api: haufe, operation: getSignedUrl}\n        respond: 503\n"
		if _, err := emu.Admin.PutScenarios(context.Background(), "", []byte(doc)); err != nil {
			t.Fatal(err)
		}
		b.view("scenarios")
		sw := `document.querySelector('tr[data-scenario="haufe-outage"] input[role="switch"]')`
		b.wait("the scenario is listed, off", sw+` !== null && !`+sw+`.checked`)
		b.do("switch it on", chromedp.Evaluate[chromedp.Void](sw+`.click()`))
		b.wait("it is on", `document.getElementById("notice").textContent.includes("haufe-outage is on")`)
		b.wait("the switch shows it on", sw+`.checked`)
		b.shot("3-scenarios")
		if status, _ := signedURL(); status != 503 {
			t.Fatalf("signed-url with the scenario on = %d, want 503", status)
		}
		b.view("requests")
		b.wait("the row names the scenario", rowJS(sid, `c("status") === "503" && c("scenario") === "haufe-outage"`)+`.length === 1`)
		// And off again from the page: the next request passes.
		b.view("scenarios")
		b.wait("the switch is shown", sw+` !== null && `+sw+`.checked`)
		b.do("switch it off", chromedp.Evaluate[chromedp.Void](sw+`.click()`))
		b.wait("it is off", `document.getElementById("notice").textContent.includes("haufe-outage is off")`)
		if status, _ := signedURL(); status != 200 {
			t.Fatalf("signed-url with the scenario off = %d, want 200", status)
		}
		// A scenario file with a mistake: refused, the problem shown under its line.
		bad := "scenarios:\n  - name: bad\n    rules:\n      - match: {api: haufe, colour: red}\n        respond: 503\n"
		b.do("load a bad scenario file",
			chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.getElementById("sc-text").value = %q`, bad)),
			chromedp.Evaluate[chromedp.Void](`document.querySelector("#sc-load button").click()`))
		b.wait("the problem is shown at its line", `[...document.querySelectorAll("#sc-load .problems li.bad")].some((li) => li.textContent.startsWith("4") && li.textContent.includes("colour: red"))`+
			` && [...document.querySelectorAll("#sc-load .problems li.msg")].some((li) => li.textContent.includes("line 4") && li.textContent.includes("colour"))`)
		if js[bool](b, `document.querySelector('tr[data-scenario="bad"]') !== null`) {
			b.fail("the bad scenario was loaded")
		}
		b.shot("3b-scenario-lint")
		// A session picked by its address before its first request: a scenario file loaded for
		// it alone creates it.
		fresh := sid + "-new"
		b.do("open the page on a session that does not exist yet", chromedp.Navigate(emu.URL+"/__admin/ui/?session="+fresh+"#scenarios"))
		b.wait("the scenarios are listed", sw+` !== null`)
		own := "scenarios:\n  - name: own-outage\n    active: false\n    rules:\n      - match: {api: desk}\n        respond: 503\n"
		b.do("load a scenario for this session only",
			chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.getElementById("sc-text").value = %q`, own)),
			chromedp.Evaluate[chromedp.Void](`document.querySelector('#sc-load input[name="only"]').checked = true`),
			chromedp.Evaluate[chromedp.Void](`document.querySelector("#sc-load button").click()`))
		b.wait("it is loaded for the session", `document.querySelector('tr[data-scenario="own-outage"]') !== null`)
		st, body := call(t, client, "GET", emu.URL+"/__admin/scenarios?session="+fresh, nil, "Authorization", "Bearer "+adminToken)
		if st != 200 || !strings.Contains(string(body), `"own-outage"`) {
			t.Errorf("the new session's scenarios = %d %s, want own-outage", st, body)
		}
		b.do("back to the test's session", chromedp.Navigate(emu.URL+"/__admin/ui/?session="+sid+"#requests"))
	})

	run("a 422 in the detail pane", func(t *testing.T) {
		if st, _ := call(t, client, "GET", haufe+"/v1/files/signed-url", nil, hh...); st != 422 {
			t.Fatalf("signed-url without filename = %d, want 422", st)
		}
		b.view("requests")
		b.wait("the 422 appears", rowJS(sid, `c("status") === "422"`)+`.length === 1`)
		// With the keyboard: the row's path is a button.
		b.do("open its detail with the keyboard",
			chromedp.Evaluate[chromedp.Void](rowJS(sid, `c("status") === "422"`)+`[0].querySelector("button").focus()`),
			chromedp.KeyEvent("\r"))
		b.wait("the body is shown", `(document.querySelector("#req-detail .response-body") || {}).textContent?.includes("validation_error")`)
		b.wait("the violation is shown", `(document.querySelector("#req-detail .violations") || {}).textContent?.includes("filename")`)
		if !js[bool](b, `document.activeElement === document.getElementById("req-detail")`) {
			b.fail("opening a request's detail does not move the focus to it (keyboard users)")
		}
		// Traffic redraws the table: a keyboard user's focus on a row stays on that row.
		b.do("focus the 422's row", chromedp.Evaluate[chromedp.Void](rowJS(sid, `c("status") === "422"`)+`[0].querySelector("button").focus()`))
		rows := js[int](b, rowJS(sid, "true")+".length")
		if st, _ := call(t, client, "GET", haufe+"/v1/files/signed-url?filename=more.txt", nil, hh...); st != 200 {
			t.Fatalf("signed-url = %d", st)
		}
		b.wait("the new request appears", rowJS(sid, "true")+fmt.Sprintf(".length > %d", rows))
		if !js[bool](b, `document.activeElement?.closest("tr")?.querySelector(".c-status")?.textContent === "422"`) {
			b.fail("a new request took the keyboard focus off the row it was on")
		}
		b.shot("2-request-detail-422")
	})

	run("sessions", func(t *testing.T) {
		sess.Seed(t, `{"weavy":{"apps":1,"files":2},"filesro":{"shares":1,"folders":2,"files":2}}`)
		// A Weavy file whose name is markup.
		w := sess.URL("weavy")
		auth := []string{"Authorization", "Bearer k"}
		if st, body := call(t, client, "PUT", w+"/api/apps/xss-app", strings.NewReader(`{"type":"files","name":"XSS test"}`), append(auth, "Content-Type", "application/json")...); st != 201 {
			t.Fatalf("create app = %d %s", st, body)
		}
		// upload makes a file of the app from a blob, as Weavy clients do.
		upload := func(name string, content []byte) {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			fw, _ := mw.CreateFormFile("blob", name)
			_, _ = fw.Write(content)
			_ = mw.Close()
			st, body := call(t, client, "POST", w+"/api/blobs", &buf, append(auth, "Content-Type", mw.FormDataContentType())...)
			var blob struct {
				ID int64 `json:"id"`
			}
			if err := json.Unmarshal(body, &blob); st != 201 || err != nil {
				t.Fatalf("blob %s = %d %s", name, st, body)
			}
			if st, body := call(t, client, "POST", w+"/api/apps/xss-app/files", strings.NewReader(fmt.Sprintf(`{"blob_id":%d}`, blob.ID)), append(auth, "Content-Type", "application/json")...); st != 201 {
				t.Fatalf("file %s = %d %s", name, st, body)
			}
		}
		upload(xssName, []byte("not really a png"))
		// And a picture, which the page previews.
		img := image.NewRGBA(image.Rect(0, 0, 48, 32))
		for i := range img.Pix {
			img.Pix[i] = byte(i * 7)
		}
		var pic bytes.Buffer
		_ = png.Encode(&pic, img)
		upload("chart.png", pic.Bytes())
		st8, err := emu.Admin.State(context.Background(), sid)
		if err != nil {
			t.Fatal(err)
		}
		var state struct {
			APIs struct {
				Filesro struct {
					Items []struct {
						Name string `json:"name"`
						Kind string `json:"kind"`
					} `json:"items"`
				} `json:"filesro"`
			} `json:"apis"`
		}
		raw, _ := json.Marshal(st8)
		_ = json.Unmarshal(raw, &state)
		var folder string
		for _, it := range state.APIs.Filesro.Items {
			if it.Kind == "folder" {
				folder = it.Name
			}
		}
		if folder == "" {
			t.Fatalf("the seed made no files.ro folder: %s", raw)
		}

		b.view("sessions")
		b.wait("the Weavy files are shown", `[...document.querySelectorAll(".weavy-file")].length === 4`)
		b.wait("the markup file name is shown as text", fmt.Sprintf(`[...document.querySelectorAll(".weavy-file")].some((e) => e.textContent === %q)`, xssName))
		if n := js[int](b, `document.querySelectorAll('img[src="x"]').length`); n != 0 {
			b.fail("the file name became an element: %d img[src=x]", n)
		}
		b.wait("the files.ro folder tree is shown", fmt.Sprintf(`[...document.querySelectorAll("ul.tree li.folder > .name")].some((e) => e.textContent === %q)`, folder))
		if !js[bool](b, `document.querySelector("ul.tree li.folder li.file") !== null`) {
			b.fail("the files.ro tree shows no file inside a folder")
		}
		b.do("scroll to a preview", chromedp.Evaluate[chromedp.Void](`document.querySelector("#sess-state img.preview").scrollIntoView()`))
		b.wait("image previews load", `[...document.querySelectorAll("#sess-state img.preview")].some((i) => i.complete && i.naturalWidth > 0)`)
		b.shot("4-sessions")
		b.mu.Lock()
		dialogs := b.dialogs
		b.mu.Unlock()
		if len(dialogs) > 0 {
			b.fail("a dialog opened: %v", dialogs)
		}
	})

	run("clock advance expires a presigned URL", func(t *testing.T) {
		status, fileURL := signedURL()
		if status != 200 {
			t.Fatalf("signed-url = %d", status)
		}
		b.view("clock")
		b.wait("the session's clock is shown", `document.getElementById("clk-now").textContent.includes("not moved")`)
		b.do("advance 11 minutes",
			chromedp.Evaluate[chromedp.Void](`document.querySelector("#clk-advance input").value = "11m"`),
			chromedp.Evaluate[chromedp.Void](`document.querySelector("#clk-advance button").click()`))
		b.wait("the clock moved", `document.getElementById("clk-now").textContent.includes("11m0s")`)
		b.shot("5-clock-and-data")
		st, body := call(t, client, "PUT", fileURL, strings.NewReader("too late\n"))
		if st != 403 || !strings.Contains(string(body), "expired") {
			t.Fatalf("PUT after the clock moved 11 minutes = %d %s, want 403 expired", st, body)
		}
	})

	run("seed, snapshot and restore", func(t *testing.T) {
		b.view("clock")
		b.do("seed two Desk files",
			chromedp.Evaluate[chromedp.Void](`document.getElementById("seed-text").value = '{"desk": {"files": 2}}'`),
			chromedp.Evaluate[chromedp.Void](`document.querySelector("#seed button").click()`))
		b.wait("seeded", `document.querySelector("#seed .problems").textContent.includes("desk 2 files")`)
		// The download link works with the page's cookie.
		got, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`fetch(document.getElementById("snap-get").href).then((r) => r.status + " " + r.headers.get("content-type"))`, chromedp.EvalAwaitPromise))
		if err != nil || got != "200 application/x-tar" {
			b.fail("the snapshot link = %q %v", got, err)
		}
		snap, err := emu.Admin.Snapshot(context.Background(), sid)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "snap.tar")
		if err := os.WriteFile(file, snap, 0o600); err != nil {
			t.Fatal(err)
		}
		sess.Seed(t, `{"s3":{"buckets":1}}`) // the Desk files go
		b.do("restore the snapshot",
			chromedp.SetUploadFiles(`#snap-put input[type="file"]`, []string{file}),
			chromedp.Evaluate[chromedp.Void](`document.querySelector("#snap-put button").click()`))
		b.wait("restored", `document.querySelector("#view-clock .card:last-child .problems").textContent.includes("Restored into")`)
		st, err := emu.Admin.State(context.Background(), sid)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(st)
		var desk struct {
			APIs struct {
				Desk json.RawMessage `json:"desk"`
			} `json:"apis"`
		}
		_ = json.Unmarshal(raw, &desk)
		if n := strings.Count(string(desk.APIs.Desk), `"FileName"`) + strings.Count(string(desk.APIs.Desk), `"file_name"`); n != 2 {
			t.Errorf("after the restore Desk holds %d files: %s", n, desk.APIs.Desk)
		}
	})

	run("phone width and dark", func(t *testing.T) {
		b.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
		b.view("requests")
		if w := js[int](b, `document.documentElement.scrollWidth`); w > 390 {
			b.fail("the page is %d px wide on a 390 px phone", w)
		}
		b.shot("6-requests-phone")
		b.do("dark", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}})
			return err
		}), chromedp.EmulateViewport(1280, 800))
		if bg := js[string](b, `getComputedStyle(document.body).backgroundColor`); bg != "rgb(13, 17, 23)" {
			b.fail("dark: the background is %s", bg)
		}
		b.shot("7-requests-dark")
	})
}
