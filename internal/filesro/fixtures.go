package filesro

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/fixtures"
	"github.com/fileemu/fileemu/internal/session"
)

//go:embed default-fixture.yaml
var defaultFixtureYAML []byte

// DefaultFixtureYAML is the default fixture: the shares every new session starts with.
func DefaultFixtureYAML() []byte { return bytes.Clone(defaultFixtureYAML) }

// defaultFixture is the parsed default fixture; it is read-only once parsed.
var defaultFixture = sync.OnceValue(func() *fixtures.FilesRO {
	doc, err := fixtures.Parse("filesro/default-fixture.yaml", defaultFixtureYAML, fixtures.Options{})
	if err != nil {
		panic("the embedded default fixture does not parse: " + err.Error()) // a build error; TestDefaultFixture catches it
	}
	return doc.FilesRO
})

// SeedShares are the shares every session starts with: those of the default fixture.
func SeedShares() []ShareFixture {
	var out []ShareFixture
	for _, s := range defaultFixture().Shares {
		out = append(out, ShareFixture{Token: s.Token, Folder: s.Folder, Permission: s.Permission, Password: s.Password, ExpireIn: s.ExpireIn})
	}
	return out
}

// loadFixtures loads the files.ro section of a fixture document into a fresh session: its
// shares replace the default ones.
func (s *service) loadFixtures(sess *session.Session, doc *fixtures.Document) error {
	if doc.FilesRO == nil {
		return nil
	}
	o := s.opts
	o.Clock = sess.Clock.Now // the session's clock, as the handlers' models get it
	m := session.Model(sess, "filesro", func() *Model { return newModel(sess.Blobs, o) })
	return m.LoadFixtures(context.Background(), doc.FilesRO)
}

// LoadFixtures adds the shares of a fixture section, each a new folder at the owner's root
// holding its items. Ids not declared are derived from the emulator seed and the item's place
// (share token and path), so they are the same in every session.
func (m *Model) LoadFixtures(ctx context.Context, f *fixtures.FilesRO) error {
	for _, s := range f.Shares {
		shareID, folderID := s.ID, s.FolderID
		if shareID == "" {
			shareID = seededUUID(m.opts.Seed, "share "+s.Token)
		}
		if folderID == "" {
			folderID = seededUUID(m.opts.Seed, "folder "+s.Token)
		}
		m.mu.Lock()
		folder := m.addFixture(ShareFixture{Token: s.Token, Folder: s.Folder, Permission: s.Permission, Password: s.Password, ExpireIn: s.ExpireIn},
			folderID, shareID)
		if !s.Created.IsZero() {
			folder.Created, folder.Updated = s.Created, s.Created
			m.shares[s.Token].Created = s.Created
		}
		m.mu.Unlock()
		if err := m.loadItems(ctx, s.Token, s.Token, folder.ID, s.Items); err != nil {
			return fmt.Errorf("filesro share %q: %w", s.Token, err)
		}
	}
	return nil
}

func (m *Model) loadItems(ctx context.Context, token, where, parentID string, items []fixtures.Item) error {
	for _, in := range items {
		id := in.ID
		if id == "" {
			id = seededUUID(m.opts.Seed, "item "+where+"/"+in.Name)
		}
		if in.Folder {
			m.mu.Lock()
			it := m.newItem(id, KindFolder, in.Name, parentID)
			stamp(it, in)
			m.mu.Unlock()
			if err := m.loadItems(ctx, token, where+"/"+in.Name, id, in.Items); err != nil {
				return err
			}
			continue
		}
		if err := m.loadFile(ctx, id, parentID, in); err != nil {
			return fmt.Errorf("file %q: %w", where+"/"+in.Name, err)
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

func stamp(it *Item, in fixtures.Item) {
	if !in.Created.IsZero() {
		it.Created, it.Updated = in.Created, in.Created
	}
}

// loadFile stores a file's content and records it as an upload would: media type, image size,
// thumbnail ability and Exif read from the content.
func (m *Model) loadFile(ctx context.Context, id, parentID string, in fixtures.Item) error {
	blob := fileBlob(id)
	ct := in.ContentType
	if ct == "" {
		ct = in.Content.Type
	}
	obj, err := m.blobs.Put(ctx, blob, bytes.NewReader(in.Content.Data), blobstore.PutOptions{
		ContentType: ct, SizeHint: int64(len(in.Content.Data)), Now: fixtureTime(in.Created, m.now)})
	if err != nil {
		return err
	}
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(in.Name), "."))
	md, err := analyze(m.blobs, blob, ext)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.items[id]; dup {
		return fmt.Errorf("item id %s is taken", id)
	}
	it := m.newItem(id, KindFile, in.Name, parentID)
	it.Extension, it.Basename = ext, id
	if ext != "" {
		it.Basename += "." + ext
	}
	it.Size, it.SHA256 = obj.Size, obj.SHA256
	it.MimeType, it.Type, it.Width, it.Height = md.MimeType, md.Type, md.Width, md.Height
	it.Thumbnail, it.Orientation, it.Exif = md.Thumbnail, md.Orientation, md.Exif
	stamp(it, in)
	return nil
}
