package weavy_test

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/weavy"
	"github.com/fileemu/fileemu/testkit"
)

// known is what a test knows about a file it made: the expectation of every listing is computed
// from these records alone, independently of the emulator's listing code.
type known struct {
	id               int64
	scope            string // "app:<id>" or "message:<id>"
	name, lower      string // lower: name in lower case, to sort by
	size             int64
	tags             []string
	trashed          bool
	created, updated time.Time
}

// listCase is one listing request.
type listCase struct {
	q, tag     string
	trashed    string // "", "true", "false", "null"
	order      string // field
	desc       bool
	skip, take int // take 0: not sent
	around     int64
	countOnly  bool
}

func (lc listCase) String() string {
	return fmt.Sprintf("q=%q tag=%q trashed=%q order=%s desc=%v skip=%d take=%d around=%d count_only=%v",
		lc.q, lc.tag, lc.trashed, lc.order, lc.desc, lc.skip, lc.take, lc.around, lc.countOnly)
}

// expected computes a listing from the records, the slow and obvious way.
func expected(all []known, scope string, lc listCase) (ids []int64, start, end, count int) {
	var rows []known
	for _, k := range all {
		if scope != "" && k.scope != scope {
			continue
		}
		switch lc.trashed {
		case "", "false":
			if k.trashed {
				continue
			}
		case "true":
			if !k.trashed {
				continue
			}
		}
		if lc.q != "" && !strings.Contains(k.lower, strings.ToLower(lc.q)) {
			continue
		}
		if lc.tag != "" {
			has := false
			for _, t := range k.tags {
				has = has || strings.ToLower(t) == strings.ToLower(lc.tag)
			}
			if !has {
				continue
			}
		}
		rows = append(rows, k)
	}
	count = len(rows)
	if lc.countOnly {
		return nil, 0, 0, count
	}
	less := func(a, b known) bool {
		switch lc.order {
		case "name":
			if x, y := a.lower, b.lower; x != y {
				return x < y
			}
		case "size":
			if a.size != b.size {
				return a.size < b.size
			}
		case "created_at":
			if !a.created.Equal(b.created) {
				return a.created.Before(b.created)
			}
		case "updated_at":
			if !a.updated.Equal(b.updated) {
				return a.updated.Before(b.updated)
			}
		}
		return a.id < b.id
	}
	sort.Slice(rows, func(i, j int) bool { return less(rows[i], rows[j]) })
	if lc.desc {
		slices.Reverse(rows)
	}
	take := lc.take
	if take == 0 {
		take = 25
	}
	start = lc.skip
	if lc.around != 0 {
		for i, k := range rows {
			if k.id == lc.around {
				start = i - take/2
				if start+take > len(rows) {
					start = len(rows) - take
				}
				if start < 0 {
					start = 0
				}
			}
		}
	}
	if start > len(rows) {
		start = len(rows)
	}
	end = start + take
	if end > len(rows) {
		end = len(rows)
	}
	for _, k := range rows[start:end] {
		ids = append(ids, k.id)
	}
	return ids, start, end, count
}

// query is lc as a weavy.ListQuery.
func (lc listCase) query() weavy.ListQuery {
	q := weavy.ListQuery{Q: lc.q, Tag: lc.tag, OrderBy: lc.order, Desc: lc.desc, Skip: lc.skip, Take: lc.take, Around: lc.around, CountOnly: lc.countOnly}
	switch lc.trashed {
	case "", "false":
		f := false
		q.Trashed = &f
	case "true":
		t := true
		q.Trashed = &t
	}
	return q
}

// values is lc as the query string of a listing request.
func (lc listCase) values() url.Values {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("q", lc.q)
	set("tag", lc.tag)
	set("trashed", lc.trashed)
	order := lc.order
	if lc.desc {
		order += "+desc"
	}
	if order != "id" {
		set("order_by", order)
	}
	if lc.skip != 0 {
		set("skip", strconv.Itoa(lc.skip))
	}
	if lc.take != 0 {
		set("take", strconv.Itoa(lc.take))
	}
	if lc.around != 0 {
		set("around", strconv.FormatInt(lc.around, 10))
	}
	if lc.countOnly {
		set("count_only", "true")
	}
	return v
}

