package filesro

import "testing"

// ExifJPEG encodes a w×h JPEG carrying an Exif segment, for the API tests.
func ExifJPEG(t testing.TB, w, h int, o ExifOptions) []byte { return exifJPEG(t, w, h, o) }
