package filesro

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/formdata"
)

// Bounds of the text fields of an upload form: each field, and all of them together.
const (
	maxFieldSize = 64 << 10
	maxFormText  = 1 << 20
	// maxTooLargeDrain is how much of a refused, too large part is still read, so that the client
	// (which is still sending) gets the 413 rather than a reset connection.
	maxTooLargeDrain = 8 << 20
)

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

// limitReader fails with errPartTooLarge as soon as more than n bytes arrive.
type limitReader struct {
	r io.Reader
	n int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if l.n < 0 {
		return n, errPartTooLarge
	}
	return n, err
}

// readUploadForm streams a multipart/form-data body: text fields are read (bounded), the first
// file or chunk part is streamed into the blob store where to says. Fields may come in any order.
// A body that is not multipart/form-data reads as an empty form (as a Laravel app sees it).
//
// On error nothing stays stored: a truncated or malformed body is errMalformed (400), a part over
// its limit is errPartTooLarge.
func readUploadForm(ctx context.Context, hr *http.Request, blobs *blobstore.Store, to target, now time.Time) (*uploadForm, error) {
	f := &uploadForm{values: map[string]string{}}
	mt, params, err := mime.ParseMediaType(hr.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return f, nil
	}
	f.multipart = true
	if params["boundary"] == "" {
		return nil, errMalformed()
	}
	fail := func(e error) (*uploadForm, error) {
		if f.blob != "" {
			blobs.Delete(f.blob)
		}
		return nil, e
	}
	mr := formdata.NewReader(hr.Body, params["boundary"])
	text := 0
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return f, nil // a truncated body is formdata.ErrTruncated: malformed, below
		}
		if err != nil {
			return fail(errMalformed())
		}
		name := p.FormName()
		if binaryFields[name] && p.FileName() != "" {
			if f.binary != "" {
				f.repeated = append(f.repeated, name)
				if _, err := io.Copy(io.Discard, p); err != nil {
					return fail(errMalformed())
				}
				continue
			}
			blob, limit := to(name, p.FileName())
			lr := &limitReader{r: p, n: max(limit, 0)}
			obj, err := blobs.Put(ctx, blob, lr, blobstore.PutOptions{SizeHint: -1, Now: now})
			if errors.Is(err, errPartTooLarge) {
				_, _ = io.CopyN(io.Discard, p, maxTooLargeDrain)
				return fail(errPartTooLarge)
			}
			if errors.Is(err, blobstore.ErrStorageFull) {
				_, _ = io.CopyN(io.Discard, p, maxTooLargeDrain) // let the client read the answer
				return fail(errStorageFull(blobs.Quota().Limit()))
			}
			if err != nil {
				return fail(errMalformed()) // Put stores nothing when reading fails
			}
			f.binary, f.filename, f.blob, f.obj = name, p.FileName(), blob, obj
			continue
		}
		// A text field; a file/chunk part without filename is one too, as PHP sees it.
		v, err := io.ReadAll(io.LimitReader(p, maxFieldSize+1))
		if err != nil {
			return fail(errMalformed())
		}
		if text += len(name) + len(v); text > maxFormText {
			return fail(&Error{400, "form_too_large", "The form fields exceed 1 MiB."})
		}
		if len(v) > maxFieldSize {
			// Keep a bounded prefix: the schema's maxLength reports it. Skip the rest.
			if _, err := io.Copy(io.Discard, p); err != nil {
				return fail(errMalformed())
			}
		}
		f.values[name] = strings.ToValidUTF8(string(v), "\uFFFD") // repeated fields: the last wins, as in PHP
	}
}
