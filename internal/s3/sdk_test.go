package s3_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/fileemu/fileemu/emulator"
	"github.com/fileemu/fileemu/testkit"
)

// sdkClient is an AWS SDK for Go v2 S3 client with its default checksum behaviour, path-style,
// pointed at endpoint (a session's s3 base URL) through httpClient.
func sdkClient(endpoint, secret string, httpClient awss3.HTTPClient) *awss3.Client {
	return awss3.New(awss3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider("fileemu", secret, ""),
		HTTPClient:   httpClient,
	})
}

// apiCode returns the S3 error code of an SDK error, or "".
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// recorder keeps the headers of every request that went through it, to report what the SDK sent.
type recorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	seen []http.Header
	// mutate, when set, may change a request before it is sent (tampering tests).
	mutate func(*http.Request)
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if r.mutate != nil {
		r.mutate(req)
	}
	r.mu.Lock()
	r.seen = append(r.seen, req.Header.Clone())
	r.mu.Unlock()
	return r.base.RoundTrip(req)
}

func (r *recorder) payloadModes() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	modes := map[string]int{}
	for _, h := range r.seen {
		m := h.Get("X-Amz-Content-Sha256")
		if len(m) == 64 {
			m = "<hex sha256>"
		}
		modes[m]++
	}
	return modes
}

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSDKOverHTTP drives every implemented operation with the SDK's s3.Client over plain
// HTTP (where the SDK signs a hex SHA-256 of each body), every response validated.
func TestSDKOverHTTP(t *testing.T) {
	emu := testkit.Start(t)
	s := emu.Session(t)
	rec := &recorder{base: emu.Client(t).Transport}
	c := sdkClient(s.URL("s3"), "fileemu-secret", &http.Client{Transport: rec})
	sdkOperations(t, c, func() int { return len(s.State(t).Objects) })
	t.Logf("x-amz-content-sha256 sent over http: %v", rec.payloadModes())
	for _, op := range []string{"createBucket", "headBucket", "putObject", "getObject", "headObject",
		"listObjectsV2", "copyObject", "deleteObject", "deleteObjects", "createMultipartUpload",
		"uploadPart", "listParts", "completeMultipartUpload", "abortMultipartUpload"} {
		if s.Count(t, testkit.Operation(op)) == 0 {
			t.Errorf("journal has no %s", op)
		}
	}
}

