package weavy

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fileemu/fileemu/internal/blobstore"
)

// The listing index (index.go) against the listing it replaced, kept here as the oracle: filter
// every file of the scope, sort, page.

// oracleList is List the slow and obvious way, over the files as they are now.
func oracleList(m *Model, sc Scope, q ListQuery) Page {
	m.mu.Lock()
	defer m.mu.Unlock()
	var parent Parent
	switch {
	case sc.App != "":
		a, err := m.app(sc.App)
		if err != nil {
			panic(err)
		}
		parent = Parent{Type: ParentApp, ID: a.ID}
	case sc.Parent.Type != "":
		parent = sc.Parent
	}
	var files []File
	for _, f := range m.files {
		if parent == (Parent{}) || f.Parent == parent {
			files = append(files, m.current(f))
		}
	}
	return oraclePaginate(files, q)
}

// oracleNameTaken is nameTaken the slow and obvious way; with several candidates it may return
// another one than nameTaken, so only whether it returns one is compared.
func oracleNameTaken(m *Model, parent Parent, name string, except int64) bool {
	if parent.Type != ParentApp {
		return false
	}
	for _, f := range m.files {
		if f.ID != except && f.Parent == parent && !f.Trashed && strings.EqualFold(f.current().Name, name) {
			return true
		}
	}
	return false
}

// oracleListed is a file being oracleListed, with its lower-case name when the query needs it.
type oracleListed struct {
	file  *File
	lower string
}

// oracleKeeps reports whether f passes the trashed and tag filters of q.
func oracleKeeps(q ListQuery, f *File) bool {
	if q.Trashed != nil && f.Trashed != *q.Trashed {
		return false
	}
	return q.Tag == "" || slices.ContainsFunc(f.Tags, func(t string) bool { return strings.EqualFold(t, q.Tag) })
}

// oracleCompare orders a before b by q's field, ties broken by id; Desc reverses both.
func oracleCompare(q ListQuery, a, b oracleListed) int {
	var c int
	switch q.OrderBy {
	case OrderName:
		c = strings.Compare(a.lower, b.lower)
	case OrderSize:
		c = cmp.Compare(a.file.Size, b.file.Size)
	case OrderCreatedAt:
		c = a.file.CreatedAt.Compare(b.file.CreatedAt)
	case OrderUpdatedAt:
		c = a.file.UpdatedAt.Compare(b.file.UpdatedAt)
	}
	if c == 0 {
		c = cmp.Compare(a.file.ID, b.file.ID)
	}
	if q.Desc {
		c = -c
	}
	return c
}

// oraclePaginate filters, sorts and pages files.
func oraclePaginate(files []File, q ListQuery) Page {
	needle := strings.ToLower(q.Q)
	needLower := q.Q != "" || q.OrderBy == OrderName
	matched := make([]oracleListed, 0, len(files))
	for i := range files {
		f := &files[i]
		if !oracleKeeps(q, f) {
			continue
		}
		l := oracleListed{file: f}
		if needLower {
			l.lower = strings.ToLower(f.Name)
		}
		if q.Q != "" && !strings.Contains(l.lower, needle) {
			continue
		}
		matched = append(matched, l)
	}
	p := Page{Count: len(matched)}
	if q.CountOnly {
		return p
	}
	slices.SortFunc(matched, func(a, b oracleListed) int { return oracleCompare(q, a, b) })
	take := q.Take
	if take <= 0 {
		take = DefaultTake
	}
	start := max(q.Skip, 0)
	if q.Around > 0 {
		if i := slices.IndexFunc(matched, func(l oracleListed) bool { return l.file.ID == q.Around }); i >= 0 {
			// Centre the file on the page, but keep the page full where the listing allows.
			start = min(max(i-take/2, 0), max(len(matched)-take, 0))
		}
	}
	start = min(start, len(matched))
	end := min(start+take, len(matched))
	p.Start, p.End = start, end
	for _, l := range matched[start:end] {
		p.Files = append(p.Files, *l.file)
	}
	return p
}

// names holds case variants, EqualFold pairs that lower-case apart (σ/ς, K/Kelvin sign) and
// names that lower-case alike but do not fold alike (İ/i), and invalid UTF-8.
var indexNames = []string{"a.txt", "A.TXT", "b.txt", "Report.pdf", "report.PDF", "ärger.md", "ÄRGER.md", "σας", "ΣΑΣ", "ςας",
	"straße", "STRASSE", "İ.txt", "i.txt", "\u212a.txt", "k.txt", "\xff.bin", "\ufffd.bin", "notes 7.md", "Notes 7.MD", "nul\x00Byte.txt"}

