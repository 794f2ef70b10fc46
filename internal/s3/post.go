package s3

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/upload"
)

const (
	// maxPostPreData bounds the names and values of the fields before the file part, as
	// S3 does (about 20 KB).
	maxPostPreData = 20 << 10
	// maxPostPreDataRaw bounds the raw bytes before the file part (part headers and
	// boundaries included), so that a form of huge part headers cannot be sent either.
	maxPostPreDataRaw = 64 << 10
	// maxKeyLength is S3's limit on object keys, in bytes.
	maxKeyLength = 1024
)

// postLimits: S3 bounds the names and values of the fields before the file part, and the raw
// bytes before it (part headers and delimiters included).
var postLimits = upload.Limits{Total: maxPostPreData, Raw: maxPostPreDataRaw}

// postField is one form field, its name as sent.
type postField struct{ name, value string }

// postForm holds the fields that came before the file part, in order.
type postForm struct {
	fields []postField
	index  map[string]int // lower-case name -> position in fields
}

// get returns the value of the field name (any case) and whether it was sent.
func (f *postForm) get(name string) (string, bool) {
	i, ok := f.index[strings.ToLower(name)]
	if !ok {
		return "", false
	}
	return f.fields[i].value, true
}

func (f *postForm) value(name string) string {
	v, _ := f.get(name)
	return v
}

// postObject serves browser-based uploads: POST /s3/{bucket} with a multipart/form-data
// body of fields, a SigV4-signed policy and the file, streamed into the store. See the
// operation's description in openapi/s3.yaml for the order of the checks.
func (s *target) postObject(r *api.Request) error {
	hr := r.Request()
	boundary, err := upload.Boundary(hr.Header.Get("Content-Type"))
	if err != nil {
		return errMalformedPOST()
	}
	mr := upload.NewForm(hr.Body, boundary, postLimits)
	form := &postForm{index: map[string]int{}}
	for {
		part, err := mr.Next()
		switch {
		case err == io.EOF:
			return errPOSTFileRequired()
		case errors.Is(err, upload.ErrFormTooLarge):
			return errMaxPostPreData()
		case err != nil:
			return errMalformedPOST()
		}
		name := part.FormName()
		if strings.EqualFold(name, "file") {
			// S3 ignores the fields after the file, but a body that never closes is cut: the
			// file part's end waits for the rest, so nothing is stored from a truncated body.
			return s.postFile(r, form, mr, mr.Closing(part, maxPostRest), part.FileName())
		}
		if name == "" {
			return errMalformedPOST()
		}
		value, err := mr.Text(part)
		switch {
		case errors.Is(err, upload.ErrFormTooLarge):
			return errMaxPostPreData()
		case err != nil:
			return errMalformedPOST()
		}
		lower := strings.ToLower(name)
		if _, dup := form.index[lower]; dup {
			return errDuplicatePostField(name, value)
		}
		form.index[lower] = len(form.fields)
		form.fields = append(form.fields, postField{name, value})
	}
}

// postAuthFields are the fields of a signed form besides key, in the order their absence
// is reported, named as S3 names them in the error.
var postAuthFields = []string{"Policy", "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Signature"}

