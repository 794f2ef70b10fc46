package weavy_test

import (
	"strings"
	"testing"

	"github.com/fileemu/fileemu/internal/weavy"
)

// FuzzParseOrderBy: an accepted order_by names a sort field and a direction that, written back
// in each spelling the API takes ("f", "f+desc", "f desc", "f+ASC"), parse to the same; a
// refused one is not such a spelling.
func FuzzParseOrderBy(f *testing.F) {
	for _, s := range []string{"", "name", "name+desc", "created_at desc", "size+ASC", "id+", "nope", "name+desc+x", " updated_at ", "Name"} {
		f.Add(s)
	}
	fields := []string{weavy.OrderID, weavy.OrderName, weavy.OrderSize, weavy.OrderCreatedAt, weavy.OrderUpdatedAt}
	f.Fuzz(func(t *testing.T, s string) {
		field, desc, ok := weavy.ParseOrderBy(s)
		if !ok {
			for _, fl := range fields {
				for _, dir := range []string{"", "+asc", "+desc", " asc", " desc"} {
					if strings.EqualFold(strings.TrimSpace(s), fl+dir) && strings.HasPrefix(strings.TrimSpace(s), fl) {
						t.Fatalf("ParseOrderBy(%q) refused %s%s", s, fl, dir)
					}
				}
			}
			return
		}
		dir := "asc"
		if desc {
			dir = "desc"
		}
		for _, again := range []string{field + "+" + dir, field + " " + strings.ToUpper(dir)} {
			if f2, d2, ok := weavy.ParseOrderBy(again); !ok || f2 != field || d2 != desc {
				t.Fatalf("ParseOrderBy(%q) = %s %v; written back %q it is %s %v %v", s, field, desc, again, f2, d2, ok)
			}
		}
		if !desc {
			if f2, d2, ok := weavy.ParseOrderBy(field); !ok || f2 != field || d2 {
				t.Fatalf("ParseOrderBy(%q) = %s; %q alone is %s %v %v", s, field, field, f2, d2, ok)
			}
		}
	})
}
