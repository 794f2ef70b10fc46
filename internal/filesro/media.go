package filesro

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"mime"
	"net/http"
	"strings"

	"golang.org/x/image/draw"

	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/media"
)

// Thumbnail limits.
const (
	thumbnailBox       = 256        // thumbnails fit in 256×256 pixels
	maxThumbnailPixels = 25_000_000 // larger images get no thumbnail (decoding them costs too much memory)
	headSize           = 256 << 10  // bytes read for sniffing and Exif (an APP1 segment is at most 64 KiB)
)

// Media is what fileemu reads from an uploaded file.
type Media struct {
	MimeType    string
	Type        string // image, video, audio or file
	Width       int    // images
	Height      int
	Thumbnail   bool // a JPEG, PNG or GIF small enough to downscale
	Orientation int  // Exif orientation of a JPEG, 1..8; 0 when absent
	Exif        *Exif
}

// mimeType names the content: by extension, else sniffed from its first bytes.
func mimeType(ext string, head []byte) string {
	ext = strings.ToLower(ext)
	if i := strings.LastIndexByte(ext, '.'); i >= 0 {
		ext = ext[i+1:] // tar.gz -> gz
	}
	if t := media.TypeByExtension("." + ext); t != "" {
		return t
	}
	mt, _, err := mime.ParseMediaType(http.DetectContentType(head))
	if err != nil {
		return "application/octet-stream"
	}
	return mt
}

// fileType is VueFileManager's detected type of a MIME type.
func fileType(mt string) string {
	switch major, _, _ := strings.Cut(mt, "/"); major {
	case "image", "video", "audio":
		return major
	}
	return "file"
}

// analyze reads the stored upload name: MIME type, image size, thumbnail ability and Exif. Only
// the first bytes and the image header are read.
func analyze(blobs *blobstore.Store, name, ext string) (Media, error) {
	head, err := blobs.Head(name, headSize)
	if err != nil {
		return Media{}, err
	}
	md := Media{MimeType: mimeType(ext, head)}
	md.Type = fileType(md.MimeType)
	_, rd, err := blobs.Open(name)
	if err != nil {
		return Media{}, err
	}
	defer rd.Close()
	cfg, format, err := image.DecodeConfig(rd)
	if err != nil {
		return md, nil // not an image fileemu can read: no thumbnail
	}
	md.Width, md.Height = cfg.Width, cfg.Height
	md.Thumbnail = int64(cfg.Width)*int64(cfg.Height) <= maxThumbnailPixels && cfg.Width > 0 && cfg.Height > 0
	if format == "jpeg" {
		if x, orientation, ok := parseExif(head); ok {
			md.Exif, md.Orientation = x, orientation
			if x.Width == nil {
				w := md.Width
				x.Width = &w
			}
			if x.Height == nil {
				h := md.Height
				x.Height = &h
			}
		}
	}
	return md, nil
}

// thumbnail decodes an image, turns it upright by its Exif orientation, downscales it to fit
// thumbnailBox and encodes it in its own format (a GIF's first frame).
func thumbnail(rd io.Reader, orientation int) ([]byte, string, error) {
	img, format, err := decodeImage(rd)
	if err != nil {
		return nil, "", err
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	swap := orientation >= 5 && orientation <= 8
	if swap {
		w, h = h, w
	}
	tw, th := fit(w, h, thumbnailBox)
	if swap {
		tw, th = th, tw // scale before turning: the scaled image is turned
	}
	small := image.NewRGBA(image.Rect(0, 0, tw, th))
	draw.CatmullRom.Scale(small, small.Bounds(), img, b, draw.Src, nil)
	out := orient(small, orientation)

	var buf bytes.Buffer
	var ct string
	switch format {
	case "png":
		ct, err = "image/png", png.Encode(&buf, out)
	case "gif":
		ct, err = "image/gif", gif.Encode(&buf, out, nil)
	default:
		ct, err = "image/jpeg", jpeg.Encode(&buf, out, &jpeg.Options{Quality: 85})
	}
	if err != nil {
		return nil, "", fmt.Errorf("encode thumbnail: %w", err)
	}
	return buf.Bytes(), ct, nil
}

// decodeImage decodes an image as it is shown. A GIF's first frame may cover only part of its
// logical screen, whose size is the image's (what media dimensions report): the frame is drawn
// onto a transparent canvas of that size, as a browser shows it. The canvas costs no more than the
// thumbnail budget already counts for the image (its logical screen).
func decodeImage(rd io.Reader) (image.Image, string, error) {
	br := bufio.NewReader(rd)
	head, _ := br.Peek(10)
	img, format, err := image.Decode(br)
	if err != nil {
		return nil, "", fmt.Errorf("decode image: %w", err)
	}
	if format != "gif" || len(head) < 10 {
		return img, format, nil
	}
	screen := image.Rect(0, 0, int(binary.LittleEndian.Uint16(head[6:8])), int(binary.LittleEndian.Uint16(head[8:10])))
	if img.Bounds() == screen || !img.Bounds().In(screen) {
		return img, format, nil
	}
	canvas := image.NewRGBA(screen)
	draw.Draw(canvas, img.Bounds(), img, img.Bounds().Min, draw.Src)
	return canvas, format, nil
}

// fit returns w×h scaled down to fit a box×box square, keeping the aspect ratio; never upscaled.
func fit(w, h, box int) (int, int) {
	if w <= box && h <= box {
		return w, h
	}
	if w >= h {
		return box, max(1, (h*box+w/2)/w)
	}
	return max(1, (w*box+h/2)/h), box
}

// orient applies an Exif orientation (1..8) to img, which must start at (0, 0).
func orient(img *image.RGBA, orientation int) *image.RGBA {
	if orientation < 2 || orientation > 8 {
		return img
	}
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	dw, dh := w, h
	if orientation >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range dh {
		for x := range dw {
			var sx, sy int
			switch orientation {
			case 2: // mirrored horizontally
				sx, sy = w-1-x, y
			case 3: // rotated 180°
				sx, sy = w-1-x, h-1-y
			case 4: // mirrored vertically
				sx, sy = x, h-1-y
			case 5: // transposed
				sx, sy = y, x
			case 6: // needs a 90° clockwise turn
				sx, sy = y, h-1-x
			case 7: // transversed
				sx, sy = w-1-y, h-1-x
			case 8: // needs a 90° counter-clockwise turn
				sx, sy = w-1-y, x
			}
			dst.SetRGBA(x, y, img.RGBAAt(sx, sy))
		}
	}
	return dst
}
