package haufe

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/fixtures"
	"github.com/fileemu/fileemu/internal/s3"
	"github.com/fileemu/fileemu/internal/session"
)

// loadFixtures loads the Haufe section of a fixture document into a fresh session.
func (s *service) loadFixtures(sess *session.Session, doc *fixtures.Document) error {
	if doc.Haufe == nil {
		return nil
	}
	m := s.modelOf(sess)
	return m.LoadFixtures(context.Background(), doc.Haufe)
}

// LoadFixtures adds the files and threads of a fixture section. A file's state is reached the
// way an upload reaches it: pending has no upload; processing has one that no status poll has
// seen yet (the next poll answers PROCESSING, then processing goes on as usual); processed and
// failed have finished. persist=false files expire 24 h after their creation date.
func (m *Model) LoadFixtures(ctx context.Context, h *fixtures.Haufe) error {
	for _, ff := range h.Files {
		if err := m.loadFile(ctx, ff); err != nil {
			return fmt.Errorf("haufe file %q: %w", ff.Name, err)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, ft := range h.Threads {
		if err := m.loadThread(ft); err != nil {
			return fmt.Errorf("haufe thread %q: %w", ft.ID, err)
		}
	}
	return nil
}

func (m *Model) loadFile(ctx context.Context, ff fixtures.HaufeFile) error {
	id, created := ff.ID, ff.Created
	if id == "" {
		id = NewUUID()
	}
	if created.IsZero() {
		created = m.now()
	}
	f := &File{ID: id, UserID: ff.User, Name: ff.Name, Persist: ff.Persist, Created: created,
		Object: s3.ObjectName(Bucket, ObjectKey(id, ff.Name))}
	if !ff.Persist {
		f.ExpiresAt = created.Add(retention)
	}
	if ff.Content != nil && ff.State != "pending" {
		if _, err := m.blobs.Put(ctx, f.Object, bytes.NewReader(ff.Content.Data), blobstore.PutOptions{
			ContentType: ff.ContentType, SizeHint: int64(len(ff.Content.Data)), Now: created}); err != nil {
			return err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.files[id]; dup {
		return fmt.Errorf("file id %s is taken", id)
	}
	m.files[id] = f
	if !m.sync(f) {
		return nil
	}
	switch ff.State {
	case "processed":
		return m.finish(f, created, false)
	case "failed":
		return m.finish(f, created, true)
	}
	return nil
}

// loadThread adds a thread and its messages. Callers hold m.mu.
func (m *Model) loadThread(ft fixtures.HaufeThread) error {
	id, created := ft.ID, ft.Created
	if id == "" {
		id = NewUUID()
	}
	if created.IsZero() {
		created = m.now()
	}
	if _, dup := m.threads[id]; dup {
		return fmt.Errorf("thread id %s is taken", id)
	}
	t := &Thread{ID: id, TenantID: TenantID(ft.APIKey), AssistantID: ft.Assistant, UserID: ft.User,
		Title: ft.Title, Created: created, Updated: created, Messages: []*Message{}}
	for _, fm := range ft.Messages {
		msg := &Message{ID: fm.ID, ThreadID: t.ID, Role: fm.Role, Content: fm.Content, Created: fm.Created}
		if msg.ID == "" {
			msg.ID = NewUUID()
		}
		if msg.Created.IsZero() { // a second after the one before: the order reads as declared
			msg.Created = t.Updated
			if len(t.Messages) > 0 {
				msg.Created = msg.Created.Add(time.Second)
			}
		}
		if fm.Attach != "" {
			f, e := m.lookup(t.UserID, fm.Attach)
			if e != nil {
				return e
			}
			if f.Status != StatusProcessed {
				return errConflict()
			}
			msg.Attachments = []Attachment{{FileID: f.ID, FileName: f.Name}}
			t.Attachment = f.ID
		}
		t.Messages = append(t.Messages, msg)
		t.Updated = msg.Created
	}
	m.threads[t.ID] = t
	m.order = append(m.order, t)
	return nil
}
