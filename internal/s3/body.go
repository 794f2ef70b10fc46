package s3

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/fileemu/fileemu/internal/api"
)

// payload is a request body ready to store: decoded from aws-chunked when it was framed, and
// checked while streaming against x-amz-content-sha256, a trailing or header checksum.
type payload struct {
	r io.Reader
	// size is the payload's length when known (Content-Length, x-amz-decoded-content-length),
	// else -1.
	size int64
	// checksum is the x-amz-checksum-* header name verified (to echo on success), or "".
	checksum, checksumValue string
	chunked                 *chunkedReader // for aws-chunked bodies
	// sha256 is the x-amz-content-sha256 (hex) left for the blob store to verify, or "".
	sha256 string
}

// verifiedChecksum returns the x-amz-checksum-* header or trailer verified (after the body was
// read to its end), to echo as S3 does.
func (p *payload) verifiedChecksum() (name, value string) {
	if p.chunked != nil && p.chunked.trailerValue != "" {
		return p.chunked.trailer, p.chunked.trailerValue
	}
	return p.checksum, p.checksumValue
}

// requestBody wraps the body of r as sig says (sig nil: a presigned or lenient request whose
// payload is unsigned).
func (s *target) requestBody(r *api.Request, sig *Signing) (*payload, *Error) {
	return s.body(r, sig, false)
}

// uploadBody is requestBody for a body that goes into the blob store: the store verifies
// x-amz-content-sha256 (payload.sha256, to pass as PutOptions.ContentSHA256) with the SHA-256 it
// works out anyway, rather than the body being hashed twice.
func (s *target) uploadBody(r *api.Request, sig *Signing) (*payload, *Error) {
	return s.body(r, sig, true)
}

// body is requestBody, or uploadBody when store is set.
func (s *target) body(r *api.Request, sig *Signing, store bool) (*payload, *Error) {
	hr := r.Request()
	mode := unsignedPayload
	if sig != nil {
		mode = sig.Payload
	}
	decodedLength := hr.Header.Get("X-Amz-Decoded-Content-Length")
	if hr.Method == http.MethodPut && hr.ContentLength < 0 && decodedLength == "" {
		// S3 takes a body of unknown length only as aws-chunked with its decoded length.
		return nil, &Error{Status: http.StatusNotImplemented, Code: "NotImplemented",
			Message: "A header you provided implies functionality that is not implemented",
			Extra:   []Field{{"Header", "Transfer-Encoding"}}}
	}
	p := &payload{r: hr.Body, size: hr.ContentLength}
	switch mode {
	case streamingSigned, streamingSignedTrailer, streamingUnsigned:
		n, err := strconv.ParseInt(decodedLength, 10, 64)
		if decodedLength == "" || err != nil || n < 0 {
			return nil, ErrMissingContentLength()
		}
		cr := &chunkedReader{
			br:            bufio.NewReaderSize(hr.Body, 64<<10),
			sig:           sig,
			signed:        mode != streamingUnsigned,
			decodedLength: n,
			tolerate:      s.tolerate(r),
		}
		if sig != nil {
			cr.prevSig = sig.Seed
		}
		if mode != streamingSigned {
			name := strings.ToLower(strings.TrimSpace(hr.Header.Get("X-Amz-Trailer")))
			newHash, ok := checksumAlgorithms()[strings.TrimPrefix(name, "x-amz-checksum-")]
			if !ok || !strings.HasPrefix(name, "x-amz-checksum-") {
				return nil, ErrInvalidRequest("The value specified in the x-amz-trailer header is not supported")
			}
			cr.trailer, cr.checksum = name, newHash()
		}
		p.r, p.size, p.chunked = cr, n, cr
	case unsignedPayload:
	default: // a hex SHA-256 of the body
		if store && !checksumSent(hr.Header) {
			p.sha256 = mode
			break
		}
		// A checksum header is verified while reading: the SHA-256 must fail first, as S3 does.
		p.r = &sha256Reader{r: hr.Body, h: sha256.New(), want: mode}
	}
	// A checksum header is verified whatever the framing (SDKs send it instead of a trailer).
	body, alg, cerr := checkedBody(hr.Header, p.r)
	if cerr != nil {
		return nil, cerr
	}
	p.r = body
	if alg != "" {
		p.checksum = "x-amz-checksum-" + strings.ToLower(alg)
		p.checksumValue = hr.Header.Get(p.checksum)
	}
	return p, nil
}

// tolerate returns the lenient mode's policy for signature problems found in the body.
func (s *target) tolerate(r *api.Request) func(*Error) bool {
	return func(e *Error) bool {
		if !s.opts.Lenient {
			return false
		}
		s.opts.Logger.Warn("s3: accepting a chunk whose signature does not match (lenient mode)",
			"method", r.Request().Method, "path", r.Request().URL.Path, "code", e.Code)
		return true
	}
}

// sha256Reader fails the last Read when the body's SHA-256 is not x-amz-content-sha256.
type sha256Reader struct {
	r    io.Reader
	h    hash.Hash
	want string
}

func (c *sha256Reader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.h.Write(p[:n])
	if err == io.EOF {
		if got := hex.EncodeToString(c.h.Sum(nil)); got != c.want {
			return n, &bodyError{ErrContentSHA256Mismatch(c.want, got)}
		}
	}
	return n, err
}
