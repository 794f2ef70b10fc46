package haufe

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/brianvoe/gofakeit/v7"
)

// Message roles, as documented for "Create a message".
const (
	RoleUser      = "user"
	RoleSystem    = "system"
	RoleTool      = "tool"
	RoleAssistant = "assistant"
)

// UnavailableAssistant is the one assistant id fileemu treats as not available to any tenant,
// so that clients can exercise assistant_not_available; every other UUID is an available
// assistant (real ids come from onboarding, so an emulator cannot know them).
const UnavailableAssistant = "00000000-0000-0000-0000-000000000000"

// Thread is a conversation of one tenant (API key) with an assistant, optionally on behalf of
// an end user.
type Thread struct {
	ID          string    `json:"id"`
	TenantID    string    `json:"tenant_id"`
	AssistantID string    `json:"assistant_id"`
	UserID      string    `json:"user_id,omitempty"` // "" when the thread was created without one
	Title       *string   `json:"title"`
	Created     time.Time `json:"created_at"`
	Updated     time.Time `json:"last_updated_at"`
	Deleted     bool      `json:"deleted"`
	// Attachment is the file attached in this thread (at most one).
	Attachment string     `json:"attachment,omitempty"`
	Messages   []*Message `json:"messages"`
}

// Message is one entry of a thread's message stack.
type Message struct {
	ID          string       `json:"id"`
	ThreadID    string       `json:"thread_id"`
	Role        string       `json:"role"`
	Content     string       `json:"content"`
	ToolCallID  string       `json:"tool_call_id,omitempty"`
	ToolCalls   []ToolCall   `json:"tool_calls,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
	Created     time.Time    `json:"created_at"`
}

// ToolCall is one tool call an assistant message requests; it is kept as sent.
type ToolCall struct {
	ID  string
	Raw json.RawMessage
}

// MarshalJSON writes the tool call as the client sent it.
func (c ToolCall) MarshalJSON() ([]byte, error) { return c.Raw, nil }

// Attachment is a file attached to a message.
type Attachment struct {
	FileID   string `json:"file_id"`
	FileName string `json:"file_name"`
}

// ThreadIn is a "Create a thread" body.
type ThreadIn struct {
	AssistantID string
	Title       *string
	UserID      string // "" for none
}

// MessageIn is a "Create a message" body.
type MessageIn struct {
	Role       string
	Content    string
	ToolCallID string
	ToolCalls  []ToolCall
	FileIDs    []string
}

// TenantID derives the tenant of an API key: the same key is always the same tenant, and
// threads of one tenant are invisible to the others.
func TenantID(apiKey string) string {
	sum := sha256.Sum256([]byte("fileemu-haufe-tenant\x00" + apiKey))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50 // shaped like a name-based (v5) UUID: stable, not random
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// CreateThread starts a thread of tenant.
func (m *Model) CreateThread(tenant string, in ThreadIn) (Thread, error) {
	if strings.EqualFold(in.AssistantID, UnavailableAssistant) {
		return Thread{}, errAssistantNotAvailable()
	}
	now := m.now()
	t := &Thread{ID: NewUUID(), TenantID: tenant, AssistantID: in.AssistantID, UserID: in.UserID,
		Title: in.Title, Created: now, Updated: now, Messages: []*Message{}}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.threads[t.ID] = t
	m.order = append(m.order, t)
	return t.view(), nil
}

// view is a copy of t without its messages, safe to use after the lock is released.
func (t *Thread) view() Thread {
	v := *t
	v.Messages = nil
	return v
}

// thread finds a live thread of tenant. Callers hold m.mu.
func (m *Model) thread(tenant, id string) (*Thread, error) {
	t, ok := m.threads[strings.ToLower(id)]
	if !ok || t.TenantID != tenant || t.Deleted {
		return nil, errThreadNotFound()
	}
	return t, nil
}

// GetThread returns a live thread of tenant.
func (m *Model) GetThread(tenant, id string) (Thread, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, err := m.thread(tenant, id)
	if err != nil {
		return Thread{}, err
	}
	return t.view(), nil
}

// DeleteThread soft-deletes a thread: it is gone for every call but lists with include_deleted.
func (m *Model) DeleteThread(tenant, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, err := m.thread(tenant, id)
	if err != nil {
		return err
	}
	t.Deleted = true
	t.Updated = m.now()
	return nil
}

// ThreadFilter selects the threads ListThreads returns.
type ThreadFilter struct {
	UserID         string // "" for all
	IncludeDeleted bool
	Cursor         string // the cursor of the previous page, "" for the first
	Limit          int
}

// ListThreads returns one page of the tenant's threads, newest first, and the cursor of the
// next page ("" after the last).
func (m *Model) ListThreads(tenant string, f ThreadFilter) ([]Thread, string, error) {
	f.Limit = pageLimit(f.Limit)
	m.mu.Lock()
	defer m.mu.Unlock()
	start := len(m.order) - 1
	if f.Cursor != "" {
		i := m.position(tenant, f.Cursor)
		if i < 0 {
			return nil, "", errBadCursor()
		}
		start = i - 1
	}
	var out []Thread
	for i := start; i >= 0; i-- {
		t := m.order[i]
		if t.TenantID != tenant || t.Deleted && !f.IncludeDeleted || f.UserID != "" && !strings.EqualFold(t.UserID, f.UserID) {
			continue
		}
		if len(out) == f.Limit {
			return out, out[len(out)-1].ID, nil
		}
		out = append(out, t.view())
	}
	return out, "", nil
}

// pageLimit is the documented default page size for limits below 1 (the spec refuses them).
func pageLimit(limit int) int {
	if limit < 1 {
		return 100
	}
	return limit
}

// position is the index in m.order of the tenant's thread id, or -1. Callers hold m.mu.
func (m *Model) position(tenant, id string) int {
	for i, t := range m.order {
		if t.ID == strings.ToLower(id) && t.TenantID == tenant {
			return i
		}
	}
	return -1
}

// AddMessage appends a message to a live thread of tenant. Tool messages must answer a tool
// call of an earlier assistant message; a user message may attach one processed file of the
// thread's user, and a thread holds at most one attachment.
func (m *Model) AddMessage(tenant, threadID string, in MessageIn) (Message, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, err := m.thread(tenant, threadID)
	if err != nil {
		return Message{}, err
	}
	if err := checkMessage(t, in); err != nil {
		return Message{}, err
	}
	msg := &Message{ID: NewUUID(), ThreadID: t.ID, Role: in.Role, Content: in.Content, ToolCallID: in.ToolCallID,
		ToolCalls: in.ToolCalls, Created: m.now()}
	if len(in.FileIDs) > 0 {
		if len(in.FileIDs) > 1 || t.Attachment != "" {
			return Message{}, errNotUnique()
		}
		if t.UserID == "" {
			return Message{}, errForbidden() // files belong to users; this thread has none
		}
		f, e := m.lookup(t.UserID, in.FileIDs[0])
		if e != nil {
			return Message{}, e
		}
		if !m.sync(f) {
			return Message{}, errNoDocument()
		}
		if f.Status != StatusProcessed {
			return Message{}, errConflict()
		}
		msg.Attachments = []Attachment{{FileID: f.ID, FileName: f.Name}}
		t.Attachment = f.ID
	}
	t.Messages = append(t.Messages, msg)
	t.Updated = msg.Created
	return *msg, nil
}

// checkMessage applies the documented rules of a message's role to in.
func checkMessage(t *Thread, in MessageIn) error {
	switch {
	case in.ToolCallID != "" && in.Role != RoleTool:
		return fieldError("tool_call_id", "tool_call_id is only allowed on tool messages")
	case len(in.ToolCalls) > 0 && in.Role != RoleAssistant:
		return fieldError("tool_calls", "tool_calls are only allowed on assistant messages")
	case len(in.FileIDs) > 0 && in.Role != RoleUser:
		return fieldError("attachments", "attachments are only allowed on user messages")
	}
	// An assistant message that only requests tool calls has no text, as in OpenAI's format.
	if strings.TrimSpace(in.Content) == "" && !(in.Role == RoleAssistant && len(in.ToolCalls) > 0) {
		return errContentEmpty()
	}
	if in.Role != RoleTool {
		return nil
	}
	if in.ToolCallID == "" {
		return missingField("tool_call_id")
	}
	for _, prev := range t.Messages {
		if prev.Role != RoleAssistant {
			continue
		}
		for _, c := range prev.ToolCalls {
			if c.ID == in.ToolCallID {
				return nil
			}
		}
	}
	return errNoMatchingToolCall()
}

// ListMessages returns one page of a thread's messages, newest first, and the cursor of the
// next page ("" after the last).
func (m *Model) ListMessages(tenant, threadID, cursor string, limit int) ([]Message, string, error) {
	limit = pageLimit(limit)
	m.mu.Lock()
	defer m.mu.Unlock()
	t, err := m.thread(tenant, threadID)
	if err != nil {
		return nil, "", err
	}
	start := len(t.Messages) - 1
	if cursor != "" {
		start = -2
		for i, msg := range t.Messages {
			if msg.ID == strings.ToLower(cursor) {
				start = i - 1
			}
		}
		if start == -2 {
			return nil, "", errBadCursor()
		}
	}
	out := []Message{}
	for i := start; i >= 0; i-- {
		if len(out) == limit {
			return out, out[len(out)-1].ID, nil
		}
		out = append(out, *t.Messages[i])
	}
	return out, "", nil
}

// threadDump is a thread as the admin state endpoint shows it, messages included.
type threadDump struct {
	Thread
	Messages []Message `json:"messages"`
}

func (t *Thread) dump() threadDump {
	d := threadDump{Thread: t.view(), Messages: make([]Message, 0, len(t.Messages))}
	for _, msg := range t.Messages {
		d.Messages = append(d.Messages, *msg)
	}
	return d
}

// runMetaType is the meta_data.type of the answers in the docs' examples.
const runMetaType = "53aa66b7-b874-407f-967c-3a959c919d62"

// Source is a document an answer cites.
type Source struct {
	Content  string     `json:"content"`
	MetaData SourceMeta `json:"meta_data"`
}

// SourceMeta names a cited document.
type SourceMeta struct {
	DocumentTitle string `json:"document_title"`
	Section       string `json:"section,omitempty"`
}

// Answer is the assistant message a run adds to its thread, with what the run returns beyond
// the message: the intent it read from the question and the sources it cites.
type Answer struct {
	Message
	Intent  string
	Sources []Source
}

// sourceExcerpt bounds the text of an attached file quoted as a source.
const sourceExcerpt = 300

// Run invokes the thread's assistant: the thread must hold a user message and end on a user,
// tool or system message. The answer is a deterministic fake text (same last question at the
// same position in the thread, same seed: same text) citing the thread's attached file, if
// any; it is appended to the thread.
func (m *Model) Run(tenant, threadID string) (Answer, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, err := m.thread(tenant, threadID)
	if err != nil {
		return Answer{}, err
	}
	var question *Message
	for _, msg := range t.Messages {
		if msg.Role == RoleUser {
			question = msg
		}
	}
	if question == nil || t.Messages[len(t.Messages)-1].Role == RoleAssistant {
		return Answer{}, errStackEnding()
	}
	sum := sha256.Sum256(fmt.Appendf(nil, "%d\x00%s", len(t.Messages), question.Content))
	var seed uint64
	for _, b := range sum[:8] {
		seed = seed<<8 | uint64(b)
	}
	faker := gofakeit.New(seed ^ uint64(m.seed))
	a := Answer{
		Message: Message{ID: NewUUID(), ThreadID: t.ID, Role: RoleAssistant, Content: faker.Paragraph(), Created: m.now()},
		Intent:  intent(question.Content),
		Sources: []Source{},
	}
	if f, ok := m.files[t.Attachment]; ok && m.sync(f) && f.Status == StatusProcessed {
		text, err := m.excerpt(f)
		if err != nil {
			return Answer{}, err
		}
		a.Sources = append(a.Sources, Source{Content: text, MetaData: SourceMeta{DocumentTitle: f.Name}})
	}
	msg := a.Message
	t.Messages = append(t.Messages, &msg)
	t.Updated = msg.Created
	return a, nil
}

// intent is a short label of a question, like the docs' "Kündigungsfrist Probezeit": its first
// words.
func intent(question string) string {
	words := strings.Fields(question)
	if len(words) > 6 {
		words = words[:6]
	}
	return strings.TrimRight(strings.Join(words, " "), "?!.,;:")
}

// excerpt returns the first sourceExcerpt characters of f's text, reading no more of it than
// they can take (utf8.UTFMax bytes each).
func (m *Model) excerpt(f *File) (string, error) {
	rd, err := m.extract(f)
	if err != nil {
		return "", err
	}
	b, err := io.ReadAll(io.LimitReader(rd, sourceExcerpt*utf8.UTFMax))
	if err != nil {
		return "", fmt.Errorf("excerpt %s: %w", f.ID, err)
	}
	if r := []rune(string(b)); len(r) > sourceExcerpt {
		return string(r[:sourceExcerpt]), nil
	}
	return string(b), nil
}
