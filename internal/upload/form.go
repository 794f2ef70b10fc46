package upload

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"

	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/formdata"
)

var (
	// ErrNotMultipart: the Content-Type is no multipart/form-data (or does not parse).
	ErrNotMultipart = errors.New("upload: the body is not multipart/form-data")
	// ErrNoBoundary: a multipart/form-data Content-Type without its boundary.
	ErrNoBoundary = errors.New("upload: the multipart/form-data Content-Type has no boundary")
	// ErrTruncated: the body ended without its closing boundary.
	ErrTruncated = formdata.ErrTruncated
	// ErrFormTooLarge: the text fields together are over Limits.Total, or what came before
	// the file part is over Limits.Raw.
	ErrFormTooLarge = errors.New("upload: form fields too large")
	// ErrFieldTooLarge: a value is over Limits.Size.
	ErrFieldTooLarge = errors.New("upload: form field too large")
	// ErrTooManyFields: more text fields than Limits.Fields.
	ErrTooManyFields = errors.New("upload: too many form fields")
)

// OverLimit reports whether err is Text's refusal of a field over the Limits, rather than a
// body that could not be read.
func OverLimit(err error) bool {
	return errors.Is(err, ErrFormTooLarge) || errors.Is(err, ErrFieldTooLarge) || errors.Is(err, ErrTooManyFields)
}

// errRawTooLarge fails the body's reads past Limits.Raw.
var errRawTooLarge = errors.New("upload: form before the file part too large")

// Boundary returns the boundary of a multipart/form-data Content-Type, or ErrNotMultipart or
// ErrNoBoundary.
func Boundary(contentType string) (string, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/form-data" { // ParseMediaType lower-cases the media type
		return "", ErrNotMultipart
	}
	if params["boundary"] == "" {
		return "", ErrNoBoundary
	}
	return params["boundary"], nil
}

// Limits bound what a Form keeps in memory of its text fields; zero is no bound.
type Limits struct {
	// Fields is the most text fields.
	Fields int
	// Size is the largest value; without it a value is bounded by what remains of Total.
	Size int64
	// Total bounds the names and values of all text fields together.
	Total int64
	// ValuesOnly: Total counts the values only, not the names.
	ValuesOnly bool
	// Raw bounds the bytes before the file part (the part given to Closing or Store),
	// delimiters and part headers included, so that huge part headers cannot be sent either.
	Raw int64
}

// Form reads a multipart/form-data body part by part: the caller decides what each part is.
type Form struct {
	mr     *formdata.Reader
	body   *body
	lim    Limits
	used   int64 // bytes counted against lim.Total
	fields int
	stored []stored // what Store kept, for Discard
}

type stored struct {
	store *blobstore.Store
	name  string
}

// NewForm reads the form in r, delimited by boundary, within lim.
func NewForm(r io.Reader, boundary string, lim Limits) *Form {
	b := &body{r: r, limit: -1}
	if lim.Raw > 0 {
		b.limit = lim.Raw
	}
	return &Form{mr: formdata.NewReader(b, boundary), body: b, lim: lim}
}

// Next returns the next part: io.EOF at the end of a form closed by its final delimiter,
// ErrTruncated for one that is not, ErrFormTooLarge past Limits.Raw, or mime/multipart's error.
func (f *Form) Next() (*multipart.Part, error) {
	p, err := f.mr.NextPart()
	switch {
	case err == io.EOF:
		return nil, io.EOF
	case f.body.exceeded:
		return nil, ErrFormTooLarge
	}
	return p, err
}

