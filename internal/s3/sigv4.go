// Package s3 is the fake S3 target of fileemu: path-style buckets, presigned
// URLs (SigV4 query auth) and browser POST forms with policy checks, and an
// S3 endpoint for AWS SDK clients (SigV4 header auth with aws-chunked
// uploads, listing, copy, delete, multipart uploads). The objects live in the
// session's blob store under ObjectName, where the other APIs' flows find
// them; buckets and multipart uploads are the session's Model.
package s3

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// SigV4 constants for S3 query-string authentication.
const (
	algorithm       = "AWS4-HMAC-SHA256"
	amzDateFormat   = "20060102T150405Z"
	scopeDateFormat = "20060102"
	serviceName     = "s3"
	terminator      = "aws4_request"
	unsignedPayload = "UNSIGNED-PAYLOAD"

	// MaxPresignExpires is the longest X-Amz-Expires S3 accepts: 7 days.
	MaxPresignExpires = 7 * 24 * time.Hour
	// maxClockSkew is how far in the future X-Amz-Date may be; S3 allows
	// 15 minutes of clock difference.
	maxClockSkew = 15 * time.Minute
)

// Query parameter names of SigV4 query authentication.
const (
	paramAlgorithm     = "X-Amz-Algorithm"
	paramCredential    = "X-Amz-Credential"
	paramDate          = "X-Amz-Date"
	paramExpires       = "X-Amz-Expires"
	paramSignedHeaders = "X-Amz-SignedHeaders"
	paramSignature     = "X-Amz-Signature"
)

// Credentials are the one key pair and region the fake S3 target accepts.
type Credentials struct {
	AccessKey, SecretKey, Region string
	keys                         *keyCache // nil: every signing key is derived (see NewCredentials)
}

// NewCredentials returns credentials that remember the last signing key they derived: a key
// belongs to a secret, a day and a region, and deriving it is four HMACs for every presigned URL
// and every signature checked. Copies share the one cache.
func NewCredentials(accessKey, secretKey, region string) Credentials {
	return Credentials{AccessKey: accessKey, SecretKey: secretKey, Region: region, keys: new(keyCache)}
}

type keyCache struct{ last atomic.Pointer[cachedKey] }

type cachedKey struct {
	secret, region string
	date           [8]byte // yyyymmdd
	key            [sha256.Size]byte
}

// signingKeyOf is SigningKey(creds.SecretKey, date, region), from creds' cache when it holds it.
func signingKeyOf[T string | []byte](creds Credentials, date T, region string) [sha256.Size]byte {
	var day [8]byte
	if creds.keys == nil || len(date) != len(day) {
		return signingKey(creds.SecretKey, date, region)
	}
	copy(day[:], date)
	if k := creds.keys.last.Load(); k != nil && k.date == day && k.region == region && k.secret == creds.SecretKey {
		return k.key
	}
	k := &cachedKey{secret: creds.SecretKey, region: region, date: day, key: signingKey(creds.SecretKey, date, region)}
	creds.keys.last.Store(k)
	return k.key
}

// PresignOptions describes a presigned URL to mint.
type PresignOptions struct {
	Method string // "PUT", "GET", "HEAD"
	// URL is the absolute, path-style URL of the object, e.g.
	// http://127.0.0.1:8080/_s/t1/s3/bucket/dir/a b.txt. The path may be
	// given unescaped or escaped; it is decoded once and canonicalised.
	// Keys containing '%', '?' or '#' must therefore be given escaped.
	URL     string
	Expires time.Duration // 1s .. 7 days, whole seconds
	Now     time.Time     // signing time; zero means time.Now()
	// Headers are extra headers to sign (e.g. Content-Type); the client
	// must send them with exactly these values. Host is always signed and
	// taken from URL.
	Headers http.Header
}

