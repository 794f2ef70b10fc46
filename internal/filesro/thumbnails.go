package filesro

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"
	"golang.org/x/sync/singleflight"

	"github.com/fileemu/fileemu/internal/blobstore"
)

// DefaultThumbnailBudget bounds the memory of thumbnail decoding across all sessions: the
// decoded pixels of the images being downscaled at once. A 25-megapixel image (the largest
// that gets a thumbnail) decodes to at most 100 MiB at 4 bytes a pixel, 200 MiB at 8.
const DefaultThumbnailBudget = 256 << 20

// thumbnailer makes thumbnails within a memory budget. Decodes wait on one weighted semaphore
// of decoded bytes (a 73 KB PNG of 5000×5000 pixels decodes to 100 MiB: 24 of them at once
// took 3.3 GiB), and concurrent requests for one image share one decode.
type thumbnailer struct {
	budget *semaphore.Weighted
	size   int64
	flight singleflight.Group

	// Counters, read by tests.
	decodes, inFlight, maxInFlight atomic.Int64
}

func newThumbnailer(budget int64) *thumbnailer {
	if budget <= 0 {
		budget = DefaultThumbnailBudget
	}
	return &thumbnailer{budget: semaphore.NewWeighted(budget), size: budget}
}

type thumb struct {
	data []byte
	ct   string
}

// get returns the thumbnail of the stored image src, kept as dst: the stored one when it
// exists, else one made now (by this request or the one already making it). The bool is false
// when the image cannot be downscaled (a truncated file).
func (t *thumbnailer) get(ctx context.Context, blobs *blobstore.Store, key, src, dst string, orientation int, now time.Time) (thumb, bool, error) {
	if th, ok := stored(blobs, dst); ok {
		return th, true, nil
	}
	// The decode is shared: it runs to the end for whoever still waits, while each request
	// stops waiting when its own client goes away.
	shared := context.WithoutCancel(ctx)
	ch := t.flight.DoChan(key, func() (any, error) {
		if th, ok := stored(blobs, dst); ok { // made while this request waited
			return &th, nil
		}
		th, err := t.make(shared, blobs, src, orientation)
		if err != nil || th == nil {
			return th, err
		}
		// Kept with the session's objects: the next request serves it as is.
		opts := blobstore.PutOptions{ContentType: th.ct, SizeHint: int64(len(th.data)), Now: now}
		if _, err := blobs.Put(shared, dst, bytes.NewReader(th.data), opts); err != nil && !errors.Is(err, blobstore.ErrStorageFull) {
			return nil, fmt.Errorf("store thumbnail: %w", err)
		} // storage full: served, not kept
		return th, nil
	})
	var res singleflight.Result
	select {
	case res = <-ch:
	case <-ctx.Done():
		return thumb{}, false, fmt.Errorf("wait for thumbnail: %w", ctx.Err())
	}
	if res.Err != nil {
		return thumb{}, false, res.Err
	}
	th, _ := res.Val.(*thumb)
	if th == nil {
		return thumb{}, false, nil
	}
	return *th, true, nil
}

func stored(blobs *blobstore.Store, name string) (thumb, bool) {
	obj, rd, err := blobs.Open(name)
	if err != nil {
		return thumb{}, false
	}
	defer rd.Close()
	b, err := io.ReadAll(rd)
	if err != nil {
		return thumb{}, false
	}
	return thumb{b, obj.ContentType}, true
}

// make decodes src within the budget and downscales it; nil when the pixels do not decode.
func (t *thumbnailer) make(ctx context.Context, blobs *blobstore.Store, src string, orientation int) (*thumb, error) {
	_, rd, err := blobs.Open(src)
	if err != nil {
		return nil, fmt.Errorf("file content %s: %w", src, err)
	}
	defer rd.Close()
	cfg, format, err := image.DecodeConfig(rd)
	if err != nil {
		return nil, nil
	}
	cost := min(decodedBytes(cfg, format), t.size)
	if err := t.budget.Acquire(ctx, cost); err != nil {
		return nil, fmt.Errorf("wait for thumbnail memory: %w", err)
	}
	defer t.budget.Release(cost)
	n := t.inFlight.Add(1)
	defer t.inFlight.Add(-1)
	for m := t.maxInFlight.Load(); n > m && !t.maxInFlight.CompareAndSwap(m, n); m = t.maxInFlight.Load() {
	}
	t.decodes.Add(1)
	_, rd, err = blobs.Open(src)
	if err != nil {
		return nil, fmt.Errorf("file content %s: %w", src, err)
	}
	defer rd.Close()
	b, ct, err := thumbnail(rd, orientation)
	if err != nil {
		return nil, nil // the header read but the pixels do not: no thumbnail, not a 500
	}
	return &thumb{b, ct}, nil
}

// decodedBytes is at most what Go's decoders allocate for an image: a JPEG 16 bytes a pixel (a
// progressive one keeps 4 bytes of coefficients per pixel and component besides the image),
// 8 for 16-bit colour, a GIF 5 (its paletted frame and the canvas it may be drawn onto), 4
// otherwise, plus the downscaled copy.
func decodedBytes(cfg image.Config, format string) int64 {
	per := int64(4)
	switch {
	case format == "jpeg":
		per = 16
	case format == "gif":
		per = 5
	case cfg.ColorModel == color.RGBA64Model, cfg.ColorModel == color.NRGBA64Model, cfg.ColorModel == color.Gray16Model:
		per = 8
	}
	return int64(cfg.Width)*int64(cfg.Height)*per + thumbnailBox*thumbnailBox*4
}
