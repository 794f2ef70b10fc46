package upload

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/multipart"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/fileemu/fileemu/internal/blobstore"
)

// form writes parts (name, filename or "", content) as a multipart body with boundary XyZ.
func form(t *testing.T, parts ...[3]string) string {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if err := w.SetBoundary("XyZ"); err != nil {
		t.Fatal(err)
	}
	for _, p := range parts {
		var pw io.Writer
		var err error
		if p[1] != "" {
			pw, err = w.CreateFormFile(p[0], p[1])
		} else {
			pw, err = w.CreateFormField(p[0])
		}
		if err != nil {
			t.Fatal(err)
		}
		pw.Write([]byte(p[2]))
	}
	w.Close()
	return b.String()
}

func TestBoundary(t *testing.T) {
	for ct, want := range map[string]error{
		"multipart/form-data; boundary=XyZ": nil,
		"Multipart/Form-Data; boundary=XyZ": nil,
		"multipart/form-data":               ErrNoBoundary,
		"multipart/mixed; boundary=XyZ":     ErrNotMultipart,
		"text/plain":                        ErrNotMultipart,
		"":                                  ErrNotMultipart,
		"multipart/form-data; boundary":     ErrNotMultipart, // does not parse
	} {
		b, err := Boundary(ct)
		if !errors.Is(err, want) || (err == nil && b != "XyZ") {
			t.Errorf("Boundary(%q) = %q, %v; want %v", ct, b, err, want)
		}
	}
}