// Presign returns o.URL with the X-Amz-Algorithm, X-Amz-Credential,
// X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders and X-Amz-Signature query
// parameters, signed like AWS SigV4 for service s3 with UNSIGNED-PAYLOAD, so
// any AWS SDK's signer produces the same signature for the same inputs.
// Query parameters already in o.URL are kept and signed.
func Presign(creds Credentials, o PresignOptions) (string, error) {
	if creds.AccessKey == "" || creds.SecretKey == "" || creds.Region == "" {
		return "", errors.New("s3: presign: access key, secret key and region are required")
	}
	if o.Method == "" {
		return "", errors.New("s3: presign: method is required")
	}
	if o.Expires < time.Second || o.Expires > MaxPresignExpires {
		return "", fmt.Errorf("s3: presign: expires %v is outside 1s..%v", o.Expires, MaxPresignExpires)
	}
	u, err := presignTarget(o.URL)
	if err != nil {
		return "", err
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	// Host is signed the way the AWS SDKs sign it: without a port that is
	// the scheme's default, as browsers and HTTP clients send it.
	host := u.Host
	if (u.Scheme == "http" && strings.HasSuffix(host, ":80")) || (u.Scheme == "https" && strings.HasSuffix(host, ":443")) {
		host = host[:strings.LastIndexByte(host, ':')] // an IPv6 address keeps its brackets
	}
	if len(o.Headers) == 0 && u.RawQuery == "" {
		return presignPlain(creds, o.Method, u, host, now, o.Expires), nil
	}
	amzDate := now.UTC().Format(amzDateFormat)
	scope := amzDate[:8] + "/" + creds.Region + "/" + serviceName + "/" + terminator
	signed := map[string][]string{"host": {host}}
	names, signedHeaders := []string{"host"}, "host" // the usual case: no other header is signed
	if len(o.Headers) > 0 {
		for name, values := range o.Headers {
			lower := strings.ToLower(name)
			if lower == "host" {
				continue
			}
			signed[lower] = append(signed[lower], values...)
		}
		names = make([]string, 0, len(signed))
		for name := range signed {
			names = append(names, name)
		}
		sort.Strings(names)
		signedHeaders = strings.Join(names, ";")
	}

	expires := strconv.FormatInt(int64(o.Expires/time.Second), 10)
	var query string
	if u.RawQuery == "" {
		// The usual URL has no query of its own: the five parameters, already in canonical order,
		// need neither a url.Values nor a sort.
		query = paramAlgorithm + "=" + algorithm + "&" + paramCredential + "=" + uriEncode(creds.AccessKey+"/"+scope, true) +
			"&" + paramDate + "=" + amzDate + "&" + paramExpires + "=" + expires + "&" + paramSignedHeaders + "=" + uriEncode(signedHeaders, true)
	} else {
		q := u.Query()
		q.Del(paramSignature)
		q.Set(paramAlgorithm, algorithm)
		q.Set(paramCredential, creds.AccessKey+"/"+scope)
		q.Set(paramDate, amzDate)
		q.Set(paramExpires, expires)
		q.Set(paramSignedHeaders, signedHeaders)
		query = canonicalQuery(q)
	}

	path := canonicalURI(u.EscapedPath())
	creq := canonicalRequest(o.Method, path, query, names, func(name string) string {
		return canonicalHeaderValue(signed[name])
	}, unsignedPayload)
	sts := stringToSign(amzDate, scope, creq)
	key := signingKeyOf(creds, amzDate[:8], creds.Region)
	sig := signature(key[:], sts)

	// The URL carries the canonical path and query, so what the client
	// sends back canonicalises to exactly what was signed.
	return u.Scheme + "://" + u.Host + path + "?" + query + "&" + paramSignature + "=" + sig, nil
}

// presignPlain is Presign for the usual URL: no query of its own, no header signed but host. The
// canonical request, the string to sign and the query are built in buffers on the stack, and the
// URL is the one string made: the general path made a dozen, a tenth of a signed-url request.
func presignPlain(creds Credentials, method string, u *url.URL, host string, now time.Time, expires time.Duration) string {
	var dateBuf [len(amzDateFormat)]byte
	amzDate := now.UTC().AppendFormat(dateBuf[:0], amzDateFormat)
	var scopeBuf [128]byte
	scope := append(append(scopeBuf[:0], amzDate[:8]...), '/')
	scope = append(append(scope, creds.Region...), "/"+serviceName+"/"+terminator...)

	var queryBuf [512]byte
	query := append(queryBuf[:0], paramAlgorithm+"="+algorithm+"&"+paramCredential+"="...)
	query = appendURIEncode(query, creds.AccessKey, true)
	query = append(query, "%2F"...)
	query = appendURIEncode(query, scope, true)
	query = append(append(query, "&"+paramDate+"="...), amzDate...)
	query = strconv.AppendInt(append(query, "&"+paramExpires+"="...), int64(expires/time.Second), 10)
	query = append(query, "&"+paramSignedHeaders+"=host"...)

	path := canonicalURI(u.EscapedPath())
	var creqBuf [1024]byte
	creq := append(append(append(creqBuf[:0], method...), '\n'), path...)
	creq = append(append(append(creq, '\n'), query...), "\nhost:"...)
	creq = append(append(creq, host...), "\n\nhost\n"+unsignedPayload...)
	sum := sha256.Sum256(creq)

	var stsBuf [256]byte
	sts := append(append(append(stsBuf[:0], algorithm+"\n"...), amzDate...), '\n')
	sts = hex.AppendEncode(append(append(sts, scope...), '\n'), sum[:])
	key := signingKeyOf(creds, amzDate[:8], creds.Region)
	sig := hmacSum(key[:], sts)

	var b strings.Builder
	b.Grow(len(u.Scheme) + 3 + len(u.Host) + len(path) + 1 + len(query) + len(paramSignature) + 2 + 2*len(sig))
	b.WriteString(u.Scheme)
	b.WriteString("://")
	b.WriteString(u.Host)
	b.WriteString(path)
	b.WriteByte('?')
	b.Write(query)
	b.WriteString("&" + paramSignature + "=")
	var sigHex [2 * sha256.Size]byte
	hex.Encode(sigHex[:], sig[:])
	b.Write(sigHex[:])
	return b.String()
}

// presignTarget splits the URL to presign. The URLs the emulator presigns are its own
// (scheme://host/escaped-path, see ObjectURL): those are split by hand, as url.Parse would split
// them; anything else (a query, user info, a fragment, bytes url.Parse refuses) goes through
// url.Parse, which cost a tenth of a presigned URL.
func presignTarget(raw string) (*url.URL, error) {
	if u, ok := splitPlainURL(raw); ok {
		return u, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("s3: presign: %w", err)
	}
	if u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("s3: presign: URL %q is not absolute", raw)
	}
	return u, nil
}

