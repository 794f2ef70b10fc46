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
// key ends in ";uploads"), and the spec describes e.g. POST /s3/{bucket}/{key};uploads. Only the
// method and sub-resource pairs the emulator implements get such a path; any other sub-resource
// (?acl, ?tagging, HEAD ?uploadId...) gets a path with an extra segment that no operation
// matches, which is answered 501 NotImplemented.

// subresources are the query parameters by which S3 selects another operation on the same path.
// partNumber alone (GetObject by part) and versionId are left out: they select within
// GetObject, and the emulator ignores them.
var subresources = []string{
	"accelerate", "acl", "analytics", "attributes", "cors", "delete", "encryption",
	"intelligent-tiering", "inventory", "legal-hold", "lifecycle", "list-type", "location", "logging",
	"metrics", "notification", "object-lock", "ownershipControls", "policy", "policyStatus",
	"publicAccessBlock", "replication", "requestPayment", "restore", "retention", "select",
	"tagging", "torrent", "uploadId", "uploads", "versioning", "versions", "website",
}

// implemented lists the routed sub-resources by level and method.
var implemented = map[string]bool{
	"object POST uploads":          true, // createMultipartUpload
	"object PUT uploadId":          true, // uploadPart
	"object POST uploadId":         true, // completeMultipartUpload
	"object DELETE uploadId":       true, // abortMultipartUpload
	"object GET uploadId":          true, // listParts
	"object PUT x-amz-copy-source": true, // copyObject
	"bucket POST delete":           true, // deleteObjects
	"bucket GET list-type=2":       true, // listObjectsV2
	"bucket GET uploads":           true, // listMultipartUploads
	"bucket GET location":          true, // getBucketLocation
}

// routingPath is the escaped path the spec router sees for r: /s3/{bucket} or
// /s3/{bucket}/{key} with the key's slashes escaped, /s3/{bucket}/ being the bucket itself,
// plus ";<sub-resource>" when the query or a copy source selects another operation.
func routingPath(r *http.Request) string {
	rest := strings.TrimPrefix(r.URL.Path, Prefix)
	bucket, key, _ := strings.Cut(rest, "/")
	p, level := Prefix+url.PathEscape(bucket), "bucket"
	if key != "" {
		p, level = p+"/"+url.PathEscape(key), "object"
	}
	sub := subresource(r, level == "object")
	switch {
	case sub == "":
		return p
	case implemented[level+" "+r.Method+" "+sub]:
		return p + ";" + sub
	default:
		return p + "/;/" + sub // matches no operation: 501
	}
}

// subresource returns the operation-selecting query parameter or header of r ("uploads",
// "list-type=2", "x-amz-copy-source"), or "" for a plain object or bucket request.
func subresource(r *http.Request, object bool) string {
	q := r.URL.Query()
	for _, name := range subresources {
		if q.Has(name) {
			if name == "list-type" {
				return name + "=" + q.Get(name)
			}
			return name
		}
	}
	if object && r.Header.Get("x-amz-copy-source") != "" {
		return "x-amz-copy-source"
	}
	return ""
}
