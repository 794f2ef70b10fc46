package filesro

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"testing"
)

// byteOrder is binary.LittleEndian or binary.BigEndian.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// tiffTag is one entry of a test TIFF: its value bytes already in the file's byte order.
type tiffTag struct {
	id, typ uint16
	count   uint32
	data    []byte
}

func asciiTag(bo binary.ByteOrder, id uint16, s string) tiffTag {
	return tiffTag{id, tiffTypeASCII, uint32(len(s) + 1), append([]byte(s), 0)}
}

func shortTag(bo binary.ByteOrder, id uint16, v uint16) tiffTag {
	b := make([]byte, 2)
	bo.PutUint16(b, v)
	return tiffTag{id, tiffTypeShort, 1, b}
}

func longTag(bo binary.ByteOrder, id uint16, v uint32) tiffTag {
	b := make([]byte, 4)
	bo.PutUint32(b, v)
	return tiffTag{id, tiffTypeLong, 1, b}
}

func rationalTag(bo binary.ByteOrder, id uint16, pairs ...uint32) tiffTag {
	b := make([]byte, 4*len(pairs))
	for i, v := range pairs {
		bo.PutUint32(b[4*i:], v)
	}
	return tiffTag{id, tiffTypeRational, uint32(len(pairs) / 2), b}
}

// ifdSize is the bytes an IFD with its out-of-line values takes.
func ifdSize(tags []tiffTag) int {
	n := 2 + 12*len(tags) + 4
	for _, t := range tags {
		if len(t.data) > 4 {
			n += len(t.data) + len(t.data)%2
		}
	}
	return n
}

// writeIFD appends an IFD placed at offset off to b.
func writeIFD(b []byte, bo byteOrder, off int, tags []tiffTag) []byte {
	extra := off + 2 + 12*len(tags) + 4
	var tail []byte
	b = bo.AppendUint16(b, uint16(len(tags)))
	for _, t := range tags {
		b = bo.AppendUint16(b, t.id)
		b = bo.AppendUint16(b, t.typ)
		b = bo.AppendUint32(b, t.count)
		if len(t.data) <= 4 {
			b = append(b, append(append([]byte{}, t.data...), make([]byte, 4-len(t.data))...)...)
			continue
		}
		b = bo.AppendUint32(b, uint32(extra+len(tail)))
		tail = append(tail, t.data...)
		if len(t.data)%2 == 1 {
			tail = append(tail, 0)
		}
	}
	b = bo.AppendUint32(b, 0) // no next IFD
	return append(b, tail...)
}

// buildTIFF lays out IFD0, then the Exif IFD, then the GPS IFD, with the pointer tags set.
func buildTIFF(bo byteOrder, ifd0, exif, gps []tiffTag) []byte {
	order := "II"
	if bo.String() == binary.BigEndian.String() {
		order = "MM"
	}
	b := append([]byte(order), 0, 0, 0, 0, 0, 0)
	bo.PutUint16(b[2:], 42)
	bo.PutUint32(b[4:], 8)
	if exif != nil {
		ifd0 = append(ifd0, longTag(bo, tagExifIFD, 0))
	}
	if gps != nil {
		ifd0 = append(ifd0, longTag(bo, tagGPSIFD, 0))
	}
	exifOff := 8 + ifdSize(ifd0)
	gpsOff := exifOff + ifdSize(exif)
	for i, t := range ifd0 {
		switch t.id {
		case tagExifIFD:
			ifd0[i] = longTag(bo, tagExifIFD, uint32(exifOff))
		case tagGPSIFD:
			ifd0[i] = longTag(bo, tagGPSIFD, uint32(gpsOff))
		}
	}
	b = writeIFD(b, bo, 8, ifd0)
	if exif != nil {
		b = writeIFD(b, bo, exifOff, exif)
	}
	if gps != nil {
		b = writeIFD(b, bo, len(b), gps)
	}
	return b
}

// ExifOptions picks the test Exif written by exifJPEG.
type ExifOptions struct {
	BigEndian   bool
	Orientation uint16
	Full        bool // every tag fileemu reads
}

// exifJPEG encodes a w×h JPEG (a left-to-right gradient, red on the left) with an Exif segment.
func exifJPEG(t testing.TB, w, h int, o ExifOptions) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(255 - 255*x/max(w-1, 1)), 0, uint8(255 * x / max(w-1, 1)), 255})
		}
	}
	var enc bytes.Buffer
	if err := jpeg.Encode(&enc, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	var bo byteOrder = binary.LittleEndian
	if o.BigEndian {
		bo = binary.BigEndian
	}
	ifd0 := []tiffTag{asciiTag(bo, tagMake, "Canon"), asciiTag(bo, tagModel, "EOS 5D")}
	if o.Orientation != 0 {
		ifd0 = append(ifd0, shortTag(bo, tagOrientation, o.Orientation))
	}
	var exif, gps []tiffTag
	if o.Full {
		ifd0 = append(ifd0, rationalTag(bo, tagXResolution, 72, 1), rationalTag(bo, tagYResolution, 72, 1),
			asciiTag(bo, tagArtist, "Jane Doe"))
		exif = []tiffTag{
			rationalTag(bo, tagExposureTime, 1, 125), rationalTag(bo, tagFNumber, 28, 10),
			shortTag(bo, tagISO, 100), asciiTag(bo, tagDateTimeOriginal, "2024:01:01 12:30:45"),
			rationalTag(bo, tagApertureValue, 297, 100), rationalTag(bo, tagFocalLength, 50, 1),
			shortTag(bo, tagColorSpace, 1), longTag(bo, tagPixelXDimension, uint32(w)),
			longTag(bo, tagPixelYDimension, uint32(h)), rationalTag(bo, tagFocalPlaneXRes, 4000, 1),
			shortTag(bo, tagFocalPlaneResUnit, 2),
		}
		gps = []tiffTag{
			asciiTag(bo, tagGPSLatitudeRef, "N"), rationalTag(bo, tagGPSLatitude, 52, 1, 31, 1, 12, 1),
			asciiTag(bo, tagGPSLongitudeRef, "W"), rationalTag(bo, tagGPSLongitude, 13, 1, 24, 1, 1800, 100),
		}
	}
	seg := append([]byte(exifHeader), buildTIFF(bo, ifd0, exif, gps)...)
	out := []byte{0xFF, 0xD8, 0xFF, 0xE1, byte((len(seg) + 2) >> 8), byte(len(seg) + 2)}
	out = append(out, seg...)
	return append(out, enc.Bytes()[2:]...) // the encoder's SOI replaced by ours
}

