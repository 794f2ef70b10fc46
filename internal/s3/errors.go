package s3

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// hostID is sent as <HostId> and x-amz-id-2. Real S3 puts an opaque base64
// token there; clients only log it, so one constant keeps responses stable
// and golden files diffable.
const hostID = "ZmlsZWVtdSBmYWtlIFMzIHRhcmdldDsgbm90IGEgcmVhbCBBV1MgaG9zdCBpZA=="

// Error is an S3 error response:
//
//	<Error><Code/><Message/>[extra elements in order]<RequestId/><HostId/></Error>
//
// Constructors below reproduce the codes, statuses and messages of real S3,
// because SDKs and user code match on them.
type Error struct {
	Status  int
	Code    string
	Message string
	// Extra holds additional elements, rendered in this order between
	// Message and RequestId (e.g. StringToSign, CanonicalRequest, Key,
	// ProposedSize). Names must be valid XML element names.
	Extra []Field
}

// Field is one extra element of an Error.
type Field struct{ Name, Value string }

// Error returns "Code: Message".
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// StatusCode is the HTTP status of the answer (500 when unset).
func (e *Error) StatusCode() int {
	if e.Status == 0 {
		return http.StatusInternalServerError
	}
	return e.Status
}

// ErrorCode is S3's error code, which the journal records.
func (e *Error) ErrorCode() string { return e.Code }

// Write renders the error as S3 does: Content-Type application/xml, the
// status, and an XML body. requestID becomes <RequestId> and the
// x-amz-request-id header. For HEAD requests pass head=true: S3 then sends
// the status and headers only, so clients see just the status code.
func (e *Error) Write(w http.ResponseWriter, requestID string, head bool) {
	h := w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("X-Amz-Request-Id", requestID)
	h.Set("X-Amz-Id-2", hostID)
	status := e.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if head {
		w.WriteHeader(status)
		return
	}
	body := e.body(requestID)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	// The status is already sent; a failed write means the client left and
	// there is nobody to tell.
	_, _ = w.Write([]byte(body))
}

// body renders the XML document of the error.
func (e *Error) body(requestID string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<Error>")
	element(&b, "Code", e.Code)
	element(&b, "Message", e.Message)
	for _, f := range e.Extra {
		element(&b, f.Name, f.Value)
	}
	element(&b, "RequestId", requestID)
	element(&b, "HostId", hostID)
	b.WriteString("</Error>")
	return b.String()
}

func element(b *strings.Builder, name, value string) {
	b.WriteString("<" + name + ">")
	escapeText(b, value)
	b.WriteString("</" + name + ">")
}

// escapeText writes s as XML character data. Unlike xml.EscapeText it keeps
// newlines and tabs literal, as S3 does, so a StringToSign or
// CanonicalRequest stays readable in the raw body. Characters XML 1.0 cannot
// carry at all (most control characters, invalid UTF-8) become U+FFFD.
func escapeText(b *strings.Builder, s string) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"':
			b.WriteString("&quot;")
		case r == '\r':
			// A literal CR would be normalised away by XML parsers.
			b.WriteString("&#xD;")
		case r == utf8.RuneError && size == 1, !isXMLChar(r):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
	}
}

// isXMLChar reports whether r is in the XML 1.0 Char production.
func isXMLChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' ||
		(r >= 0x20 && r <= 0xD7FF) ||
		(r >= 0xE000 && r <= 0xFFFD) ||
		(r >= 0x10000 && r <= 0x10FFFF)
}

// ErrNoSuchKey is 404 NoSuchKey for a missing object.
func ErrNoSuchKey(key string) *Error {
	return &Error{Status: http.StatusNotFound, Code: "NoSuchKey",
		Message: "The specified key does not exist.",
		Extra:   []Field{{"Key", key}}}
}

// ErrNoSuchBucket is 404 NoSuchBucket for a missing bucket.
func ErrNoSuchBucket(bucket string) *Error {
	return &Error{Status: http.StatusNotFound, Code: "NoSuchBucket",
		Message: "The specified bucket does not exist.",
		Extra:   []Field{{"BucketName", bucket}}}
}

