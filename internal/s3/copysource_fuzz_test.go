package s3

import (
	"strings"
	"testing"
)

// FuzzParseCopySource: an accepted x-amz-copy-source names a bucket (no "/") and a key, both
// non-empty, and the two written back the way the SDKs write them (URI-encoded, with or without
// a leading "/" and a versionId) parse to the same bucket and key.
func FuzzParseCopySource(f *testing.F) {
	for _, s := range []string{"bucket/dir/a%20b%2Bc.txt", "/bucket/key?versionId=3", "bucket", "/", "b/%zz", "b//k", "%2Fb/k", "b/k%3Fx"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		bucket, key, ok := parseCopySource(v)
		if !ok {
			return
		}
		if bucket == "" || key == "" || strings.Contains(bucket, "/") {
			t.Fatalf("parseCopySource(%q) = %q, %q", v, bucket, key)
		}
		for _, again := range []string{
			uriEncode(bucket, true) + "/" + uriEncode(key, false),
			"/" + uriEncode(bucket, true) + "/" + uriEncode(key, false) + "?versionId=null",
		} {
			if b, k, ok := parseCopySource(again); !ok || b != bucket || k != key {
				t.Fatalf("parseCopySource(%q) = %q, %q; written back %q it is %q, %q, %v", v, bucket, key, again, b, k, ok)
			}
		}
	})
}
