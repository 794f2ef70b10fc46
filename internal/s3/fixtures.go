package s3

import (
	"bytes"
	"context"
	"fmt"

	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/fixtures"
	"github.com/fileemu/fileemu/internal/session"
)

// loadFixtures loads the S3 section of a fixture document into a fresh session: buckets, and
// objects stored as a PutObject stores them.
func (s *target) loadFixtures(sess *session.Session, doc *fixtures.Document) error {
	if doc.S3 == nil {
		return nil
	}
	m := modelOf(sess)
	now := sess.Clock.Now()
	for _, b := range doc.S3.Buckets {
		// A bucket is as old as its oldest object (a fixture gives buckets no date of their own).
		created := now
		for _, o := range b.Objects {
			if !o.Created.IsZero() && (created == now || o.Created.Before(created)) {
				created = o.Created
			}
		}
		m.CreateBucket(b.Name, created)
		for _, o := range b.Objects {
			ct := o.ContentType
			if ct == "" {
				ct = o.Content.Type
			}
			if ct == "" {
				ct = "binary/octet-stream" // what S3 stores for a PUT without Content-Type
			}
			at := o.Created
			if at.IsZero() {
				at = now
			}
			if _, err := sess.Blobs.Put(context.Background(), ObjectName(b.Name, o.Key), bytes.NewReader(o.Content.Data),
				blobstore.PutOptions{ContentType: ct, SizeHint: int64(len(o.Content.Data)), Now: at}); err != nil {
				return fmt.Errorf("s3 object %s/%s: %w", b.Name, o.Key, err)
			}
		}
	}
	return nil
}