// A refused upload stores nothing, keeps what was under the name, and still reads a bounded
// rest of the body, which a Sized reader counts.
func TestPutRefusedDrainsAndKeepsNothing(t *testing.T) {
	store := blobstore.New()
	ctx := context.Background()
	if _, err := store.Put(ctx, "k", strings.NewReader("old"), blobstore.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	body := strings.NewReader(strings.Repeat("x", 1000))
	sized := NewSized(body, 0, 100)
	_, err := Put(ctx, store, "k", sized, blobstore.PutOptions{})
	if !errors.Is(err, ErrTooLarge) || !Refused(err) {
		t.Fatalf("Put of 1000 bytes bounded to 100 = %v", err)
	}
	if sized.N() != 1000 || body.Len() != 0 {
		t.Errorf("read %d bytes, %d left; want the whole body drained and counted", sized.N(), body.Len())
	}
	if _, rd, err := store.Open("k"); err != nil {
		t.Fatal(err)
	} else if b, _ := io.ReadAll(rd); string(b) != "old" {
		t.Errorf("the object under the name became %q", b)
	}

	// The store's own maximum is a refusal too; a plain reader is drained as it is.
	body = strings.NewReader(strings.Repeat("y", 1000))
	_, err = Put(ctx, store, "m", body, blobstore.PutOptions{MaxSize: 10})
	var tooLarge *blobstore.TooLargeError
	if !errors.As(err, &tooLarge) || !Refused(err) || body.Len() != 0 {
		t.Errorf("Put over MaxSize = %v, %d left", err, body.Len())
	}
	// A body that fails is no refusal: nothing is drained.
	cut := io.MultiReader(strings.NewReader("abc"), iotest.ErrReader(io.ErrUnexpectedEOF))
	if _, err := Put(ctx, store, "c", cut, blobstore.PutOptions{}); err == nil || Refused(err) {
		t.Errorf("Put of a cut body = %v", err)
	}
	if store.Len() != 1 {
		t.Errorf("%d objects stored, want only the first", store.Len())
	}
	if _, err := Put(ctx, store, "s", NewSized(strings.NewReader("ab"), 3, 10), blobstore.PutOptions{}); !errors.Is(err, ErrTooSmall) || Refused(err) {
		t.Errorf("Put below the minimum = %v", err)
	}
}

// texts reads every part of body as a text field and returns the error that ended it.
func texts(t *testing.T, body string, lim Limits) (map[string]string, error) {
	t.Helper()
	f := NewForm(strings.NewReader(body), "XyZ", lim)
	got := map[string]string{}
	for {
		p, err := f.Next()
		if err != nil {
			return got, err
		}
		v, err := f.Text(p)
		if err != nil {
			return got, err
		}
		got[p.FormName()] = v
	}
}

func TestTextLimits(t *testing.T) {
	body := form(t, [3]string{"name", "", "hello"}, [3]string{"ab", "", "0123456789"})
	for _, c := range []struct {
		lim  Limits
		want error
	}{
		{Limits{}, io.EOF},
		{Limits{Size: 10, Total: 4 + 5 + 2 + 10}, io.EOF},
		{Limits{Size: 9}, ErrFieldTooLarge},
		{Limits{Total: 4 + 5 + 2 + 9}, ErrFormTooLarge},                         // the budget bounds the read
		{Limits{Total: 4 + 5 + 1}, ErrFormTooLarge},                             // the name alone is over
		{Limits{Size: 9, Total: 4 + 5 + 2 + 9}, ErrFormTooLarge},                // the total is checked first
		{Limits{Total: 5 + 10, ValuesOnly: true}, io.EOF},                       // names are free
		{Limits{Total: 5 + 9, ValuesOnly: true}, ErrFormTooLarge},               //
		{Limits{Fields: 2}, io.EOF},                                             //
		{Limits{Fields: 1}, ErrTooManyFields},                                   //
		{Limits{Raw: int64(len(body)) - 20}, ErrFormTooLarge},                   // the raw bytes before any file
		{Limits{Raw: int64(len(body)), Total: 1000, Size: 5}, ErrFieldTooLarge}, // raw is not hit
	} {
		if _, err := texts(t, body, c.lim); !errors.Is(err, c.want) {
			t.Errorf("%+v: %v, want %v", c.lim, err, c.want)
		}
		if _, err := texts(t, body, c.lim); c.want != io.EOF && !OverLimit(err) {
			t.Errorf("%+v: %v is no OverLimit", c.lim, err)
		}
	}
	// A field over Size keeps its first Size+1 bytes and counts them.
	f := NewForm(strings.NewReader(body), "XyZ", Limits{Size: 3, Total: 4 + 4 + 2 + 4})
	p, _ := f.Next()
	if v, err := f.Text(p); v != "hell" || !errors.Is(err, ErrFieldTooLarge) {
		t.Errorf("first field = %q, %v", v, err)
	}
	if err := f.Skip(p); err != nil {
		t.Fatal(err)
	}
	p, _ = f.Next()
	if v, err := f.Text(p); v != "0123" || !errors.Is(err, ErrFieldTooLarge) {
		t.Errorf("second field = %q, %v", v, err)
	}
	// A read error comes as it is, before any limit.
	cut := body[:strings.Index(body, "hello")+2]
	if _, err := texts(t, cut, Limits{Size: 100}); err == nil || OverLimit(err) {
		t.Errorf("cut field = %v", err)
	}
}

// Store keeps a file part at once; Discard drops it when the rest of the form is refused.
func TestStoreThenDiscard(t *testing.T) {
	store := blobstore.New()
	// The file is longer than the raw bound, which ends where the file part starts.
	body := form(t, [3]string{"file", "a.txt", strings.Repeat("content ", 50)}, [3]string{"name", "", "x"})
	for _, c := range []struct {
		body string
		want error
	}{
		{body, io.EOF},
		{strings.TrimSuffix(body, "--\r\n"), ErrTruncated},
		{body[:strings.LastIndex(body, "x")], io.ErrUnexpectedEOF}, // cut inside a field
	} {
		f := NewForm(strings.NewReader(c.body), "XyZ", Limits{Raw: 200})
		p, err := f.Next()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Store(context.Background(), p, store, "f", blobstore.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		var end error
		for end == nil {
			var p *multipart.Part
			if p, end = f.Next(); end == nil {
				_, end = f.Text(p) // the raw bound ended with the file part
			}
		}
		if !errors.Is(end, c.want) {
			t.Errorf("%q: %v, want %v", c.body, end, c.want)
		}
		if end != io.EOF {
			f.Discard()
		}
		if _, ok := store.Stat("f"); ok != (end == io.EOF) {
			t.Errorf("%q: stored %v after %v", c.body, ok, end)
		}
		store.Reset()
	}
}

// A Closing file part reads the rest of the form at its end: a form that does not close fails
// the Put, which keeps nothing and leaves the object under the name as it was.
func TestClosingChecksTheRest(t *testing.T) {
	ctx := context.Background()
	body := form(t, [3]string{"key", "", "k"}, [3]string{"file", "a.txt", "new"}, [3]string{"after", "", "ignored"})
	for _, c := range []struct {
		body   string
		stored string
	}{
		{body, "new"},
		{strings.TrimSuffix(body, "--\r\n"), "old"},
		{body[:strings.Index(body, "ignored")+3], "old"},
		{body[:strings.LastIndex(body, "\r\n--XyZ\r\n")+9] + "Content-Disposition: form-da", "old"},
	} {
		store := blobstore.New()
		if _, err := store.Put(ctx, "k", strings.NewReader("old"), blobstore.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		f := NewForm(iotest.OneByteReader(strings.NewReader(c.body)), "XyZ", Limits{Raw: 200})
		p, _ := f.Next()
		if v, err := f.Text(p); v != "k" || err != nil {
			t.Fatalf("key = %q, %v", v, err)
		}
		p, _ = f.Next()
		_, err := Put(ctx, store, "k", f.Closing(p, 1<<20), blobstore.PutOptions{})
		if (err == nil) != (c.stored == "new") || (err != nil && !errors.Is(err, ErrTruncated)) {
			t.Errorf("%q: Put = %v", c.body, err)
		}
		_, rd, _ := store.Open("k")
		if b, _ := io.ReadAll(rd); string(b) != c.stored {
			t.Errorf("%q: stored %q, want %q", c.body, b, c.stored)
		}
		if f.Aborted(ctx) {
			t.Errorf("%q: a body read whole counts as aborted", c.body)
		}
	}
}

// Aborted tells a body whose reads failed from a form that does not close.
func TestAborted(t *testing.T) {
	body := form(t, [3]string{"file", "a.txt", strings.Repeat("content ", 100)})
	broken := io.MultiReader(strings.NewReader(body[:len(body)/2]), iotest.ErrReader(errors.New("connection reset")))
	f := NewForm(broken, "XyZ", Limits{})
	p, _ := f.Next()
	if _, err := Put(context.Background(), blobstore.New(), "f", f.Closing(p, 1<<20), blobstore.PutOptions{}); err == nil {
		t.Fatal("a broken body was stored")
	}
	if !f.Aborted(context.Background()) {
		t.Error("a broken body is not aborted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if !NewForm(strings.NewReader(body), "XyZ", Limits{}).Aborted(ctx) {
		t.Error("an ended context is not aborted")
	}
}
