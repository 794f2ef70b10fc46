package s3

import (
	"bufio"
	"bytes"
	"io"
	"testing"
)

// FuzzChunkedReader feeds arbitrary bodies to the aws-chunked decoder in every mode. It must
// never panic, never yield more than the declared decoded length, end in io.EOF only with
// exactly that length, and fail otherwise with an S3 error (or a cut-off body).
func FuzzChunkedReader(f *testing.F) {
	f.Add(vectorSigned.body(), int64(66560), 0)
	f.Add(vectorTrailer.body(), int64(66560), 1)
	f.Add("b\r\nHello world\r\n0\r\nx-amz-checksum-crc32:i9aeUg==\r\n\r\n", int64(11), 2)
	f.Add("5;chunk-signature=\r\nHello\r\n0\r\n\r\n", int64(5), 0)
	f.Add("fffffffffffffffff\r\n", int64(1), 2)
	f.Add("0\r\n"+string(bytes.Repeat([]byte("a:b\r\n"), 20))+"\r\n", int64(0), 2)
	f.Fuzz(func(t *testing.T, body string, decodedLength int64, mode int) {
		if decodedLength < 0 {
			decodedLength = -decodedLength
		}
		cr := &chunkedReader{br: bufio.NewReaderSize(bytes.NewReader([]byte(body)), 64), decodedLength: decodedLength}
		switch mode % 3 {
		case 0: // signed, the AWS example's signing context
			v := vectorSigned
			sig, e := VerifyHeader(v.request(), exampleCreds, exampleTime)
			if e != nil {
				t.Fatal(e)
			}
			cr.sig, cr.signed, cr.prevSig = sig, true, sig.Seed
		case 1: // signed with a trailer
			sig, e := VerifyHeader(vectorTrailer.request(), exampleCreds, exampleTime)
			if e != nil {
				t.Fatal(e)
			}
			cr.sig, cr.signed, cr.prevSig = sig, true, sig.Seed
			cr.trailer, cr.checksum = "x-amz-checksum-crc32c", checksumAlgorithms()["crc32c"]()
		default: // unsigned with a trailer
			cr.trailer, cr.checksum = "x-amz-checksum-crc32", checksumAlgorithms()["crc32"]()
		}
		n, err := io.Copy(io.Discard, cr)
		if n > decodedLength {
			t.Fatalf("decoded %d bytes, more than the declared %d", n, decodedLength)
		}
		if err == nil && n != decodedLength {
			t.Fatalf("ended cleanly after %d bytes, want %d", n, decodedLength)
		}
		if err != nil {
			if _, ok := asBodyError(err); !ok && err != io.ErrUnexpectedEOF {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
		}
	})
}