// TestSDKOverHTTPS runs the same operations over TLS, where the SDK streams PutObject and
// UploadPart bodies as aws-chunked with a trailing CRC32 (STREAMING-UNSIGNED-PAYLOAD-TRAILER).
func TestSDKOverHTTPS(t *testing.T) {
	srv, err := emulator.New(emulator.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewTLSServer(srv)
	t.Cleanup(ts.Close)
	// Waits for "100 Continue" as the SDK's own transport does (1 s there; longer here, so a
	// loaded machine does not send the refused 5 MiB part below before the 403 arrives: the
	// server then closes the connection, as S3 does, and the client sees a reset).
	tr := ts.Client().Transport.(*http.Transport).Clone()
	tr.ExpectContinueTimeout = 30 * time.Second
	rec := &recorder{base: testkit.ValidatingTransport(t, srv, tr)}
	c := sdkClient(ts.URL+"/_s/https/s3", "fileemu-secret", &http.Client{Transport: rec})
	objects := func() int { n, _ := stored(t, srv, "https"); return n }
	sdkOperations(t, c, objects)
	modes := rec.payloadModes()
	t.Logf("x-amz-content-sha256 sent over https: %v", modes)
	if modes["STREAMING-UNSIGNED-PAYLOAD-TRAILER"] == 0 {
		t.Errorf("the SDK sent no aws-chunked trailer upload over https: %v", modes)
	}

	// A body changed on the way (same length) fails the trailing checksum: nothing stored.
	before := objects()
	rec.mutate = func(req *http.Request) {
		if req.Method == http.MethodPut && req.Header.Get("X-Amz-Content-Sha256") == "STREAMING-UNSIGNED-PAYLOAD-TRAILER" {
			req.Body = io.NopCloser(&flipReader{r: req.Body, at: 100})
		}
	}
	_, err = c.PutObject(context.Background(), &awss3.PutObjectInput{Bucket: aws.String("sdk-bucket"),
		Key: aws.String("tampered.bin"), Body: bytes.NewReader(randomBytes(t, 1000)), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
	if apiCode(err) != "BadDigest" {
		t.Errorf("tampered aws-chunked body: %v, want BadDigest", err)
	}
	if n := objects(); n != before {
		t.Errorf("a tampered upload was stored: %d objects, had %d", n, before)
	}
	// Untampered, it is stored decoded, and aws-chunked (the framing) is not its Content-Encoding.
	rec.mutate = nil
	_, err = c.PutObject(context.Background(), &awss3.PutObjectInput{Bucket: aws.String("sdk-bucket"),
		Key: aws.String("chunked.txt"), Body: strings.NewReader("framed on the way"), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
		ContentEncoding: aws.String("identity")})
	if err != nil {
		t.Fatalf("aws-chunked PutObject: %v", err)
	}
	get, err := c.GetObject(context.Background(), &awss3.GetObjectInput{Bucket: aws.String("sdk-bucket"), Key: aws.String("chunked.txt")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(get.Body)
	get.Body.Close()
	if string(b) != "framed on the way" || aws.ToString(get.ContentEncoding) != "identity" {
		t.Errorf("aws-chunked object = %q, Content-Encoding %q", b, aws.ToString(get.ContentEncoding))
	}
}

// flipReader inverts the byte at offset at of the stream.
type flipReader struct {
	r   io.ReadCloser
	at  int64
	off int64
}

func (f *flipReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if f.at >= f.off && f.at < f.off+int64(n) {
		p[f.at-f.off] ^= 0xff
	}
	f.off += int64(n)
	return n, err
}

// sdkOperations is the shared body of the SDK tests; objects counts the session's objects.
func sdkOperations(t *testing.T, c *awss3.Client, objects func() int) {
	ctx := context.Background()
	bucket := aws.String("sdk-bucket")
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	// Buckets.
	if _, err := c.HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: bucket}); err == nil {
		t.Error("HeadBucket before CreateBucket succeeded")
	}
	_, err := c.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: bucket})
	if apiCode(err) != "NoSuchBucket" {
		t.Errorf("ListObjectsV2 of a missing bucket: %v", err)
	}
	_, err = c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: bucket})
	must("CreateBucket", err)
	_, err = c.HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: bucket})
	must("HeadBucket", err)

	// Put, get (whole, range, conditional), head.
	content := []byte("hello from the AWS SDK for Go v2")
	put, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: bucket, Key: aws.String("dir/a b+c.txt"),
		Body: bytes.NewReader(content), ContentType: aws.String("text/plain"), Metadata: map[string]string{"owner": "alice"}})
	must("PutObject", err)
	wantETag := fmt.Sprintf(`"%x"`, md5.Sum(content))
	if aws.ToString(put.ETag) != wantETag {
		t.Errorf("PutObject ETag = %s, want %s", aws.ToString(put.ETag), wantETag)
	}
	get, err := c.GetObject(ctx, &awss3.GetObjectInput{Bucket: bucket, Key: aws.String("dir/a b+c.txt")})
	must("GetObject", err)
	got, _ := io.ReadAll(get.Body)
	get.Body.Close()
	if !bytes.Equal(got, content) || aws.ToString(get.ContentType) != "text/plain" || get.Metadata["owner"] != "alice" {
		t.Errorf("GetObject = %q %s %v", got, aws.ToString(get.ContentType), get.Metadata)
	}
	rng, err := c.GetObject(ctx, &awss3.GetObjectInput{Bucket: bucket, Key: aws.String("dir/a b+c.txt"), Range: aws.String("bytes=6-9")})
	must("GetObject range", err)
	got, _ = io.ReadAll(rng.Body)
	rng.Body.Close()
	if string(got) != "from" || aws.ToString(rng.ContentRange) != fmt.Sprintf("bytes 6-9/%d", len(content)) {
		t.Errorf("range GetObject = %q %s", got, aws.ToString(rng.ContentRange))
	}
	_, err = c.GetObject(ctx, &awss3.GetObjectInput{Bucket: bucket, Key: aws.String("dir/a b+c.txt"), IfNoneMatch: aws.String(wantETag)})
	var re interface{ HTTPStatusCode() int }
	if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusNotModified {
		t.Errorf("GetObject If-None-Match = %v, want 304", err)
	}
	_, err = c.GetObject(ctx, &awss3.GetObjectInput{Bucket: bucket, Key: aws.String("dir/a b+c.txt"), IfMatch: aws.String(`"nope"`)})
	if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusPreconditionFailed {
		t.Errorf("GetObject If-Match = %v, want 412", err)
	}
	head, err := c.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: bucket, Key: aws.String("dir/a b+c.txt")})
	must("HeadObject", err)
	if aws.ToInt64(head.ContentLength) != int64(len(content)) || aws.ToString(head.ETag) != wantETag {
		t.Errorf("HeadObject = %d %s", aws.ToInt64(head.ContentLength), aws.ToString(head.ETag))
	}
	_, err = c.GetObject(ctx, &awss3.GetObjectInput{Bucket: bucket, Key: aws.String("missing")})
	if apiCode(err) != "NoSuchKey" {
		t.Errorf("GetObject missing: %v", err)
	}
	_, err = c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("no-such-bucket"), Key: aws.String("k")})
	if apiCode(err) != "NoSuchBucket" {
		t.Errorf("GetObject in a missing bucket: %v", err)
	}

	// Listing: prefixes, delimiter, pages.
	for _, k := range []string{"list/a.txt", "list/b/1.txt", "list/b/2.txt", "list/c.txt", "list/d/1.txt", "list/e.txt"} {
		_, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: bucket, Key: aws.String(k), Body: strings.NewReader(k)})
		must("PutObject "+k, err)
	}
	var keys, prefixes []string
	var token *string
	pages := 0
	for {
		out, err := c.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: bucket, Prefix: aws.String("list/"),
			Delimiter: aws.String("/"), MaxKeys: aws.Int32(2), ContinuationToken: token})
		must("ListObjectsV2", err)
		pages++
		if int(aws.ToInt32(out.KeyCount)) != len(out.Contents)+len(out.CommonPrefixes) || aws.ToInt32(out.KeyCount) > 2 {
			t.Errorf("page %d: KeyCount %d for %d keys and %d prefixes", pages, aws.ToInt32(out.KeyCount), len(out.Contents), len(out.CommonPrefixes))
		}
		for _, o := range out.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
		for _, p := range out.CommonPrefixes {
			prefixes = append(prefixes, aws.ToString(p.Prefix))
		}
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		token = out.NextContinuationToken
	}
	if fmt.Sprint(keys) != "[list/a.txt list/c.txt list/e.txt]" || fmt.Sprint(prefixes) != "[list/b/ list/d/]" || pages != 3 {
		t.Errorf("paged listing: keys %v prefixes %v in %d pages", keys, prefixes, pages)
	}
	after, err := c.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: bucket, Prefix: aws.String("list/"), StartAfter: aws.String("list/c.txt")})
	must("ListObjectsV2 start-after", err)
	if len(after.Contents) != 2 || aws.ToString(after.Contents[0].Key) != "list/d/1.txt" || aws.ToBool(after.IsTruncated) {
		t.Errorf("start-after listing: %+v", after.Contents)
	}
	paginator := awss3.NewListObjectsV2Paginator(c, &awss3.ListObjectsV2Input{Bucket: bucket, MaxKeys: aws.Int32(3)})
	all := 0
	for paginator.HasMorePages() {
		page, err := paginator.NextPage(ctx)
		must("paginator", err)
		all += len(page.Contents)
	}
	if all != 7 {
		t.Errorf("paginator listed %d objects, want 7", all)
	}

	// Copy, delete, delete many.
	cp, err := c.CopyObject(ctx, &awss3.CopyObjectInput{Bucket: bucket, Key: aws.String("copy.txt"), CopySource: aws.String("sdk-bucket/dir/a b+c.txt")})
	must("CopyObject", err)
	if aws.ToString(cp.CopyObjectResult.ETag) != wantETag {
		t.Errorf("CopyObject ETag = %s", aws.ToString(cp.CopyObjectResult.ETag))
	}
	cget, err := c.GetObject(ctx, &awss3.GetObjectInput{Bucket: bucket, Key: aws.String("copy.txt")})
	must("GetObject copy", err)
	got, _ = io.ReadAll(cget.Body)
	cget.Body.Close()
	if !bytes.Equal(got, content) || cget.Metadata["owner"] != "alice" {
		t.Errorf("copy = %q %v", got, cget.Metadata)
	}
	_, err = c.CopyObject(ctx, &awss3.CopyObjectInput{Bucket: bucket, Key: aws.String("copy2.txt"), CopySource: aws.String("sdk-bucket/missing")})
	if apiCode(err) != "NoSuchKey" {
		t.Errorf("CopyObject of a missing source: %v", err)
	}
	_, err = c.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: bucket, Key: aws.String("copy.txt")})
	must("DeleteObject", err)
	if _, err := c.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: bucket, Key: aws.String("copy.txt")}); err == nil {
		t.Error("HeadObject after DeleteObject succeeded")
	}
	del, err := c.DeleteObjects(ctx, &awss3.DeleteObjectsInput{Bucket: bucket, Delete: &types.Delete{Objects: []types.ObjectIdentifier{
		{Key: aws.String("list/a.txt")}, {Key: aws.String("list/b/1.txt")}, {Key: aws.String("never-there")}}}})
	must("DeleteObjects", err)
	if len(del.Deleted) != 3 || len(del.Errors) != 0 {
		t.Errorf("DeleteObjects = %+v %+v", del.Deleted, del.Errors)
	}

	// Multipart by hand: two parts, listed, completed; the ETag is S3's.
	part1, part2 := randomBytes(t, 5<<20), randomBytes(t, 1234)
	cr, err := c.CreateMultipartUpload(ctx, &awss3.CreateMultipartUploadInput{Bucket: bucket, Key: aws.String("mp.bin"), ContentType: aws.String("application/x-test")})
	must("CreateMultipartUpload", err)
	up := func(n int32, b []byte) *awss3.UploadPartOutput {
		t.Helper()
		out, err := c.UploadPart(ctx, &awss3.UploadPartInput{Bucket: bucket, Key: aws.String("mp.bin"), UploadId: cr.UploadId,
			PartNumber: aws.Int32(n), Body: bytes.NewReader(b)})
		must(fmt.Sprintf("UploadPart %d", n), err)
		return out
	}
	p2 := up(2, part2)
	p1 := up(1, part1)
	lp, err := c.ListParts(ctx, &awss3.ListPartsInput{Bucket: bucket, Key: aws.String("mp.bin"), UploadId: cr.UploadId})
	must("ListParts", err)
	if len(lp.Parts) != 2 || aws.ToInt32(lp.Parts[0].PartNumber) != 1 || aws.ToInt64(lp.Parts[1].Size) != 1234 {
		t.Errorf("ListParts = %+v", lp.Parts)
	}
	completed := []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: p1.ETag, ChecksumCRC32: p1.ChecksumCRC32},
		{PartNumber: aws.Int32(2), ETag: p2.ETag, ChecksumCRC32: p2.ChecksumCRC32}}
	// Out of order: refused, the upload stays open.
	_, err = c.CompleteMultipartUpload(ctx, &awss3.CompleteMultipartUploadInput{Bucket: bucket, Key: aws.String("mp.bin"), UploadId: cr.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{completed[1], completed[0]}}})
	if apiCode(err) != "InvalidPartOrder" {
		t.Errorf("Complete out of order: %v", err)
	}
	if _, err := c.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: bucket, Key: aws.String("mp.bin")}); err == nil {
		t.Error("a refused completion stored the object")
	}
	comp, err := c.CompleteMultipartUpload(ctx, &awss3.CompleteMultipartUploadInput{Bucket: bucket, Key: aws.String("mp.bin"), UploadId: cr.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: completed}})
	must("CompleteMultipartUpload", err)
	m1, m2 := md5.Sum(part1), md5.Sum(part2)
	if want := fmt.Sprintf(`"%x-2"`, md5.Sum(append(m1[:], m2[:]...))); aws.ToString(comp.ETag) != want {
		t.Errorf("multipart ETag = %s, want %s", aws.ToString(comp.ETag), want)
	}
	mget, err := c.GetObject(ctx, &awss3.GetObjectInput{Bucket: bucket, Key: aws.String("mp.bin")})
	must("GetObject multipart", err)
	got, _ = io.ReadAll(mget.Body)
	mget.Body.Close()
	if !bytes.Equal(got, append(part1, part2...)) || aws.ToString(mget.ContentType) != "application/x-test" {
		t.Errorf("multipart object: %d bytes, %s", len(got), aws.ToString(mget.ContentType))
	}
	_, err = c.UploadPart(ctx, &awss3.UploadPartInput{Bucket: bucket, Key: aws.String("mp.bin"), UploadId: cr.UploadId,
		PartNumber: aws.Int32(3), Body: bytes.NewReader(part2)})
	if apiCode(err) != "NoSuchUpload" {
		t.Errorf("UploadPart after completion: %v", err)
	}

	// Errors: unknown upload, too small parts, abort.
	_, err = c.UploadPart(ctx, &awss3.UploadPartInput{Bucket: bucket, Key: aws.String("x.bin"), UploadId: aws.String("bogus"),
		PartNumber: aws.Int32(1), Body: bytes.NewReader(part2)})
	if apiCode(err) != "NoSuchUpload" {
		t.Errorf("UploadPart to an unknown upload: %v", err)
	}
	small, err := c.CreateMultipartUpload(ctx, &awss3.CreateMultipartUploadInput{Bucket: bucket, Key: aws.String("small.bin")})
	must("CreateMultipartUpload small", err)
	s1, _ := c.UploadPart(ctx, &awss3.UploadPartInput{Bucket: bucket, Key: aws.String("small.bin"), UploadId: small.UploadId, PartNumber: aws.Int32(1), Body: bytes.NewReader(part2)})
	s2, _ := c.UploadPart(ctx, &awss3.UploadPartInput{Bucket: bucket, Key: aws.String("small.bin"), UploadId: small.UploadId, PartNumber: aws.Int32(2), Body: bytes.NewReader(part2)})
	_, err = c.CompleteMultipartUpload(ctx, &awss3.CompleteMultipartUploadInput{Bucket: bucket, Key: aws.String("small.bin"), UploadId: small.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: s1.ETag}, {PartNumber: aws.Int32(2), ETag: s2.ETag}}}})
	if apiCode(err) != "EntityTooSmall" {
		t.Errorf("Complete with a small first part: %v", err)
	}
	_, err = c.AbortMultipartUpload(ctx, &awss3.AbortMultipartUploadInput{Bucket: bucket, Key: aws.String("small.bin"), UploadId: small.UploadId})
	must("AbortMultipartUpload", err)
	_, err = c.ListParts(ctx, &awss3.ListPartsInput{Bucket: bucket, Key: aws.String("small.bin"), UploadId: small.UploadId})
	if apiCode(err) != "NoSuchUpload" {
		t.Errorf("ListParts after abort: %v", err)
	}
	if _, err := c.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: bucket, Key: aws.String("small.bin")}); err == nil {
		t.Error("an aborted upload stored the object")
	}

	// 20 MiB through the upload manager (multipart, parts in parallel), read back identical.
	big := randomBytes(t, 20<<20)
	res, err := manager.NewUploader(c).Upload(ctx, &awss3.PutObjectInput{Bucket: bucket, Key: aws.String("big/20MiB.bin"), Body: bytes.NewReader(big)})
	must("manager upload", err)
	if !strings.HasSuffix(aws.ToString(res.ETag), `-4"`) {
		t.Errorf("manager upload ETag = %s, want 4 parts", aws.ToString(res.ETag))
	}
	bget, err := c.GetObject(ctx, &awss3.GetObjectInput{Bucket: bucket, Key: aws.String("big/20MiB.bin")})
	must("GetObject big", err)
	h := sha256.New()
	_, err = io.Copy(h, bget.Body)
	bget.Body.Close()
	must("read big", err)
	if want := sha256.Sum256(big); !bytes.Equal(h.Sum(nil), want[:]) {
		t.Error("20 MiB object read back differs")
	}
	if enc := aws.ToString(bget.ContentEncoding); enc != "" {
		t.Errorf("the object kept the upload's framing as Content-Encoding %q", enc)
	}

	// Standard headers are stored with the object and returned, also through multipart.
	hdrs := func(disposition, cache, language *string) string {
		return aws.ToString(disposition) + "|" + aws.ToString(cache) + "|" + aws.ToString(language)
	}
	_, err = c.PutObject(ctx, &awss3.PutObjectInput{Bucket: bucket, Key: aws.String("headers.txt"), Body: strings.NewReader("h"),
		ContentDisposition: aws.String(`attachment; filename="h.txt"`), CacheControl: aws.String("max-age=60"), ContentLanguage: aws.String("de")})
	must("PutObject with headers", err)
	hh, err := c.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: bucket, Key: aws.String("headers.txt")})
	must("HeadObject headers", err)
	if got := hdrs(hh.ContentDisposition, hh.CacheControl, hh.ContentLanguage); got != `attachment; filename="h.txt"|max-age=60|de` {
		t.Errorf("stored headers: %s", got)
	}

	// A wrong secret: SignatureDoesNotMatch, nothing stored.
	n := objects()
	wrong := sdkClient(aws.ToString(c.Options().BaseEndpoint), "wrong-secret", c.Options().HTTPClient)
	_, err = wrong.PutObject(ctx, &awss3.PutObjectInput{Bucket: bucket, Key: aws.String("wrong.txt"), Body: strings.NewReader("x")})
	if apiCode(err) != "SignatureDoesNotMatch" {
		t.Errorf("PutObject with a wrong secret: %v", err)
	}
	// Refused before its body is read: the client still gets S3's answer, not a broken pipe.
	_, err = wrong.UploadPart(ctx, &awss3.UploadPartInput{Bucket: bucket, Key: aws.String("wrong.bin"), UploadId: aws.String("x"),
		PartNumber: aws.Int32(1), Body: bytes.NewReader(part1)})
	if apiCode(err) != "SignatureDoesNotMatch" {
		t.Errorf("UploadPart of 5 MiB with a wrong secret: %v", err)
	}
	if objects() != n {
		t.Error("a request with a wrong secret stored something")
	}

	// Delete the bucket: refused while it holds objects.
	_, err = c.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: bucket})
	if apiCode(err) != "BucketNotEmpty" {
		t.Errorf("DeleteBucket of a full bucket: %v", err)
	}
}

