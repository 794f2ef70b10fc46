package s3

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"strconv"
	"strings"
)

// aws-chunked is the body framing of x-amz-content-sha256 STREAMING-* uploads ("Signature
// Calculations for the Authorization Header: Transferring Payload in Multiple Chunks"):
//
//	<hex size>[;chunk-signature=<sig>]\r\n<data>\r\n ... 0[;chunk-signature=<sig>]\r\n
//	[<trailer name>:<value>\r\n ... [x-amz-trailer-signature:<sig>\r\n]]\r\n
//
// A chunk signature signs "AWS4-HMAC-SHA256-PAYLOAD\n<date>\n<scope>\n<previous signature>\n
// <sha256 of "">\n<sha256 of the chunk data>", the first one chaining from the request's own
// signature; the trailer signature signs "AWS4-HMAC-SHA256-TRAILER\n<date>\n<scope>\n<previous
// signature>\n<sha256 of the trailer lines, each "name:value\n">".

const (
	emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	// minChunkSize is the smallest chunk S3 accepts in a signed stream, but for the last one.
	minChunkSize = 8192
	// maxChunkLine bounds a chunk header or trailer line, so garbage cannot grow a buffer.
	maxChunkLine = 4096
	// maxTrailerLines bounds the trailer section (SDKs send one checksum and a signature).
	maxTrailerLines = 16
)

// bodyError carries the S3 error a body decoder failed with through the blob store (which
// wraps it) to the handler.
type bodyError struct{ e *Error }

func (b *bodyError) Error() string { return b.e.Error() }

// asBodyError returns the S3 error inside err, if a body decoder produced it.
func asBodyError(err error) (*Error, bool) {
	var be *bodyError
	if errors.As(err, &be) {
		return be.e, true
	}
	return nil, false
}

// chunkedReader decodes an aws-chunked body into its payload, verifying chunk signatures
// (signed modes), the declared decoded length and the trailing checksum (trailer modes). Any
// problem is a *bodyError before the final io.EOF, so nothing is stored.
type chunkedReader struct {
	br *bufio.Reader
	// sig signs the chunks; nil for STREAMING-UNSIGNED-PAYLOAD-TRAILER or when nothing was
	// verified (lenient mode).
	sig     *Signing
	signed  bool // chunk headers carry chunk-signature
	prevSig string
	// trailer is the checksum trailer x-amz-trailer announced ("x-amz-checksum-crc32"), and
	// checksum its running hash; "" when the upload has no trailer.
	trailer  string
	checksum hash.Hash
	// trailerValue is the trailer's value once verified.
	trailerValue string
	// decodedLength is x-amz-decoded-content-length; decoded counts payload bytes so far.
	decodedLength, decoded int64

	chunks    int       // chunks started so far
	remaining int64     // bytes left in the current chunk
	chunkSize int64     // size of the current chunk
	chunkSig  string    // its signature
	chunkHash hash.Hash // its running SHA-256 (signed modes)
	done      bool
	// tolerate reports whether a signature problem may pass (lenient mode logs it).
	tolerate func(*Error) bool
}

func malformedChunk(detail string) error {
	return &bodyError{&Error{Status: 400, Code: "IncompleteBody",
		Message: "The request body is not valid aws-chunked encoding: " + detail}}
}

func (c *chunkedReader) Read(p []byte) (int, error) {
	if c.done {
		return 0, io.EOF
	}
	if c.remaining == 0 {
		if err := c.nextChunk(); err != nil {
			return 0, err
		}
		if c.done {
			return 0, io.EOF
		}
	}
	if int64(len(p)) > c.remaining {
		p = p[:c.remaining]
	}
	n, err := c.br.Read(p)
	c.remaining -= int64(n)
	c.decoded += int64(n)
	if c.chunkHash != nil {
		c.chunkHash.Write(p[:n])
	}
	if c.checksum != nil {
		c.checksum.Write(p[:n])
	}
	if over := c.decoded - c.decodedLength; over > 0 {
		// Hand on only the declared bytes: the excess never reaches the caller's writer.
		return max(0, n-int(over)), &bodyError{ErrIncompleteBody()}
	}
	if err == io.EOF {
		return n, io.ErrUnexpectedEOF // the framing promised more
	}
	if err == nil && c.remaining == 0 {
		err = c.endChunk()
	}
	return n, err
}

// nextChunk reads a chunk header, or the final chunk and the trailer.
func (c *chunkedReader) nextChunk() error {
	line, err := c.line()
	if err != nil {
		return err
	}
	sizeHex, ext, _ := strings.Cut(line, ";")
	size, perr := strconv.ParseInt(sizeHex, 16, 64)
	if perr != nil || size < 0 || sizeHex == "" || len(sizeHex) > 16 {
		return malformedChunk("bad chunk size " + strconv.Quote(sizeHex))
	}
	c.chunkSig = ""
	if c.signed {
		sig, ok := strings.CutPrefix(ext, "chunk-signature=")
		if !ok || sig == "" {
			return malformedChunk("chunk without chunk-signature")
		}
		c.chunkSig = sig
		c.chunkHash = sha256.New()
		// Another data chunk follows, so the previous one was not the last: S3 wants it large.
		if size > 0 && c.chunks > 0 && c.chunkSize < minChunkSize {
			return &bodyError{&Error{Status: 400, Code: "InvalidChunkSizeError",
				Message: "Only the last chunk is allowed to have a size less than 8192 bytes",
				Extra:   []Field{{"Chunk", strconv.Itoa(c.chunks)}, {"BadChunkSize", strconv.FormatInt(c.chunkSize, 10)}}}}
		}
	}
	c.chunks++
	c.chunkSize, c.remaining = size, size
	if size > 0 {
		return nil
	}
	// The final, empty chunk.
	if c.signed {
		if err := c.verifyChunk(emptySHA256); err != nil {
			return err
		}
	}
	if err := c.readTrailer(); err != nil {
		return err
	}
	if c.decoded != c.decodedLength {
		return &bodyError{ErrIncompleteBody()}
	}
	c.done = true
	return nil
}

