package filesro

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"sync"
	"testing"
	"time"

	"github.com/fileemu/fileemu/internal/blobstore"
)

func pngOf(t *testing.T, w, h int, shade uint8) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = shade + uint8(i%7)
	}
	img.Set(0, 0, color.NRGBA{1, 2, 3, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Concurrent requests for one image's thumbnail share one decode; the result is stored.
func TestThumbnailOneDecodePerImage(t *testing.T) {
	blobs := blobstore.New()
	ctx := context.Background()
	if _, err := blobs.Put(ctx, "src", bytes.NewReader(pngOf(t, 1200, 900, 10)), blobstore.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	th := newThumbnailer(0)
	var wg sync.WaitGroup
	results := make([][]byte, 16)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, ok, err := th.get(ctx, blobs, "s/f", "src", "dst", 0, time.Now())
			if err != nil || !ok {
				t.Errorf("get = %v %v", ok, err)
			}
			results[i] = got.data
		}()
	}
	wg.Wait()
	if n := th.decodes.Load(); n != 1 {
		t.Errorf("%d decodes for 16 concurrent requests of one image, want 1", n)
	}
	for _, r := range results[1:] {
		if !bytes.Equal(r, results[0]) || len(r) == 0 {
			t.Fatal("requests got different thumbnails")
		}
	}
	if _, _, err := blobs.Open("dst"); err != nil {
		t.Errorf("thumbnail not stored: %v", err)
	}
	if _, _, err := th.get(ctx, blobs, "s/f", "src", "dst", 0, time.Now()); err != nil || th.decodes.Load() != 1 {
		t.Errorf("a later request decoded again (%d decodes)", th.decodes.Load())
	}
}

// Decodes of different images wait for the memory budget: with room for one image, they run
// one at a time, and all finish.
func TestThumbnailBudgetBoundsConcurrentDecodes(t *testing.T) {
	blobs := blobstore.New()
	ctx := context.Background()
	const n = 6
	for i := range n {
		if _, err := blobs.Put(ctx, string(rune('a'+i)), bytes.NewReader(pngOf(t, 1000, 1000, uint8(i*20))), blobstore.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	cost := decodedBytes(image.Config{Width: 1000, Height: 1000, ColorModel: color.NRGBAModel}, "png")
	th := newThumbnailer(cost + cost/2) // room for one decode, not two
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := string(rune('a' + i))
			if _, ok, err := th.get(ctx, blobs, "s/"+name, name, "thumb-"+name, 0, time.Now()); err != nil || !ok {
				t.Errorf("%s: %v %v", name, ok, err)
			}
		}()
	}
	wg.Wait()
	if got := th.maxInFlight.Load(); got != 1 {
		t.Errorf("%d decodes ran at once within a budget for one", got)
	}
	if got := th.decodes.Load(); got != n {
		t.Errorf("%d decodes, want %d", got, n)
	}
	// A waiting request whose client goes away stops waiting.
	if err := th.budget.Acquire(ctx, th.size); err != nil {
		t.Fatal(err)
	}
	defer th.budget.Release(th.size)
	blobs.Put(ctx, "late", bytes.NewReader(pngOf(t, 10, 10, 1)), blobstore.PutOptions{})
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, _, err := th.get(cctx, blobs, "s/late", "late", "thumb-late", 0, time.Now()); err == nil {
		t.Error("a request waiting for the budget ignored its context")
	}
}