// TestIndexMatchesOracle: after every write of a random run (uploads with and without replace,
// renames, new content with and without backup, tags, revisions restored and deleted, trash,
// restore, delete, attachments; the clock often standing still so dates tie), listings of every
// scope answer exactly what the filter-sort-page oracle answers, and a name is taken exactly when
// the oracle says so. Then the same after a save and a load of the state.
func TestIndexMatchesOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 100000))
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	m := NewModel(blobstore.New(), func() time.Time { return now })
	ctx := context.Background()
	for _, uid := range []string{"one", "two"} {
		if _, err := m.CreateApp(AppIn{Type: AppFiles, UID: uid}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.CreateApp(AppIn{Type: AppChat, UID: "talk"}); err != nil {
		t.Fatal(err)
	}
	var blobs []int64
	for i := range 6 {
		b, err := m.CreateBlob(ctx, indexNames[i*3], "", bytes.NewReader(bytes.Repeat([]byte("z"), i%4*10)))
		if err != nil {
			t.Fatal(err)
		}
		blobs = append(blobs, b.ID)
	}
	scopes := []Scope{{}, {App: "one"}, {App: "2"}}
	var ids []int64 // files made, deleted ones included
	pick := func() int64 { return ids[rng.IntN(len(ids))] }
	query := func() ListQuery {
		q := ListQuery{Q: []string{"", "", "a", "REPORT", "ä", "σ", "txt", ".", "\xff", "zz", "\x00", "byte", "l\x00b"}[rng.IntN(13)],
			Tag:     []string{"", "", "", "red", "RED", "blue"}[rng.IntN(6)],
			OrderBy: []string{OrderID, OrderName, OrderSize, OrderCreatedAt, OrderUpdatedAt}[rng.IntN(5)], Desc: rng.IntN(2) == 0,
			Skip: []int{0, 0, 1, 5, 40}[rng.IntN(5)], Take: []int{0, 1, 3, 10, 100}[rng.IntN(5)], CountOnly: rng.IntN(8) == 0}
		switch rng.IntN(3) {
		case 0:
			f := false
			q.Trashed = &f
		case 1:
			tr := true
			q.Trashed = &tr
		}
		if len(ids) > 0 && rng.IntN(4) == 0 {
			q.Around = pick()
		}
		return q
	}
	check := func(step string, n int) {
		t.Helper()
		for range n {
			sc := scopes[rng.IntN(len(scopes))]
			q := query()
			got, err := m.List(sc, q)
			if err != nil {
				t.Fatal(err)
			}
			want := oracleList(m, sc, q)
			if !samePage(got, want) {
				t.Fatalf("after %s: List(%+v, %+v) = %s, want %s", step, sc, q, pageString(got), pageString(want))
			}
		}
	}
	// expected fails on an error other than a conflict or a file not found (trashed, deleted).
	expected := func(step string, err error) {
		t.Helper()
		if err != nil && !strings.Contains(err.Error(), "409") && !strings.Contains(err.Error(), "404") {
			t.Fatalf("%s: %v", step, err)
		}
	}
	for i := range 1500 {
		if rng.IntN(3) == 0 {
			now = now.Add(time.Duration(rng.IntN(3)) * time.Second)
		}
		name := indexNames[rng.IntN(len(indexNames))]
		blob := blobs[rng.IntN(len(blobs))]
		var step string
		switch op := rng.IntN(12); {
		case op < 4 || len(ids) == 0:
			app := []string{"one", "two"}[rng.IntN(2)]
			replace := rng.IntN(3) == 0
			step = fmt.Sprintf("%d: upload %q into %s (replace %v)", i, name, app, replace)
			a, _ := m.App(app)
			want := oracleNameTaken(m, Parent{Type: ParentApp, ID: a.ID}, name, 0)
			f, replaced, err := m.CreateFile(app, FileIn{BlobID: blob, Name: name, Replace: replace})
			expected(step, err)
			if (err != nil || replaced) != want || replaced != (want && replace) {
				t.Fatalf("%s: replaced %v, %v; name taken: %v", step, replaced, err, want)
			}
			if err == nil && !replaced {
				ids = append(ids, f.ID)
			}
		case op == 4:
			id := pick()
			step = fmt.Sprintf("%d: rename %d to %q", i, id, name)
			f, ok := m.files[id]
			want := ok && !f.Trashed && oracleNameTaken(m, f.Parent, name, id)
			_, err := m.UpdateFile(id, FileUp{Name: &name})
			expected(step, err)
			if ok && !f.Trashed && (err != nil) != want {
				t.Fatalf("%s: %v; name taken: %v", step, err, want)
			}
		case op == 5:
			id := pick()
			backup := rng.IntN(2) == 0
			step = fmt.Sprintf("%d: new content for %d (backup %v)", i, id, backup)
			m.UpdateFile(id, FileUp{BlobID: &blob, Backup: backup})
		case op == 6:
			id := pick()
			ts := [][]string{nil, {"Red"}, {"blue", "red"}}[rng.IntN(3)]
			step = fmt.Sprintf("%d: tags %q for %d", i, ts, id)
			m.UpdateFile(id, FileUp{Tags: &ts})
		case op == 7:
			id, rev := pick(), 1+rng.IntN(3)
			step = fmt.Sprintf("%d: restore %d revision %d", i, id, rev)
			m.RestoreRevision(id, rev)
			if rng.IntN(2) == 0 {
				step += " and delete revision 1"
				m.DeleteRevision(id, 1)
			}
		case op == 8:
			id := pick()
			step = fmt.Sprintf("%d: trash %d", i, id)
			m.Trash(id)
		case op == 9:
			id := pick()
			step = fmt.Sprintf("%d: restore %d", i, id)
			f, ok := m.files[id]
			want := ok && f.Trashed && oracleNameTaken(m, f.Parent, f.current().Name, id)
			err := m.Restore(id)
			expected(step, err)
			if ok && (err != nil) != want {
				t.Fatalf("%s: %v; name taken: %v", step, err, want)
			}
		case op == 10:
			id := pick()
			step = fmt.Sprintf("%d: delete %d", i, id)
			m.Delete(id)
		default:
			step = fmt.Sprintf("%d: message", i)
			msg, err := m.CreateMessage(ParentMessage, "talk", MessageIn{Blobs: blobs[:1+rng.IntN(3)]})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range msg.Attachments {
				ids = append(ids, f.ID)
			}
			scopes = append(scopes, Scope{Parent: Parent{Type: ParentMessage, ID: msg.ID}})
		}
		check(step, 4)
	}
	check("the run", 500)
	loaded, err := LoadState(m.SaveState(), m.blobs, m.now)
	if err != nil {
		t.Fatal(err)
	}
	for range 500 {
		sc, q := scopes[rng.IntN(len(scopes))], query()
		got, err := loaded.List(sc, q)
		if err != nil {
			t.Fatal(err)
		}
		if want := oracleList(m, sc, q); !samePage(got, want) {
			t.Fatalf("loaded state: List(%+v, %+v) = %s, want %s", sc, q, pageString(got), pageString(want))
		}
	}
}

func samePage(a, b Page) bool {
	return a.Count == b.Count && a.Start == b.Start && a.End == b.End &&
		slices.EqualFunc(a.Files, b.Files, func(x, y File) bool { return x.ID == y.ID && x.Name == y.Name && x.Rev == y.Rev })
}

func pageString(p Page) string {
	ids := make([]int64, len(p.Files))
	for i, f := range p.Files {
		ids[i] = f.ID
	}
	return fmt.Sprintf("%v [%d,%d) of %d", ids, p.Start, p.End, p.Count)
}

// TestFoldKey: two names fold to the same key exactly when strings.EqualFold says they are the
// same name.
func TestFoldKey(t *testing.T) {
	names := append(slices.Clone(indexNames), "", "\xfe.bin", "ǅ", "ǆ", "Ǆ", "ſ", "S", "s", "ẞ", "ß", "Ω", "ω", "Ω", "µ", "Μ", "μ", "\xc3")
	for _, a := range names {
		for _, b := range names {
			if got, want := foldKey(a) == foldKey(b), strings.EqualFold(a, b); got != want {
				t.Errorf("foldKey(%q) == foldKey(%q) is %v; EqualFold: %v", a, b, got, want)
			}
		}
	}
}

// FuzzFoldKey: as TestFoldKey, for any two strings.
func FuzzFoldKey(f *testing.F) {
	f.Add("Report.PDF", "report.pdf")
	f.Add("σας", "ΣΑς")
	f.Add("\xff", "\ufffd")
	f.Add("İ", "i")
	f.Fuzz(func(t *testing.T, a, b string) {
		if got, want := foldKey(a) == foldKey(b), strings.EqualFold(a, b); got != want {
			t.Fatalf("foldKey(%q) == foldKey(%q) is %v; EqualFold: %v", a, b, got, want)
		}
	})
}
