package filesro

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/session"
)

// State is the saved files.ro state of a session (api.State): the owner, every folder and file
// in creation order, the shares (with their passwords, which the API never shows), the share
// sessions unlocked by a password, and the chunked uploads in progress. Files' content, their
// cached thumbnails and the chunks received live in the session's blob store and are saved
// with it.
type State struct {
	Version int  `json:"version"`
	Owner   User `json:"owner"`
	// Seq is the last creation sequence number given: items created later list after.
	Seq     int64         `json:"seq"`
	Items   []ItemState   `json:"items"`  // by creation sequence
	Shares  []ShareState  `json:"shares"` // by token
	Cookies []CookieState `json:"share_sessions"`
	Uploads []UploadState `json:"uploads"` // by token, then file name
}

// ItemState is a folder or a file; Seq orders it among its siblings.
type ItemState struct {
	Item
	Seq    int64  `json:"seq"`
	ExifID string `json:"exif_id,omitempty"` // the id of the exif resource the file shows
}

// ShareState is a share with its password.
type ShareState struct {
	Share
	Password string `json:"password,omitempty"`
}

// CookieState is a share session: the share_session cookie value and the share it unlocks.
type CookieState struct {
	Cookie string `json:"cookie"`
	Token  string `json:"token"`
}

// UploadState is a chunked upload in progress: the chunks received, in order, by blob name.
type UploadState struct {
	Token    string    `json:"token"`
	Filename string    `json:"filename"`
	Chunks   []string  `json:"chunks"`
	Size     int64     `json:"size"`
	Last     time.Time `json:"last_chunk_at"`
}

// SaveState returns the model's state.
func (m *Model) SaveState() State {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := State{Version: api.StateVersion, Owner: m.owner, Seq: m.seq, Items: make([]ItemState, 0, len(m.items)),
		Shares: make([]ShareState, 0, len(m.shares)), Cookies: []CookieState{}, Uploads: []UploadState{}}
	for _, it := range m.items {
		is := ItemState{Item: *it, Seq: m.order[it.ID]}
		if it.Exif != nil {
			x := *it.Exif
			is.ExifID, is.Exif = x.ID, &x
		}
		st.Items = append(st.Items, is)
	}
	sort.Slice(st.Items, func(i, j int) bool { return st.Items[i].Seq < st.Items[j].Seq })
	for _, s := range m.shares {
		st.Shares = append(st.Shares, ShareState{Share: *s, Password: s.password})
	}
	sort.Slice(st.Shares, func(i, j int) bool { return st.Shares[i].Token < st.Shares[j].Token })
	for c, tok := range m.cookies {
		st.Cookies = append(st.Cookies, CookieState{Cookie: c, Token: tok})
	}
	sort.Slice(st.Cookies, func(i, j int) bool { return st.Cookies[i].Cookie < st.Cookies[j].Cookie })
	for _, u := range m.uploads {
		st.Uploads = append(st.Uploads, UploadState{Token: u.Token, Filename: u.Filename,
			Chunks: append([]string{}, u.Chunks...), Size: u.Size, Last: u.Last})
	}
	sort.Slice(st.Uploads, func(i, j int) bool {
		return strings.Compare(st.Uploads[i].Token+"\x00"+st.Uploads[i].Filename, st.Uploads[j].Token+"\x00"+st.Uploads[j].Filename) < 0
	})
	return st
}

// LoadState builds a model over blobs from st. Files' content and the chunks of uploads in
// progress must be in blobs.
func LoadState(st State, blobs *blobstore.Store, opts Options) (*Model, error) {
	opts = opts.withDefaults()
	m := &Model{
		blobs: blobs, opts: opts, owner: st.Owner, seq: st.Seq,
		items: map[string]*Item{}, order: map[string]int64{}, children: map[string][]string{},
		shares: map[string]*Share{}, sharedBy: map[string]string{}, cookies: map[string]string{},
		uploads: map[uploadKey]*upload{},
	}
	items := append([]ItemState{}, st.Items...)
	sort.SliceStable(items, func(i, j int) bool { return items[i].Seq < items[j].Seq })
	for _, is := range items {
		it := is.Item
		switch {
		case it.ID == "":
			return nil, fmt.Errorf("item: id is required")
		case m.items[it.ID] != nil:
			return nil, fmt.Errorf("item %q: listed twice", it.ID)
		case it.Kind != KindFolder && it.Kind != KindFile:
			return nil, fmt.Errorf("item %q: unknown kind %q", it.ID, it.Kind)
		case is.Seq <= 0 || is.Seq > st.Seq:
			return nil, fmt.Errorf("item %q: seq %d not in 1..seq (%d)", it.ID, is.Seq, st.Seq)
		}
		if it.Kind == KindFile {
			if _, ok := blobs.Stat(fileBlob(it.ID)); !ok {
				return nil, fmt.Errorf("file %q: object %q: %w", it.ID, fileBlob(it.ID), blobstore.ErrNotFound)
			}
		}
		if it.Exif != nil {
			x := *it.Exif
			x.ID = is.ExifID
			it.Exif = &x
		}
		m.items[it.ID] = &it
		m.order[it.ID] = is.Seq
		m.children[it.ParentID] = append(m.children[it.ParentID], it.ID)
	}
	for id, it := range m.items {
		if p := it.ParentID; p != "" && (m.items[p] == nil || m.items[p].Kind != KindFolder) {
			return nil, fmt.Errorf("item %q: parent %q is not a folder", id, p)
		}
		// Folders form a tree: following parents reaches the root.
		for n, p := 0, it.ParentID; p != ""; n, p = n+1, m.items[p].ParentID {
			if n > len(m.items) {
				return nil, fmt.Errorf("item %q: its parents form a cycle", id)
			}
		}
	}
	for _, ss := range st.Shares {
		s := ss.Share
		s.password = ss.Password
		switch {
		case s.Token == "":
			return nil, fmt.Errorf("share: token is required")
		case m.shares[s.Token] != nil:
			return nil, fmt.Errorf("share %q: listed twice", s.Token)
		case m.items[s.ItemID] == nil:
			return nil, fmt.Errorf("share %q: item %q does not exist", s.Token, s.ItemID)
		}
		m.addShare(&s)
	}
	for _, c := range st.Cookies {
		m.cookies[c.Cookie] = c.Token
	}
	for _, us := range st.Uploads {
		k := uploadKey{us.Token, us.Filename}
		if m.uploads[k] != nil {
			return nil, fmt.Errorf("upload %q of share %q: listed twice", us.Filename, us.Token)
		}
		for _, c := range us.Chunks {
			if _, ok := blobs.Stat(c); !ok {
				return nil, fmt.Errorf("upload %q of share %q: chunk object %q: %w", us.Filename, us.Token, c, blobstore.ErrNotFound)
			}
		}
		m.uploads[k] = &upload{Token: us.Token, Filename: us.Filename, Chunks: append([]string{}, us.Chunks...),
			Size: us.Size, Last: us.Last}
	}
	return m, nil
}

// state is files.ro's api.State.
func state(opts Options) *api.State {
	return api.ModelState("filesro", func(m *Model) (State, *blobstore.Store) { return m.SaveState(), nil },
		func(st State, s *session.Session, _ *blobstore.Store) (*Model, error) {
			o := opts
			o.Clock = s.Clock.Now // the session's clock, as the handlers' models get it
			return LoadState(st, s.Blobs, o)
		})
}