var (
	words   = []string{"Report", "report", "DRAFT", "notes", "Budget", "budget-final", "Photo"}
	exts    = []string{"txt", "pdf", "PNG", "md", "xlsx"}
	tagSets = [][]string{{"red"}, {"Blue", "red"}, nil, {"GREEN"}}
)

// fileName is the name of the i-th file: unique for i < 1100, in mixed case, with shared words.
func fileName(i int) string {
	return fmt.Sprintf("%s %04d.%s", words[i%len(words)], i*7919%1100, exts[i%len(exts)])
}

// cases crosses filters × order × paging × around. around names a file the listing holds, one
// it may not hold, and none.
func cases(aroundIn, aroundOut int64) []listCase {
	var out []listCase
	type paging struct {
		skip, take int
		count      bool
	}
	pagings := []paging{{0, 0, false}, {13, 100, false}, {600, 25, false}, {5000, 10, false}, {0, 0, true}}
	for _, q := range []string{"", "report", "DRAFT", "7."} {
		for _, tag := range []string{"", "blue", "green"} {
			for _, trashed := range []string{"", "true", "null"} {
				for _, order := range []string{"id", "name", "size", "created_at", "updated_at"} {
					for _, desc := range []bool{false, true} {
						for _, p := range pagings {
							for _, around := range []int64{0, aroundIn, aroundOut} {
								if p.count && around != 0 {
									continue
								}
								out = append(out, listCase{q, tag, trashed, order, desc, p.skip, p.take, around, p.count})
							}
						}
					}
				}
			}
		}
	}
	return out
}

// fakeClock is a settable clock for the model.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }

