package s3_test

import (
	"bytes"
	"crypto/md5"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fileemu/fileemu/testkit"
)

// FuzzCompleteMultipart completes a fresh two-part multipart upload with a fuzzed
// CompleteMultipartUpload document. Nothing answers 5xx (the validating client checks each answer
// against the spec); a 200 stores exactly the part it lists (each part is below the 5 MiB
// minimum, so only a one-part list can complete); a refusal is an S3 error and stores nothing.
func FuzzCompleteMultipart(f *testing.F) {
	emu := testkit.Start(f, testkit.WithS3Lenient())
	s := emu.Session(f)
	parts := [][]byte{[]byte("part one"), []byte("part two")}
	etag := func(b []byte) string { return fmt.Sprintf(`"%x"`, md5.Sum(b)) }
	doc := func(nums ...int) []byte {
		var b strings.Builder
		b.WriteString(`<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`)
		for _, n := range nums {
			fmt.Fprintf(&b, "<Part><ETag>%s</ETag><PartNumber>%d</PartNumber></Part>", etag(parts[n-1]), n)
		}
		b.WriteString(`</CompleteMultipartUpload>`)
		return []byte(b.String())
	}
	for _, d := range [][]byte{doc(1), doc(2), doc(1, 2), doc(2, 1), doc(), doc(1, 1),
		[]byte(`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"nope"</ETag></Part></CompleteMultipartUpload>`),
		[]byte(`<CompleteMultipartUpload><Part><PartNumber>-1</PartNumber></Part>`), []byte("")} {
		f.Add(d)
	}
	n := 0
	f.Fuzz(func(t *testing.T, body []byte) {
		hc := emu.Client(t)
		n++
		key := fmt.Sprintf("mp-%d.bin", n)
		u := s.URL("s3") + "/bucket/" + key
		do := func(method, u string, body []byte) (*http.Response, []byte) {
			req, err := http.NewRequest(method, u, bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			return testkit.Do(t, hc, req)
		}
		resp, b := do("POST", u+"?uploads", nil)
		var created struct{ UploadId string }
		if resp.StatusCode != 200 || xml.Unmarshal(b, &created) != nil {
			t.Fatalf("CreateMultipartUpload = %d %s", resp.StatusCode, b)
		}
		id := url.QueryEscape(created.UploadId)
		for i, p := range parts {
			if resp, b := do("PUT", fmt.Sprintf("%s?partNumber=%d&uploadId=%s", u, i+1, id), p); resp.StatusCode != 200 {
				t.Fatalf("UploadPart = %d %s", resp.StatusCode, b)
			}
		}
		resp, b = do("POST", u+"?uploadId="+id, body)
		var listed struct {
			Parts []struct{ PartNumber int } `xml:"Part"`
		}
		_ = xml.Unmarshal(body, &listed)
		get, content := do("GET", u, nil)
		switch {
		case resp.StatusCode == 200:
			if len(listed.Parts) != 1 || get.StatusCode != 200 || !bytes.Equal(content, parts[listed.Parts[0].PartNumber-1]) {
				t.Fatalf("completed with %q: stored %d %q", body, get.StatusCode, content)
			}
		case resp.StatusCode >= 400 && resp.StatusCode < 500 && bytes.Contains(b, []byte("<Code>")):
			if get.StatusCode != 404 {
				t.Fatalf("refused (%d %s) but the key holds %q", resp.StatusCode, b, content)
			}
		default:
			t.Fatalf("CompleteMultipartUpload %q = %d %s", body, resp.StatusCode, b)
		}
		do("DELETE", u+"?uploadId="+id, nil) // abort what a refusal left open
	})
}
