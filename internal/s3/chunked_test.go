package s3

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// AWS's published streaming examples ("Signature Calculations for the Authorization Header:
// Transferring Payload in Multiple Chunks" and its trailer variant): 65 KiB + 1 KiB of 'a'.
type streamingVector struct {
	mode, signedHeaders, seed string
	chunkSigs                 [3]string
	trailer, trailerSig       string
}

var (
	vectorSigned = streamingVector{
		mode:          streamingSigned,
		signedHeaders: "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class",
		seed:          "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
		chunkSigs: [3]string{"ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
			"0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
			"b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"},
	}
	vectorTrailer = streamingVector{
		mode:          streamingSignedTrailer,
		signedHeaders: "content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer",
		seed:          "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e",
		chunkSigs: [3]string{"b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
			"1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
			"2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992"},
		trailer:    "x-amz-checksum-crc32c:sOO8/Q==",
		trailerSig: "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435",
	}
	exampleCreds = Credentials{AccessKey: "AKIAIOSFODNN7EXAMPLE", SecretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", Region: "us-east-1"}
	chunkA       = strings.Repeat("a", 65536)
	chunkB       = strings.Repeat("a", 1024)
)

func (v streamingVector) request() SignedRequest {
	h := http.Header{}
	h.Set("X-Amz-Date", "20130524T000000Z")
	h.Set("X-Amz-Storage-Class", "REDUCED_REDUNDANCY")
	h.Set("X-Amz-Content-Sha256", v.mode)
	h.Set("Content-Encoding", "aws-chunked")
	h.Set("X-Amz-Decoded-Content-Length", "66560")
	if v.trailer != "" {
		h.Set("X-Amz-Trailer", "x-amz-checksum-crc32c")
	}
	h.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders="+
		v.signedHeaders+",Signature="+v.seed)
	return SignedRequest{Method: "PUT", Path: "/examplebucket/chunkObject.txt", Host: "s3.amazonaws.com", Header: h, ContentLength: 66824}
}

func (v streamingVector) body() string {
	b := "10000;chunk-signature=" + v.chunkSigs[0] + "\r\n" + chunkA + "\r\n" +
		"400;chunk-signature=" + v.chunkSigs[1] + "\r\n" + chunkB + "\r\n" +
		"0;chunk-signature=" + v.chunkSigs[2] + "\r\n"
	if v.trailer != "" {
		b += v.trailer + "\r\nx-amz-trailer-signature:" + v.trailerSig + "\r\n"
	}
	return b + "\r\n"
}

var exampleTime = time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)

// decode verifies the vector's seed signature and decodes body with it.
func (v streamingVector) decode(t *testing.T, body string) (string, error) {
	t.Helper()
	sig, e := VerifyHeader(v.request(), exampleCreds, exampleTime)
	if e != nil {
		t.Fatalf("seed signature of the AWS example refused: %v", e)
	}
	cr := &chunkedReader{br: bufio.NewReader(strings.NewReader(body)), sig: sig, signed: true, prevSig: sig.Seed, decodedLength: 66560}
	if v.trailer != "" {
		cr.trailer, cr.checksum = "x-amz-checksum-crc32c", checksumAlgorithms()["crc32c"]()
	}
	b, err := io.ReadAll(cr)
	return string(b), err
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func errCode(err error) string {
	if e, ok := asBodyError(err); ok {
		return e.Code
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func TestChunkedAWSExamples(t *testing.T) {
	for _, v := range []streamingVector{vectorSigned, vectorTrailer} {
		t.Run(v.mode, func(t *testing.T) {
			got, err := v.decode(t, v.body())
			if err != nil || got != chunkA+chunkB {
				t.Fatalf("decoded %d bytes, err %v", len(got), err)
			}
		})
	}
}

// Any change to a signed stream breaks the chain of signatures, or its framing.
func TestChunkedRefusesTampering(t *testing.T) {
	v := vectorSigned
	sigs := v.chunkSigs
	chunk := func(data, sig string) string {
		return strconv.FormatInt(int64(len(data)), 16) + ";chunk-signature=" + sig + "\r\n" + data + "\r\n"
	}
	final := "0;chunk-signature=" + sigs[2] + "\r\n\r\n"
	good := v.body()
	cases := []struct{ name, body, code string }{
		{"data byte changed", strings.Replace(good, "a\r\n400;", "b\r\n400;", 1), "SignatureDoesNotMatch"},
		{"chunk signature changed", strings.Replace(good, sigs[1], strings.Repeat("0", 64), 1), "SignatureDoesNotMatch"},
		{"final signature changed", strings.Replace(good, sigs[2], sigs[1], 1), "SignatureDoesNotMatch"},
		{"chunks swapped", chunk(chunkB, sigs[1]) + chunk(chunkA, sigs[0]) + final, "SignatureDoesNotMatch"},
		{"chunk dropped", chunk(chunkA, sigs[0]) + final, "SignatureDoesNotMatch"},
		{"signature missing", strings.Replace(good, ";chunk-signature="+sigs[1], "", 1), "IncompleteBody"},
		{"bad size", strings.Replace(good, "400;", "4x0;", 1), "IncompleteBody"},
		{"no CRLF after data", strings.Replace(good, chunkB+"\r\n", chunkB+"\n", 1), "IncompleteBody"},
		{"trailer on a stream without trailer", strings.TrimSuffix(good, "\r\n") + "x-amz-checksum-crc32:NSRBwg==\r\n\r\n", "MalformedTrailerError"},
		{"cut off", good[:60000], io.ErrUnexpectedEOF.Error()},
		{"endless trailer", strings.TrimSuffix(good, "\r\n") + strings.Repeat("x-amz-meta-a:1\r\n", 100) + "\r\n", "MalformedTrailerError"},
		{"longer than declared", chunk(chunkA, sigs[0]) + chunk(chunkB+"a", sigs[1]) + final, "IncompleteBody"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.decode(t, tc.body)
			if got := errCode(err); got != tc.code {
				t.Errorf("error %q, want %s", got, tc.code)
			}
		})
	}
	tv := vectorTrailer
	tgood := tv.body()
	for name, body := range map[string]string{
		"checksum changed":    strings.Replace(tgood, "sOO8/Q==", "AAAAAA==", 1),
		"trailer added":       strings.Replace(tgood, tv.trailer+"\r\n", tv.trailer+"\r\nx-amz-meta-extra:1\r\n", 1),
		"trailer sig changed": strings.Replace(tgood, tv.trailerSig, tv.seed, 1),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := tv.decode(t, body); errCode(err) != "SignatureDoesNotMatch" {
				t.Errorf("error %v, want SignatureDoesNotMatch", err)
			}
		})
	}
	for name, body := range map[string]string{
		"trailer dropped":     strings.Replace(tgood, tv.trailer+"\r\n", "", 1),
		"trailer sig missing": strings.Replace(tgood, "x-amz-trailer-signature:"+tv.trailerSig+"\r\n", "", 1),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := tv.decode(t, body); errCode(err) != "MalformedTrailerError" {
				t.Errorf("error %v, want MalformedTrailerError", err)
			}
		})
	}
}

