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
	later := start.Add(100 * time.Hour) // uploads made after loading are newer than every file
	m := weavy.NewModel(blobstore.New(), func() time.Time { return later })
	if err := m.LoadFixtures(context.Background(), &fixtures.Weavy{Apps: []fixtures.WeavyApp{app}}); err != nil {
		b.Fatal(err)
	}
	return m
}

// reportQs each match the names of bigModel's reports and no other: a tenth of the files.
// Listings take them in turn, so that no cache of a previous answer could answer one.
var reportQs = []string{"report", "REPORT", "eport-", "Port-", "ort-", "rt-", "t-", ".pdf", "PDF", "epo", "po", "or", "df", "Rep"}

// BenchmarkList100k: one page of a Files app holding 100,000 files, filtered by q (a tenth of
// the names match; q changes at every listing) and ordered by updated_at descending, as the
// Weavy UI kit asks for it. p50-ms is the median of the listings' times.
func BenchmarkList100k(b *testing.B) {
	const n = 100_000
	m := bigModel(b, n)
	q := weavy.ListQuery{OrderBy: weavy.OrderUpdatedAt, Desc: true, Take: 25}
	var took []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		q.Q = reportQs[len(took)%len(reportQs)]
		t0 := time.Now()
		p, err := m.List(weavy.Scope{App: "big"}, q)
		took = append(took, time.Since(t0))
		if err != nil || p.Count != n/10 || len(p.Files) != 25 {
			b.Fatalf("List q=%q: count %d, %d files, %v", q.Q, p.Count, len(p.Files), err)
		}
	}
	b.ReportMetric(float64(took[0])/float64(time.Millisecond), "first-ms")
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2])/float64(time.Millisecond), "p50-ms")
}

// BenchmarkUploadList100k: an upload into the app of BenchmarkList100k, then its listing, as a
// client that shows the list it just added to: the listing pays for merging the new file in.
// p50-ms is the median of the listings' times.
func BenchmarkUploadList100k(b *testing.B) {
	const n = 100_000
	m := bigModel(b, n)
	ctx := context.Background()
	q := weavy.ListQuery{OrderBy: weavy.OrderUpdatedAt, Desc: true, Take: 25}
	if _, err := m.List(weavy.Scope{App: "big"}, q); err != nil { // the first listing builds the index
		b.Fatal(err)
	}
	var took []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		i := len(took)
		blob, err := m.CreateBlob(ctx, fmt.Sprintf("Report-new-%d.pdf", i), "application/pdf", strings.NewReader("x"))
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := m.CreateFile("big", weavy.FileIn{BlobID: blob.ID}); err != nil {
			b.Fatal(err)
		}
		q.Q = reportQs[i%len(reportQs)]
		t0 := time.Now()
		p, err := m.List(weavy.Scope{App: "big"}, q)
		took = append(took, time.Since(t0))
		if err != nil || p.Count != n/10+i+1 || p.Files[0].Name != blob.Name {
			b.Fatalf("List q=%q: count %d, %v", q.Q, p.Count, err)
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