// ErrEntityTooLarge is 400 EntityTooLarge: an upload above a size limit
// (e.g. a POST policy's content-length-range).
func ErrEntityTooLarge(proposed, max int64) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "EntityTooLarge",
		Message: "Your proposed upload exceeds the maximum allowed size",
		Extra: []Field{
			{"ProposedSize", strconv.FormatInt(proposed, 10)},
			{"MaxSizeAllowed", strconv.FormatInt(max, 10)},
		}}
}

// ErrEntityTooSmall is 400 EntityTooSmall: an upload below a size limit.
func ErrEntityTooSmall(proposed, min int64) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "EntityTooSmall",
		Message: "Your proposed upload is smaller than the minimum allowed size",
		Extra: []Field{
			{"ProposedSize", strconv.FormatInt(proposed, 10)},
			{"MinSizeAllowed", strconv.FormatInt(min, 10)},
		}}
}

// ErrBadDigest is 400 BadDigest: the body does not match its Content-MD5.
func ErrBadDigest() *Error {
	return &Error{Status: http.StatusBadRequest, Code: "BadDigest",
		Message: "The Content-MD5 you specified did not match what we received."}
}

// ErrInvalidDigest is 400 InvalidDigest: the Content-MD5 header is not a
// base64 MD5.
func ErrInvalidDigest() *Error {
	return &Error{Status: http.StatusBadRequest, Code: "InvalidDigest",
		Message: "The Content-MD5 you specified is not valid."}
}

// ErrAccessDenied is 403 AccessDenied with msg. Anonymous requests (no
// signature at all) get ErrAccessDenied("Access Denied"), as on a private
// bucket.
func ErrAccessDenied(msg string) *Error {
	return &Error{Status: http.StatusForbidden, Code: "AccessDenied", Message: msg}
}

// ErrHeadersNotSigned is 403 AccessDenied for headers that must be signed
// but are not (headers is a comma-separated list of lower-case names).
func ErrHeadersNotSigned(headers string) *Error {
	e := ErrAccessDenied("There were headers present in the request which were not signed")
	e.Extra = []Field{{"HeadersNotSigned", headers}}
	return e
}

// ErrSignatureDoesNotMatch is 403 SignatureDoesNotMatch. It carries the
// string to sign and canonical request the server computed, as S3 does,
// because comparing them with the client's is how a signing bug is found.
func ErrSignatureDoesNotMatch(accessKey, stringToSign, canonicalRequest, signatureProvided string) *Error {
	return &Error{Status: http.StatusForbidden, Code: "SignatureDoesNotMatch",
		Message: "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
		Extra: []Field{
			{"AWSAccessKeyId", accessKey},
			{"StringToSign", stringToSign},
			{"SignatureProvided", signatureProvided},
			{"StringToSignBytes", hexBytes(stringToSign)},
			{"CanonicalRequest", canonicalRequest},
			{"CanonicalRequestBytes", hexBytes(canonicalRequest)},
		}}
}

// ErrSessionMismatch is 403 SignatureDoesNotMatch for a URL or form used in another emulator
// session than the one it was signed for: sessions are part of what is signed.
func ErrSessionMismatch(signed, used string) *Error {
	return &Error{Status: http.StatusForbidden, Code: "SignatureDoesNotMatch",
		Message: fmt.Sprintf("The request was signed for the emulator session %q, not %q: a URL or form works in the session that handed it out (its /_s/{id}/ path), or with X-Fileemu-Session among the signed headers.", signed, used)}
}

// ErrStorageFull is 507 InsufficientStorage: the emulator's --max-storage is reached. S3
// itself never fills up and has no code for it; 507 is HTTP's, and unlike a 503 SlowDown the
// SDKs do not retry it, so a test fails at once with the reason (MinIO, an S3-compatible
// store, answers a full disk with a 507 too).
func ErrStorageFull(limit int64) *Error {
	return &Error{Status: http.StatusInsufficientStorage, Code: "InsufficientStorage",
		Message: fmt.Sprintf("The emulator's storage limit (--max-storage, %d bytes) is reached: delete objects or sessions, or raise the limit.", limit)}
}

