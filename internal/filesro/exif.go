package filesro

import (
	"bytes"
	"encoding/binary"
	"math"
	"strconv"
	"strings"
	"time"
)

// Exif is the exif resource of a JPEG: the tags VueFileManager keeps. A tag the image does not
// carry is nil (null in JSON).
type Exif struct {
	ID               string   `json:"-"`
	DateTimeOriginal *string  `json:"date_time_original"`
	Artist           *string  `json:"artist"`
	Height           *int     `json:"height"`
	Width            *int     `json:"width"`
	XResolution      *string  `json:"x_resolution"`
	YResolution      *string  `json:"y_resolution"`
	ColorSpace       *string  `json:"color_space"`
	Camera           *string  `json:"camera"`
	Model            *string  `json:"model"`
	ApertureValue    *float64 `json:"aperture_value"`
	ExposureTime     *string  `json:"exposure_time"`
	FocalLength      *string  `json:"focal_length"`
	ISO              *int     `json:"iso"`
	ApertureFNumber  *float64 `json:"aperture_f_number"`
	CCDWidth         *string  `json:"ccd_width"`
	Longitude        *string  `json:"longitude"`
	Latitude         *string  `json:"latitude"`
}

// Exif and TIFF tags read.
const (
	tagMake               = 0x010F
	tagModel              = 0x0110
	tagOrientation        = 0x0112
	tagXResolution        = 0x011A
	tagYResolution        = 0x011B
	tagArtist             = 0x013B
	tagExifIFD            = 0x8769
	tagGPSIFD             = 0x8825
	tagExposureTime       = 0x829A
	tagFNumber            = 0x829D
	tagISO                = 0x8827
	tagDateTimeOriginal   = 0x9003
	tagApertureValue      = 0x9202
	tagFocalLength        = 0x920A
	tagColorSpace         = 0xA001
	tagPixelXDimension    = 0xA002
	tagPixelYDimension    = 0xA003
	tagFocalPlaneXRes     = 0xA20E
	tagFocalPlaneResUnit  = 0xA210
	tagGPSLatitudeRef     = 0x0001
	tagGPSLatitude        = 0x0002
	tagGPSLongitudeRef    = 0x0003
	tagGPSLongitude       = 0x0004
	maxIFDEntries         = 512
	exifHeader            = "Exif\x00\x00"
	tiffTypeASCII         = 2
	tiffTypeShort         = 3
	tiffTypeLong          = 4
	tiffTypeRational      = 5
	tiffTypeSignedRatinal = 10
)

// tiffTypeSize is the byte size of one value of each TIFF field type.
var tiffTypeSize = map[uint16]int{1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8}

// parseExif reads the Exif APP1 segment of a JPEG from its first bytes. ok is false when there
// is none or it cannot be read. The orientation is 0 when absent.
func parseExif(jpeg []byte) (x *Exif, orientation int, ok bool) {
	tiff, found := exifSegment(jpeg)
	if !found {
		return nil, 0, false
	}
	t, ok := newTIFF(tiff)
	if !ok {
		return nil, 0, false
	}
	ifd0, ok := t.ifd(t.u32(4))
	if !ok {
		return nil, 0, false
	}
	x = &Exif{ID: newUUID()}
	x.Camera = t.ascii(ifd0[tagMake])
	x.Model = t.ascii(ifd0[tagModel])
	x.Artist = t.ascii(ifd0[tagArtist])
	x.XResolution = number(t.rational(ifd0[tagXResolution]))
	x.YResolution = number(t.rational(ifd0[tagYResolution]))
	if o, ok := t.uint(ifd0[tagOrientation]); ok && o >= 1 && o <= 8 {
		orientation = int(o)
	}
	if off, ok := t.uint(ifd0[tagExifIFD]); ok {
		if sub, ok := t.ifd(off); ok {
			t.readExifIFD(x, sub)
		}
	}
	if off, ok := t.uint(ifd0[tagGPSIFD]); ok {
		if gps, ok := t.ifd(off); ok {
			x.Latitude = t.coordinate(gps[tagGPSLatitude], gps[tagGPSLatitudeRef], "S")
			x.Longitude = t.coordinate(gps[tagGPSLongitude], gps[tagGPSLongitudeRef], "W")
		}
	}
	return x, orientation, true
}

