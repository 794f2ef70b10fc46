package weavy_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/fixtures"
	"github.com/fileemu/fileemu/internal/weavy"
)

// bigModel returns a model with one Files app, "big", of n files: one name in ten is
// "Report-NNNNNN.pdf", the others "file-NNNNNN.txt", created over 5,000 minutes.
func bigModel(b *testing.B, n int) *weavy.Model {
	b.Helper()
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	app := fixtures.WeavyApp{UID: "big", Type: "files", Name: "big"}
	for i := range n {
		name := fmt.Sprintf("file-%06d.txt", i)
		if i%10 == 0 {
			name = fmt.Sprintf("Report-%06d.pdf", i)
		}
		app.Files = append(app.Files, fixtures.WeavyFile{Created: start.Add(time.Duration(i%5000) * time.Minute),
			Revisions: []fixtures.Revision{{Name: name, Content: fixtures.Content{Data: []byte("x")}}}})
	}
	m := weavy.NewModel(blobstore.New(), func() time.Time { return start })
	if err := m.LoadFixtures(context.Background(), &fixtures.Weavy{Apps: []fixtures.WeavyApp{app}}); err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkList100k: one page of a Files app holding 100,000 files, filtered by q (a tenth of
// the names match) and ordered by updated_at descending, as the Weavy UI kit asks for it.
// p50-ms is the median of the listings' times.
func BenchmarkList100k(b *testing.B) {
	const n = 100_000
	m := bigModel(b, n)
	q := weavy.ListQuery{Q: "report", OrderBy: weavy.OrderUpdatedAt, Desc: true, Take: 25}
	var took []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		p, err := m.List(weavy.Scope{App: "big"}, q)
		took = append(took, time.Since(t0))
		if err != nil || p.Count != n/10 || len(p.Files) != 25 {
			b.Fatalf("List: count %d, %d files, %v", p.Count, len(p.Files), err)
		}
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2])/float64(time.Millisecond), "p50-ms")
}

// BenchmarkUpload100k: one upload (a blob, then the file made of it) into a Files app that
// already holds 100,000 files.
func BenchmarkUpload100k(b *testing.B) {
	m := bigModel(b, 100_000)
	ctx := context.Background()
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		name := fmt.Sprintf("upload-%d.txt", i)
		blob, err := m.CreateBlob(ctx, name, "text/plain", strings.NewReader("x"))
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := m.CreateFile("big", weavy.FileIn{BlobID: blob.ID}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestListQMatchesToLower: the listing's q filter keeps exactly the names whose lower case
// contains q's, ASCII or not.
func TestListQMatchesToLower(t *testing.T) {
	m := weavy.NewModel(blobstore.New(), time.Now)
	names := []string{"Report.PDF", "report-2.txt", "REPORTS", "rep", "ÜBER report", "Straße", "STRASSE", "x"}
	var files []fixtures.WeavyFile
	for _, n := range names {
		files = append(files, fixtures.WeavyFile{Revisions: []fixtures.Revision{{Name: n, Content: fixtures.Content{Data: []byte("x")}}}})
	}
	if err := m.LoadFixtures(context.Background(), &fixtures.Weavy{Apps: []fixtures.WeavyApp{{UID: "a", Type: "files", Files: files}}}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"report", "REPORT", "Port", "über", "straße", "ss", "", "zz", "report.pdf"} {
		p, err := m.List(weavy.Scope{App: "a"}, weavy.ListQuery{Q: q, OrderBy: weavy.OrderName, Take: 100})
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, n := range names {
			if strings.Contains(strings.ToLower(n), strings.ToLower(q)) {
				want = append(want, n)
			}
		}
		var got []string
		for _, f := range p.Files {
			got = append(got, f.Name)
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) || p.Count != len(want) {
			t.Errorf("q=%q: got %q (count %d), want %q", q, got, p.Count, want)
		}
	}
}