// postFile checks the form now that the file part has arrived, before reading any byte
// of it, then streams the file into the store and answers.
func (s *target) postFile(r *api.Request, form *postForm, mr *upload.Form, file io.Reader, filename string) error {
	bucket := r.Param("bucket")
	key := form.value("key")
	if key == "" {
		return errPOSTFieldMissing("key")
	}
	// deny reports whether e must be sent; in lenient mode authentication problems are
	// logged and the upload goes on.
	deny := func(e *Error) bool {
		if !s.opts.Lenient {
			return true
		}
		if s.opts.Logger != nil {
			s.opts.Logger.Warn("s3: accepting a POST upload that fails authentication (lenient mode)",
				"path", r.Request().URL.Path, "code", e.Code, "message", e.Message)
		}
		return false
	}

	var policy *Policy
	anonymous := true
	for _, name := range postAuthFields {
		if _, ok := form.get(name); ok {
			anonymous = false
		}
	}
	if anonymous {
		// No policy, no signature: an anonymous upload, refused as on a private bucket.
		if e := ErrAccessDenied("Access Denied"); deny(e) {
			return e
		}
	} else {
		for _, name := range postAuthFields {
			if form.value(name) == "" {
				return errPOSTFieldMissing(name)
			}
		}
		accessKey, scopeDate, region, credErr := s.postCredential(form)
		if credErr != nil && deny(credErr) {
			return credErr
		}
		p, e := ParsePolicy(form.value("policy"))
		if e != nil {
			return e
		}
		policy = &p
		if credErr == nil {
			if e := checkPolicySignature(form, s.opts.Credentials.SecretKey, accessKey, scopeDate, region); e != nil && deny(e) {
				return e
			}
		}
		if now := r.Now(); now.After(p.Expiration) {
			if e := ErrAccessDenied("Invalid according to Policy: Policy expired."); deny(e) {
				return e
			}
		}
		if e := checkConditions(p, form, bucket, r.Session.ID, filename); e != nil {
			return e
		}
		if e := checkExtraFields(p, form); e != nil {
			return e
		}
	}

	objectKey := strings.ReplaceAll(key, "${filename}", filename)
	if objectKey == "" {
		return errPOSTFieldMissing("key")
	}
	if len(objectKey) > maxKeyLength {
		return errKeyTooLong(len(objectKey))
	}
	lo, hi := int64(0), int64(math.MaxInt64)
	if s.opts.MaxObjectSize > 0 {
		hi = s.opts.MaxObjectSize
	}
	if policy != nil {
		for _, c := range policy.Conditions {
			if c.Op == OpContentLengthRange {
				lo, hi = max(lo, c.Min), min(hi, c.Max)
			}
		}
	}
	ct := form.value("Content-Type")
	if ct == "" {
		ct = "binary/octet-stream"
	}
	sized := upload.NewSized(file, lo, hi)
	opts := blobstore.PutOptions{
		ContentType: ct,
		Metadata:    formMetadata(form),
		SizeHint:    -1,
		Now:         r.Now(),
		Infected:    r.Infects(path.Base(objectKey), ct),
	}
	if hi > 0 && hi < math.MaxInt64 {
		opts.MaxSize = hi // 0 would mean unlimited; sized refuses the first byte then
	}
	hr := r.Request()
	obj, err := upload.Put(hr.Context(), r.Session.Blobs, ObjectName(bucket, objectKey), sized, opts)
	if err != nil {
		var tooLarge *blobstore.TooLargeError
		switch {
		case errors.As(err, &tooLarge), errors.Is(err, upload.ErrTooLarge):
			// Put read a bounded rest of the file: its size is reported, as S3 does.
			return ErrEntityTooLarge(sized.N(), hi)
		case errors.Is(err, blobstore.ErrStorageFull):
			return ErrStorageFull(r.Session.Blobs.Quota().Limit())
		case errors.Is(err, upload.ErrTooSmall):
			return ErrEntityTooSmall(sized.N(), lo)
		case mr.Aborted(hr.Context()):
			// The connection broke or the client left: nothing was stored.
			if s.opts.Logger != nil {
				s.opts.Logger.Info("s3: POST upload aborted", "path", hr.URL.Path, "error", err)
			}
			return ErrIncompleteBody()
		default:
			// The HTTP body is complete but the multipart body never closes.
			return errMalformedPOST()
		}
	}
	r.SetUploadSHA256(obj.SHA256)
	return s.postSuccess(r, form, bucket, objectKey, obj)
}

// maxPostRest bounds what is read after the file part to check that the body closes: S3
// ignores those fields, and a longer rest is not checked.
const maxPostRest = 1 << 20

// postSuccess answers a stored upload as S3 does: 303 to success_action_redirect, or the
// success_action_status 200 / 201 (with a PostResponse document), else 204.
func (s *target) postSuccess(r *api.Request, form *postForm, bucket, key string, obj blobstore.Object) error {
	location := ObjectURL(r.BaseURL, bucket, key)
	h := r.Response().Header()
	h.Set("ETag", obj.ETag())
	h.Set("Location", location)
	h.Set("x-amz-request-id", r.RequestID)

	redirect := form.value("success_action_redirect")
	if redirect == "" {
		redirect = form.value("redirect")
	}
	if u, err := url.Parse(redirect); redirect != "" && err == nil && u.IsAbs() {
		q := u.Query()
		q.Set("bucket", bucket)
		q.Set("key", key)
		q.Set("etag", obj.ETag())
		u.RawQuery = q.Encode()
		h.Set("Location", u.String())
		return r.NoContent(http.StatusSeeOther)
	}
	switch form.value("success_action_status") {
	case "200":
		return r.NoContent(http.StatusOK)
	case "201":
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<PostResponse>")
		element(&b, "Location", location)
		element(&b, "Bucket", bucket)
		element(&b, "Key", key)
		b.WriteString("<ETag>" + obj.ETag() + "</ETag></PostResponse>") // quotes literal, as S3 sends them
		return r.Blob(http.StatusCreated, "application/xml", []byte(b.String()))
	}
	return r.NoContent(http.StatusNoContent)
}

