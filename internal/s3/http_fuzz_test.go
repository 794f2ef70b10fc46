package s3_test

import (
	"bytes"
	"crypto/md5"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/fileemu/fileemu/testkit"
)

// validHeaderValue reports whether net/http would send v as a header value at all.
func validHeaderValue(v string) bool {
	return !strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f })
}

// contentRange parses "bytes first-last/size".
func contentRange(t *testing.T, v string, size int) (first, last int) {
	t.Helper()
	var total int
	if _, err := fmt.Sscanf(v, "bytes %d-%d/%d", &first, &last, &total); err != nil || total != size {
		t.Fatalf("Content-Range %q for a %d-byte object: %v", v, size, err)
	}
	if first < 0 || first > last || last >= size {
		t.Fatalf("Content-Range %q outside the %d-byte object", v, size)
	}
	return first, last
}

// FuzzGetRangeConditional sends a GET of a stored object with fuzzed Range and conditional
// headers. Every answer is one the spec documents (the validating client checks), never a 5xx;
// a 206 carries ranges within the object holding exactly its bytes; a 200 the whole object;
// 412 and 416 are S3 XML errors.
func FuzzGetRangeConditional(f *testing.F) {
	emu := testkit.Start(f, testkit.WithS3Lenient())
	s := emu.Session(f)
	content := []byte("hello fake s3, with ranges and conditions")
	etag := fmt.Sprintf(`"%x"`, md5.Sum(content))
	u := s.URL("s3") + "/bucket/ranged.txt"
	req, _ := http.NewRequest(http.MethodPut, u, bytes.NewReader(content))
	if resp, b := testkit.Do(f, emu.Client(f), req); resp.StatusCode != 200 {
		f.Fatalf("PUT = %d %s", resp.StatusCode, b)
	}
	for _, r := range []string{"bytes=6-9", "bytes=-5", "bytes=40-", "bytes=0-0,2-3", "bytes=100-", "bytes=5-1", "bytes=", "items=1-2", "bytes=0-99999999999999999999"} {
		f.Add(r, "", "", "", "")
	}
	f.Add("", etag, "", "", "")
	f.Add("bytes=1-2", `"nope"`, "", "", "")
	f.Add("", "", etag, "", "")
	f.Add("", "", "*", "Mon, 02 Jan 2006 15:04:05 GMT", "")
	f.Add("bytes=0-1", "", "", "", "Mon, 02 Jan 2006 15:04:05 GMT")
	f.Fuzz(func(t *testing.T, rng, ifMatch, ifNoneMatch, ifModifiedSince, ifUnmodifiedSince string) {
		req, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range map[string]string{"Range": rng, "If-Match": ifMatch, "If-None-Match": ifNoneMatch,
			"If-Modified-Since": ifModifiedSince, "If-Unmodified-Since": ifUnmodifiedSince} {
			if !validHeaderValue(v) {
				return
			}
			if v != "" {
				req.Header.Set(k, v)
			}
		}
		resp, body := testkit.Do(t, emu.Client(t), req)
		switch resp.StatusCode {
		case http.StatusOK:
			if !bytes.Equal(body, content) {
				t.Fatalf("200 with %q", body)
			}
		case http.StatusPartialContent:
			ct, params, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
			if ct != "multipart/byteranges" {
				first, last := contentRange(t, resp.Header.Get("Content-Range"), len(content))
				if !bytes.Equal(body, content[first:last+1]) {
					t.Fatalf("206 %s with %q", resp.Header.Get("Content-Range"), body)
				}
				return
			}
			mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
			for {
				p, err := mr.NextPart()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("206 multipart/byteranges: %v", err)
				}
				b, _ := io.ReadAll(p)
				first, last := contentRange(t, p.Header.Get("Content-Range"), len(content))
				if !bytes.Equal(b, content[first:last+1]) {
					t.Fatalf("206 part %s with %q", p.Header.Get("Content-Range"), b)
				}
			}
		case http.StatusNotModified:
			if len(body) != 0 {
				t.Fatalf("304 with a body %q", body)
			}
		case http.StatusPreconditionFailed, http.StatusRequestedRangeNotSatisfiable:
			if !bytes.Contains(body, []byte("<Code>")) || resp.Header.Get("Content-Type") != "application/xml" {
				t.Fatalf("%d without an S3 error: %q", resp.StatusCode, body)
			}
			if resp.StatusCode == 416 && !bytes.Contains(body, []byte("<ActualObjectSize>"+strconv.Itoa(len(content))+"<")) {
				t.Fatalf("416 without the object's size: %q", body)
			}
		default:
			t.Fatalf("GET Range %q If-Match %q If-None-Match %q: %d %s", rng, ifMatch, ifNoneMatch, resp.StatusCode, body)
		}
	})
}

// FuzzConditionalPut replaces a stored object with fuzzed If-Match / If-None-Match headers:
// a 200 stores the new content, any refusal (412, 404, 501, 400) leaves the old one in place,
// and nothing answers 5xx but the documented 501 NotImplemented.
func FuzzConditionalPut(f *testing.F) {
	emu := testkit.Start(f, testkit.WithS3Lenient())
	s := emu.Session(f)
	old := []byte("the stored version")
	etag := fmt.Sprintf(`"%x"`, md5.Sum(old))
	f.Add("", "*", []byte("new"))
	f.Add(etag, "", []byte("new"))
	f.Add(`"0123"`, "", []byte("new"))
	f.Add("", etag, []byte("new"))
	f.Add("*", "", []byte{})
	f.Add(strings.Trim(etag, `"`), "", []byte("x"))
	f.Fuzz(func(t *testing.T, ifMatch, ifNoneMatch string, content []byte) {
		if !validHeaderValue(ifMatch) || !validHeaderValue(ifNoneMatch) {
			return
		}
		client := emu.Client(t)
		u := s.URL("s3") + "/bucket/cond.txt"
		put := func(body []byte, hdr map[string]string) (*http.Response, []byte) {
			req, err := http.NewRequest(http.MethodPut, u, bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range hdr {
				if v != "" {
					req.Header.Set(k, v)
				}
			}
			return testkit.Do(t, client, req)
		}
		if resp, b := put(old, nil); resp.StatusCode != 200 {
			t.Fatalf("PUT = %d %s", resp.StatusCode, b)
		}
		resp, b := put(content, map[string]string{"If-Match": ifMatch, "If-None-Match": ifNoneMatch})
		want := old
		switch {
		case resp.StatusCode == 200:
			want = content
		case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented,
			resp.StatusCode < 400, !bytes.Contains(b, []byte("<Code>")):
			t.Fatalf("PUT If-Match %q If-None-Match %q: %d %s", ifMatch, ifNoneMatch, resp.StatusCode, b)
		}
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		if resp, got := testkit.Do(t, client, req); resp.StatusCode != 200 || !bytes.Equal(got, want) {
			t.Fatalf("after PUT %d (If-Match %q If-None-Match %q): GET = %d %q, want %q", resp.StatusCode, ifMatch, ifNoneMatch, resp.StatusCode, got, want)
		}
	})
}