// endChunk consumes the CRLF after a chunk's data and checks the chunk's signature.
func (c *chunkedReader) endChunk() error {
	var crlf [2]byte
	if _, err := io.ReadFull(c.br, crlf[:]); err != nil {
		return io.ErrUnexpectedEOF
	}
	if string(crlf[:]) != "\r\n" {
		return malformedChunk("chunk data not followed by CRLF")
	}
	if c.signed {
		return c.verifyChunk(hex.EncodeToString(c.chunkHash.Sum(nil)))
	}
	return nil
}

func (c *chunkedReader) verifyChunk(dataHash string) error {
	if c.sig == nil || c.sig.Key == nil {
		return nil
	}
	sts := "AWS4-HMAC-SHA256-PAYLOAD\n" + c.sig.AmzDate + "\n" + c.sig.Scope + "\n" + c.prevSig + "\n" + emptySHA256 + "\n" + dataHash
	return c.check(sts, c.chunkSig)
}

// check compares got with the signature of sts and advances the chain.
func (c *chunkedReader) check(sts, got string) error {
	want := signature(c.sig.Key, sts)
	c.prevSig = got
	if subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1 {
		return nil
	}
	e := &Error{Status: 403, Code: "SignatureDoesNotMatch",
		Message: "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
		Extra:   []Field{{"StringToSign", sts}, {"SignatureProvided", got}}}
	if c.tolerate != nil && c.tolerate(e) {
		return nil
	}
	return &bodyError{e}
}

// readTrailer reads the trailer lines up to the empty line and verifies the checksum (and, in
// the signed trailer mode, the trailer signature).
func (c *chunkedReader) readTrailer() error {
	var canonical strings.Builder
	values := map[string]string{}
	trailerSig := ""
	for n := 0; ; n++ {
		line, err := c.line()
		if err != nil {
			return err
		}
		if line == "" {
			break
		}
		if n == maxTrailerLines {
			return errMalformedTrailer()
		}
		name, value, ok := strings.Cut(line, ":")
		name, value = strings.ToLower(strings.TrimSpace(name)), strings.TrimSpace(value)
		if !ok || name == "" {
			return errMalformedTrailer()
		}
		if name == "x-amz-trailer-signature" {
			trailerSig = value
			continue
		}
		values[name] = value
		canonical.WriteString(name + ":" + value + "\n")
	}
	if c.trailer == "" {
		if len(values) > 0 {
			return errMalformedTrailer()
		}
		return nil
	}
	value, ok := values[c.trailer]
	if !ok {
		return errMalformedTrailer()
	}
	want, err := base64.StdEncoding.DecodeString(value)
	if err != nil || len(want) != c.checksum.Size() {
		return &bodyError{ErrInvalidRequest("Value for " + c.trailer + " trailing header is invalid.")}
	}
	if c.signed {
		if trailerSig == "" {
			return errMalformedTrailer()
		}
		if c.sig != nil && c.sig.Key != nil {
			sum := sha256.Sum256([]byte(canonical.String()))
			sts := "AWS4-HMAC-SHA256-TRAILER\n" + c.sig.AmzDate + "\n" + c.sig.Scope + "\n" + c.prevSig + "\n" + hex.EncodeToString(sum[:])
			if err := c.check(sts, trailerSig); err != nil {
				return err
			}
		}
	}
	if !bytes.Equal(c.checksum.Sum(nil), want) {
		return &bodyError{checksumError(strings.ToUpper(strings.TrimPrefix(c.trailer, "x-amz-checksum-")))}
	}
	c.trailerValue = value
	return nil
}

func errMalformedTrailer() error {
	return &bodyError{&Error{Status: 400, Code: "MalformedTrailerError",
		Message: "The request contained trailing data that was not well-formed or did not conform to our published schema."}}
}

// line reads one CRLF-terminated line, without the CRLF.
func (c *chunkedReader) line() (string, error) {
	var b []byte
	for {
		frag, err := c.br.ReadSlice('\n')
		b = append(b, frag...)
		if len(b) > maxChunkLine {
			return "", malformedChunk("line too long")
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			return "", io.ErrUnexpectedEOF
		}
		if err != nil {
			return "", err
		}
		break
	}
	s, ok := strings.CutSuffix(string(b), "\r\n")
	if !ok {
		return "", malformedChunk("line not terminated by CRLF")
	}
	return s, nil
}
