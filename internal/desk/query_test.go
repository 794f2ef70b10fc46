package desk_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fileemu/fileemu/testkit"
)

// listFixture makes four files a minute apart: a.txt (temp), b.png (active, a real PNG),
// c.jpeg (temp), d.txt (active, 5 bytes).
func listFixture(t *testing.T) (*client, map[string]file) {
	t.Helper()
	clock := testkit.NewClock(time.Date(2026, 3, 14, 11, 53, 38, 103518000, time.UTC))
	c := newClient(t, testkit.WithClock(clock.Now))
	files := map[string]file{}
	for _, f := range []struct {
		name, mime string
		content    []byte
	}{{"a.txt", "text/plain", nil}, {"b.png", "image/png", pngOf(t, 3, 2)}, {"c.jpeg", "image/jpeg", nil}, {"d.txt", "text/plain", []byte("hello")}} {
		r := c.ref(f.name, f.mime)
		files[f.name] = r.File
		if f.content != nil {
			c.upload(r, f.content)
			var act struct{ File file }
			if st, b := c.do("PATCH", fmt.Sprintf("/files/%d.json", r.File.ID), "", &act); st != 200 {
				t.Fatalf("PATCH = %d %s", st, b)
			}
			files[f.name] = act.File
		}
		clock.Advance(time.Minute)
	}
	return c, files
}

// names lists the files of a list response by name, in order.
func (c *client) names(query string) []string {
	c.t.Helper()
	var list struct{ Files []file }
	if st, b := c.do("GET", "/files.json?"+query, "", &list); st != 200 {
		c.t.Fatalf("GET files.json?%s = %d %s", query, st, b)
	}
	out := make([]string, len(list.Files))
	for i, f := range list.Files {
		out[i] = f.FileName
	}
	return out
}

func filterQuery(filters ...string) string {
	q := url.Values{"filter": filters}
	return q.Encode()
}

func TestListFilter(t *testing.T) {
	c, files := listFixture(t)
	cTime := files["c.jpeg"].CreatedAt
	cases := []struct {
		filter []string
		want   string
	}{
		{[]string{`{"state":{"$eq":"active"}}`}, "d.txt b.png"},
		{[]string{`{"state":"temp"}`}, "c.jpeg a.txt"},
		{[]string{`{"mimeType":{"$in":["image/png","image/jpeg"]}}`}, "c.jpeg b.png"},
		{[]string{`{"mimeType":{"$nin":["text/plain"]}}`}, "c.jpeg b.png"},
		{[]string{`{"size":{"$gt":5}}`}, "b.png"},
		{[]string{`{"size":{"$gte":5,"$lt":100000}}`}, "d.txt b.png"},
		{[]string{`{"$or":[{"filename":{"$eq":"a.txt"}},{"size":{"$eq":5}}]}`}, "d.txt a.txt"},
		{[]string{`{"$and":[{"state":"active"},{"mimeType":{"$ne":"image/png"}}]}`}, "d.txt"},
		{[]string{`{"id":{"$lte":2}}`}, "b.png a.txt"},
		{[]string{`{"fileName":{"$eq":"c.jpeg"}}`}, "c.jpeg"},
		{[]string{`{"pixelWidth":3,"pixelHeight":2}`}, "b.png"},
		{[]string{`{"createdAt":{"$gte":"` + cTime + `"}}`}, "d.txt c.jpeg"},
		{[]string{`{"createdAt":{"$lt":"2026-03-14T11:55:00Z"}}`}, "b.png a.txt"},
		{[]string{`{"state":"active"}`, `{"mimeType":"text/plain"}`}, "d.txt"},
		{[]string{`{"state":"deleted"}`}, ""},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.filter, "&"), func(t *testing.T) {
			if got := strings.Join(c.names(filterQuery(tc.filter...)), " "); got != tc.want {
				t.Errorf("= %q, want %q", got, tc.want)
			}
		})
	}
}