// hexBytes renders s as space-separated two-digit hex bytes, S3's
// *Bytes format.
func hexBytes(s string) string {
	var b strings.Builder
	b.Grow(3 * len(s))
	for i := 0; i < len(s); i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%02x", s[i])
	}
	return b.String()
}

// ErrInvalidAccessKeyID is 403 InvalidAccessKeyId for an unknown access key.
func ErrInvalidAccessKeyID(key string) *Error {
	return &Error{Status: http.StatusForbidden, Code: "InvalidAccessKeyId",
		Message: "The AWS Access Key Id you provided does not exist in our records.",
		Extra:   []Field{{"AWSAccessKeyId", key}}}
}

// ErrAuthorizationQueryParameters is 400 AuthorizationQueryParametersError:
// the X-Amz-* query parameters of a presigned URL are missing or malformed.
func ErrAuthorizationQueryParameters(msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "AuthorizationQueryParametersError", Message: msg}
}

// ErrRequestExpired is 403 AccessDenied "Request has expired" for a
// presigned URL used after X-Amz-Date + X-Amz-Expires.
func ErrRequestExpired(expires int, expiresAt, serverTime time.Time) *Error {
	e := ErrAccessDenied("Request has expired")
	e.Extra = []Field{
		{"X-Amz-Expires", strconv.Itoa(expires)},
		{"Expires", expiresAt.UTC().Format(time.RFC3339)},
		{"ServerTime", serverTime.UTC().Format(time.RFC3339)},
	}
	return e
}

// ErrRequestNotYetValid is 403 AccessDenied "Request is not valid yet" for a
// presigned URL dated too far in the future.
func ErrRequestNotYetValid() *Error {
	return ErrAccessDenied("Request is not valid yet")
}

// ErrInternal is 500 InternalError.
func ErrInternal() *Error {
	return &Error{Status: http.StatusInternalServerError, Code: "InternalError",
		Message: "We encountered an internal error. Please try again."}
}

// ErrMethodNotAllowed is 405 MethodNotAllowed. resource is S3's resource
// type, "OBJECT" or "BUCKET".
func ErrMethodNotAllowed(method, resource string) *Error {
	return &Error{Status: http.StatusMethodNotAllowed, Code: "MethodNotAllowed",
		Message: "The specified method is not allowed against this resource.",
		Extra:   []Field{{"Method", method}, {"ResourceType", resource}}}
}

// ErrInvalidRequest is 400 InvalidRequest with msg.
func ErrInvalidRequest(msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "InvalidRequest", Message: msg}
}

// ErrIncompleteBody is 400 IncompleteBody: the body ended before
// Content-Length bytes.
func ErrIncompleteBody() *Error {
	return &Error{Status: http.StatusBadRequest, Code: "IncompleteBody",
		Message: "You did not provide the number of bytes specified by the Content-Length HTTP header."}
}

// ErrContentSHA256Mismatch is 400 XAmzContentSHA256Mismatch: the body's SHA-256 (got) is not
// the x-amz-content-sha256 the request was signed with (want).
func ErrContentSHA256Mismatch(want, got string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "XAmzContentSHA256Mismatch",
		Message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
		Extra:   []Field{{"ClientComputedContentSHA256", want}, {"S3ComputedContentSHA256", got}}}
}

// ErrMissingContentLength is 411 MissingContentLength: a PUT without
// Content-Length (e.g. chunked transfer encoding).
func ErrMissingContentLength() *Error {
	return &Error{Status: http.StatusLengthRequired, Code: "MissingContentLength",
		Message: "You must provide the Content-Length HTTP header."}
}

// errHeaderMalformed is 400 AuthorizationHeaderMalformed: the Authorization header cannot be
// parsed, or names a credential the emulator does not serve.
func errHeaderMalformed(detail string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "AuthorizationHeaderMalformed",
		Message: "The authorization header is malformed; " + detail}
}

// ErrNoSuchUpload is 404 NoSuchUpload: the upload id is unknown, aborted or completed.
func ErrNoSuchUpload(id string) *Error {
	return &Error{Status: http.StatusNotFound, Code: "NoSuchUpload",
		Message: "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
		Extra:   []Field{{"UploadId", id}}}
}

