package s3

import (
	"net/http"
	"net/url"
	"strings"
)

// S3 tells many operations apart by a query parameter (?uploads, ?uploadId, ?list-type=2,
// ?delete) or a header (x-amz-copy-source) on the same path and method, which an OpenAPI
// document cannot express. routingPath therefore appends the sub-resource to the last path
// segment after a ';' (a character url.PathEscape always escapes, so no bucket name or escaped
// key ends in ";uploads"), and the spec describes e.g. POST /s3/{bucket}/{key};uploads. A
// sub-resource the emulator does not implement (?acl, ?tagging...) gets a path the spec lacks,
// which is answered 501 NotImplemented.

// subresources are the query parameters by which S3 selects another operation on the same path.
// partNumber alone (GetObject by part) and versionId are left out: they select within
// GetObject, and the emulator ignores them.
var subresources = []string{
	"accelerate", "acl", "analytics", "attributes", "cors", "delete", "encryption",
	"intelligent-tiering", "inventory", "legal-hold", "lifecycle", "location", "logging", "metrics",
	"notification", "object-lock", "ownershipControls", "policy", "policyStatus",
	"publicAccessBlock", "replication", "requestPayment", "restore", "retention", "select",
	"tagging", "torrent", "uploadId", "uploads", "versioning", "versions", "website",
}

// routingPath is the escaped path the spec router sees for r: /s3/{bucket} or
// /s3/{bucket}/{key} with the key's slashes escaped, /s3/{bucket}/ being the bucket itself,
// plus ";<sub-resource>" when the query or a copy source selects another operation.
func routingPath(r *http.Request) string {
	rest := strings.TrimPrefix(r.URL.Path, Prefix)
	bucket, key, _ := strings.Cut(rest, "/")
	p := Prefix + url.PathEscape(bucket)
	if key != "" {
		p += "/" + url.PathEscape(key)
	}
	return p + subresource(r, key != "")
}

// subresource returns ";name" for the operation-selecting query parameter or header of r, or
// "" for a plain object or bucket request.
func subresource(r *http.Request, object bool) string {
	q := r.URL.Query()
	for _, name := range subresources {
		if q.Has(name) {
			return ";" + name
		}
	}
	if !object && q.Has("list-type") {
		return ";list-type=" + q.Get("list-type")
	}
	if object && r.Method == http.MethodPut && r.Header.Get("x-amz-copy-source") != "" {
		return ";x-amz-copy-source"
	}
	return ""
}