func TestListOrderAndPaging(t *testing.T) {
	c, _ := listFixture(t)
	cases := []struct{ query, want string }{
		{"", "d.txt c.jpeg b.png a.txt"},
		{"orderMode=asc", "a.txt b.png c.jpeg d.txt"},
		{"orderBy=size&orderMode=asc", "a.txt c.jpeg d.txt b.png"}, // equal sizes: by id
		{"orderBy=size", "b.png d.txt c.jpeg a.txt"},
		{"orderBy=filename&orderMode=desc", "d.txt c.jpeg b.png a.txt"},
		{"orderBy=mimeType&orderMode=asc", "c.jpeg b.png a.txt d.txt"},
		{"orderBy=id&orderMode=asc&page=2&pageSize=3", "d.txt"},
		{"orderBy=updatedAt&orderMode=asc&" + filterQuery(`{"state":"temp"}`), "a.txt c.jpeg"},
		{"pageOffset=1&pageSize=2", "c.jpeg b.png"},
		{"pageOffset=3&page=1", "a.txt"}, // an offset wins over a page
		{"pageOffset=9", ""},
		{"ids=1,3", "c.jpeg a.txt"},
		{"ids=4&ids=2", "d.txt b.png"},
		{"ids=4,2&" + filterQuery(`{"state":"active"}`) + "&orderMode=asc", "b.png d.txt"},
		{"ids=99", ""},
		// The SDK's ListOptions names are not Desk's: ignored like any unknown parameter.
		{"per_page=1&sort_by=size&sort_dir=asc", "d.txt c.jpeg b.png a.txt"},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			if got := strings.Join(c.names(tc.query), " "); got != tc.want {
				t.Errorf("= %q, want %q", got, tc.want)
			}
		})
	}

	// Desk lowers a pageSize above 100 instead of refusing it.
	var list struct {
		Meta       struct{ Page struct{ PageSize, Pages int } }
		Pagination struct{ PageSize int }
	}
	if st, b := c.do("GET", "/files.json?pageSize=500", "", &list); st != 200 || list.Meta.Page.PageSize != 100 || list.Pagination.PageSize != 100 || list.Meta.Page.Pages != 1 {
		t.Errorf("pageSize=500 = %d %s", st, b)
	}
	var paged struct {
		Meta struct {
			Page struct{ PageOffset, Count, Pages int }
		}
		Pagination struct {
			Page, Pages, Records int
			HasMorePages         bool
		}
	}
	if st, b := c.do("GET", "/files.json?pageOffset=2&pageSize=2", "", &paged); st != 200 || paged.Meta.Page.PageOffset != 2 ||
		paged.Pagination.Page != 2 || paged.Pagination.Pages != 2 || paged.Pagination.Records != 4 || paged.Pagination.HasMorePages {
		t.Errorf("pageOffset=2&pageSize=2 = %d %s", st, b)
	}
}

func TestSparseFields(t *testing.T) {
	c, files := listFixture(t)
	keys := func(raw json.RawMessage) string {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		return strings.Join(ks, " ")
	}
	var list struct{ Files []json.RawMessage }
	if st, b := c.do("GET", "/files.json?fields=filename,size,downloadURL", "", &list); st != 200 || len(list.Files) != 4 {
		t.Fatalf("list with fields = %d %s", st, b)
	}
	// downloadURL exists only for active files (d.txt first, then c.jpeg).
	if got := keys(list.Files[0]); got != "downloadURL filename id size" {
		t.Errorf("active file keys = %s", got)
	}
	if got := keys(list.Files[1]); got != "filename id size" {
		t.Errorf("temp file keys = %s", got)
	}
	var one struct{ File json.RawMessage }
	path := fmt.Sprintf("/files/%d.json?fields=%s", files["b.png"].ID, url.QueryEscape("state, pixelWidth"))
	if st, b := c.do("GET", path, "", &one); st != 200 || keys(one.File) != "id pixelWidth state" {
		t.Errorf("GET with fields = %d %s", st, b)
	}
	// Without fields, every property, with both spellings of the name.
	if st, b := c.do("GET", fmt.Sprintf("/files/%d.json", files["b.png"].ID), "", &one); st != 200 ||
		keys(one.File) != "createdAt createdBy disposition downloadURL fileName filename id mimeType pixelHeight pixelWidth s3Path size state type updatedAt updatedBy" {
		t.Errorf("GET = %d %s", st, b)
	}
}

