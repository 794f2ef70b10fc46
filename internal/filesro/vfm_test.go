package filesro_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// vfm is the URL of a VueFileManager route (after /api/sharing) in the client's session.
func (c *client) vfm(path string) string { return c.s.URL("filesro") + "/api/sharing" + path }

// getJSON GETs an API path (after /api/v1) or an absolute URL and decodes a 200 answer into v.
func (c *client) getJSON(u string, v any) {
	c.t.Helper()
	resp, b := c.do("GET", u, nil, nil)
	if resp.StatusCode != 200 {
		c.t.Fatalf("GET %s = %d %s", u, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		c.t.Fatalf("GET %s: %v %s", u, err, b)
	}
}

func (c *client) folder(token, name, parent string) string {
	c.t.Helper()
	body := fmt.Sprintf(`{"name":%q}`, name)
	if parent != "" {
		body = fmt.Sprintf(`{"name":%q,"parent_id":%q}`, name, parent)
	}
	st, b := c.json("POST", "/shares/"+token+"/items", body, false)
	var f item
	if st != 201 || json.Unmarshal(b, &f) != nil {
		c.t.Fatalf("create folder %s = %d %s", name, st, b)
	}
	return f.ID
}

func (c *client) uploadText(token, name string) {
	c.t.Helper()
	c.mustUpload(token, text("name", name), file("file", name, []byte(name)), text("extension", "txt"))
}

func TestBrowseSortAndDirection(t *testing.T) {
	c := newClient(t)
	for _, n := range []string{"beta", "Alpha", "gamma"} {
		c.folder("demo", n, "")
	}
	for _, n := range []string{"y.txt", "X.txt", "z.txt"} {
		c.uploadText("demo", n)
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{"folder:gamma", "folder:Alpha", "folder:beta", "file:z.txt", "file:X.txt", "file:y.txt"}},
		{"?sort=created_at&direction=DESC", []string{"folder:gamma", "folder:Alpha", "folder:beta", "file:z.txt", "file:X.txt", "file:y.txt"}},
		{"?sort=created_at&direction=ASC", []string{"folder:beta", "folder:Alpha", "folder:gamma", "file:y.txt", "file:X.txt", "file:z.txt"}},
		{"?sort=name&direction=ASC", []string{"folder:Alpha", "folder:beta", "folder:gamma", "file:X.txt", "file:y.txt", "file:z.txt"}},
		{"?sort=name&direction=desc", []string{"folder:gamma", "folder:beta", "folder:Alpha", "file:z.txt", "file:y.txt", "file:X.txt"}},
		{"?sort=name", []string{"folder:Alpha", "folder:beta", "folder:gamma", "file:X.txt", "file:y.txt", "file:z.txt"}}, // ascending by default
	} {
		var l listing
		c.getJSON("/shares/demo/folders/all"+tc.query, &l)
		if got := names(l); !slices.Equal(got, tc.want) {
			t.Errorf("%q: %v, want %v", tc.query, got, tc.want)
		}
		var v listing
		c.getJSON(c.vfm("/folders/all/demo"+tc.query), &v)
		if got := names(v); !slices.Equal(got, tc.want) {
			t.Errorf("vfm %q: %v, want %v", tc.query, got, tc.want)
		}
	}
	var l listing
	c.getJSON("/shares/demo/folders/all?sort=name&direction=ASC&page=1", &l)
	if q, err := url.Parse(l.Links.Last); err != nil || q.Query().Get("sort") != "name" || q.Query().Get("direction") != "ASC" ||
		q.Query().Get("page") != "1" {
		t.Errorf("links lose the sorting: %s", l.Links.Last)
	}
	for _, bad := range []string{"?sort=size", "?direction=up"} {
		if st, b := c.json("GET", "/shares/demo/folders/all"+bad, "", false); st != 422 || len(laravelErrors(t, b)) != 1 {
			t.Errorf("%s = %d %s", bad, st, b)
		}
	}
}