// splitPlainURL splits http(s)://host/path when it holds nothing but what ObjectURL usually
// writes: a host name or IPv4 address and a port, and a path of unreserved bytes, '/' and valid
// escapes. ok is false for anything else (an IPv6 address, a query...).
func splitPlainURL(raw string) (u *url.URL, ok bool) {
	scheme, rest, found := strings.Cut(raw, "://")
	if !found || (scheme != "http" && scheme != "https") {
		return nil, false
	}
	slash := strings.IndexByte(rest, '/')
	if slash <= 0 {
		return nil, false
	}
	host, path := rest[:slash], rest[slash:]
	name, port, _ := strings.Cut(host, ":")
	for i := 0; i < len(name); i++ {
		if !isUnreserved(name[i]) {
			return nil, false
		}
	}
	for i := 0; i < len(port); i++ {
		if port[i] < '0' || port[i] > '9' {
			return nil, false
		}
	}
	for i := 0; i < len(path); i++ {
		switch c := path[i]; {
		case isUnreserved(c) || c == '/':
		case c == '%' && i+2 < len(path) && isHex(path[i+1]) && isHex(path[i+2]):
			i += 2
		default:
			return nil, false
		}
	}
	unescaped, err := url.PathUnescape(path)
	if err != nil {
		return nil, false
	}
	u = &url.URL{Scheme: scheme, Host: host, Path: unescaped}
	if unescaped != path {
		u.RawPath = path
	}
	return u, true
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// SignedRequest is what Verify needs from an incoming request.
type SignedRequest struct {
	Method string
	// Path is the original, still-escaped request path as the client sent
	// it (r.URL.EscapedPath() before any rewriting). The emulator strips a
	// session prefix (/_s/{id}) before routing, but the client signed the
	// original path.
	Path          string
	Query         url.Values  // r.URL.Query()
	Host          string      // r.Host
	Header        http.Header // r.Header
	ContentLength int64       // r.ContentLength (-1 unknown), used when content-length is signed
}

// IsPresigned reports whether the query carries SigV4 query authentication
// (X-Amz-Signature or X-Amz-Algorithm present).
func IsPresigned(q url.Values) bool {
	return q.Has(paramSignature) || q.Has(paramAlgorithm)
}

// Verify checks the SigV4 query authentication of req against creds at time
// now, in the order S3 checks it, so a broken URL gets the error real S3
// would give:
//
//   - the six X-Amz-* parameters are present and well-formed, the algorithm
//     is AWS4-HMAC-SHA256, the credential is <key>/<yyyymmdd>/<region>/s3/aws4_request
//     and its date is X-Amz-Date's (400 AuthorizationQueryParametersError);
//   - the access key is known (403 InvalidAccessKeyId);
//   - the region is creds.Region (400 AuthorizationQueryParametersError);
//   - X-Amz-Expires is 0..604800 (400); X-Amz-Date is at most 15 minutes
//     ahead of now (403 "Request is not valid yet") and now is not after
//     X-Amz-Date + X-Amz-Expires (403 "Request has expired");
//   - host and every x-amz-* request header are signed (403 AccessDenied, HeadersNotSigned);
//   - the signature matches (403 SignatureDoesNotMatch, carrying the string
//     to sign and canonical request computed here).
//
// It returns nil when the request is authentic, otherwise the *Error to
// send. x-amz-* request headers that are not signed are refused as S3 refuses them (403
// AccessDenied with HeadersNotSigned).
func Verify(req SignedRequest, creds Credentials, now time.Time) *Error {
	q := req.Query
	for _, name := range []string{paramAlgorithm, paramCredential, paramSignature, paramDate, paramSignedHeaders, paramExpires} {
		if q.Get(name) == "" {
			return ErrAuthorizationQueryParameters("Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
		}
	}
	if q.Get(paramAlgorithm) != algorithm {
		return ErrAuthorizationQueryParameters(`X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"`)
	}

	// Credential: <access key>/<yyyymmdd>/<region>/s3/aws4_request.
	cred := strings.Split(q.Get(paramCredential), "/")
	if len(cred) != 5 {
		return ErrAuthorizationQueryParameters(`Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`)
	}
	accessKey, scopeDate, region := cred[0], cred[1], cred[2]
	if cred[4] != terminator {
		return ErrAuthorizationQueryParameters(fmt.Sprintf(`Error parsing the X-Amz-Credential parameter; incorrect terminal %q. This endpoint uses "aws4_request".`, cred[4]))
	}
	if cred[3] != serviceName {
		return ErrAuthorizationQueryParameters(fmt.Sprintf(`Error parsing the X-Amz-Credential parameter; incorrect service %q. This endpoint belongs to "s3".`, cred[3]))
	}
	if _, err := time.Parse(scopeDateFormat, scopeDate); err != nil || len(scopeDate) != 8 {
		return ErrAuthorizationQueryParameters(fmt.Sprintf(`Error parsing the X-Amz-Credential parameter; incorrect date format %q. This date in the credential must be in the format "yyyyMMdd".`, scopeDate))
	}
	amzDate := q.Get(paramDate)
	date, err := time.Parse(amzDateFormat, amzDate)
	if err != nil || len(amzDate) != len(amzDateFormat) {
		return ErrAuthorizationQueryParameters(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`)
	}
	if amzDate[:8] != scopeDate {
		return ErrAuthorizationQueryParameters(fmt.Sprintf(`Invalid credential date %q. This date is not the same as X-Amz-Date: %q.`, scopeDate, amzDate[:8]))
	}
	if accessKey != creds.AccessKey {
		return ErrInvalidAccessKeyID(accessKey)
	}
	if region != creds.Region {
		e := ErrAuthorizationQueryParameters(fmt.Sprintf("Error parsing the X-Amz-Credential parameter; the region '%s' is wrong; expecting '%s'", region, creds.Region))
		e.Extra = []Field{{"Region", creds.Region}}
		return e
	}

	expires, err := strconv.Atoi(q.Get(paramExpires))
	switch {
	case err != nil:
		return ErrAuthorizationQueryParameters("X-Amz-Expires should be a number")
	case expires < 0:
		return ErrAuthorizationQueryParameters("X-Amz-Expires must be non-negative")
	case expires > int(MaxPresignExpires/time.Second):
		return ErrAuthorizationQueryParameters("X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds")
	}
	if date.Sub(now) > maxClockSkew {
		return ErrRequestNotYetValid()
	}
	// X-Amz-Expires=0 parses, as on S3, but never authorises anything.
	expiresAt := date.Add(time.Duration(expires) * time.Second)
	if expires == 0 || now.After(expiresAt) {
		return ErrRequestExpired(expires, expiresAt, now)
	}

	signedHeaders := q.Get(paramSignedHeaders)
	names := strings.Split(signedHeaders, ";")
	hostSigned := false
	for _, name := range names {
		hostSigned = hostSigned || name == "host"
	}
	if !hostSigned {
		return ErrHeadersNotSigned("host")
	}
	if unsigned := unsignedAmzHeaders(req.Header, names); unsigned != "" {
		return ErrHeadersNotSigned(unsigned)
	}

	payloadHash := unsignedPayload
	for _, name := range names {
		if name == "x-amz-content-sha256" && req.Header.Get(name) != "" {
			payloadHash = req.Header.Get(name)
		}
	}
	scope := scopeDate + "/" + region + "/" + serviceName + "/" + terminator
	_, e := checkSignature(req, q, names, payloadHash, accessKey, amzDate, scope,
		keySlice(signingKeyOf(creds, scopeDate, region)), q.Get(paramSignature))
	return e
}

// checkSignature rebuilds the canonical request of req and compares its signature with got in
// constant time. It returns the expected signature, and SignatureDoesNotMatch on a mismatch.
func checkSignature(req SignedRequest, q url.Values, names []string, payloadHash, accessKey, amzDate, scope string, key []byte, got string) (string, *Error) {
	creq := canonicalRequest(req.Method, canonicalURI(req.Path), canonicalQuery(q), names,
		func(name string) string { return requestHeaderValue(req, name) }, payloadHash)
	sts := stringToSign(amzDate, scope, creq)
	want := signature(key, sts)
	if subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
		return want, ErrSignatureDoesNotMatch(accessKey, sts, creq, got)
	}
	return want, nil
}

// unsignedAmzHeaders lists (comma-separated, sorted) the x-amz-* headers of h that are not
// among the signed names. S3 refuses such requests: every x-amz-* header must be signed.
func unsignedAmzHeaders(h http.Header, signed []string) string {
	var missing []string
	for name := range h {
		lower := strings.ToLower(name)
		if strings.HasPrefix(lower, "x-amz-") && !slices.Contains(signed, lower) {
			missing = append(missing, lower)
		}
	}
	sort.Strings(missing)
	return strings.Join(missing, ",")
}

// requestHeaderValue returns the canonical value of the signed header name
// in req.
func requestHeaderValue(req SignedRequest, name string) string {
	switch name {
	case "host":
		// net/http moves Host out of the header map into r.Host.
		host := req.Host
		if host == "" {
			host = req.Header.Get("Host")
		}
		return canonicalHeaderValue([]string{stripDefaultPort(host)})
	case "content-length":
		if req.ContentLength >= 0 {
			return strconv.FormatInt(req.ContentLength, 10)
		}
	}
	return canonicalHeaderValue(req.Header.Values(name))
}

// stripDefaultPort removes :80 and :443 from host. The AWS SDKs sign the
// host without the scheme's default port, but some HTTP clients send it; the
// scheme is not known here, and a plain-HTTP server on 443 is not a case
// worth failing valid signatures for.
func stripDefaultPort(host string) string {
	h, port, err := net.SplitHostPort(host)
	if err != nil || (port != "80" && port != "443") {
		return host
	}
	if strings.Contains(h, ":") {
		return "[" + h + "]"
	}
	return h
}

// canonicalHeaderValue joins the values of one header with ',', each
// trimmed and with inner runs of spaces collapsed, as SigV4 requires.
func canonicalHeaderValue(values []string) string {
	cleaned := make([]string, len(values))
	for i, v := range values {
		cleaned[i] = strings.Join(strings.FieldsFunc(v, func(r rune) bool { return r == ' ' }), " ")
		cleaned[i] = strings.TrimSpace(cleaned[i])
	}
	return strings.Join(cleaned, ",")
}

// canonicalRequest assembles the SigV4 canonical request. names are the
// signed header names in X-Amz-SignedHeaders order and value returns the
// canonical value of each.
func canonicalRequest(method, uri, query string, names []string, value func(string) string, payloadHash string) string {
	var b strings.Builder
	b.Grow(len(method) + len(uri) + len(query) + len(payloadHash) + 64*len(names) + 8)
	for _, s := range [...]string{method, "\n", uri, "\n", query, "\n"} {
		b.WriteString(s)
	}
	for _, name := range names {
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(value(name))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	for i, name := range names {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(name)
	}
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// stringToSign is "AWS4-HMAC-SHA256\n<amz date>\n<scope>\n<hex sha256 of
// the canonical request>".
func stringToSign(amzDate, scope, canonicalRequest string) string {
	sum := sha256.Sum256([]byte(canonicalRequest))
	return algorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
}

// signature is hex(HMAC-SHA256(signingKey, stringToSign)).
func signature(signingKey []byte, stringToSign string) string {
	sum := hmacSum(signingKey, stringToSign)
	return hex.EncodeToString(sum[:])
}

// SigningKey derives the SigV4 signing key for service s3:
// HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), "s3"), "aws4_request").
// date is yyyymmdd. Presigned POST policy checks reuse it.
func SigningKey(secret, date, region string) []byte {
	k := signingKey(secret, date, region)
	return k[:]
}

// keySlice returns k as a slice (a key a Signing keeps).
func keySlice(k [sha256.Size]byte) []byte { return k[:] }

// signingKey is SigningKey without an allocation.
func signingKey[T string | []byte](secret string, date T, region string) [sha256.Size]byte {
	var first [64]byte
	k := hmacSum(append(append(first[:0], "AWS4"...), secret...), date)
	k = hmacSum(k[:], region)
	k = hmacSum(k[:], serviceName)
	return hmacSum(k[:], terminator)
}

// hmacSum is HMAC-SHA256 (RFC 2104) of data under key, worked out in buffers on the stack:
// crypto/hmac allocates two digests and their buffers per call, and the five HMACs of one
// presigned URL took a sixth of a signed-url request's CPU, mostly in allocation.
func hmacSum[T string | []byte](key []byte, data T) [sha256.Size]byte {
	const block = 64 // SHA-256's block size
	var k [block]byte
	if len(key) > block {
		h := sha256.Sum256(key)
		copy(k[:], h[:])
	} else {
		copy(k[:], key)
	}
	var small [block + 256]byte // a string to sign fits; a long POST policy takes the heap
	msg := small[:]
	if n := block + len(data); n <= len(small) {
		msg = small[:n]
	} else {
		msg = make([]byte, n)
	}
	for i := range block {
		msg[i] = k[i] ^ 0x36
	}
	copy(msg[block:], data)
	inner := sha256.Sum256(msg)
	var outer [block + sha256.Size]byte
	for i := range block {
		outer[i] = k[i] ^ 0x5c
	}
	copy(outer[block:], inner[:])
	return sha256.Sum256(outer[:])
}

// canonicalURI canonicalises an escaped path the way S3 does: S3 does not
// double-encode, so the path is decoded once and each byte outside the RFC
// 3986 unreserved set and '/' is re-encoded as upper-case %XX. A path that
// does not decode is encoded as it stands; its signature then cannot match,
// and the SignatureDoesNotMatch error shows what was used.
func canonicalURI(escapedPath string) string {
	if escapedPath == "" {
		return "/"
	}
	path, err := url.PathUnescape(escapedPath)
	if err != nil {
		path = escapedPath
	}
	return uriEncode(path, false)
}

// canonicalQuery encodes every parameter except X-Amz-Signature, sorted by
// encoded name then encoded value, as name=value pairs joined by '&'.
func canonicalQuery(q url.Values) string {
	type pair struct{ name, value string }
	pairs := make([]pair, 0, len(q))
	for name, values := range q {
		if name == paramSignature {
			continue
		}
		n := uriEncode(name, true)
		for _, v := range values {
			pairs = append(pairs, pair{n, uriEncode(v, true)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].name != pairs[j].name {
			return pairs[i].name < pairs[j].name
		}
		return pairs[i].value < pairs[j].value
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.name + "=" + p.value)
	}
	return b.String()
}

// uriEncode is SigV4's UriEncode: RFC 3986 unreserved characters
// (A-Za-z0-9-_.~) stay, every other byte becomes upper-case %XX; '/' stays
// too unless encodeSlash.
func uriEncode(s string, encodeSlash bool) string {
	clean := 0 // most names, keys and values need no escaping: then s is the answer, unallocated
	for clean < len(s) && (isUnreserved(s[clean]) || (s[clean] == '/' && !encodeSlash)) {
		clean++
	}
	if clean == len(s) {
		return s
	}
	return string(appendURIEncode(make([]byte, 0, len(s)+16), s, encodeSlash))
}

// appendURIEncode appends uriEncode(s, encodeSlash) to b.
func appendURIEncode[T string | []byte](b []byte, s T, encodeSlash bool) []byte {
	const hexDigits = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) || (c == '/' && !encodeSlash) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
	}
	return b
}

func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}