// Unsigned trailer streams (what SDKs send over TLS) check the checksum itself.
func TestChunkedUnsignedTrailer(t *testing.T) {
	decode := func(body string, n int64) (string, error) {
		cr := &chunkedReader{br: bufio.NewReader(strings.NewReader(body)), decodedLength: n,
			trailer: "x-amz-checksum-crc32", checksum: checksumAlgorithms()["crc32"]()}
		b, err := io.ReadAll(cr)
		return string(b), err
	}
	// CRC32 of "Hello world" is 0x8bd69e52: i9aeUg== in base64.
	good := "b\r\nHello world\r\n0\r\nx-amz-checksum-crc32:i9aeUg==\r\n\r\n"
	if got, err := decode(good, 11); err != nil || got != "Hello world" {
		t.Fatalf("decoded %q, %v", got, err)
	}
	if _, err := decode(strings.Replace(good, "Hello", "Jello", 1), 11); errCode(err) != "BadDigest" {
		t.Errorf("changed data: %v, want BadDigest", err)
	}
	if _, err := decode(good, 12); errCode(err) != "IncompleteBody" {
		t.Errorf("wrong decoded length: %v, want IncompleteBody", err)
	}
	if _, err := decode(strings.Replace(good, "i9aeUg==", "nope", 1), 11); errCode(err) != "InvalidRequest" {
		t.Errorf("malformed checksum: %v, want InvalidRequest", err)
	}
	// Small chunks are fine without signatures.
	if got, err := decode("5\r\nHello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:i9aeUg==\r\n\r\n", 11); err != nil || got != "Hello world" {
		t.Errorf("small chunks: %q %v", got, err)
	}
}

// signChunks frames data as a signed aws-chunked stream chaining from sig (the formula the
// AWS examples above pin down).
func signChunks(sig *Signing, chunks ...string) string {
	var b strings.Builder
	prev := sig.Seed
	for _, c := range append(chunks, "") {
		sum := sha256Hex(c)
		prev = signature(sig.Key, "AWS4-HMAC-SHA256-PAYLOAD\n"+sig.AmzDate+"\n"+sig.Scope+"\n"+prev+"\n"+emptySHA256+"\n"+sum)
		b.WriteString(strconv.FormatInt(int64(len(c)), 16) + ";chunk-signature=" + prev + "\r\n" + c + "\r\n")
	}
	return b.String()
}

// S3 wants every chunk of a signed stream but the last to hold at least 8 KiB.
func TestChunkedSmallChunks(t *testing.T) {
	sig, e := VerifyHeader(vectorSigned.request(), exampleCreds, exampleTime)
	if e != nil {
		t.Fatal(e)
	}
	decode := func(body string, n int64) error {
		cr := &chunkedReader{br: bufio.NewReader(strings.NewReader(body)), sig: sig, signed: true, prevSig: sig.Seed, decodedLength: n}
		_, err := io.ReadAll(cr)
		return err
	}
	big := strings.Repeat("x", 8192)
	if err := decode(signChunks(sig, big, "tail"), 8196); err != nil {
		t.Errorf("8 KiB then a small last chunk: %v", err)
	}
	err := decode(signChunks(sig, "small", big), 8197)
	if errCode(err) != "InvalidChunkSizeError" {
		t.Errorf("a small chunk before another: %v, want InvalidChunkSizeError", err)
	}
}
