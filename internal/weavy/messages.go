package weavy

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// MessageQuery pages messages or comments: by id, ascending unless Desc.
type MessageQuery struct {
	Desc       bool
	Skip, Take int
	CountOnly  bool
}

// MessagePage is one page of messages or comments.
type MessagePage struct {
	Messages          []Message
	Start, End, Count int
}

// ListMessages lists the messages of a chat app.
func (m *Model) ListMessages(appKey string, q MessageQuery) (MessagePage, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, err := m.app(appKey)
	if err != nil {
		return MessagePage{}, err
	}
	if !isChat(a.Type) {
		return MessagePage{}, errBadRequest("App %q is a %s app: messages are in chat apps.", appKey, a.Type)
	}
	return m.pageMessages(func(rec *messageRec) bool { return rec.Type == ParentMessage && rec.AppID == a.ID }, q), nil
}

// commentParent resolves what comments hang on: a post or a file that is not trashed. Callers
// hold m.mu.
func (m *Model) commentParent(p Parent) (appID int64, err error) {
	switch p.Type {
	case ParentPost:
		post, ok := m.messages[p]
		if !ok {
			return 0, errNotFound("Post %d not found.", p.ID)
		}
		return post.AppID, nil
	case ParentFile:
		f, err := m.file(p.ID, false)
		if err != nil {
			return 0, err
		}
		return f.AppID, nil
	}
	return 0, errNotFound("%s %d not found.", strings.ToUpper(p.Type[:1])+p.Type[1:], p.ID)
}

// CommentOn comments on a post or a file.
func (m *Model) CommentOn(p Parent, in MessageIn) (Message, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	appID, err := m.commentParent(p)
	if err != nil {
		return Message{}, err
	}
	return m.addMessage(ParentComment, appID, &p, in)
}

// ListComments lists the comments of a post or a file.
func (m *Model) ListComments(p Parent, q MessageQuery) (MessagePage, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.commentParent(p); err != nil {
		return MessagePage{}, err
	}
	return m.pageMessages(func(rec *messageRec) bool {
		return rec.Type == ParentComment && rec.Parent != nil && *rec.Parent == p
	}, q), nil
}

// pageMessages pages the stored messages keep accepts. Callers hold m.mu.
func (m *Model) pageMessages(keep func(*messageRec) bool, q MessageQuery) MessagePage {
	var matched []*messageRec
	for _, rec := range m.messages {
		if keep(rec) {
			matched = append(matched, rec)
		}
	}
	p := MessagePage{Count: len(matched)}
	if q.CountOnly {
		return p
	}
	slices.SortFunc(matched, func(x, y *messageRec) int {
		if q.Desc {
			return cmp.Compare(y.ID, x.ID)
		}
		return cmp.Compare(x.ID, y.ID)
	})
	p.Start, p.End = pageBounds(len(matched), q.Skip, q.Take)
	for _, rec := range matched[p.Start:p.End] {
		p.Messages = append(p.Messages, m.message(rec))
	}
	return p
}

// Subscribe sets whether the file is subscribed to.
func (m *Model) Subscribe(id int64, on bool) (File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, err := m.file(id, false)
	if err != nil {
		return File{}, err
	}
	f.Subscribed = on
	return m.current(f), nil
}

// Message is a message, post or comment.
type Message struct {
	ID          int64
	Type        string // ParentMessage, ParentPost or ParentComment
	App         AppRef
	Parent      *Parent // the post of a comment
	Text        string
	Attachments []File
	CreatedAt   time.Time
	CreatedBy   int64
}

type messageRec struct {
	ID        int64     `json:"id"`
	Type      string    `json:"type"`
	AppID     int64     `json:"app_id"`
	Parent    *Parent   `json:"parent,omitempty"`
	Text      string    `json:"text,omitempty"`
	Files     []int64   `json:"files,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy int64     `json:"created_by"`
}

// MessageIn is a message, post or comment to create.
type MessageIn struct {
	Text  string
	Blobs []int64
	By    int64 // the acting user (0: user 1)
}

// appTypeOf is the app type that holds each kind of message.
var appTypeOf = map[string]string{ParentMessage: AppChat, ParentPost: AppPosts}

// CreateMessage creates a message (in a chat app) or a post (in a posts app); typ is
// ParentMessage or ParentPost. Each blob becomes an attachment.
func (m *Model) CreateMessage(typ, appKey string, in MessageIn) (Message, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, err := m.app(appKey)
	if err != nil {
		return Message{}, err
	}
	if want := appTypeOf[typ]; a.Type != want && !(want == AppChat && isChat(a.Type)) {
		return Message{}, errBadRequest("App %q is a %s app: %ss are created in %s apps.", appKey, a.Type, typ, want)
	}
	return m.addMessage(typ, a.ID, nil, in)
}

// addMessage stores a message with its attachments, checking every blob first. Callers hold m.mu.
func (m *Model) addMessage(typ string, appID int64, parent *Parent, in MessageIn) (Message, error) {
	if in.Text == "" && len(in.Blobs) == 0 {
		return Message{}, errInvalid("text", "A %s needs text or blobs.", typ)
	}
	blobs := make([]*Blob, 0, len(in.Blobs))
	for i, id := range in.Blobs {
		b, err := m.blob(fmt.Sprintf("blobs[%d]", i), id)
		if err != nil {
			return Message{}, err
		}
		blobs = append(blobs, b)
	}
	now := m.stamp()
	rec := &messageRec{ID: m.newID(typ), Type: typ, AppID: appID, Parent: parent, Text: in.Text, CreatedAt: now, CreatedBy: actor(in.By)}
	for _, b := range blobs {
		f := m.addFile(appID, Parent{Type: typ, ID: rec.ID}, b.Name, b, now, in.By)
		rec.Files = append(rec.Files, f.ID)
	}
	m.messages[Parent{Type: typ, ID: rec.ID}] = rec
	return m.message(rec), nil
}

// message renders a stored message with its attachments that still exist. Callers hold m.mu.
func (m *Model) message(rec *messageRec) Message {
	out := Message{ID: rec.ID, Type: rec.Type, Parent: rec.Parent, Text: rec.Text, CreatedAt: rec.CreatedAt, CreatedBy: actor(rec.CreatedBy)}
	if a, ok := m.apps[rec.AppID]; ok {
		out.App = a.ref()
	}
	for _, id := range rec.Files {
		if f, ok := m.files[id]; ok && !f.Trashed {
			out.Attachments = append(out.Attachments, m.current(f))
		}
	}
	return out
}
