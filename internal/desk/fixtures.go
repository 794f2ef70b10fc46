package desk

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/fixtures"
	"github.com/fileemu/fileemu/internal/media"
	"github.com/fileemu/fileemu/internal/session"
)

// loadFixtures loads the Desk section of a fixture document into a fresh session.
func (s *service) loadFixtures(sess *session.Session, doc *fixtures.Document) error {
	if doc.Desk == nil {
		return nil
	}
	return s.modelOf(sess).LoadFixtures(context.Background(), doc.Desk)
}

// LoadFixtures adds the files of a fixture section the way clients make them: an upload
// reference, the upload into the fake S3, the activation (and deletion), then the declared dates.
func (m *Model) LoadFixtures(ctx context.Context, d *fixtures.Desk) error {
	for _, ff := range d.Files {
		if err := m.loadFile(ctx, ff); err != nil {
			return fmt.Errorf("desk file %q: %w", ff.Name, err)
		}
	}
	return nil
}

// fixtureTime is a fixture object's date, or now when it gives none.
func fixtureTime(at time.Time, now func() time.Time) time.Time {
	if at.IsZero() {
		return now()
	}
	return at
}

func (m *Model) loadFile(ctx context.Context, ff fixtures.DeskFile) error {
	mime := ff.MimeType
	if mime == "" {
		if mime = media.TypeByExtension(ff.Name); mime == "" {
			mime = "application/octet-stream"
		}
	}
	f, err := m.CreateRef(RefIn{FileName: ff.Name, MimeType: mime, Disposition: ff.Disposition, Type: ff.Type})
	if err != nil {
		return err
	}
	if ff.Content != nil {
		if _, err := m.blobs.Put(ctx, f.S3Path(), bytes.NewReader(ff.Content.Data), blobstore.PutOptions{
			ContentType: mime, SizeHint: int64(len(ff.Content.Data)), Now: fixtureTime(ff.Created, m.now)}); err != nil {
			return err
		}
		if ff.State != StateTemp {
			if _, err := m.Activate(f.ID); err != nil {
				return err
			}
		}
	}
	if ff.State == StateDeleted {
		if err := m.Delete(f.ID); err != nil {
			return err
		}
	}
	if !ff.Created.IsZero() {
		m.mu.Lock()
		rec := m.files[f.ID]
		at := ff.Created.UTC().Truncate(time.Microsecond) // what Desk shows
		rec.CreatedAt, rec.UpdatedAt = at, at
		if rec.State == StateDeleted {
			rec.DeletedAt = at
		}
		m.mu.Unlock()
	}
	return nil
}
