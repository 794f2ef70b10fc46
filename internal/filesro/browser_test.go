package filesro_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// bigFileSize is the browser test's large upload: two of VueFileManager's 64,000,000-byte chunks.
const bigFileSize = 70_000_000

// pageView is what testdata/vfm-share-page.js renders of a listing.
type pageView struct {
	Folder      string `json:"folder"`
	FolderID    string `json:"folderId"`
	CanLoadMore bool   `json:"canLoadMore"`
	CurrentPage int    `json:"currentPage"`
	LastPage    int    `json:"lastPage"`
	Entries     []struct {
		ID        string  `json:"id"`
		Type      string  `json:"type"`
		Name      string  `json:"name"`
		Filesize  string  `json:"filesize"`
		Items     *int    `json:"items"`
		Author    string  `json:"author"`
		LinkIcon  bool    `json:"linkIcon"`
		Thumbnail *string `json:"thumbnail"`
	} `json:"entries"`
}

func (v pageView) names() []string {
	var out []string
	for _, e := range v.Entries {
		out = append(out, e.Type+":"+e.Name)
	}
	return out
}

type pageTree []struct {
	Name    string   `json:"name"`
	Empty   bool     `json:"empty"`
	Folders pageTree `json:"folders"`
}

func (tr pageTree) String() string {
	var parts []string
	for _, n := range tr {
		s := n.Name
		if len(n.Folders) > 0 {
			s += "{" + n.Folders.String() + "}"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

type pageUpload struct {
	Answers        []int  `json:"answers"`
	SourceName     string `json:"sourceName"`
	ProgressEvents int    `json:"progressEvents"`
	Uploaded       struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		ParentID string `json:"parentId"`
		FileURL  string `json:"fileUrl"`
		Filesize string `json:"filesize"`
	} `json:"uploaded"`
}

type pageRun struct {
	OK    bool   `json:"ok"`
	Error string `json:"error"`
	Out   struct {
		Calls  []string `json:"calls"`
		RootID string   `json:"rootId"`
		Open   struct {
			Tree pageTree `json:"tree"`
			View pageView `json:"view"`
		} `json:"open"`
		BigSha256       string       `json:"bigSha256"`
		Big             pageUpload   `json:"big"`
		AfterBig        pageView     `json:"afterBig"`
		Dropped         []pageUpload `json:"dropped"`
		AfterFolder     pageView     `json:"afterFolder"`
		TreeAfterFolder pageTree     `json:"treeAfterFolder"`
		Summer          pageView     `json:"summer"`
		Year            pageView     `json:"year"`
		ByName          pageView     `json:"byName"`
		Pages           []pageView   `json:"pages"`
		WrongPassword   struct {
			Status  int `json:"status"`
			Message any `json:"message"`
		} `json:"wrongPassword"`
		LockedListing int `json:"lockedListing"`
		Protected     struct {
			View pageView `json:"view"`
		} `json:"protected"`
		ProtectedUpload pageUpload `json:"protectedUpload"`
		ProtectedAfter  pageView   `json:"protectedAfter"`
	} `json:"out"`
}

// TestVueFileManagerSharePageInChromium runs VueFileManager's share page sequence
// (testdata/vfm-share-page.js) in Debian's headless chromium, on a page of one loopback origin,
// against the emulator on another (behind a proxy that validates every answer against the spec),
// once over VueFileManager's own routes and once over files.ro's.
func TestVueFileManagerSharePageInChromium(t *testing.T) {
	chrome, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is needed: this test drives Debian's headless chromium (apt-get install chromium; .ci/run installs it)")
	}
	script, err := os.ReadFile("testdata/vfm-share-page.js")
	if err != nil {
		t.Fatal(err)
	}
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/share/demo":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, `<!doctype html><meta charset="utf-8"><title>share</title><script src="/replay.js"></script>`)
		case "/replay.js":
			w.Header().Set("Content-Type", "text/javascript")
			w.Write(script)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(page.Close)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome),
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		// Nothing leaves loopback: every other host goes to a proxy that is not there
		// (loopback itself always bypasses proxies).
		chromedp.ProxyServer("http://127.0.0.1:9"),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("start chromium: %v", err)
	}

	for _, family := range []string{"vfm", "filesro"} {
		t.Run(family, func(t *testing.T) { sharePage(t, browser, page.URL, family) })
	}
}

