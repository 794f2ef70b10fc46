package media_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/media"
)

// FuzzDimensions: Dimensions of stored bytes are what the image header says when Go reads one
// (never negative), 0×0 otherwise, and 0×0 for a name that is not stored; it reads without
// panicking whatever the bytes are.
func FuzzDimensions(f *testing.F) {
	img := image.NewRGBA(image.Rect(0, 0, 7, 3))
	img.Set(0, 0, color.RGBA{1, 2, 3, 255})
	for _, enc := range []func(*bytes.Buffer){
		func(b *bytes.Buffer) { png.Encode(b, img) },
		func(b *bytes.Buffer) { jpeg.Encode(b, img, nil) },
		func(b *bytes.Buffer) { gif.Encode(b, img, nil) },
	} {
		var b bytes.Buffer
		enc(&b)
		f.Add(b.Bytes())
		f.Add(b.Bytes()[:b.Len()/3])
	}
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xff\xff\xff\x7f\xff\xff\xff\x08\x06\x00\x00\x00"))
	f.Add([]byte("GIF89a\xff\xff\xff\xff"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, content []byte) {
		store := blobstore.New()
		if _, err := store.Put(context.Background(), "x", bytes.NewReader(content), blobstore.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		w, h := media.Dimensions(store, "x")
		cfg, _, err := image.DecodeConfig(bytes.NewReader(content))
		switch {
		case err != nil && (w != 0 || h != 0):
			t.Fatalf("%dx%d for bytes Go reads no image header from (%v)", w, h, err)
		case err == nil && (w != cfg.Width || h != cfg.Height):
			t.Fatalf("%dx%d, header says %dx%d", w, h, cfg.Width, cfg.Height)
		case w < 0 || h < 0:
			t.Fatalf("negative dimensions %dx%d", w, h)
		}
		if w, h := media.Dimensions(store, "missing"); w != 0 || h != 0 {
			t.Fatalf("missing object: %dx%d", w, h)
		}
	})
}
