package s3

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"
	"net/http"
	"strings"
)

// errChecksum is returned at the end of a body whose x-amz-checksum-* does not match.
var errChecksum = errors.New("s3: checksum does not match the content")

// checksumAlgorithms are the x-amz-checksum-* headers (and trailers) S3 verifies on uploads,
// with their hash.
func checksumAlgorithms() map[string]func() hash.Hash {
	return map[string]func() hash.Hash{
		"crc32":  func() hash.Hash { return crc32.NewIEEE() },
		"crc32c": func() hash.Hash { return crc32.New(crc32.MakeTable(crc32.Castagnoli)) },
		"sha1":   sha1.New,
		"sha256": sha256.New,
		// CRC-64/NVME (reflected polynomial 0x9a6c9329ac4bc9b5), S3's full-object checksum.
		"crc64nvme": func() hash.Hash { return crc64.New(crc64.MakeTable(0x9a6c9329ac4bc9b5)) },
	}
}

// checksumSent reports whether h has an x-amz-checksum-* header of an algorithm S3 verifies.
func checksumSent(h http.Header) bool {
	for name := range checksumAlgorithms() {
		if h.Get("x-amz-checksum-"+name) != "" {
			return true
		}
	}
	return false
}

// checkedBody wraps body to verify an x-amz-checksum-* header while streaming: the last Read
// fails with errChecksum on a mismatch, so the blob store keeps nothing. It returns the body
// unchanged when no checksum header is sent, and an S3 error for a malformed one.
func checkedBody(h http.Header, body io.Reader) (io.Reader, string, *Error) {
	sent := 0
	for name := range checksumAlgorithms() {
		if h.Get("x-amz-checksum-"+name) != "" {
			sent++
		}
	}
	if sent > 1 {
		return nil, "", ErrInvalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
	}
	for name, newHash := range checksumAlgorithms() {
		header := "x-amz-checksum-" + name
		v := h.Get(header)
		if v == "" {
			continue
		}
		want, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(want) != newHash().Size() {
			return nil, "", ErrInvalidRequest("Value for " + header + " header is invalid.")
		}
		return &checksumReader{r: body, h: newHash(), want: want}, strings.ToUpper(name), nil
	}
	return body, "", nil
}

type checksumReader struct {
	r    io.Reader
	h    hash.Hash
	want []byte
}

func (c *checksumReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.h.Write(p[:n])
	if errors.Is(err, io.EOF) && string(c.h.Sum(nil)) != string(c.want) {
		return n, errChecksum
	}
	return n, err
}

// checksumError is S3's BadDigest for a checksum header that does not match.
func checksumError(algorithm string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "BadDigest",
		Message: "The " + algorithm + " you specified did not match the calculated checksum."}
}