func (t *tiff) readExifIFD(x *Exif, sub map[uint16]field) {
	if v := t.ascii(sub[tagDateTimeOriginal]); v != nil {
		if d, err := time.Parse("2006:01:02 15:04:05", strings.TrimSpace(*v)); err == nil {
			s := d.Format("2006-01-02 15:04:05")
			x.DateTimeOriginal = &s
		}
	}
	if n, d, ok := t.rational(sub[tagExposureTime]); ok && n > 0 && d > 0 {
		var s string
		if n >= d {
			s = trimFloat(float64(n) / float64(d))
		} else {
			s = "1/" + trimFloat(math.Round(float64(d)/float64(n)))
		}
		x.ExposureTime = &s
	}
	if n, d, ok := t.rational(sub[tagFNumber]); ok && d > 0 {
		f := math.Round(float64(n)/float64(d)*10) / 10
		x.ApertureFNumber = &f
	}
	if n, d, ok := t.rational(sub[tagApertureValue]); ok && d > 0 {
		f := math.Round(math.Pow(2, float64(n)/float64(d)/2)*10) / 10 // APEX: N = 2^(Av/2)
		x.ApertureValue = &f
	}
	if n, d, ok := t.rational(sub[tagFocalLength]); ok && d > 0 {
		s := trimFloat(math.Round(float64(n)/float64(d)*10)/10) + "mm"
		x.FocalLength = &s
	}
	if v, ok := t.uint(sub[tagISO]); ok {
		iso := int(v)
		x.ISO = &iso
	}
	if v, ok := t.uint(sub[tagColorSpace]); ok {
		s := strconv.FormatUint(uint64(v), 10)
		switch v {
		case 1:
			s = "sRGB"
		case 0xFFFF:
			s = "Uncalibrated"
		}
		x.ColorSpace = &s
	}
	if v, ok := t.uint(sub[tagPixelXDimension]); ok && v > 0 {
		w := int(v)
		x.Width = &w
	}
	if v, ok := t.uint(sub[tagPixelYDimension]); ok && v > 0 {
		h := int(v)
		x.Height = &h
	}
	// CCD width as PHP's exif computes it: image width / focal plane resolution, in mm.
	if n, d, ok := t.rational(sub[tagFocalPlaneXRes]); ok && n > 0 && d > 0 && x.Width != nil {
		mm := 25.4 // millimetres per resolution unit; the default unit is the inch
		if u, ok := t.uint(sub[tagFocalPlaneResUnit]); ok {
			if f, known := map[uint32]float64{2: 25.4, 3: 10, 4: 1, 5: 0.001}[u]; known {
				mm = f
			}
		}
		s := strconv.FormatFloat(float64(*x.Width)*mm*float64(d)/float64(n), 'f', 2, 64) + "mm"
		x.CCDWidth = &s
	}
}

// exifSegment finds the TIFF data of the Exif APP1 segment among a JPEG's leading segments.
func exifSegment(b []byte) ([]byte, bool) {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return nil, false
	}
	i := 2
	for i+4 <= len(b) {
		if b[i] != 0xFF {
			return nil, false
		}
		marker := b[i+1]
		switch {
		case marker == 0xFF: // fill byte
			i++
			continue
		case marker == 0x01 || marker >= 0xD0 && marker <= 0xD7: // no length
			i += 2
			continue
		case marker == 0xDA || marker == 0xD9: // image data or end: no Exif before it
			return nil, false
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return nil, false
		}
		seg := b[i+4 : i+2+n]
		if marker == 0xE1 && bytes.HasPrefix(seg, []byte(exifHeader)) {
			return seg[len(exifHeader):], true
		}
		i += 2 + n
	}
	return nil, false
}

// tiff reads a TIFF structure (the body of an Exif segment) with bounds checks everywhere.
type tiff struct {
	b  []byte
	bo binary.ByteOrder
}

