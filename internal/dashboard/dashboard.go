// Package dashboard holds the admin dashboard served at /__admin/ui: plain HTML, CSS and
// JavaScript modules embedded in the binary (no build step, no CDN: it works offline). The
// admin API serves the files; the page reads everything it shows from the admin API.
package dashboard

import (
	"embed"
	"io/fs"
	"path"
)

//go:embed static
var static embed.FS

// Index is the page's file name: /__admin/ui/ serves it.
const Index = "index.html"

// ContentSecurityPolicy is sent with every file of the dashboard: scripts, styles and requests
// from its own origin only, images also as blob: URLs (previews). It is the second line of
// defence behind the page's rule of rendering user data as text only.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

var types = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
}

// File returns the content and content type of one file of the dashboard (a base name such as
// "app.js"), or false when there is none.
func File(name string) ([]byte, string, bool) {
	if name == "" || name != path.Base(name) || name[0] == '.' {
		return nil, "", false
	}
	b, err := fs.ReadFile(static, "static/"+name)
	if err != nil {
		return nil, "", false
	}
	ct, ok := types[path.Ext(name)]
	if !ok {
		return nil, "", false
	}
	return b, ct, true
}

// Names lists the dashboard's files.
func Names() []string {
	ents, _ := fs.ReadDir(static, "static") // embedded: it always reads
	out := make([]string, 0, len(ents))
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}