// TestListTableModel runs the listing table over 1,200 files made through the model: every
// filter × order × paging × around, for all files, two apps (by uid and by id) and a message.
func TestListTableModel(t *testing.T) {
	clock := &fakeClock{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	m := weavy.NewModel(blobstore.New(), clock.Now)
	ctx := context.Background()
	for _, in := range []weavy.AppIn{{Type: "files", UID: "alpha"}, {Type: "files", UID: "beta"}, {Type: "chat", UID: "talk"}} {
		if _, err := m.CreateApp(in); err != nil {
			t.Fatal(err)
		}
	}
	var blobs []weavy.Blob
	for i := range 9 {
		b, err := m.CreateBlob(ctx, fmt.Sprintf("b%d.bin", i), "", bytes.NewReader(bytes.Repeat([]byte("x"), (i*37)%200)))
		if err != nil {
			t.Fatal(err)
		}
		blobs = append(blobs, b)
	}
	var all []known
	const n = 1100
	for i := range n {
		if i%3 == 0 {
			clock.now = clock.now.Add(time.Second) // every third file shares its creation time
		}
		app := []string{"alpha", "beta"}[i%2]
		b := blobs[i%len(blobs)]
		ts := tagSets[i%len(tagSets)]
		f, replaced, err := m.CreateFile(app, weavy.FileIn{BlobID: b.ID, Name: fileName(i), Tags: &ts})
		if err != nil || replaced {
			t.Fatalf("create %d: %v %v", i, replaced, err)
		}
		all = append(all, known{id: f.ID, scope: fmt.Sprintf("app:%d", f.App.ID), name: fileName(i), lower: strings.ToLower(fileName(i)), size: b.Size,
			tags: ts, created: clock.now, updated: clock.now})
	}
	// Change some: new content with backup, new metadata, trash.
	for i := range n {
		k := &all[i]
		switch {
		case i%13 == 0:
			clock.now = clock.now.Add(time.Millisecond)
			b := blobs[(i+4)%len(blobs)]
			if _, err := m.UpdateFile(k.id, weavy.FileUp{BlobID: &b.ID, Backup: true}); err != nil {
				t.Fatal(err)
			}
			k.size, k.updated = b.Size, clock.now
		case i%10 == 0:
			clock.now = clock.now.Add(time.Millisecond)
			md := map[string]string{"i": strconv.Itoa(i)}
			if _, err := m.UpdateFile(k.id, weavy.FileUp{Metadata: &md}); err != nil {
				t.Fatal(err)
			}
			k.updated = clock.now
		}
		if i%7 == 0 {
			if err := m.Trash(k.id); err != nil {
				t.Fatal(err)
			}
			k.trashed = true
		}
	}
	// Attachments: 40 messages of 3 blobs each, all named alike.
	var messages []int64
	for i := range 40 {
		clock.now = clock.now.Add(time.Second)
		msg, err := m.CreateMessage(weavy.ParentMessage, "talk", weavy.MessageIn{Blobs: []int64{blobs[i%9].ID, blobs[(i+1)%9].ID, blobs[(i+2)%9].ID}})
		if err != nil {
			t.Fatal(err)
		}
		messages = append(messages, msg.ID)
		for _, f := range msg.Attachments {
			all = append(all, known{id: f.ID, scope: fmt.Sprintf("message:%d", msg.ID), name: f.Name, lower: strings.ToLower(f.Name), size: f.Size, created: clock.now, updated: clock.now})
		}
	}
	if len(all) < 1000 {
		t.Fatalf("only %d files", len(all))
	}

	scopes := []struct {
		name  string
		scope weavy.Scope
		key   string
		every int // sample every n-th case; n is coprime with the 13 paging × around cases of each block, so all of them occur
	}{
		{"all", weavy.Scope{}, "", 2},
		{"app by uid", weavy.Scope{App: "alpha"}, "app:1", 3},
		{"app by id", weavy.Scope{App: "2"}, "app:2", 5},
		{"message", weavy.Scope{Parent: weavy.Parent{Type: weavy.ParentMessage, ID: messages[7]}}, fmt.Sprintf("message:%d", messages[7]), 5},
	}
	checked := 0
	for _, sc := range scopes {
		t.Run(sc.name, func(t *testing.T) {
			// around: a file of this scope, and one of another scope (ignored).
			var in, out int64
			for _, k := range all {
				if sc.key == "" || k.scope == sc.key {
					if in == 0 || k.id == 501 {
						in = k.id
					}
				} else if out == 0 {
					out = k.id
				}
			}
			if out == 0 {
				out = 999999
			}
			failures := 0
			for i, lc := range cases(in, out) {
				if i%sc.every != 0 {
					continue
				}
				ids, start, end, count := expected(all, sc.key, lc)
				p, err := m.List(sc.scope, lc.query())
				if err != nil {
					t.Fatal(err)
				}
				var got []int64
				for _, f := range p.Files {
					got = append(got, f.ID)
				}
				checked++
				if !slices.Equal(got, ids) || p.Count != count || (!lc.countOnly && (p.Start != start || p.End != end)) {
					t.Errorf("%s: got %v [%d,%d) of %d, want %v [%d,%d) of %d", lc, got, p.Start, p.End, p.Count, ids, start, end, count)
					if failures++; failures > 5 {
						t.FailNow()
					}
				}
			}
		})
	}
	if checked < 4000 {
		t.Errorf("only %d listings checked", checked)
	}
	// Unknown scopes are 404 problems.
	for _, sc := range []weavy.Scope{{App: "nope"}, {App: "99"}, {Parent: weavy.Parent{Type: weavy.ParentPost, ID: 1}}} {
		if _, err := m.List(sc, weavy.ListQuery{}); err == nil || !strings.Contains(err.Error(), "404") {
			t.Errorf("List(%+v) = %v, want a 404 problem", sc, err)
		}
	}
}

// TestListTableHTTP runs a listing table through the HTTP API over 1,000 files made through it,
// so that parameter parsing, the envelope and the spec are covered too (the client validates
// every response against openapi/weavy.yaml).
func TestListTableHTTP(t *testing.T) {
	clock := testkit.NewClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	c := newClient(t, testkit.WithClock(clock.Now))
	c.must(201, "POST", "/api/apps", `{"type":"files","uid":"big"}`, nil)
	c.must(201, "POST", "/api/apps", `{"type":"files","uid":"small"}`, nil)
	var blobs []blob
	for i := range 5 {
		blobs = append(blobs, c.blob(fmt.Sprintf("seed%d.txt", i), "text/plain", bytes.Repeat([]byte("y"), i*11)))
	}
	var all []known
	const n = 1000
	for i := range n {
		if i%4 == 0 {
			clock.Advance(time.Second)
		}
		app := "big"
		if i%5 == 0 {
			app = "small"
		}
		b := blobs[i%len(blobs)]
		var f file
		c.must(201, "POST", "/api/apps/"+app+"/files", jsonOf(map[string]any{"blob_id": b.ID, "name": fileName(i), "tags": tagSets[i%len(tagSets)]}), &f)
		all = append(all, known{id: f.ID, scope: fmt.Sprintf("app:%d", f.App.ID), name: fileName(i), lower: strings.ToLower(fileName(i)), size: b.Size,
			tags: tagSets[i%len(tagSets)], created: clock.Now(), updated: clock.Now()})
	}
	for i := 0; i < n; i += 9 {
		clock.Advance(time.Millisecond)
		c.must(200, "PATCH", fmt.Sprintf("/api/files/%d", all[i].id), `{"metadata":{"touched":"yes"}}`, nil)
		all[i].updated = clock.Now()
		if i%2 == 0 {
			c.must(204, "POST", fmt.Sprintf("/api/files/%d/trash", all[i].id), "", nil)
			all[i].trashed = true
		}
	}
	lcs := cases(all[500].id, all[5].id)
	checked := 0
	for i, lc := range lcs {
		if i%17 != 0 { // a spread sample: every listing costs a request
			continue
		}
		for _, sc := range []struct{ path, key string }{{"/api/files", ""}, {"/api/apps/big/files", "app:1"}} {
			ids, start, end, count := expected(all, sc.key, lc)
			var l list
			c.must(200, "GET", sc.path+"?"+lc.values().Encode(), "", &l)
			checked++
			got := l.ids()
			if len(got) == 0 {
				got = nil
			}
			ok := slices.Equal(got, ids) && l.Count == count
			switch {
			case lc.countOnly:
				ok = ok && l.Data == nil && l.Start == nil && l.End == nil
			case len(ids) == 0:
				ok = ok && l.Data == nil && l.Start == nil && l.End == nil
			default:
				ok = ok && l.Start != nil && *l.Start == start && *l.End == end
			}
			if !ok {
				t.Errorf("%s %s: got %v %+v, want %v [%d,%d) of %d", sc.path, lc, got, l, ids, start, end, count)
			}
		}
	}
	if checked < 300 {
		t.Errorf("only %d listings checked", checked)
	}
}

func TestParseOrderBy(t *testing.T) {
	for in, want := range map[string]string{
		"": "id asc", "id": "id asc", "name desc": "name desc", "name+desc": "name desc", "size asc": "size asc",
		"created_at+desc": "created_at desc", "updated_at": "updated_at asc",
		"bogus": "!", "name+up": "!", "Name": "!",
	} {
		field, desc, ok := weavy.ParseOrderBy(in)
		got := "!"
		if ok {
			got = field + map[bool]string{false: " asc", true: " desc"}[desc]
		}
		if got != want {
			t.Errorf("ParseOrderBy(%q) = %s, want %s", in, got, want)
		}
	}
}
