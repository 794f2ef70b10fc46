package filesro

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"slices"
	"strings"
	"testing"

	"github.com/fileemu/fileemu/internal/blobstore"
)

// FuzzSplitPath: the folders of an upload path are its segments but the last, trimmed, without
// empty and "." ones; none is "..", none holds a separator; a path with a ".." folder is refused.
func FuzzSplitPath(f *testing.F) {
	for _, p := range []string{"/A/B/file.jpg", "file.jpg", "", "a\\b\\c.txt", "/../x", "a/ .. /b", "./a/./b/", " / /x", "a/..b/c"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, path string) {
		segs, err := SplitPath(path)
		var want []string
		refused := false
		all := strings.Split(strings.ReplaceAll(path, "\\", "/"), "/")
		for _, s := range all[:len(all)-1] {
			switch s = strings.TrimSpace(s); s {
			case "", ".":
			case "..":
				refused = true
			default:
				want = append(want, s)
			}
		}
		if refused != (err != nil) {
			t.Fatalf("SplitPath(%q): %v, refused %v", path, err, refused)
		}
		if err != nil {
			return
		}
		if !slices.Equal(segs, want) {
			t.Fatalf("SplitPath(%q) = %q, want %q", path, segs, want)
		}
		for _, s := range segs {
			if s == "" || s == "." || s == ".." || strings.ContainsAny(s, "/\\") || s != strings.TrimSpace(s) {
				t.Fatalf("SplitPath(%q): folder name %q", path, s)
			}
		}
	})
}

// FuzzAddFilePath stores files with fuzzed paths and parents: an accepted file lies in the
// share's tree, under exactly the folders of its path below the parent; a refused one adds no
// item (no folder is created for a file that is not stored). Chunked uploads keyed by a fuzzed
// file name keep their chunks in order and refuse a parent outside the share without keeping
// anything.
func FuzzAddFilePath(f *testing.F) {
	f.Add("/A/B/file.jpg", uint8(0), "name", "x")
	f.Add("../etc/passwd", uint8(0), "..", "..")
	f.Add("a/b/c/", uint8(1), "", "../chunk")
	f.Add("x/y", uint8(2), "n", "")
	f.Add("x/y", uint8(3), "n", "a/b")
	f.Add("/2024/Q1/a.txt", uint8(1), "notes one.txt", "abcdefghijklmnop-notes-one.txt.part") // the web client's
	f.Fuzz(func(t *testing.T, path string, parentChoice uint8, name, chunkName string) {
		m := NewModel(blobstore.New(), Options{})
		s := m.shares[SeedToken]
		sub, err := m.CreateFolder(SeedToken, "", "sub", "")
		if err != nil {
			t.Fatal(err)
		}
		other := m.shares[SeedReadonlyToken].ItemID
		parentID := []string{"", sub.ID, other, name}[parentChoice%4]
		before := len(m.items)
		e, err := m.AddFile(SeedToken, "file-1", FileIn{Name: name, Path: path, ParentID: parentID})
		if err != nil {
			if len(m.items) != before {
				t.Fatalf("refused (%v) but %d items added", err, len(m.items)-before)
			}
		} else {
			if !m.inTree(s, e.ID) {
				t.Fatalf("file with path %q, parent %q outside the share", path, parentID)
			}
			segs, _ := SplitPath(path)
			var chain []string
			stop := parentID
			if stop == "" {
				stop = s.ItemID
			}
			for id := m.items[e.ID].ParentID; id != stop; id = m.items[id].ParentID {
				if id == "" || id == s.ItemID && stop != s.ItemID {
					t.Fatalf("file with path %q is not below its parent %q", path, parentID)
				}
				chain = append([]string{m.items[id].Name}, chain...)
			}
			if !slices.Equal(chain, segs) {
				t.Fatalf("file with path %q under folders %q, want %q", path, chain, segs)
			}
		}

		uploads := len(m.uploads)
		if _, err := m.AppendChunk(SeedToken, chunkName, parentID, "c1", 1, false); err != nil {
			if len(m.uploads) != uploads {
				t.Fatalf("refused chunk (%v) kept an upload", err)
			}
			if parentID == "" || parentID == sub.ID {
				t.Fatalf("chunk into the share refused: %v", err)
			}
			return
		}
		if _, err := m.AppendChunk(SeedToken, chunkName+"\x00other", parentID, "o1", 1, false); err != nil {
			t.Fatal(err)
		}
		if _, err := m.AppendChunk(SeedToken, chunkName, parentID, "c2", 1, false); err != nil {
			t.Fatal(err)
		}
		chunks, err := m.AppendChunk(SeedToken, chunkName, parentID, "c3", 1, true)
		if err != nil || !slices.Equal(chunks, []string{"c1", "c2", "c3"}) {
			t.Fatalf("chunks of %q: %q, %v", chunkName, chunks, err)
		}
	})
}

// thumbnailPixelBudget bounds what the fuzz target decodes per input (analyze allows more).
const thumbnailPixelBudget = 1 << 20

// FuzzThumbnail: an image analyze would thumbnail yields a thumbnail in its own format that
// fits thumbnailBox, keeps the aspect ratio within a pixel, turns by the Exif orientation and is
// never larger than the image; anything else is an error, never a panic.
func FuzzThumbnail(f *testing.F) {
	img := image.NewRGBA(image.Rect(0, 0, 300, 120))
	img.Set(1, 1, color.RGBA{200, 0, 0, 255})
	var p, g bytes.Buffer
	png.Encode(&p, img)
	gif.Encode(&g, image.NewPaletted(image.Rect(0, 0, 3, 700), []color.Color{color.Black, color.White}), nil)
	f.Add(p.Bytes(), 1)
	f.Add(p.Bytes(), 6)
	f.Add(g.Bytes(), 8)
	f.Add(exifJPEG(f, 40, 20, ExifOptions{}), 3)
	f.Add([]byte("GIF89a\x01\x00\x01\x00"), 0)
	f.Fuzz(func(t *testing.T, content []byte, orientation int) {
		cfg, format, err := image.DecodeConfig(bytes.NewReader(content))
		if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > thumbnailPixelBudget {
			return // analyze offers no thumbnail for these
		}
		out, ct, err := thumbnail(bytes.NewReader(content), orientation)
		if err != nil {
			return // a header that decodes, a body that does not
		}
		tcfg, tformat, err := image.DecodeConfig(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("thumbnail does not decode: %v", err)
		}
		if want := map[string]string{"png": "png", "gif": "gif"}[format]; want != "" && tformat != want || want == "" && tformat != "jpeg" ||
			ct != "image/"+tformat {
			t.Fatalf("%s image: thumbnail %s, %s", format, tformat, ct)
		}
		w, h := cfg.Width, cfg.Height
		if orientation >= 5 && orientation <= 8 {
			w, h = h, w
		}
		if tcfg.Width > thumbnailBox || tcfg.Height > thumbnailBox || tcfg.Width > w || tcfg.Height > h || tcfg.Width < 1 || tcfg.Height < 1 {
			t.Fatalf("%dx%d (orientation %d): thumbnail %dx%d", cfg.Width, cfg.Height, orientation, tcfg.Width, tcfg.Height)
		}
		if d := int64(tcfg.Width)*int64(h) - int64(tcfg.Height)*int64(w); d > int64(max(w, h)) || -d > int64(max(w, h)) {
			t.Fatalf("%dx%d (orientation %d): thumbnail %dx%d changes the aspect ratio", cfg.Width, cfg.Height, orientation, tcfg.Width, tcfg.Height)
		}
	})
}