func TestBadQueriesGetDeskErrors(t *testing.T) {
	c, _ := listFixture(t)
	cases := []struct{ query, want string }{
		{filterQuery(`{"state"`), "invalid filter"},
		{filterQuery(`[{"state":"active"}]`), "invalid filter"},
		{filterQuery(`{"state":"active"} {}`), "invalid filter"},
		{filterQuery(`{}`), "invalid filter"},
		{filterQuery(`{"owner":{"$eq":1}}`), "invalid filter"},
		{filterQuery(`{"$not":{"state":"temp"}}`), "invalid filter"},
		{filterQuery(`{"state":{"$like":"act"}}`), "invalid filter"},
		{filterQuery(`{"state":{}}`), "invalid filter"},
		{filterQuery(`{"size":{"$gt":"big"}}`), "invalid filter"},
		{filterQuery(`{"state":{"$eq":1}}`), "invalid filter"},
		{filterQuery(`{"state":{"$in":"active"}}`), "invalid filter"},
		{filterQuery(`{"state":{"$in":["active",2]}}`), "invalid filter"},
		{filterQuery(`{"createdAt":{"$gt":"yesterday"}}`), "invalid filter"},
		{filterQuery(`{"$or":{"state":"temp"}}`), "invalid filter"},
		{filterQuery(`{"$and":[]}`), "invalid filter"},
		{filterQuery(`{"$and":["state"]}`), "invalid filter"},
		{filterQuery(`{"$or":[{"state":{"$eq":null}}]}`), "invalid filter"},
		{filterQuery(`{"state":"active"}`, `{"nope":1}`), "invalid filter"},
		{"orderBy=owner", "enum orderBy"},
		{"orderMode=up", "enum orderMode"},
		{"fields=filename,owner", "invalid fields"},
		{"pageSize=0", "minimum pageSize"},
		{"pageOffset=-1", "minimum pageOffset"},
		{"ids=1,x", "invalid ids"},
		{"ids=0", "invalid ids"},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			st, b := c.do("GET", "/files.json?"+tc.query, "", nil)
			if st != 400 {
				t.Fatalf("= %d %s, want 400", st, b)
			}
			if got := strings.Join(errorCodes(t, b), ", "); got != tc.want {
				t.Errorf("errors = %s, want %s (%s)", got, tc.want, b)
			}
		})
	}
	// The detail says what is wrong, in words a client can act on.
	_, b := c.do("GET", "/files.json?"+filterQuery(`{"$or":[{"state":"temp"},{"size":{"$gt":"big"}}]}`), "", nil)
	if !strings.Contains(string(b), `at $or[1].size.$gt: \"big\" must be a number`) {
		t.Errorf("detail = %s", b)
	}
	_, b = c.do("GET", "/files.json?"+filterQuery(`{"owner":1}`), "", nil)
	if !strings.Contains(string(b), `unknown field \"owner\"`) || !strings.Contains(string(b), "mimeType") {
		t.Errorf("detail = %s", b)
	}
	if st, b := c.do("GET", "/files/1.json?fields=nope", "", nil); st != 400 || errorCodes(t, b)[0] != "invalid fields" {
		t.Errorf("GET with unknown field = %d %s", st, b)
	}
}

