package session_test

import (
	"strings"
	"testing"

	"github.com/fileemu/fileemu/internal/session"
)

// FuzzSplitPrefix: for a valid id, SplitPrefix(PathPrefix+id+rest) gives back id and rest (rest
// "/" when empty); a path without the prefix is returned whole; whatever SplitPrefix answers
// joins back to the path; a valid id is one path segment that cannot walk ("." or "..").
func FuzzSplitPrefix(f *testing.F) {
	for _, s := range []struct{ id, rest string }{
		{"default", "/v1/files/signed-url"}, {"ci-42", ""}, {"a.b_c", "/s3/bucket/key"}, {"..", "/x"}, {"a/b", "/"},
		{"", "/x"}, {"/_s/abc", "/x"}, {"/_s/", ""}, {"é", "/"}, {strings.Repeat("x", 65), "/"},
	} {
		f.Add(s.id, s.rest)
	}
	f.Fuzz(func(t *testing.T, id, rest string) {
		if session.ValidID(id) {
			if strings.ContainsAny(id, "/?#%") || id == "." || id == ".." || len(id) > 64 {
				t.Fatalf("ValidID(%q): not a plain path segment", id)
			}
			if rest == "" || rest[0] == '/' {
				gotID, gotRest, ok := session.SplitPrefix(session.PathPrefix + id + rest)
				wantRest := rest
				if wantRest == "" {
					wantRest = "/"
				}
				if !ok || gotID != id || gotRest != wantRest {
					t.Fatalf("SplitPrefix(%q) = %q, %q, %v; want %q, %q, true", session.PathPrefix+id+rest, gotID, gotRest, ok, id, wantRest)
				}
			}
		}
		p := id + rest
		gotID, gotRest, ok := session.SplitPrefix(p)
		switch {
		case !ok && (gotID != "" || gotRest != p || strings.HasPrefix(p, session.PathPrefix)):
			t.Fatalf("SplitPrefix(%q) = %q, %q, false", p, gotID, gotRest)
		case ok && strings.Contains(gotID, "/"):
			t.Fatalf("SplitPrefix(%q): id %q spans segments", p, gotID)
		case ok && session.PathPrefix+gotID+gotRest != p && !(gotRest == "/" && session.PathPrefix+gotID == p):
			t.Fatalf("SplitPrefix(%q) = %q, %q: does not join back", p, gotID, gotRest)
		case ok && !strings.HasPrefix(gotRest, "/"):
			t.Fatalf("SplitPrefix(%q): rest %q is not a path", p, gotRest)
		}
	})
}
