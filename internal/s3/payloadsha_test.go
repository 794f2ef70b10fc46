package s3_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/fileemu/fileemu/testkit"
)

// The blob store verifies x-amz-content-sha256 of an upload with the SHA-256 it works out for
// the object: S3's answers stay those of a body checked while it streams, in the same order
// (the payload hash before Content-MD5 and before a checksum header), for PutObject and
// UploadPart, over several chunks of the store.
func TestPayloadSHA256Verified(t *testing.T) {
	f := setup(t)
	sign := func(method, target, payloadHash string, body []byte, hdr map[string]string) *http.Request {
		t.Helper()
		req, err := http.NewRequest(method, f.s.URL("s3")+"/sha/"+target, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Amz-Content-Sha256", payloadHash)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		err = v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).SignHTTP(context.Background(),
			aws.Credentials{AccessKeyID: "fileemu", SecretAccessKey: "fileemu-secret"}, req, payloadHash, "s3", "us-east-1", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return req
	}
	body := bytes.Repeat([]byte("payload "), 100_000) // 800 KB: several chunks, hashed beside the reads
	sum := sha256.Sum256(body)
	good := hex.EncodeToString(sum[:])
	wrongSum := sha256.Sum256([]byte("something else"))
	wrong := hex.EncodeToString(wrongSum[:])
	otherMD5 := md5.Sum([]byte("something else"))

	if resp, b := testkit.Do(t, f.http, sign("PUT", "k.bin", good, body, nil)); resp.StatusCode != 200 {
		t.Fatalf("PUT with the right payload hash = %d %s", resp.StatusCode, b)
	}
	for _, tc := range []struct {
		name string
		hdr  map[string]string
	}{
		{"payload hash", nil},
		{"payload hash and Content-MD5", map[string]string{"Content-MD5": base64.StdEncoding.EncodeToString(otherMD5[:])}},
		{"payload hash and checksum header", map[string]string{"x-amz-checksum-crc32": "AAAAAA=="}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := testkit.Do(t, f.http, sign("PUT", "k.bin", wrong, []byte(strings.Repeat("x", len(body))), tc.hdr))
			wantS3Error(t, resp, b, 400, "XAmzContentSHA256Mismatch")
			xsum := sha256.Sum256([]byte(strings.Repeat("x", len(body))))
			for _, want := range []string{"<ClientComputedContentSHA256>" + wrong + "<", "<S3ComputedContentSHA256>" + hex.EncodeToString(xsum[:]) + "<"} {
				if !bytes.Contains(b, []byte(want)) {
					t.Errorf("error without %s: %s", want, b)
				}
			}
			if got := f.object(t, "sha", "k.bin"); got != string(body) {
				t.Errorf("the object changed (%d bytes)", len(got))
			}
		})
	}

	resp, b := testkit.Do(t, f.http, sign("POST", "mp.bin?uploads", emptySHA256, nil, nil))
	var created struct{ UploadId string }
	if resp.StatusCode != 200 || xml.Unmarshal(b, &created) != nil {
		t.Fatalf("CreateMultipartUpload = %d %s", resp.StatusCode, b)
	}
	part := "mp.bin?partNumber=1&uploadId=" + url.QueryEscape(created.UploadId)
	resp, b = testkit.Do(t, f.http, sign("PUT", part, wrong, body, nil))
	wantS3Error(t, resp, b, 400, "XAmzContentSHA256Mismatch")
	if !bytes.Contains(b, []byte("<S3ComputedContentSHA256>"+good+"<")) {
		t.Errorf("UploadPart error without the body's SHA-256: %s", b)
	}
	resp, b = testkit.Do(t, f.http, sign("GET", "mp.bin?uploadId="+url.QueryEscape(created.UploadId), emptySHA256, nil, nil))
	if resp.StatusCode != 200 || bytes.Contains(b, []byte("<Part>")) {
		t.Errorf("ListParts after a refused part = %d %s, want no part", resp.StatusCode, b)
	}
	if resp, b := testkit.Do(t, f.http, sign("PUT", part, good, body, nil)); resp.StatusCode != 200 {
		t.Errorf("UploadPart with the right payload hash = %d %s", resp.StatusCode, b)
	}
}