// TestBrowsePage2Of120 pages a folder of 120 files the way VueFileManager's client does: page=1
// first, then currentPage+1 while currentPage != lastPage.
func TestBrowsePage2Of120(t *testing.T) {
	c := newClient(t)
	big := c.folder("demo", "Big", "")
	for i := range 120 {
		c.mustUpload("demo", text("name", fmt.Sprintf("f%03d.txt", i)), file("file", "f.txt", []byte("x")),
			text("extension", "txt"), text("parent_id", big))
	}
	var seen []string
	for page := 1; ; page++ {
		var l listing
		c.getJSON(c.vfm(fmt.Sprintf("/folders/%s/demo?sort=name&direction=ASC&page=%d", big, page)), &l)
		p := l.Meta.Paginate
		if p.CurrentPage != page || p.LastPage != 3 || p.PerPage != 50 || p.Total != 120 || l.Meta.Root.ID != big {
			t.Fatalf("page %d: %+v root %s", page, p, l.Meta.Root.ID)
		}
		seen = append(seen, names(l)...)
		if p.CurrentPage == p.LastPage {
			break
		}
	}
	if len(seen) != 120 || seen[50] != "file:f050.txt" || seen[119] != "file:f119.txt" {
		t.Errorf("pages = %d items, [50]=%s", len(seen), seen[50])
	}
}

type navigation []struct {
	Name     string     `json:"name"`
	Location string     `json:"location"`
	Folders  []treeNode `json:"folders"`
	Movable  bool       `json:"isMovable"`
	Open     bool       `json:"isOpen"`
}

type treeNode struct {
	ID       string     `json:"id"`
	ParentID string     `json:"parent_id"`
	Name     string     `json:"name"`
	Items    int        `json:"items"`
	Folders  []treeNode `json:"folders"`
	Raw      json.RawMessage
}

func TestNavigationTree(t *testing.T) {
	c := newClient(t)
	docs := c.folder("demo", "Docs", "")
	c.folder("demo", "Archive", "")
	c.mustUpload("demo", text("name", "a.txt"), file("file", "a.txt", []byte("a")), text("extension", "txt"),
		text("path", "/2024/Q1/a.txt"), text("parent_id", docs))
	c.uploadText("demo", "top.txt") // files are not in the tree
	for _, u := range []string{"/shares/demo/navigation?sort=name&direction=ASC", c.vfm("/navigation/demo?sort=name&direction=ASC")} {
		var nav navigation
		c.getJSON(u, &nav)
		if len(nav) != 1 || nav[0].Name != "Home" || nav[0].Location != "public" || !nav[0].Movable || !nav[0].Open {
			t.Fatalf("%s = %+v", u, nav)
		}
		f := nav[0].Folders
		if len(f) != 2 || f[0].Name != "Archive" || f[1].Name != "Docs" || f[1].ID != docs || f[1].Items != 1 ||
			len(f[1].Folders) != 1 || f[1].Folders[0].Name != "2024" || f[1].Folders[0].ParentID != docs ||
			len(f[1].Folders[0].Folders) != 1 || f[1].Folders[0].Folders[0].Name != "Q1" {
			t.Errorf("%s tree = %+v", u, f)
		}
		// Leaves carry an empty array: the client reads folders.length of every node.
		if f[0].Folders == nil || f[1].Folders[0].Folders[0].Folders == nil {
			t.Errorf("%s: a leaf without folders: %+v", u, f)
		}
	}
	var nav navigation
	c.getJSON(c.vfm("/navigation/demo-readonly"), &nav)
	if len(nav[0].Folders) != 1 || nav[0].Folders[0].Name != "Photos" {
		t.Errorf("read-only share tree = %+v", nav)
	}
	for _, u := range []string{c.url("/shares/demo-protected/navigation"), c.vfm("/navigation/demo-protected")} {
		if resp, b := c.do("GET", u, nil, nil); resp.StatusCode != 403 || errorMessage(t, b) != "Sorry, you don't have permission" {
			t.Errorf("locked %s = %d %s", u, resp.StatusCode, b)
		}
	}
	if resp, _ := c.do("GET", c.vfm("/navigation/nope"), nil, nil); resp.StatusCode != 404 {
		t.Errorf("unknown share = %d", resp.StatusCode)
	}
}

