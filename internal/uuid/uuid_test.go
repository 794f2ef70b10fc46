package uuid

import (
	"regexp"
	"testing"
)

var v4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestNew(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id := New()
		if !v4.MatchString(id) {
			t.Fatalf("New() = %q, not a version 4 UUID", id)
		}
		if seen[id] {
			t.Fatalf("New() repeated %s", id)
		}
		seen[id] = true
	}
}

func TestFromSeed(t *testing.T) {
	a, b := FromSeed(7, "owner"), FromSeed(7, "owner")
	if a != b || !v4.MatchString(a) {
		t.Errorf("FromSeed(7, owner) = %q then %q, want one version 4 UUID", a, b)
	}
	if FromSeed(8, "owner") == a || FromSeed(7, "folder") == a {
		t.Error("FromSeed ignores the seed or the label")
	}
}