// postCredential checks X-Amz-Algorithm and X-Amz-Credential
// (<key>/<yyyymmdd>/<region>/s3/aws4_request) and returns the credential's parts. S3 has
// no error of its own for a malformed form credential; the query-string one,
// AuthorizationQueryParametersError, is the closest and is what S3 answers for a wrong
// region in a form.
func (s *target) postCredential(form *postForm) (accessKey, scopeDate, region string, e *Error) {
	if form.value("x-amz-algorithm") != algorithm {
		return "", "", "", ErrAuthorizationQueryParameters(`X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"`)
	}
	cred := strings.Split(form.value("x-amz-credential"), "/")
	if len(cred) != 5 {
		return "", "", "", ErrAuthorizationQueryParameters(`Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`)
	}
	accessKey, scopeDate, region = cred[0], cred[1], cred[2]
	switch {
	case cred[4] != terminator:
		return "", "", "", ErrAuthorizationQueryParameters(fmt.Sprintf(`Error parsing the X-Amz-Credential parameter; incorrect terminal %q. This endpoint uses "aws4_request".`, cred[4]))
	case cred[3] != serviceName:
		return "", "", "", ErrAuthorizationQueryParameters(fmt.Sprintf(`Error parsing the X-Amz-Credential parameter; incorrect service %q. This endpoint belongs to "s3".`, cred[3]))
	case !isScopeDate(scopeDate):
		return "", "", "", ErrAuthorizationQueryParameters(fmt.Sprintf(`Error parsing the X-Amz-Credential parameter; incorrect date format %q. This date in the credential must be in the format "yyyyMMdd".`, scopeDate))
	case accessKey != s.opts.Credentials.AccessKey:
		return "", "", "", ErrInvalidAccessKeyID(accessKey)
	case region != s.opts.Credentials.Region:
		e := ErrAuthorizationQueryParameters(fmt.Sprintf("Error parsing the X-Amz-Credential parameter; the region '%s' is wrong; expecting '%s'", region, s.opts.Credentials.Region))
		e.Extra = []Field{{"Region", s.opts.Credentials.Region}}
		return "", "", "", e
	}
	return accessKey, scopeDate, region, nil
}

// isScopeDate reports whether s is a yyyymmdd date.
func isScopeDate(s string) bool {
	if len(s) != 8 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	m, _ := strconv.Atoi(s[4:6])
	d, _ := strconv.Atoi(s[6:])
	return m >= 1 && m <= 12 && d >= 1 && d <= 31
}

// checkPolicySignature compares X-Amz-Signature with the signature of the policy field as
// sent, in constant time.
func checkPolicySignature(form *postForm, secret, accessKey, scopeDate, region string) *Error {
	policy := form.value("policy")
	want := PolicySignature(secret, scopeDate, region, policy)
	got := form.value("x-amz-signature")
	if subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1 {
		return nil
	}
	return &Error{Status: http.StatusForbidden, Code: "SignatureDoesNotMatch",
		Message: "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
		Extra: []Field{
			{"AWSAccessKeyId", accessKey},
			{"StringToSign", policy},
			{"SignatureProvided", got},
			{"StringToSignBytes", hexBytes(policy)},
		}}
}

// checkConditions checks every eq and starts-with condition in policy order. Field names
// match case-insensitively; a field the form lacks counts as empty. A bucket condition
// is checked against the bucket in the URL (and against a bucket field, if one was sent).
// A key condition passes when the key as sent or the key with ${filename} replaced
// satisfies it, so a policy may pin "uploads/${filename}" as well as the final key. A
// SessionField condition is checked against the session the form is posted in: a form
// handed out in one session never stores into another.
func checkConditions(p Policy, form *postForm, bucket, session, filename string) *Error {
	for _, c := range p.Conditions {
		if c.Op == OpContentLengthRange {
			continue
		}
		var ok bool
		switch strings.ToLower(c.Field) {
		case "bucket":
			ok = c.match(bucket)
			if v, sent := form.get("bucket"); sent {
				ok = ok && c.match(v)
			}
		case SessionField:
			ok = c.match(session)
		case "key":
			key := form.value("key")
			ok = c.match(key) || c.match(strings.ReplaceAll(key, "${filename}", filename))
		default:
			ok = c.match(form.value(c.Field))
		}
		if !ok {
			return ErrAccessDenied("Invalid according to Policy: Policy Condition failed: " + c.String())
		}
	}
	return nil
}

// match reports whether value satisfies the eq or starts-with condition c.
func (c Condition) match(value string) bool {
	if c.Op == OpStartsWith {
		return strings.HasPrefix(value, c.Value)
	}
	return value == c.Value
}

// checkExtraFields refuses a field that no condition covers, except x-amz-signature,
// policy, file and x-ignore-*.
func checkExtraFields(p Policy, form *postForm) *Error {
	covered := map[string]bool{}
	for _, c := range p.Conditions {
		if c.Op != OpContentLengthRange {
			covered[strings.ToLower(c.Field)] = true
		}
	}
	for _, f := range form.fields {
		name := strings.ToLower(f.name)
		if name == "x-amz-signature" || name == "policy" || name == "file" || strings.HasPrefix(name, "x-ignore-") || covered[name] {
			continue
		}
		return ErrAccessDenied("Invalid according to Policy: Extra input fields: " + f.name)
	}
	return nil
}

// formMetadata collects the x-amz-meta-* fields as user metadata (lower-case names).
func formMetadata(form *postForm) map[string]string {
	var md map[string]string
	for _, f := range form.fields {
		if name := strings.ToLower(f.name); strings.HasPrefix(name, "x-amz-meta-") {
			if md == nil {
				md = map[string]string{}
			}
			md[strings.TrimPrefix(name, "x-amz-meta-")] = f.value
		}
	}
	return md
}