// field is one IFD entry.
type field struct {
	typ   uint16
	count uint32
	data  []byte // the value bytes, inline or at their offset
}

func newTIFF(b []byte) (*tiff, bool) {
	if len(b) < 8 {
		return nil, false
	}
	t := &tiff{b: b}
	switch string(b[:2]) {
	case "II":
		t.bo = binary.LittleEndian
	case "MM":
		t.bo = binary.BigEndian
	default:
		return nil, false
	}
	if t.bo.Uint16(b[2:]) != 42 {
		return nil, false
	}
	return t, true
}

func (t *tiff) u32(off int) uint32 { return t.bo.Uint32(t.b[off:]) }

// ifd reads the entries of the IFD at off. Entries whose values lie outside the data are skipped.
func (t *tiff) ifd(off uint32) (map[uint16]field, bool) {
	if int64(off)+2 > int64(len(t.b)) {
		return nil, false
	}
	n := int(t.bo.Uint16(t.b[off:]))
	if n > maxIFDEntries {
		return nil, false
	}
	out := make(map[uint16]field, n)
	for i := range n {
		e := int(off) + 2 + 12*i
		if e+12 > len(t.b) {
			return out, len(out) > 0
		}
		tag, typ, count := t.bo.Uint16(t.b[e:]), t.bo.Uint16(t.b[e+2:]), t.bo.Uint32(t.b[e+4:])
		size, known := tiffTypeSize[typ]
		if !known || count == 0 || uint64(count)*uint64(size) > uint64(len(t.b)) {
			continue
		}
		total := int(count) * size
		var data []byte
		if total <= 4 {
			data = t.b[e+8 : e+8+total]
		} else {
			at := int64(t.bo.Uint32(t.b[e+8:]))
			if at+int64(total) > int64(len(t.b)) {
				continue
			}
			data = t.b[at : at+int64(total)]
		}
		out[tag] = field{typ: typ, count: count, data: data}
	}
	return out, true
}

// ascii returns an ASCII field without its NUL terminator and padding; nil when absent or empty.
func (t *tiff) ascii(f field) *string {
	if f.typ != tiffTypeASCII {
		return nil
	}
	s := string(f.data)
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	return &s
}

// uint returns the first value of a SHORT or LONG field.
func (t *tiff) uint(f field) (uint32, bool) {
	switch f.typ {
	case tiffTypeShort:
		return uint32(t.bo.Uint16(f.data)), true
	case tiffTypeLong:
		return t.bo.Uint32(f.data), true
	}
	return 0, false
}

// rational returns the i-th value of a RATIONAL field (first value when i is omitted).
func (t *tiff) rational(f field, i ...int) (uint32, uint32, bool) {
	k := 0
	if len(i) > 0 {
		k = i[0]
	}
	if (f.typ != tiffTypeRational && f.typ != tiffTypeSignedRatinal) || uint32(k) >= f.count {
		return 0, 0, false
	}
	return t.bo.Uint32(f.data[8*k:]), t.bo.Uint32(f.data[8*k+4:]), true
}

// coordinate turns a GPS degrees/minutes/seconds field into signed decimal degrees, 4 places.
func (t *tiff) coordinate(f, ref field, negative string) *string {
	if f.count < 3 {
		return nil
	}
	var deg float64
	for i, scale := range []float64{1, 60, 3600} {
		n, d, ok := t.rational(f, i)
		if !ok || d == 0 {
			return nil
		}
		deg += float64(n) / float64(d) / scale
	}
	if r := t.ascii(ref); r != nil && strings.EqualFold(*r, negative) {
		deg = -deg
	}
	s := strconv.FormatFloat(deg, 'f', 4, 64)
	return &s
}

// number formats a rational as a short decimal ("72", "72.5"); nil when absent.
func number(n, d uint32, ok bool) *string {
	if !ok || d == 0 {
		return nil
	}
	s := trimFloat(float64(n) / float64(d))
	return &s
}

// trimFloat formats f with at most two decimals and no trailing zeros.
func trimFloat(f float64) string {
	s := strconv.FormatFloat(f, 'f', 2, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}
