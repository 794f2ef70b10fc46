package weavy

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/fileemu/fileemu/internal/fixtures"
	"github.com/fileemu/fileemu/internal/session"
)

// loadFixtures loads the Weavy section of a fixture document into a fresh session.
func (s *service) loadFixtures(sess *session.Session, doc *fixtures.Document) error {
	if doc.Weavy == nil {
		return nil
	}
	return s.modelOf(sess).LoadFixtures(context.Background(), doc.Weavy)
}

// LoadFixtures adds the apps and files of a fixture section, in order: ids are given as the
// API gives them (1, 2, ...), dates are the declared ones or now.
func (m *Model) LoadFixtures(ctx context.Context, w *fixtures.Weavy) error {
	// The default user is as old as the oldest declared object: a fixture with dates gives the
	// same state whenever it is loaded.
	var oldest time.Time
	for _, fa := range w.Apps {
		for _, at := range append([]time.Time{fa.Created}, filesCreated(fa.Files)...) {
			if !at.IsZero() && (oldest.IsZero() || at.Before(oldest)) {
				oldest = at
			}
		}
	}
	if !oldest.IsZero() {
		m.mu.Lock()
		u := m.users[userID]
		u.CreatedAt, u.UpdatedAt = oldest.UTC(), oldest.UTC()
		m.mu.Unlock()
	}
	for _, fa := range w.Apps {
		m.mu.Lock()
		name, desc, md, ts := fa.Name, fa.Description, fa.Metadata, fa.Tags
		a := m.addApp(AppIn{Type: fa.Type, UID: fa.UID, Name: &name, Description: &desc, Metadata: &md, Tags: &ts})
		if !fa.Created.IsZero() {
			m.apps[a.ID].CreatedAt, m.apps[a.ID].UpdatedAt = fa.Created, fa.Created
		}
		m.mu.Unlock()
		for _, ff := range fa.Files {
			if err := m.loadFile(ctx, a.ID, ff); err != nil {
				return fmt.Errorf("weavy app %q: %w", fa.UID, err)
			}
		}
	}
	return nil
}

func (m *Model) loadFile(ctx context.Context, appID int64, ff fixtures.WeavyFile) error {
	blobs := make([]Blob, len(ff.Revisions))
	for i, rev := range ff.Revisions {
		typ := rev.ContentType
		if typ == "" {
			typ = rev.Content.Type
		}
		at := ff.Created
		if at.IsZero() {
			at = m.now()
		}
		st, err := m.stageAt(ctx, rev.Name, typ, bytes.NewReader(rev.Content.Data), 0, false, at)
		if err != nil {
			return fmt.Errorf("file %q: %w", rev.Name, err)
		}
		st.created = at
		b, err := m.Commit(st)
		if err != nil {
			return fmt.Errorf("file %q: %w", rev.Name, err)
		}
		blobs[i] = b
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := ff.Created
	if now.IsZero() {
		now = m.stamp()
	}
	rec := m.addFile(appID, Parent{Type: ParentApp, ID: appID}, ff.Revisions[0].Name, &blobs[0], now, 0)
	for i, rev := range ff.Revisions[1:] {
		rec.Revs = append(rec.Revs, Revision{Rev: i + 2, Name: rev.Name, Content: blobs[i+1].Content, CreatedAt: now, UpdatedAt: now})
	}
	md, ts := ff.Metadata, ff.Tags
	m.applyFile(rec, &md, &ts)
	m.reindex(rec) // its current revision is the last one
	return nil
}

func filesCreated(fs []fixtures.WeavyFile) []time.Time {
	out := make([]time.Time, len(fs))
	for i, f := range fs {
		out[i] = f.Created
	}
	return out
}