func TestWrappedBodies(t *testing.T) {
	c := newClient(t)
	var r ref
	body := `{"file":{"type":"attachment","fileName":"w.txt","mimeType":"text/plain","disposition":"attachment-inline"},"included":{}}`
	if st, b := c.do("POST", "/files/ref.json", body, &r); st != 201 {
		t.Fatalf("wrapped ref.json = %d %s", st, b)
	}
	if r.File.FileName != "w.txt" || r.File.Disposition != "attachment-inline" || r.File.Type != "attachment" || r.Params["Content-Type"] != "text/plain" {
		t.Errorf("wrapped ref = %+v", r)
	}
	c.upload(r, []byte("wrapped"))
	if st, b := c.do("PATCH", fmt.Sprintf("/files/%d.json", r.File.ID), `{"file":{"id":0}}`, nil); st != 200 {
		t.Errorf("PATCH with a body = %d %s", st, b)
	}

	cases := []struct {
		name, method, path, body string
		want                     string
	}{
		{"empty file", "POST", "/files/ref.json", `{"file":{}}`, "required /file/filename, required /file/mimeType"},
		{"bad fields in file", "POST", "/files/ref.json", `{"file":{"filename":"","mimeType":"plain","type":"photo"}}`,
			"enum /file/type, minLength /file/filename, pattern /file/mimeType"},
		{"file not an object", "POST", "/files/ref.json", `{"file":"w.txt"}`, "type /file"},
		{"file null", "POST", "/files/ref.json", `{"file":null}`, "nullable /file"},
		{"both levels", "POST", "/files/ref.json", `{"mimeType":"text/plain","filename":"x","file":{"filename":"w.txt","mimeType":"text/plain"}}`,
			"invalid /filename, invalid /mimeType"},
		{"flat without mimeType", "POST", "/files/ref.json", `{"filename":"w.txt"}`, "required /mimeType"},
		{"flat, nothing", "POST", "/files/ref.json", `{}`, "required /filename, required /mimeType"},
		{"params not an object", "POST", "/files/ref.json", `{"params":"x","filename":"a","mimeType":"text/plain"}`, "type /params"},
		{"not an object", "POST", "/files/ref.json", `["w.txt"]`, "type /"},
		{"update without file", "PUT", "/files/1.json", `{"filename":"x"}`, "required /file"},
		{"update of another id", "PUT", "/files/1.json", `{"file":{"id":2,"filename":"x"}}`, "invalid /file/id"},
		{"update with a negative id", "PUT", "/files/1.json", `{"file":{"id":-1}}`, "minimum /file/id"},
		{"update, empty name", "PUT", "/files/1.json", `{"params":{},"file":{"filename":""}}`, "minLength /file/filename"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, b := c.do(tc.method, tc.path, tc.body, nil)
			if st != 400 {
				t.Fatalf("= %d %s, want 400", st, b)
			}
			if got := strings.Join(errorCodes(t, b), ", "); got != tc.want {
				t.Errorf("errors = %s, want %s (%s)", got, tc.want, b)
			}
		})
	}
	if n := len(c.s.State(t).Objects); n != 1 {
		t.Errorf("%d objects stored, want the one upload", n)
	}
}

func TestBasicAuth(t *testing.T) {
	call := func(t *testing.T, c *client, set func(*http.Request)) int {
		t.Helper()
		req, err := http.NewRequest("GET", c.s.URL("desk")+"/files.json", nil)
		if err != nil {
			t.Fatal(err)
		}
		set(req)
		resp, b := testkit.Do(t, c.http, req)
		if resp.StatusCode == 401 && errorCodes(t, b)[0] != "unauthorized " {
			t.Errorf("401 body = %s", b)
		}
		return resp.StatusCode
	}
	basic := func(user, pass string) func(*http.Request) {
		return func(r *http.Request) { r.SetBasicAuth(user, pass) }
	}
	header := func(v string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("Authorization", v) }
	}
	t.Run("any key", func(t *testing.T) {
		c := newClient(t)
		for name, tc := range map[string]struct {
			set  func(*http.Request)
			want int
		}{
			"key and X":        {basic("some-key", "X"), 200},
			"key, no password": {basic("some-key", ""), 200},
			"no user name":     {basic("", "X"), 401},
			"not base64":       {header("Basic !!!"), 401},
			"no credentials":   {header("Basic"), 401},
			"nothing":          {func(*http.Request) {}, 401},
		} {
			if got := call(t, c, tc.set); got != tc.want {
				t.Errorf("%s = %d, want %d", name, got, tc.want)
			}
		}
	})
	t.Run("listed keys", func(t *testing.T) {
		c := newClient(t, testkit.WithTokens("k1"))
		for name, tc := range map[string]struct {
			set  func(*http.Request)
			want int
		}{
			"listed key":          {basic("k1", "X"), 200},
			"listed key, no pass": {basic("k1", ""), 200},
			"key as password":     {basic("X", "k1"), 401},
			"unlisted key":        {basic("k2", "X"), 401},
			"bearer listed":       {header("Bearer k1"), 200},
			"bearer unlisted":     {header("Bearer k2"), 401},
		} {
			if got := call(t, c, tc.set); got != tc.want {
				t.Errorf("%s = %d, want %d", name, got, tc.want)
			}
		}
	})
}