func sharePage(t *testing.T, browser context.Context, pageURL, family string) {
	c := newClient(t)
	many := c.folder("demo", "Many", "")
	for i := range 120 {
		c.mustUpload("demo", text("name", fmt.Sprintf("f%03d.txt", i)), file("file", "f.txt", []byte{byte(i)}),
			text("extension", "txt"), text("parent_id", many))
	}
	var share struct {
		Data struct {
			Attributes struct {
				ItemID string `json:"item_id"`
			} `json:"attributes"`
		} `json:"data"`
	}
	c.getJSON("/shares/demo", &share)
	api := validatingProxy(t, c)
	if strings.HasPrefix(api, pageURL) || !strings.HasPrefix(api, "http://127.0.0.1:") {
		t.Fatalf("the API (%s) must be on another loopback origin than the page (%s)", api, pageURL)
	}

	tab, cancel := chromedp.NewContext(browser)
	defer cancel()
	tab, cancelTimeout := context.WithTimeout(tab, 5*time.Minute) // a 70 MB upload on a busy 2-core machine, with -race
	defer cancelTimeout()
	var mu sync.Mutex
	var pageErrors []string
	err := chromedp.Listen(tab, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			pageErrors = append(pageErrors, "exception: "+msg)
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				pageErrors = append(pageErrors, "console.error: "+strings.Join(args, " "))
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tab, chromedp.Navigate(pageURL+"/share/demo")); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	raw, err := chromedp.Run(tab, chromedp.Evaluate[[]byte](fmt.Sprintf("window.replay(%q, %q, %d, %q)", api, family, bigFileSize, share.Data.Attributes.ItemID),
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	var run pageRun
	if err := json.Unmarshal(raw, &run); err != nil {
		t.Fatalf("the page's result: %v %.300s", err, raw)
	}
	mu.Lock()
	if len(pageErrors) > 0 {
		t.Errorf("the page logged errors:\n%s", strings.Join(pageErrors, "\n"))
	}
	mu.Unlock()
	o := run.Out
	if !run.OK {
		t.Fatalf("the share page failed: %s\ncalls:\n%s", run.Error, strings.Join(o.Calls, "\n"))
	}
	t.Logf("%d requests, e.g.\n%s", len(o.Calls), strings.Join(o.Calls[:8], "\n"))

	// 1. Opening the share.
	if o.RootID != share.Data.Attributes.ItemID {
		t.Errorf("root = %s, want %s", o.RootID, share.Data.Attributes.ItemID)
	}
	if v := o.Open.View; v.Folder != "Demo" || v.FolderID != o.RootID || !slices.Equal(v.names(), []string{"folder:Many"}) ||
		v.CurrentPage != 1 || v.LastPage != 1 || v.CanLoadMore || *v.Entries[0].Items != 120 || !v.Entries[0].LinkIcon {
		t.Errorf("opened share = %+v", v)
	}
	if got := o.Open.Tree.String(); got != "Many" || !o.Open.Tree[0].Empty {
		t.Errorf("tree = %s", got)
	}

	// 2. The 70 MB upload: two chunks with one .part name, 200 then 201, the bytes intact.
	b := o.Big
	if !slices.Equal(b.Answers, []int{200, 201}) || !regexp.MustCompile(`^[0-9a-z]{16}-holiday-video\.mp4\.part$`).MatchString(b.SourceName) ||
		b.Uploaded.ParentID != o.RootID || b.Uploaded.Name != "holiday video.mp4" || b.Uploaded.Filesize != "70.0 MB" || b.ProgressEvents == 0 {
		t.Errorf("big upload = %+v", b)
	}
	resp, content := c.get(b.Uploaded.FileURL)
	if sum := sha256.Sum256(content); resp.StatusCode != 200 || len(content) != bigFileSize || hex.EncodeToString(sum[:]) != o.BigSha256 {
		t.Errorf("big file = %d, %d bytes, sha256 %x, page's %s", resp.StatusCode, len(content), sum, o.BigSha256)
	}
	if got := o.AfterBig.names(); !slices.Equal(got, []string{"video:holiday video.mp4", "folder:Many"}) {
		t.Errorf("after the upload (VueFileManager puts the new file first) = %v", got)
	}

	// 3. The dropped folder: folders from the paths, the tree reloaded, the image's thumbnail a URL.
	for i, d := range o.Dropped {
		if !slices.Equal(d.Answers, []int{201}) {
			t.Errorf("dropped file %d = %+v", i, d)
		}
	}
	if got := o.AfterFolder.names(); !slices.Equal(got, []string{"folder:Summer", "folder:Many", "video:holiday video.mp4"}) {
		t.Errorf("after the folder upload = %v", got)
	}
	if got := o.TreeAfterFolder.String(); got != "Summer{2024} Many" {
		t.Errorf("tree after the folder upload = %s", got)
	}
	if got := o.Summer.names(); o.Summer.Folder != "Summer" || !slices.Equal(got, []string{"folder:2024", "file:notes.txt"}) {
		t.Errorf("Summer = %s %v", o.Summer.Folder, got)
	}
	if y := o.Year; len(y.Entries) != 1 || y.Entries[0].Name != "beach.png" || y.Entries[0].Type != "image" ||
		y.Entries[0].Thumbnail == nil || !strings.HasPrefix(*y.Entries[0].Thumbnail, api+"/api/v1/shares/demo/files/") {
		t.Errorf("2024 = %+v", y)
	} else if resp, _ := c.get(*y.Entries[0].Thumbnail); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
		t.Errorf("thumbnail = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	// 4. Sorted by name.
	if got := o.ByName.names(); !slices.Equal(got, []string{"folder:Many", "folder:Summer", "video:holiday video.mp4"}) {
		t.Errorf("by name = %v", got)
	}

	// 5. 120 files, 50 a page, as the infinite scroll loads them.
	if len(o.Pages) != 3 {
		t.Fatalf("pages loaded = %d", len(o.Pages))
	}
	for i, p := range o.Pages {
		if p.CurrentPage != i+1 || p.LastPage != 3 || p.CanLoadMore != (i < 2) || len(p.Entries) != min(50*(i+1), 120) {
			t.Errorf("after page %d: current %d last %d more %v, %d entries", i+1, p.CurrentPage, p.LastPage, p.CanLoadMore, len(p.Entries))
		}
	}
	if e := o.Pages[1].Entries; e[50].Name != "f050.txt" || e[99].Name != "f099.txt" {
		t.Errorf("page 2 = %s ... %s", e[50].Name, e[99].Name)
	}

	// 6. The protected share.
	wantMessage := any(map[string]any{"type": "error", "message": "Sorry, your password is incorrect."})
	if family == "vfm" {
		wantMessage = "Sorry, your password is incorrect." // VueFileManager's bare string
	}
	if o.WrongPassword.Status != 401 || fmt.Sprint(o.WrongPassword.Message) != fmt.Sprint(wantMessage) || o.LockedListing != 403 {
		t.Errorf("wrong password = %+v, listing before unlock = %d", o.WrongPassword, o.LockedListing)
	}
	if v := o.Protected.View; v.Folder != "Demo protected" || len(v.Entries) != 0 {
		t.Errorf("unlocked share = %+v", v)
	}
	if !slices.Equal(o.ProtectedUpload.Answers, []int{201}) || !slices.Contains(o.ProtectedAfter.names(), "file:secret note.txt") {
		t.Errorf("protected upload = %+v, then %v", o.ProtectedUpload, o.ProtectedAfter.names())
	}

	// The journal saw the client's calls on the family's own operations.
	upload, navigation := "vfmUploadChunks", "vfmNavigation"
	if family == "filesro" {
		upload, navigation = "uploadToShare", "getShareNavigation"
	}
	uploads := 2 + 2 + 1 // the big file's two chunks, the dropped folder's two files, the protected note
	if family == "filesro" {
		uploads += 120 // the Go setup's uploads share the operation
	}
	c.s.AssertCalled(t, upload, uploads)
	c.s.AssertCalled(t, navigation, 3)
}