func TestParseExif(t *testing.T) {
	for _, big := range []bool{false, true} {
		b := exifJPEG(t, 80, 40, ExifOptions{BigEndian: big, Orientation: 6, Full: true})
		x, orientation, ok := parseExif(b)
		if !ok {
			t.Fatalf("big endian %v: no exif", big)
		}
		got := map[string]any{
			"camera": *x.Camera, "model": *x.Model, "artist": *x.Artist, "date": *x.DateTimeOriginal,
			"xres": *x.XResolution, "yres": *x.YResolution, "exposure": *x.ExposureTime, "f": *x.ApertureFNumber,
			"aperture": *x.ApertureValue, "iso": *x.ISO, "focal": *x.FocalLength, "space": *x.ColorSpace,
			"w": *x.Width, "h": *x.Height, "ccd": *x.CCDWidth, "lat": *x.Latitude, "lon": *x.Longitude,
			"orientation": orientation,
		}
		want := map[string]any{
			"camera": "Canon", "model": "EOS 5D", "artist": "Jane Doe", "date": "2024-01-01 12:30:45",
			"xres": "72", "yres": "72", "exposure": "1/125", "f": 2.8, "aperture": 2.8, "iso": 100,
			"focal": "50mm", "space": "sRGB", "w": 80, "h": 40, "ccd": "0.51mm", "lat": "52.5200",
			"lon": "-13.4050", "orientation": 6,
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("big endian %v: %s = %v, want %v", big, k, got[k], v)
			}
		}
	}
	if _, _, ok := parseExif(exifJPEG(t, 8, 8, ExifOptions{})[:20]); ok {
		t.Error("a cut segment parsed")
	}
	var plain bytes.Buffer
	_ = jpeg.Encode(&plain, image.NewGray(image.Rect(0, 0, 4, 4)), nil)
	if _, _, ok := parseExif(plain.Bytes()); ok {
		t.Error("a JPEG without Exif has Exif")
	}
}

// The parser reads untrusted uploads: it must never panic nor loop.
func FuzzParseExif(f *testing.F) {
	f.Add(exifJPEG(f, 4, 4, ExifOptions{Full: true, Orientation: 3}))
	f.Add(exifJPEG(f, 4, 4, ExifOptions{BigEndian: true}))
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x10, 'E', 'x', 'i', 'f', 0, 0, 'I', 'I', 42, 0, 8, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		parseExif(b)
	})
}

func TestHumanSize(t *testing.T) {
	cases := map[int64]string{
		0: "0 B", 999: "999 B", 1000: "1.0 kB", 1234: "1.2 kB", 999_949: "999.9 kB", 999_950: "1.0 MB",
		1_200_000: "1.2 MB", 25 << 20: "26.2 MB", 3_000_000_000: "3.0 GB",
	}
	for n, want := range cases {
		if got := HumanSize(n); got != want {
			t.Errorf("HumanSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestSplitPath(t *testing.T) {
	cases := map[string][]string{
		"/Documents/Photos/wallpaper.jpg": {"Documents", "Photos"},
		"Documents/x.jpg":                 {"Documents"},
		"/x.jpg":                          nil,
		"":                                nil,
		"//A/./B//c":                      {"A", "B"},
		"/A/B/":                           {"A", "B"},
	}
	for in, want := range cases {
		got, err := SplitPath(in)
		if err != nil || len(got) != len(want) {
			t.Errorf("SplitPath(%q) = %v, %v; want %v", in, got, err, want)
			continue
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("SplitPath(%q) = %v, want %v", in, got, want)
			}
		}
	}
	if _, err := SplitPath("/A/../B/x"); err == nil {
		t.Error(".. accepted")
	}
}

func TestOrientTurnsTheImageUpright(t *testing.T) {
	// A 3×2 image whose top-left pixel is marked: after each orientation's correction the mark
	// lands where a viewer sees it.
	src := image.NewRGBA(image.Rect(0, 0, 3, 2))
	src.SetRGBA(0, 0, color.RGBA{255, 0, 0, 255})
	want := map[int][3]int{ // orientation: width, height, index of the marked pixel in row-major order
		1: {3, 2, 0}, 2: {3, 2, 2}, 3: {3, 2, 5}, 4: {3, 2, 3}, 5: {2, 3, 0}, 6: {2, 3, 1}, 7: {2, 3, 5}, 8: {2, 3, 4},
	}
	for o, w := range want {
		out := orient(src, o)
		b := out.Bounds()
		if b.Dx() != w[0] || b.Dy() != w[1] {
			t.Errorf("orientation %d: %dx%d, want %dx%d", o, b.Dx(), b.Dy(), w[0], w[1])
			continue
		}
		x, y := w[2]%w[0], w[2]/w[0]
		if out.RGBAAt(x, y).R != 255 {
			t.Errorf("orientation %d: mark not at (%d,%d)", o, x, y)
		}
	}
}
