package s3

import (
	"net/http"
	"testing"
	"time"
)

// BenchmarkPresign: the presigned PUT URL a Haufe signed-url request mints.
func BenchmarkPresign(b *testing.B) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	u := ObjectURL("http://127.0.0.1:8080", "haufe-uploads", "497f6eca-6276-4993-bfeb-53cbbbba6f08/report.pdf")
	creds := NewCredentials(testCreds.AccessKey, testCreds.SecretKey, testCreds.Region) // as the emulator makes them
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Presign(creds, PresignOptions{Method: http.MethodPut, URL: u, Expires: time.Hour, Now: now}); err != nil {
			b.Fatal(err)
		}
	}
}
