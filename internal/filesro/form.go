package filesro

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/fileemu/fileemu/internal/blobstore"
	up "github.com/fileemu/fileemu/internal/upload" // the package name is taken by the chunked upload type
)

// formLimits bound the text fields of an upload form: each field (a longer value keeps that
// much, and the schema's maxLength reports it), and all of them together, names included.
var formLimits = up.Limits{Size: 64 << 10, Total: 1 << 20}

// binaryFields are the form fields that carry content.
var binaryFields = map[string]bool{"file": true, "chunk": true}

// uploadForm is an upload form read from a stream: its text fields, and its one file or chunk
// part, already stored in the blob store.
type uploadForm struct {
	values    map[string]string
	binary    string // "file" or "chunk"; "" when none was sent
	filename  string // the multipart filename of the binary part
	blob      string // where the binary part is stored
	obj       blobstore.Object
	repeated  []string // binary parts beyond the first, by field name (read and discarded)
	multipart bool     // false: the body was no multipart/form-data at all
}

// target says where the binary part field (with its multipart filename) is stored and how many
// bytes it may hold.
type target func(field, filename string) (blob string, limit int64)

// errPartTooLarge marks a binary part over its limit.
var errPartTooLarge = errors.New("filesro: part exceeds the upload limit")

// readUploadForm streams a multipart/form-data body: text fields are read (bounded), the first
// file or chunk part is streamed into the blob store where to says. Fields may come in any order.
// A body that is not multipart/form-data reads as an empty form (as a Laravel app sees it).
//
// On error nothing stays stored: a truncated or malformed body is errMalformed (400), a part over
// its limit is errPartTooLarge.
func readUploadForm(ctx context.Context, hr *http.Request, blobs *blobstore.Store, to target, now time.Time) (*uploadForm, error) {
	f := &uploadForm{values: map[string]string{}}
	boundary, err := up.Boundary(hr.Header.Get("Content-Type"))
	if errors.Is(err, up.ErrNotMultipart) {
		return f, nil
	}
	f.multipart = true
	if err != nil {
		return nil, errMalformed()
	}
	mr := up.NewForm(hr.Body, boundary, formLimits)
	fail := func(e error) (*uploadForm, error) {
		mr.Discard()
		return nil, e
	}
	for {
		p, err := mr.Next()
		if err == io.EOF {
			return f, nil // a truncated body is up.ErrTruncated: malformed, below
		}
		if err != nil {
			return fail(errMalformed())
		}
		name := p.FormName()
		if binaryFields[name] && p.FileName() != "" {
			if f.binary != "" {
				f.repeated = append(f.repeated, name)
				if err := mr.Skip(p); err != nil {
					return fail(errMalformed())
				}
				continue
			}
			blob, limit := to(name, p.FileName())
			obj, err := mr.Store(ctx, up.NewSized(p, 0, max(limit, 0)), blobs, blob, blobstore.PutOptions{SizeHint: -1, Now: now})
			if errors.Is(err, up.ErrTooLarge) {
				return fail(errPartTooLarge)
			}
			if errors.Is(err, blobstore.ErrStorageFull) {
				return fail(errStorageFull(blobs.Quota().Limit()))
			}
			if err != nil {
				return fail(errMalformed()) // Put stores nothing when reading fails
			}
			f.binary, f.filename, f.blob, f.obj = name, p.FileName(), blob, obj
			continue
		}
		// A text field; a file/chunk part without filename is one too, as PHP sees it.
		v, err := mr.Text(p)
		switch {
		case errors.Is(err, up.ErrFormTooLarge):
			return fail(&Error{400, "form_too_large", "The form fields exceed 1 MiB."})
		case errors.Is(err, up.ErrFieldTooLarge):
			// Keep a bounded prefix: the schema's maxLength reports it. Skip the rest.
			if err := mr.Skip(p); err != nil {
				return fail(errMalformed())
			}
		case err != nil:
			return fail(errMalformed())
		}
		f.values[name] = strings.ToValidUTF8(v, "\uFFFD") // repeated fields: the last wins, as in PHP
	}
}
