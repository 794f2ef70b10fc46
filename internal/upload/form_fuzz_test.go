package upload

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/formdata"
)

// FuzzForm reads arbitrary bodies as the upload handlers do: the first file part stored (with
// Store, or with Put of a Closing part), every other part as a text field within small limits.
// A form read to io.EOF was complete; one that ended in an error keeps nothing once discarded;
// a Closing part is stored only when the form closes; the text kept stays within the limits.
func FuzzForm(f *testing.F) {
	head := "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\nbytes\r\n"
	field := "--XyZ\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\nvalue\r\n"
	for _, s := range []string{
		field + head + "--XyZ--\r\n", head + field + "--XyZ--", field + head + "--XyZ", head + field,
		head + "--XyZ\r\nContent-Disposition: form-da", field + field + field + "--XyZ--\r\n", "--XyZ--\r\n", "",
	} {
		f.Add([]byte(s), uint8(0))
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, body []byte, mode uint8) {
		lim := Limits{Fields: 4, Size: 16, Total: 48, Raw: 512}
		var rd io.Reader = bytes.NewReader(body)
		if mode&2 != 0 {
			rd = iotest.OneByteReader(rd)
		}
		closing := mode&1 != 0
		store := blobstore.New()
		form := NewForm(rd, "XyZ", lim)
		kept := int64(0)
		var end error
		for end == nil {
			p, err := form.Next()
			if err != nil {
				end = err
				break
			}
			if p.FileName() != "" && store.Len() == 0 {
				if closing {
					_, end = Put(context.Background(), store, "f", form.Closing(p, 1<<10), blobstore.PutOptions{})
					if end == nil {
						end = io.EOF // the rest was read: nothing else to do
					}
					break
				}
				_, end = form.Store(context.Background(), p, store, "f", blobstore.PutOptions{})
				continue
			}
			v, err := form.Text(p)
			if err != nil && !errors.Is(err, ErrFieldTooLarge) {
				end = err
				break
			}
			kept += int64(len(p.FormName()) + len(v))
			if err != nil {
				end = form.Skip(p)
			}
		}
		if kept > lim.Total {
			t.Fatalf("kept %d bytes of text, more than %d", kept, lim.Total)
		}
		complete := formdata.NewBody(bytes.NewReader(body))
		_, _ = io.Copy(io.Discard, complete)
		if end == io.EOF {
			if store.Len() > 0 && !complete.Complete("XyZ") && (!closing || len(body) <= 1<<10) {
				t.Fatalf("stored a file of a form that does not close: %q", body)
			}
			return
		}
		if closing && store.Len() != 0 {
			t.Fatalf("a Closing part was stored although reading ended in %v", end)
		}
		form.Discard()
		if store.Len() != 0 {
			t.Fatalf("kept an object after %v and Discard", end)
		}
	})
}