// Bucket lifecycle and the original ListObjects, with the SDK.
func TestSDKBuckets(t *testing.T) {
	emu := testkit.Start(t)
	s := emu.Session(t)
	c := sdkClient(s.URL("s3"), "fileemu-secret", emu.Client(t))
	ctx := context.Background()
	b := aws.String("life-cycle")
	if _, err := c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: b}); err != nil {
		t.Errorf("CreateBucket again (us-east-1 answers 200 to the owner): %v", err)
	}
	if _, err := c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("Bad_Name")}); apiCode(err) != "InvalidBucketName" {
		t.Errorf("CreateBucket with a bad name: %v", err)
	}
	for _, k := range []string{"a/1", "a/2", "b", "c/1"} {
		if _, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: b, Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
			t.Fatal(err)
		}
	}
	v1, err := c.ListObjects(ctx, &awss3.ListObjectsInput{Bucket: b, Delimiter: aws.String("/"), MaxKeys: aws.Int32(2)})
	if err != nil || len(v1.CommonPrefixes) != 1 || len(v1.Contents) != 1 || !aws.ToBool(v1.IsTruncated) || aws.ToString(v1.NextMarker) != "b" {
		t.Fatalf("ListObjects page 1: %v %+v", err, v1)
	}
	v1, err = c.ListObjects(ctx, &awss3.ListObjectsInput{Bucket: b, Delimiter: aws.String("/"), Marker: v1.NextMarker})
	if err != nil || len(v1.CommonPrefixes) != 1 || aws.ToString(v1.CommonPrefixes[0].Prefix) != "c/" || aws.ToBool(v1.IsTruncated) {
		t.Errorf("ListObjects page 2: %v %+v", err, v1)
	}
	del := &types.Delete{}
	for _, k := range []string{"a/1", "a/2", "b", "c/1"} {
		del.Objects = append(del.Objects, types.ObjectIdentifier{Key: aws.String(k)})
	}
	del.Quiet = aws.Bool(true)
	out, err := c.DeleteObjects(ctx, &awss3.DeleteObjectsInput{Bucket: b, Delete: del})
	if err != nil || len(out.Deleted) != 0 || len(out.Errors) != 0 {
		t.Errorf("quiet DeleteObjects: %v %+v", err, out)
	}
	if _, err := c.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: b}); err != nil {
		t.Errorf("DeleteBucket of an empty bucket: %v", err)
	}
	if _, err := c.HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: b}); err == nil {
		t.Error("HeadBucket after DeleteBucket succeeded")
	}
	if _, err := c.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: b}); apiCode(err) != "NoSuchBucket" {
		t.Errorf("DeleteBucket again: %v", err)
	}
	// Every checksum algorithm the SDK offers is verified and echoed.
	for _, alg := range []types.ChecksumAlgorithm{types.ChecksumAlgorithmCrc32, types.ChecksumAlgorithmCrc32c,
		types.ChecksumAlgorithmCrc64nvme, types.ChecksumAlgorithmSha1, types.ChecksumAlgorithmSha256} {
		b2 := aws.String("checksums")
		_, _ = c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: b2})
		out, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: b2, Key: aws.String(string(alg)),
			Body: strings.NewReader("checked " + string(alg)), ChecksumAlgorithm: alg})
		echoed := aws.ToString(out.ChecksumCRC32) + aws.ToString(out.ChecksumCRC32C) + aws.ToString(out.ChecksumCRC64NVME) +
			aws.ToString(out.ChecksumSHA1) + aws.ToString(out.ChecksumSHA256)
		if err != nil || echoed == "" {
			t.Errorf("PutObject with %s: %v, echoed %q", alg, err, echoed)
			continue
		}
		// Asked for, the stored checksum comes back, and the SDK checks the body against it.
		get, err := c.GetObject(ctx, &awss3.GetObjectInput{Bucket: b2, Key: aws.String(string(alg)), ChecksumMode: types.ChecksumModeEnabled})
		if err != nil {
			t.Fatalf("GetObject %s: %v", alg, err)
		}
		body, err := io.ReadAll(get.Body)
		get.Body.Close()
		back := aws.ToString(get.ChecksumCRC32) + aws.ToString(get.ChecksumCRC32C) + aws.ToString(get.ChecksumCRC64NVME) +
			aws.ToString(get.ChecksumSHA1) + aws.ToString(get.ChecksumSHA256)
		if err != nil || string(body) != "checked "+string(alg) || back != echoed {
			t.Errorf("GetObject %s with checksum mode: %q %v, checksum %q want %q", alg, body, err, back, echoed)
		}
	}
	// Keys with characters that mean something in URLs or in the emulator's routing.
	for _, k := range []string{"semi;uploads", "q?uploadId=1", "pct%2Fenc", "ünï cödé/ä+b~c", "list-type=2", "a//b/"} {
		if _, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("checksums"), Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
			t.Errorf("PutObject %q: %v", k, err)
			continue
		}
		get, err := c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("checksums"), Key: aws.String(k)})
		if err != nil {
			t.Errorf("GetObject %q: %v", k, err)
			continue
		}
		b, _ := io.ReadAll(get.Body)
		get.Body.Close()
		if string(b) != k {
			t.Errorf("GetObject %q = %q", k, b)
		}
		lo, err := c.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String("checksums"), Prefix: aws.String(k)})
		if err != nil || len(lo.Contents) != 1 || aws.ToString(lo.Contents[0].Key) != k {
			t.Errorf("ListObjectsV2 prefix %q: %v %+v", k, err, lo)
		}
	}
	// Conditional writes.
	cond := aws.String("checksums")
	if _, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: cond, Key: aws.String("lock"), Body: strings.NewReader("first"), IfNoneMatch: aws.String("*")}); err != nil {
		t.Fatalf("If-None-Match * on a new key: %v", err)
	}
	if _, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: cond, Key: aws.String("lock"), Body: strings.NewReader("second"), IfNoneMatch: aws.String("*")}); apiCode(err) != "PreconditionFailed" {
		t.Errorf("If-None-Match * on an existing key: %v", err)
	}
	if _, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: cond, Key: aws.String("lock"), Body: strings.NewReader("third"), IfMatch: aws.String(`"0123"`)}); apiCode(err) != "PreconditionFailed" {
		t.Errorf("If-Match with another ETag: %v", err)
	}
	if _, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: cond, Key: aws.String("no-lock"), Body: strings.NewReader("x"), IfMatch: aws.String(`"0123"`)}); apiCode(err) != "NoSuchKey" {
		t.Errorf("If-Match on a missing key: %v", err)
	}
	firstETag := fmt.Sprintf(`"%x"`, md5.Sum([]byte("first")))
	if _, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: cond, Key: aws.String("lock"), Body: strings.NewReader("fourth"), IfMatch: aws.String(firstETag)}); err != nil {
		t.Errorf("If-Match with the ETag: %v", err)
	}
	mpu, err := c.CreateMultipartUpload(ctx, &awss3.CreateMultipartUploadInput{Bucket: cond, Key: aws.String("lock")})
	if err != nil {
		t.Fatal(err)
	}
	part, err := c.UploadPart(ctx, &awss3.UploadPartInput{Bucket: cond, Key: aws.String("lock"), UploadId: mpu.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("mp")})
	if err != nil {
		t.Fatal(err)
	}
	complete := &awss3.CompleteMultipartUploadInput{Bucket: cond, Key: aws.String("lock"), UploadId: mpu.UploadId, IfNoneMatch: aws.String("*"),
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: part.ETag}}}}
	if _, err := c.CompleteMultipartUpload(ctx, complete); apiCode(err) != "PreconditionFailed" {
		t.Errorf("conditional CompleteMultipartUpload on an existing key: %v", err)
	}
	complete.IfNoneMatch = nil
	if _, err := c.CompleteMultipartUpload(ctx, complete); err != nil {
		t.Errorf("the upload did not stay open after a failed condition: %v", err)
	}
	// Uploads and buckets belong to their session.
	other := sdkClient(emu.Session(t).URL("s3"), "fileemu-secret", emu.Client(t))
	up, err := c.CreateMultipartUpload(ctx, &awss3.CreateMultipartUploadInput{Bucket: aws.String("checksums"), Key: aws.String("mine")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = other.UploadPart(ctx, &awss3.UploadPartInput{Bucket: aws.String("checksums"), Key: aws.String("mine"), UploadId: up.UploadId,
		PartNumber: aws.Int32(1), Body: strings.NewReader("x")})
	if apiCode(err) != "NoSuchUpload" {
		t.Errorf("UploadPart from another session: %v", err)
	}
	if _, err := other.HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: aws.String("checksums")}); err == nil {
		t.Error("another session sees the bucket")
	}
	// Uploads in progress are listed, paged by key and upload id markers.
	up2, err := c.CreateMultipartUpload(ctx, &awss3.CreateMultipartUploadInput{Bucket: aws.String("checksums"), Key: aws.String("mine")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateMultipartUpload(ctx, &awss3.CreateMultipartUploadInput{Bucket: aws.String("checksums"), Key: aws.String("other/x")}); err != nil {
		t.Fatal(err)
	}
	var listed []string
	lin := &awss3.ListMultipartUploadsInput{Bucket: aws.String("checksums"), MaxUploads: aws.Int32(1)}
	for {
		lu, err := c.ListMultipartUploads(ctx, lin)
		if err != nil {
			t.Fatalf("ListMultipartUploads: %v", err)
		}
		for _, u := range lu.Uploads {
			listed = append(listed, aws.ToString(u.Key)+"/"+aws.ToString(u.UploadId)[:4])
		}
		if !aws.ToBool(lu.IsTruncated) {
			break
		}
		lin.KeyMarker, lin.UploadIdMarker = lu.NextKeyMarker, lu.NextUploadIdMarker
	}
	if len(listed) != 3 || !strings.HasPrefix(listed[0], "mine/") || !strings.HasPrefix(listed[2], "other/x/") ||
		!slices.Contains(listed[:2], "mine/"+aws.ToString(up.UploadId)[:4]) || !slices.Contains(listed[:2], "mine/"+aws.ToString(up2.UploadId)[:4]) {
		t.Errorf("ListMultipartUploads pages: %v", listed)
	}
	loc, err := c.GetBucketLocation(ctx, &awss3.GetBucketLocationInput{Bucket: aws.String("checksums")})
	if err != nil || loc.LocationConstraint != "" {
		t.Errorf("GetBucketLocation: %v %q", err, loc.LocationConstraint)
	}
	if _, err := c.GetBucketAcl(ctx, &awss3.GetBucketAclInput{Bucket: b}); apiCode(err) != "NotImplemented" {
		t.Errorf("GetBucketAcl: %v, want NotImplemented", err)
	}
}

// A scenario that throttles one part: the SDK retries on S3's 503 SlowDown and the upload
// completes; the journal shows the refused attempt under the part's operation.
func TestSDKRetriesThrottledPart(t *testing.T) {
	emu := testkit.Start(t)
	s := emu.Session(t)
	s.LoadScenarioText(t, `
scenarios:
  - name: throttle-one-part
    rules:
      - match: {api: s3, operation: uploadPart}
        when: {times: 1}
        respond: 503
`)
	c := sdkClient(s.URL("s3"), "fileemu-secret", emu.Client(t))
	data := randomBytes(t, 11<<20)
	_, err := manager.NewUploader(c).Upload(context.Background(), &awss3.PutObjectInput{Bucket: aws.String("throttled"),
		Key: aws.String("big.bin"), Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatalf("upload with one throttled part: %v", err)
	}
	if n := s.Count(t, testkit.Operation("uploadPart"), testkit.Status(503)); n != 1 {
		t.Errorf("%d throttled uploadPart requests in the journal, want 1", n)
	}
	if n := s.Count(t, testkit.Operation("uploadPart"), testkit.Status(200)); n != 3 {
		t.Errorf("%d stored parts, want 3", n)
	}
}
