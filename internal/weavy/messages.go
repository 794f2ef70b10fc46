package weavy

import (
	"cmp"
	"slices"
	"strings"
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
