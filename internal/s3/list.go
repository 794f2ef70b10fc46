package s3

import (
	"encoding/base64"
	"strings"

	"github.com/fileemu/fileemu/internal/blobstore"
)

// listing is one page of a bucket listing.
type listing struct {
	Objects   []blobstore.Object // with Name being the key
	Prefixes  []string           // common prefixes
	Truncated bool
	// Last is the last key or common prefix of the page, where the next page starts after;
	// LastIsPrefix says which.
	Last         string
	LastIsPrefix bool
}

// listPage lists the objects (sorted by key, Name = key) after the key after, whose keys start
// with prefix, rolling keys that contain delimiter after the prefix up into common prefixes, at
// most maxKeys entries (objects and prefixes together), as ListObjects(V2) does. With
// skipUnder, after is a common prefix a previous page ended with, and every key under it is
// skipped.
func listPage(objects []blobstore.Object, prefix, delimiter, after string, skipUnder bool, maxKeys int) listing {
	var l listing
	n := 0
	for _, o := range objects {
		key := o.Name
		if !strings.HasPrefix(key, prefix) || key <= after {
			continue
		}
		if skipUnder && strings.HasPrefix(key, after) {
			continue // inside the common prefix the previous page ended with
		}
		entry, isPrefix := key, false
		if delimiter != "" {
			if i := strings.Index(key[len(prefix):], delimiter); i >= 0 {
				entry, isPrefix = key[:len(prefix)+i+len(delimiter)], true
				if len(l.Prefixes) > 0 && l.Prefixes[len(l.Prefixes)-1] == entry {
					continue
				}
			}
		}
		if n == maxKeys {
			l.Truncated = true
			break
		}
		n++
		l.Last, l.LastIsPrefix = entry, isPrefix
		if isPrefix {
			l.Prefixes = append(l.Prefixes, entry)
		} else {
			l.Objects = append(l.Objects, o)
		}
	}
	return l
}

// Continuation tokens are opaque to clients; the emulator's carries the key or common prefix
// to start after, marked "k" or "p".
func encodeToken(after string, isPrefix bool) string {
	mark := "k"
	if isPrefix {
		mark = "p"
	}
	return base64.RawURLEncoding.EncodeToString([]byte(mark + after))
}

func decodeToken(token string) (after string, isPrefix, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) == 0 || (b[0] != 'k' && b[0] != 'p') {
		return "", false, false
	}
	return string(b[1:]), b[0] == 'p', true
}
