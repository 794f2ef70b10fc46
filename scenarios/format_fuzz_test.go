package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary documents (seeded with the ready-made scenario files) to Parse. It
// never panics; a refusal returns no scenarios and only errors located in the file; an accepted
// file holds uniquely named scenarios whose rules know their scenario and position and carry
// values within their documented ranges.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("ready/*.yaml")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"scenarios":[{"name":"a","rules":[{"match":{},"respond":503}]}]}`))
	f.Add([]byte("scenarios:\n  - name: a\n    rules:\n      - match: {}\n        respond: 99\n"))
	f.Add([]byte("a: &a [*a]"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		scs, err := Parse("fuzz.yaml", data, testCatalog)
		if err != nil {
			if scs != nil {
				t.Fatalf("scenarios with an error: %v", err)
			}
			var es Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("error %T %v, want Errors", err, err)
			}
			for _, e := range es {
				if e.File != "fuzz.yaml" || e.Msg == "" || e.Line < 0 || e.Column < 0 {
					t.Fatalf("error without a place: %+v", e)
				}
			}
			return
		}
		seen := map[string]bool{}
		for _, sc := range scs {
			if sc.Name == "" || seen[sc.Name] {
				t.Fatalf("scenario name %q empty or twice", sc.Name)
			}
			seen[sc.Name] = true
			for i, r := range sc.Rules {
				w, a := r.When, r.Action
				switch {
				case r.Scenario != sc.Name || r.Index != i:
					t.Fatalf("rule %d of %q says %s", i, sc.Name, r.ID())
				case w.Times < 0 || w.After < 0 || w.Every < 0 || w.Probability < 0 || w.Probability > 1:
					t.Fatalf("rule %s: when %+v", r.ID(), w)
				case w.Window && w.Until != 0 && w.Until < w.From:
					t.Fatalf("rule %s: window %v..%v", r.ID(), w.From, w.Until)
				case a.Kind == "":
					t.Fatalf("rule %s without an action", r.ID())
				case a.Kind == ActRespond && (a.Status < 100 || a.Status > 599):
					t.Fatalf("rule %s responds %d", r.ID(), a.Status)
				case a.DelayMin < 0 || a.DelayMax < a.DelayMin:
					t.Fatalf("rule %s: delay %v..%v", r.ID(), a.DelayMin, a.DelayMax)
				}
			}
		}
	})
}