// TestVueFileManagerRoutesShareTheState drives VueFileManager's own routes and checks the files.ro
// routes see the same shares, folders, uploads and unlock cookie.
func TestVueFileManagerRoutesShareTheState(t *testing.T) {
	c := newClient(t)
	var sh struct {
		Data struct {
			Attributes struct {
				Permission, Token, Type string
				ItemID                  string `json:"item_id"`
				Protected               bool
			}
		}
	}
	c.getJSON(c.vfm("/demo"), &sh)
	if a := sh.Data.Attributes; a.Permission != "editor" || a.Token != "demo" || a.Type != "folder" {
		t.Errorf("share = %+v", a)
	}
	root := sh.Data.Attributes.ItemID

	// The chunked route, as the web client sends it, then the files.ro listing shows the file.
	body, ct := form(text("name", "notes one.txt"), file("chunk", "abcdefghijklmnop-notes-one.txt.part", []byte("hello ")),
		text("extension", "txt"), text("is_last_chunk", "0"), text("parent_id", root))
	if resp, b := c.do("POST", c.vfm("/upload/chunks/demo"), bytes.NewReader(body), http.Header{"Content-Type": {ct}}); resp.StatusCode != 200 || len(b) != 0 {
		t.Fatalf("chunk 1 = %d %q", resp.StatusCode, b)
	}
	body, ct = form(text("name", "notes one.txt"), file("chunk", "abcdefghijklmnop-notes-one.txt.part", []byte("world")),
		text("extension", "txt"), text("is_last_chunk", "1"), text("parent_id", root))
	resp, b := c.do("POST", c.vfm("/upload/chunks/demo"), bytes.NewReader(body), http.Header{"Content-Type": {ct}})
	if resp.StatusCode != 201 {
		t.Fatalf("last chunk = %d %s", resp.StatusCode, b)
	}
	f := decodeFile(t, b)
	if _, got := c.get(f.Attributes.FileURL); string(got) != "hello world" || *f.Attributes.ParentID != root {
		t.Errorf("assembled = %q parent %v", got, f.Attributes.ParentID)
	}
	// A folder by VueFileManager's create-folder (with its emoji field), listed by files.ro's route.
	st, b := c.do("POST", c.vfm("/create-folder/demo"), strings.NewReader(`{"name":"Inbox","emoji":null,"parent_id":"`+root+`"}`),
		http.Header{"Content-Type": {"application/json"}})
	if st.StatusCode != 201 {
		t.Fatalf("create-folder = %d %s", st.StatusCode, b)
	}
	// VueFileManager's client may ask for folder "undefined": any non-UUID is the shared folder.
	for _, u := range []string{c.url("/shares/demo/folders/all"), c.vfm("/folders/undefined/demo"), c.vfm("/folders/" + root + "/demo")} {
		var l listing
		c.getJSON(u, &l)
		if got := names(l); !slices.Equal(got, []string{"folder:Inbox", "file:notes one.txt"}) || l.Meta.Root.ID != root {
			t.Errorf("%s = %v root %s", u, got, l.Meta.Root.ID)
		}
	}

	// One style per VueFileManager upload route.
	body, ct = form(text("name", "a.txt"), file("file", "a.txt", []byte("a")), text("extension", "txt"))
	if resp, b := c.do("POST", c.vfm("/upload/chunks/demo"), bytes.NewReader(body), http.Header{"Content-Type": {ct}}); resp.StatusCode != 422 ||
		!slices.Contains(laravelErrors(t, b), "chunk: The chunk field is required.") {
		t.Errorf("file on chunks route = %d %s", resp.StatusCode, b)
	}
	if resp, b := c.do("POST", c.vfm("/upload/demo"), bytes.NewReader(body), http.Header{"Content-Type": {ct}}); resp.StatusCode != 201 {
		t.Errorf("simple upload = %d %s", resp.StatusCode, b)
	}
	body, ct = form(text("name", "a.txt"), file("chunk", "x.part", []byte("a")), text("extension", "txt"), text("is_last_chunk", "1"))
	if resp, b := c.do("POST", c.vfm("/upload/demo"), bytes.NewReader(body), http.Header{"Content-Type": {ct}}); resp.StatusCode != 422 ||
		!slices.Contains(laravelErrors(t, b), "file: The file field is required.") {
		t.Errorf("chunk on simple route = %d %s", resp.StatusCode, b)
	}
	if resp, b := c.do("POST", c.vfm("/upload/demo-readonly"), bytes.NewReader(body), http.Header{"Content-Type": {ct}}); resp.StatusCode != 403 ||
		errorMessage(t, b) != "Access Denied" {
		t.Errorf("read-only upload = %d %s", resp.StatusCode, b)
	}

	// Unlock through VueFileManager's route: a wrong password is a bare string; the cookie then
	// opens both route families.
	resp, b = c.do("POST", c.vfm("/authenticate/demo-protected"), strings.NewReader(`{"password":"nope"}`),
		http.Header{"Content-Type": {"application/json"}})
	if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") ||
		string(b) != "Sorry, your password is incorrect." {
		t.Errorf("wrong password = %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	if resp, _ := c.do("GET", c.url("/shares/demo-protected/folders/all"), nil, nil); resp.StatusCode != 403 {
		t.Errorf("locked = %d", resp.StatusCode)
	}
	resp, b = c.do("POST", c.vfm("/authenticate/demo-protected"), strings.NewReader(`{"password":"secret"}`),
		http.Header{"Content-Type": {"application/json"}})
	if resp.StatusCode != 200 {
		t.Fatalf("unlock = %d %s", resp.StatusCode, b)
	}
	for _, u := range []string{c.url("/shares/demo-protected/folders/all"), c.vfm("/folders/all/demo-protected"), c.vfm("/navigation/demo-protected")} {
		if resp, b := c.do("GET", u, nil, nil); resp.StatusCode != 200 {
			t.Errorf("unlocked %s = %d %s", u, resp.StatusCode, b)
		}
	}

	// A file share: VueFileManager's single-file page reads it from file/{token}.
	if st, b := c.json("POST", "/share", `{"id":"`+f.ID+`","type":"file","token":"one-file"}`, true); st != 201 {
		t.Fatalf("share file = %d %s", st, b)
	}
	got := decodeFileFrom(t, c, c.vfm("/file/one-file"))
	if got.ID != f.ID || got.Attributes.Name != "notes one.txt" {
		t.Errorf("shared file = %+v", got)
	}
	if resp, b := c.do("GET", c.vfm("/file/demo"), nil, nil); resp.StatusCode != 404 {
		t.Errorf("file of a folder share = %d %s", resp.StatusCode, b)
	}
	// Routes VueFileManager has and the emulator does not: the API's own 404.
	if resp, b := c.do("GET", c.vfm("/search/demo?query=a"), nil, nil); resp.StatusCode != 404 || errorMessage(t, b) == "" {
		t.Errorf("search = %d %s", resp.StatusCode, b)
	}
}

func decodeFileFrom(t *testing.T, c *client, u string) fileResource {
	t.Helper()
	resp, b := c.do("GET", u, nil, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s = %d %s", u, resp.StatusCode, b)
	}
	return decodeFile(t, b)
}
