package weavy_test

import (
	"testing"

	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/validate"
	"github.com/fileemu/fileemu/internal/weavy"
)

func TestKindAndPreviewFormat(t *testing.T) {
	cases := []struct{ name, mediaType, kind, preview string }{
		{"photo.PNG", "image/png", "image", "image"},
		{"scan.tiff", "image/tiff", "image", "none"},
		{"song.mp3", "audio/mpeg", "audio", "audio"},
		{"clip.webm", "video/webm", "video", "video"},
		{"report.pdf", "application/pdf", "document", "pdf"},
		{"letter.docx", "application/zip", "document", "pdf"},
		{"budget.xlsx", "", "spreadsheet", "pdf"},
		{"deck.pptx", "", "presentation", "pdf"},
		{"backup.zip", "application/zip", "archive", "none"},
		{"mail.eml", "message/rfc822", "email", "none"},
		{"index.html", "text/html", "code", "html"},
		{"main.go", "text/plain", "code", "code"},
		{"data.json", "application/json", "code", "code"},
		{"README.md", "text/markdown", "text", "text"},
		{"notes.txt", "text/plain", "text", "text"},
		{"unknown.xyz", "application/octet-stream", "file", "none"},
		// Without a known extension the media type decides.
		{"noext", "image/gif", "image", "image"},
		{"noext", "image/x-portable-pixmap", "image", "none"},
		{"noext", "application/pdf", "document", "pdf"},
		{"noext", "text/plain", "text", "text"},
		{"noext", "video/mp4", "video", "video"},
		{"noext", "application/gzip", "archive", "none"},
		{"noext", "", "file", "none"},
	}
	for _, tc := range cases {
		if k, p := weavy.Kind(tc.name, tc.mediaType), weavy.PreviewFormat(tc.name, tc.mediaType); k != tc.kind || p != tc.preview {
			t.Errorf("%s (%s) = %s/%s, want %s/%s", tc.name, tc.mediaType, k, p, tc.kind, tc.preview)
		}
	}
}

func TestMediaType(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	cases := []struct {
		partType, name string
		head           []byte
		want           string
	}{
		{"image/jpeg", "x.png", png, "image/jpeg"}, // a specific part type is trusted
		{"Text/Plain; charset=UTF-8", "x", nil, "text/plain"},
		{"application/octet-stream", "x.txt", png, "image/png"}, // a strong signature beats the name
		{"", "a.docx", []byte("PK\x03\x04"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"", "a.csv", []byte("a,b"), "text/csv"},
		{"", "a.go", []byte("package main"), "text/x-go"},
		{"", "a", []byte("hello"), "text/plain"},
		{"", "a", []byte{0, 1, 2}, "application/octet-stream"},
		{"not a type", "a.pdf", []byte{0, 1}, "application/pdf"},
		// The same answer on every host: book.epub was application/zip in the scratch image.
		{"", "book.epub", []byte("PK\x03\x04"), "application/epub+zip"},
		{"", "pkg.deb", []byte("PK\x03\x04"), "application/zip"}, // not in the table: sniffed, whatever the host's mime.types says
		{"", "favicon.ico", []byte{1, 2, 3}, "image/vnd.microsoft.icon"},
	}
	for _, tc := range cases {
		if got := weavy.MediaType(tc.partType, tc.name, tc.head); got != tc.want {
			t.Errorf("MediaType(%q, %q) = %s, want %s", tc.partType, tc.name, got, tc.want)
		}
	}
}

func TestFieldKey(t *testing.T) {
	cases := []struct {
		v    validate.Violation
		want string
	}{
		{validate.Violation{In: "body", Pointer: "/name"}, "name"},
		{validate.Violation{In: "body", Pointer: "/metadata/color"}, "metadata.color"},
		{validate.Violation{In: "body", Pointer: "/tags/3"}, "tags[3]"},
		{validate.Violation{In: "body", Pointer: "/metadata/a~1b"}, "metadata.a/b"},
		{validate.Violation{In: "body"}, "$"},
		{validate.Violation{In: "query", Name: "take"}, "take"},
		{validate.Violation{In: "path", Name: "app"}, "app"},
		{validate.Violation{In: "request"}, "request"},
	}
	for _, tc := range cases {
		if got := weavy.FieldKey(tc.v); got != tc.want {
			t.Errorf("FieldKey(%+v) = %s, want %s", tc.v, got, tc.want)
		}
	}
}

// Weavy owns all of /api/ (unknown routes get its problem details), /version and the real-time
// hub, but files.ro's /api/v1/ is a longer prefix, so the server gives /api/v1/... to files.ro.
func TestPrefixes(t *testing.T) {
	a := &api.API{Prefixes: weavy.Prefixes()}
	filesro := &api.API{Prefixes: []string{"/api/v1/"}}
	for path, want := range map[string]bool{
		"/api/apps": true, "/api/apps/x/files": true, "/api/blobs": true, "/api/blobs/1/download": true,
		"/api/files": true, "/api/user": true, "/api/users/u1/tokens": true, "/api/notifications": true,
		"/api/filesystem": true, "/version": true, "/hubs/rtm/negotiate": true,
		"/api": true, "/v1/files": false, "/versions": false, "/desk/api/v2/files": false,
	} {
		if got := a.Owns(path); got != want {
			t.Errorf("Owns(%s) = %v, want %v", path, got, want)
		}
	}
	for _, path := range []string{"/api/v1/shares/abc/uploads", "/api/v1/"} {
		if w, f := a.OwnsLen(path), filesro.OwnsLen(path); w >= f {
			t.Errorf("OwnsLen(%s): weavy %d, files.ro %d: files.ro must win", path, w, f)
		}
	}
}

func TestParseID(t *testing.T) {
	for in, want := range map[string]int64{"1": 1, "42": 42, "007": 7, "0": 0, "-1": 0, "+1": 0, "1.0": 0, "abc": 0, "": 0,
		"9223372036854775807": 9223372036854775807, "9223372036854775808": 0} {
		got, ok := weavy.ParseID(in)
		if (want == 0) == ok || got != want {
			t.Errorf("ParseID(%q) = %d %v, want %d", in, got, ok, want)
		}
	}
}