// ErrInvalidPart is 400 InvalidPart: a listed part was not uploaded or has another ETag.
func ErrInvalidPart(id string, part int, etag string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "InvalidPart",
		Message: "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
		Extra:   []Field{{"UploadId", id}, {"PartNumber", strconv.Itoa(part)}, {"ETag", etag}}}
}

// ErrInvalidPartOrder is 400 InvalidPartOrder: the part list is not in ascending order.
func ErrInvalidPartOrder(id string, part int) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "InvalidPartOrder",
		Message: "The list of parts was not in ascending order. Parts must be ordered by part number.",
		Extra:   []Field{{"UploadId", id}, {"PartNumber", strconv.Itoa(part)}}}
}

// ErrPartTooSmall is 400 EntityTooSmall for a part under 5 MiB that is not the last.
func ErrPartTooSmall(size int64, part int, etag string) *Error {
	e := ErrEntityTooSmall(size, MinPartSize)
	e.Extra = append(e.Extra, Field{"PartNumber", strconv.Itoa(part)}, Field{"ETag", etag})
	return e
}

// ErrMalformedXML is 400 MalformedXML: a request document does not parse or validate.
func ErrMalformedXML() *Error {
	return &Error{Status: http.StatusBadRequest, Code: "MalformedXML",
		Message: "The XML you provided was not well-formed or did not validate against our published schema"}
}

// ErrInvalidArgument is 400 InvalidArgument naming the argument and its value.
func ErrInvalidArgument(msg, name, value string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "InvalidArgument", Message: msg,
		Extra: []Field{{"ArgumentName", name}, {"ArgumentValue", value}}}
}

// ErrBucketNotEmpty is 409 BucketNotEmpty.
func ErrBucketNotEmpty(bucket string) *Error {
	return &Error{Status: http.StatusConflict, Code: "BucketNotEmpty",
		Message: "The bucket you tried to delete is not empty",
		Extra:   []Field{{"BucketName", bucket}}}
}

// errMalformedPOST is 400 MalformedPOSTRequest: the body is not multipart/form-data.
func errMalformedPOST() *Error {
	return &Error{Status: http.StatusBadRequest, Code: "MalformedPOSTRequest",
		Message: "The body of your POST request is not well-formed multipart/form-data."}
}

// errMaxPostPreData is 400 MaxPostPreDataLengthExceeded (S3's spelling of the message).
func errMaxPostPreData() *Error {
	return &Error{Status: http.StatusBadRequest, Code: "MaxPostPreDataLengthExceeded",
		Message: "Your POST request fields preceeding the upload file was too large."}
}

// errPOSTFieldMissing is 400 InvalidArgument for a required field that is absent (or only
// comes after the file).
func errPOSTFieldMissing(name string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "InvalidArgument",
		Message: "Bucket POST must contain a field named '" + name + "'.  If it is specified, please check the order of the fields.",
		Extra:   []Field{{"ArgumentName", name}, {"ArgumentValue", ""}}}
}

// errPOSTFileRequired is 400 InvalidArgument for a form without a file part.
func errPOSTFileRequired() *Error {
	return &Error{Status: http.StatusBadRequest, Code: "InvalidArgument",
		Message: "POST requires exactly one file upload per request.",
		Extra:   []Field{{"ArgumentName", "file"}, {"ArgumentValue", "0"}}}
}

// errDuplicatePostField is 400 InvalidArgument for a field sent twice (names compared
// case-insensitively): which one a policy check should see would be ambiguous.
func errDuplicatePostField(name, value string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "InvalidArgument",
		Message: "Bucket POST fields must be unique; '" + name + "' is given more than once.",
		Extra:   []Field{{"ArgumentName", name}, {"ArgumentValue", value}}}
}

// errKeyTooLong is 400 KeyTooLongError.
func errKeyTooLong(size int) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "KeyTooLongError",
		Message: "Your key is too long",
		Extra:   []Field{{"MaxSizeAllowed", strconv.Itoa(maxKeyLength)}, {"Size", strconv.Itoa(size)}}}
}
