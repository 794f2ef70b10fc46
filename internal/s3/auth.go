package s3

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Values of x-amz-content-sha256 besides a hex SHA-256 of the body.
const (
	streamingSigned        = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	streamingSignedTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	streamingUnsigned      = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)

var hexSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Signing is what a verified request was signed with: the body decoders check a hex payload
// hash against it and chain aws-chunked chunk signatures from its signature (the seed).
type Signing struct {
	// Payload is x-amz-content-sha256 (UNSIGNED-PAYLOAD for a presigned URL without it).
	Payload string
	// AmzDate, Scope and Key sign the chunks; Seed is the request's own signature. Key is nil
	// when nothing was verified (lenient mode): chunk signatures are then not checked.
	AmzDate, Scope string
	Key            []byte
	Seed           string
}

// VerifyHeader checks SigV4 header authentication (Authorization: AWS4-HMAC-SHA256
// Credential=..., SignedHeaders=..., Signature=...) against creds at time now, as S3 does:
//
//   - the header has the three components and a well-formed credential
//     <key>/<yyyymmdd>/<region>/s3/aws4_request (400 AuthorizationHeaderMalformed; a wrong
//     region names the expected one);
//   - the access key is known (403 InvalidAccessKeyId);
//   - x-amz-date (or Date) is present (403 AccessDenied), its day is the credential's (400
//     AuthorizationHeaderMalformed) and it is within 15 minutes of now (403 RequestTimeTooSkewed);
//   - x-amz-content-sha256 is present (400 InvalidRequest) and is UNSIGNED-PAYLOAD, a STREAMING-*
//     value or a hex SHA-256 (400 InvalidArgument);
//   - host and every x-amz-* header are signed (403 AccessDenied, HeadersNotSigned);
//   - the signature matches (403 SignatureDoesNotMatch with StringToSign and CanonicalRequest).
//
// The body is not read: the returned Signing tells the caller how to check it.
func VerifyHeader(req SignedRequest, creds Credentials, now time.Time) (*Signing, *Error) {
	auth := req.Header.Get("Authorization")
	rest, ok := strings.CutPrefix(auth, algorithm+" ")
	if !ok {
		return nil, &Error{Status: http.StatusBadRequest, Code: "InvalidArgument",
			Message: "Unsupported Authorization Type",
			Extra:   []Field{{"ArgumentName", "Authorization"}, {"ArgumentValue", auth}}}
	}
	parts := map[string]string{}
	for _, p := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		parts[k] = v
	}
	credential, signedHeaders, got := parts["Credential"], parts["SignedHeaders"], parts["Signature"]
	if credential == "" || signedHeaders == "" || got == "" {
		return nil, errHeaderMalformed("the authorization header requires three components: Credential, SignedHeaders, and Signature.")
	}
	cred := strings.Split(credential, "/")
	if len(cred) != 5 || cred[3] != serviceName || cred[4] != terminator || len(cred[1]) != 8 {
		return nil, errHeaderMalformed(`the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`)
	}
	accessKey, scopeDate, region := cred[0], cred[1], cred[2]
	if _, err := time.Parse(scopeDateFormat, scopeDate); err != nil {
		return nil, errHeaderMalformed(fmt.Sprintf("incorrect date format %q. This date in the credential must be in the format \"yyyyMMdd\".", scopeDate))
	}
	if accessKey != creds.AccessKey {
		return nil, ErrInvalidAccessKeyID(accessKey)
	}
	if region != creds.Region {
		e := errHeaderMalformed(fmt.Sprintf("the region '%s' is wrong; expecting '%s'", region, creds.Region))
		e.Extra = append(e.Extra, Field{"Region", creds.Region})
		return nil, e
	}

	amzDate := req.Header.Get("X-Amz-Date")
	date, err := time.Parse(amzDateFormat, amzDate)
	if amzDate == "" {
		// SigV4 allows the Date header instead; the SDKs always send x-amz-date.
		if date, err = http.ParseTime(req.Header.Get("Date")); err == nil {
			amzDate = date.UTC().Format(amzDateFormat)
		}
	}
	if err != nil {
		return nil, ErrAccessDenied("AWS authentication requires a valid Date or x-amz-date header")
	}
	if amzDate[:8] != scopeDate {
		return nil, errHeaderMalformed(fmt.Sprintf("Invalid credential date %q. This date is not the same as X-Amz-Date: %q.", scopeDate, amzDate[:8]))
	}
	if skew := now.Sub(date); skew > maxClockSkew || skew < -maxClockSkew {
		return nil, &Error{Status: http.StatusForbidden, Code: "RequestTimeTooSkewed",
			Message: "The difference between the request time and the current time is too large.",
			Extra: []Field{
				{"RequestTime", date.UTC().Format(time.RFC3339)},
				{"ServerTime", now.UTC().Format(time.RFC3339)},
				{"MaxAllowedSkewMilliseconds", "900000"},
			}}
	}

	payload := req.Header.Get("X-Amz-Content-Sha256")
	switch {
	case payload == "":
		return nil, ErrInvalidRequest("Missing required header for this request: x-amz-content-sha256")
	case payload == unsignedPayload, payload == streamingSigned, payload == streamingSignedTrailer,
		payload == streamingUnsigned, hexSHA256.MatchString(payload):
	default:
		return nil, &Error{Status: http.StatusBadRequest, Code: "InvalidArgument",
			Message: "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, or a valid sha256 value.",
			Extra:   []Field{{"ArgumentName", "x-amz-content-sha256"}, {"ArgumentValue", payload}}}
	}

	names := strings.Split(signedHeaders, ";")
	if !slices.Contains(names, "host") {
		return nil, ErrHeadersNotSigned("host")
	}
	if unsigned := unsignedAmzHeaders(req.Header, names); unsigned != "" {
		return nil, ErrHeadersNotSigned(unsigned)
	}
	scope := scopeDate + "/" + region + "/" + serviceName + "/" + terminator
	key := keySlice(signingKeyOf(creds, scopeDate, region))
	if _, e := checkSignature(req, req.Query, names, payload, accessKey, amzDate, scope, key, got); e != nil {
		return nil, e
	}
	return &Signing{Payload: payload, AmzDate: amzDate, Scope: scope, Key: key, Seed: got}, nil
}

// IsHeaderSigned reports whether h carries SigV4 (or another) Authorization header.
func IsHeaderSigned(h http.Header) bool { return h.Get("Authorization") != "" }