// Text reads the value of the text field p within the Limits. A read error (a cut or malformed
// body) comes first, as it is; then ErrFormTooLarge, then ErrFieldTooLarge, which still returns
// the first Size+1 bytes read (the caller may keep that prefix and Skip the rest: the field
// counts as read).
func (f *Form) Text(p *multipart.Part) (string, error) {
	name := p.FormName()
	if f.lim.Fields > 0 && f.fields >= f.lim.Fields {
		return "", ErrTooManyFields
	}
	cost := int64(len(name))
	if f.lim.ValuesOnly {
		cost = 0
	}
	rd := io.Reader(p)
	switch {
	case f.lim.Size > 0:
		rd = io.LimitReader(p, f.lim.Size+1)
	case f.lim.Total > 0:
		budget := f.lim.Total - f.used - cost
		if budget < 0 {
			return "", ErrFormTooLarge
		}
		rd = io.LimitReader(p, budget+1)
	}
	v, err := io.ReadAll(rd)
	switch {
	case f.body.exceeded:
		return string(v), ErrFormTooLarge
	case err != nil:
		return string(v), err
	case f.lim.Total > 0 && f.used+cost+int64(len(v)) > f.lim.Total:
		return string(v), ErrFormTooLarge
	}
	f.used += cost + int64(len(v))
	f.fields++
	if f.lim.Size > 0 && int64(len(v)) > f.lim.Size {
		return string(v), ErrFieldTooLarge
	}
	return string(v), nil
}

// Skip reads the rest of p and drops it.
func (f *Form) Skip(p *multipart.Part) error {
	_, err := io.Copy(io.Discard, p)
	return err
}

// Store streams r, the file part p or a Sized reader around it, into store under name (see
// Put), and remembers it for Discard. The form's later parts are still to be read.
func (f *Form) Store(ctx context.Context, r io.Reader, store *blobstore.Store, name string, opts blobstore.PutOptions) (blobstore.Object, error) {
	f.body.limit = -1
	obj, err := Put(ctx, store, name, r, opts)
	if err == nil {
		f.stored = append(f.stored, stored{store, name})
	}
	return obj, err
}

// Discard deletes what Store kept: the form was refused after its file was stored.
func (f *Form) Discard() {
	for _, s := range f.stored {
		s.store.Delete(s.name)
	}
	f.stored = nil
}

// Closing returns the file part p, the last the caller reads, whose end also reads the parts
// after it (at most maxRest bytes of them, dropped): it ends with ErrTruncated rather than
// io.EOF unless the form closes, so that a Put of it keeps nothing of a cut body. A longer rest
// is not checked.
func (f *Form) Closing(p *multipart.Part, maxRest int64) io.Reader {
	f.body.limit = -1
	return &closing{part: p, rest: func() error { return f.rest(maxRest) }}
}

// rest reads the parts after the file, at most budget bytes of them.
func (f *Form) rest(budget int64) error {
	for budget > 0 {
		part, err := f.mr.NextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return ErrTruncated
		}
		n, err := io.CopyN(io.Discard, part, budget)
		budget -= n
		if err != nil && err != io.EOF {
			return ErrTruncated
		}
	}
	return nil
}

// Aborted reports whether the body's own reads failed (a cut connection) or ctx ended, as
// opposed to a body that arrived whole but is a malformed or unclosed form.
func (f *Form) Aborted(ctx context.Context) bool { return f.body.err != nil || ctx.Err() != nil }

// closing is a file part whose end also reads the rest of the form.
type closing struct {
	part    io.Reader
	rest    func() error
	checked bool
}

func (c *closing) Read(p []byte) (int, error) {
	n, err := c.part.Read(p)
	if err == io.EOF && !c.checked {
		c.checked = true
		if rerr := c.rest(); rerr != nil {
			return n, rerr
		}
	}
	return n, err
}

// body is the HTTP body under the form: it bounds what is read before the file part and
// remembers whether the body itself failed.
type body struct {
	r        io.Reader
	n        int64
	limit    int64 // < 0: no limit
	exceeded bool
	err      error // first error of r other than io.EOF
}

func (b *body) Read(p []byte) (int, error) {
	if b.limit >= 0 {
		if b.n >= b.limit {
			b.exceeded = true
			return 0, errRawTooLarge
		}
		p = p[:min(int64(len(p)), b.limit-b.n)]
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	if err != nil && err != io.EOF && b.err == nil {
		b.err = err
	}
	return n, err
}
