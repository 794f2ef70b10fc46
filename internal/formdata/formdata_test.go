package formdata

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// Only a body closed by its final delimiter ends with io.EOF; every cut is ErrTruncated.
func TestNextPartTellsCutBodies(t *testing.T) {
	head := "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\nbytes\r\n"
	for body, want := range map[string]error{
		head + "--XyZ--\r\n": io.EOF,
		head + "--XyZ--":     io.EOF,
		"--XyZ--\r\n":        io.EOF, // a form without parts
		head + "--XyZ":       ErrTruncated,
		head + "--XyZ\r\nContent-Disposition: form-da": ErrTruncated,
		head: ErrTruncated,
		"--XyZ\r\nContent-Disposition: form-data; name=\"f\"": ErrTruncated,
	} {
		r := NewReader(strings.NewReader(body), "XyZ")
		var err error
		for {
			p, e := r.NextPart()
			if e != nil {
				err = e
				break
			}
			if _, e := io.Copy(io.Discard, p); e != nil {
				err = ErrTruncated // a part cut in its content
				break
			}
		}
		if !errors.Is(err, want) {
			t.Errorf("%q: %v, want %v", body, err, want)
		}
	}
}
