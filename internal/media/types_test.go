package media

import (
	"mime"
	"testing"
)

// One compiled-in table: the answer never depends on the machine's mime.types.
func TestTypeByExtensionIsHostIndependent(t *testing.T) {
	for name, want := range map[string]string{
		"book.epub": "application/epub+zip", "favicon.ico": "image/vnd.microsoft.icon", "REPORT.PDF": "application/pdf",
		"a.docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "x.bin": "application/octet-stream",
		"pkg.deb": "", "noext": "",
	} {
		if got := TypeByExtension(name); got != want {
			t.Errorf("TypeByExtension(%q) = %q, want %q", name, got, want)
		}
	}
	// Whatever the host adds or overrides is not consulted.
	if err := mime.AddExtensionType(".epub", "application/x-host-says-so"); err != nil {
		t.Fatal(err)
	}
	if got := TypeByExtension("book.epub"); got != "application/epub+zip" {
		t.Errorf("after the host table changed: %q", got)
	}
}
