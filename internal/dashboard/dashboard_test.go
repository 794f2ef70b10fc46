package dashboard_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/fileemu/fileemu/internal/dashboard"
)

// TestFilesHangTogether: every file the page or a module refers to is embedded and served.
func TestFilesHangTogether(t *testing.T) {
	names := dashboard.Names()
	ref := regexp.MustCompile(`(?:href|src)="([^"#:]+)"|from "\./([^"]+)"`)
	for _, n := range names {
		b, ct, ok := dashboard.File(n)
		if !ok || len(b) == 0 || ct == "" {
			t.Fatalf("File(%q) = %d bytes %q %v", n, len(b), ct, ok)
		}
		for _, m := range ref.FindAllStringSubmatch(string(b), -1) {
			target := m[1] + m[2]
			if !slices.Contains(names, target) {
				t.Errorf("%s refers to %s, which is not embedded (have %v)", n, target, names)
			}
		}
	}
	if _, _, ok := dashboard.File(dashboard.Index); !ok {
		t.Errorf("no %s", dashboard.Index)
	}
	for _, bad := range []string{"", "../dashboard.go", "static/app.js", ".app.js", "dashboard.go"} {
		if _, _, ok := dashboard.File(bad); ok {
			t.Errorf("File(%q) served", bad)
		}
	}
}

// TestNoMarkupFromData: the page renders what it shows as text. No script turns a string into
// markup (file names, headers and bodies are user input), and nothing is loaded from elsewhere.
func TestNoMarkupFromData(t *testing.T) {
	forbidden := []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
		"http://", "https://", "//cdn"}
	for _, n := range dashboard.Names() {
		b, _, _ := dashboard.File(n)
		for _, f := range forbidden {
			if strings.Contains(string(b), f) {
				t.Errorf("%s contains %q", n, f)
			}
		}
	}
}
