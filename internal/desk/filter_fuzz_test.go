package desk

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// filterFiles are the files every fuzzed filter is evaluated on.
var filterFiles = func() []File {
	t0 := time.Date(2026, 3, 14, 11, 53, 38, 103518000, time.UTC)
	return []File{
		{ID: 1, MimeType: "text/plain", FileName: "a.txt", Disposition: "attachment", Type: "attachment", State: "temp", Size: 0, CreatedAt: t0, UpdatedAt: t0},
		{ID: 2, MimeType: "image/png", FileName: "b.png", Disposition: "inline", Type: "attachment", State: "active", Size: 68, PixelWidth: 3, PixelHeight: 2, CreatedAt: t0.Add(time.Minute), UpdatedAt: t0.Add(2 * time.Minute)},
		{ID: 3, MimeType: "image/jpeg", FileName: "c.jpeg", State: "temp", Size: 1 << 20, CreatedAt: t0.Add(2 * time.Minute), UpdatedAt: t0.Add(2 * time.Minute)},
		{ID: 4, FileName: "", State: "active", Size: 5, CreatedAt: t0.Add(3 * time.Minute)},
	}
}()

// kept lists which of filterFiles keep keeps.
func kept(keep Filter) []bool {
	out := make([]bool, len(filterFiles))
	for i, f := range filterFiles {
		out[i] = keep(f)
	}
	return out
}

// FuzzParseFilter feeds arbitrary `filter` parameters to ParseFilter. What it accepts is one JSON
// object; its refusals are 400 invalid errors on the filter parameter; an accepted filter
// re-encoded as JSON keeps the same files, and $and / $or over two accepted filters keep the
// intersection / union of what each keeps.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{
		`{"state":{"$eq":"active"}}`, `{"state":"active"}`, `{"id":{"$in":[1,3]}}`, `{"size":{"$gte":5,"$lt":100}}`,
		`{"$or":[{"mimeType":"image/png"},{"fileName":{"$ne":"a.txt"}}]}`, `{"createdAt":{"$gt":"2026-03-14T11:54:00Z"}}`,
		`{"pixelWidth":{"$nin":[0]}}`, `{"nope":1}`, `[]`, `{"id":1e999}`, `{"state":"active"}]`, `{"$and":{}}`,
	} {
		f.Add(s, `{"state":"temp"}`)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		fa, err := ParseFilter(a)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status != 400 || e.Code != "invalid" || e.Parameter != "filter" {
				t.Fatalf("ParseFilter(%q): %#v", a, err)
			}
			return
		}
		if !json.Valid([]byte(a)) || !strings.HasPrefix(strings.TrimSpace(a), "{") {
			t.Fatalf("ParseFilter accepted %q, which is not one JSON object", a)
		}
		ka := kept(fa)
		var v any
		dec := json.NewDecoder(strings.NewReader(a))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		again, _ := json.Marshal(v)
		fr, err := ParseFilter(string(again))
		if err != nil {
			t.Fatalf("%q accepted, re-encoded %s refused: %v", a, again, err)
		}
		if kr := kept(fr); !equalBools(ka, kr) {
			t.Fatalf("%q keeps %v, re-encoded %s keeps %v", a, ka, again, kr)
		}
		fb, err := ParseFilter(b)
		if err != nil {
			return
		}
		kb := kept(fb)
		and, err1 := ParseFilter(`{"$and":[` + a + `,` + b + `]}`)
		or, err2 := ParseFilter(`{"$or":[` + a + `,` + b + `]}`)
		if err1 != nil || err2 != nil {
			t.Fatalf("$and/$or of accepted %q, %q refused: %v %v", a, b, err1, err2)
		}
		kand, kor := kept(and), kept(or)
		for i := range ka {
			if kand[i] != (ka[i] && kb[i]) || kor[i] != (ka[i] || kb[i]) {
				t.Fatalf("file %d: %q %v, %q %v, $and %v, $or %v", i, a, ka[i], b, kb[i], kand[i], kor[i])
			}
		}
	})
}

func equalBools(a, b []bool) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}
