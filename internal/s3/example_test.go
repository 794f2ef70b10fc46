package s3_test

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/fileemu/fileemu/internal/s3"
)

func ExamplePresign() {
	creds := s3.Credentials{AccessKey: "fileemu", SecretKey: "fileemu-secret", Region: "us-east-1"}
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	signed, err := s3.Presign(creds, s3.PresignOptions{
		Method:  http.MethodPut,
		URL:     "http://127.0.0.1:8080/_s/t1/s3/bucket/dir/a b.txt",
		Expires: 15 * time.Minute,
		Now:     now,
		Headers: http.Header{"Content-Type": {"text/plain"}},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(signed)

	// What the emulator does with the request the client then sends.
	u, _ := url.Parse(signed)
	req := s3.SignedRequest{
		Method: http.MethodPut, Path: u.EscapedPath(), Query: u.Query(), Host: u.Host,
		Header: http.Header{"Content-Type": {"text/plain"}}, ContentLength: 11,
	}
	fmt.Println("in time:", s3.Verify(req, creds, now.Add(time.Minute)) == nil)
	fmt.Println("too late:", s3.Verify(req, creds, now.Add(time.Hour)))
	// Output:
	// http://127.0.0.1:8080/_s/t1/s3/bucket/dir/a%20b.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=fileemu%2F20261122%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261122T120000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=content-type%3Bhost&X-Amz-Signature=a63eec3d4f921d48d9bbd864775dd0605cd173e3b883fb0658e3caab530c6677
	// in time: true
	// too late: AccessDenied: Request has expired
}
