package haufe

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/session"
)

// State is the saved Haufe state of a session (api.State): files with their processing state
// and threads with their messages. Uploads live in the session's blob store under the files'
// objects and are saved with it.
type State struct {
	Version int `json:"version"`
	// Seed seeds the text extracted from non-text files and the answers of runs: the restored
	// session answers what the saved one would have.
	Seed int64 `json:"seed"`
	// ProcessingPolls is how many status polls answer PROCESSING after an upload.
	ProcessingPolls int           `json:"processing_polls"`
	Files           []FileState   `json:"files"`   // oldest first
	Threads         []ThreadState `json:"threads"` // oldest first, as lists page through them
}

// FileState is one file record, including where its processing stands.
type FileState struct {
	ID        string    `json:"file_id"`
	UserID    string    `json:"user_id"`
	Name      string    `json:"file_name"`
	Persist   bool      `json:"persist"`
	Created   time.Time `json:"created"`
	ExpiresAt time.Time `json:"expires_at,omitzero"` // persist=false: gone then
	Object    string    `json:"object"`
	// UploadedAt and UploadSHA256 identify the upload being processed: another one restarts
	// processing.
	UploadedAt   time.Time `json:"uploaded_at,omitzero"`
	UploadSHA256 string    `json:"upload_sha256,omitempty"`
	Size         int64     `json:"size"`
	ContentType  string    `json:"content_type,omitempty"`
	Polls        int       `json:"polls"`
	Status       string    `json:"processing_status,omitempty"`
	Steps        []Step    `json:"processing_steps,omitempty"`
	Warnings     Warnings  `json:"warnings"`
}

// ThreadState is one thread with its message stack.
type ThreadState struct {
	ID          string         `json:"id"`
	TenantID    string         `json:"tenant_id"`
	AssistantID string         `json:"assistant_id"`
	UserID      string         `json:"user_id,omitempty"`
	Title       *string        `json:"title"`
	Created     time.Time      `json:"created_at"`
	Updated     time.Time      `json:"last_updated_at"`
	Deleted     bool           `json:"deleted"`
	Attachment  string         `json:"attachment,omitempty"`
	Messages    []MessageState `json:"messages"`
}

// MessageState is one message of a thread.
type MessageState struct {
	ID          string          `json:"id"`
	Role        string          `json:"role"`
	Content     string          `json:"content"`
	ToolCallID  string          `json:"tool_call_id,omitempty"`
	ToolCalls   []ToolCallState `json:"tool_calls,omitempty"`
	Attachments []Attachment    `json:"attachments,omitempty"`
	Created     time.Time       `json:"created_at"`
}

// ToolCallState is a tool call as the client sent it.
type ToolCallState struct {
	ID  string          `json:"id"`
	Raw json.RawMessage `json:"raw"`
}

// SaveState returns the model's state.
func (m *Model) SaveState() State {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := State{Version: api.StateVersion, Seed: m.seed, ProcessingPolls: m.ProcessingPolls,
		Files: make([]FileState, 0, len(m.files)), Threads: make([]ThreadState, 0, len(m.order))}
	for _, f := range m.files {
		m.sync(f) // an upload that landed since the last request is part of the state, as in Snapshot
		st.Files = append(st.Files, FileState{ID: f.ID, UserID: f.UserID, Name: f.Name, Persist: f.Persist,
			Created: f.Created, ExpiresAt: f.ExpiresAt, Object: f.Object, UploadedAt: f.UploadedAt,
			UploadSHA256: f.uploadSum, Size: f.Size, ContentType: f.ContentType, Polls: f.Polls,
			Status: f.Status, Steps: slices.Clone(f.Steps), Warnings: f.Warnings})
	}
	sort.Slice(st.Files, func(i, j int) bool {
		a, b := st.Files[i], st.Files[j]
		return a.Created.Before(b.Created) || a.Created.Equal(b.Created) && a.ID < b.ID
	})
	for _, t := range m.order {
		ts := ThreadState{ID: t.ID, TenantID: t.TenantID, AssistantID: t.AssistantID, UserID: t.UserID,
			Title: t.Title, Created: t.Created, Updated: t.Updated, Deleted: t.Deleted, Attachment: t.Attachment,
			Messages: make([]MessageState, 0, len(t.Messages))}
		for _, msg := range t.Messages {
			ms := MessageState{ID: msg.ID, Role: msg.Role, Content: msg.Content, ToolCallID: msg.ToolCallID,
				Attachments: slices.Clone(msg.Attachments), Created: msg.Created}
			for _, c := range msg.ToolCalls {
				ms.ToolCalls = append(ms.ToolCalls, ToolCallState(c))
			}
			ts.Messages = append(ts.Messages, ms)
		}
		st.Threads = append(st.Threads, ts)
	}
	return st
}

// LoadState builds a model over blobs from st.
func LoadState(st State, blobs *blobstore.Store, now func() time.Time) (*Model, error) {
	m := NewModel(blobs, now, st.Seed)
	m.ProcessingPolls = st.ProcessingPolls
	for _, fs := range st.Files {
		if fs.ID == "" || fs.Object == "" {
			return nil, fmt.Errorf("file %q: file_id and object are required", fs.ID)
		}
		if m.files[fs.ID] != nil {
			return nil, fmt.Errorf("file %q: listed twice", fs.ID)
		}
		switch fs.Status {
		case "", StatusProcessing, StatusProcessed, StatusFailed:
		default:
			return nil, fmt.Errorf("file %q: unknown processing_status %q", fs.ID, fs.Status)
		}
		m.files[fs.ID] = &File{ID: fs.ID, UserID: fs.UserID, Name: fs.Name, Persist: fs.Persist, Created: fs.Created,
			ExpiresAt: fs.ExpiresAt, Object: fs.Object, UploadedAt: fs.UploadedAt, uploadSum: fs.UploadSHA256,
			Size: fs.Size, ContentType: fs.ContentType, Polls: fs.Polls, Status: fs.Status, Steps: fs.Steps,
			Warnings: fs.Warnings}
	}
	for _, ts := range st.Threads {
		if ts.ID == "" {
			return nil, fmt.Errorf("thread: id is required")
		}
		if m.threads[ts.ID] != nil {
			return nil, fmt.Errorf("thread %q: listed twice", ts.ID)
		}
		t := &Thread{ID: ts.ID, TenantID: ts.TenantID, AssistantID: ts.AssistantID, UserID: ts.UserID, Title: ts.Title,
			Created: ts.Created, Updated: ts.Updated, Deleted: ts.Deleted, Attachment: ts.Attachment,
			Messages: make([]*Message, 0, len(ts.Messages))}
		for _, ms := range ts.Messages {
			msg := &Message{ID: ms.ID, ThreadID: t.ID, Role: ms.Role, Content: ms.Content, ToolCallID: ms.ToolCallID,
				Attachments: ms.Attachments, Created: ms.Created}
			for _, c := range ms.ToolCalls {
				if len(c.Raw) == 0 {
					return nil, fmt.Errorf("thread %q message %q: tool call %q without raw", ts.ID, ms.ID, c.ID)
				}
				msg.ToolCalls = append(msg.ToolCalls, ToolCall(c))
			}
			t.Messages = append(t.Messages, msg)
		}
		m.threads[t.ID] = t
		m.order = append(m.order, t)
	}
	return m, nil
}

// state is Haufe's api.State.
func state() *api.State {
	return api.ModelState("haufe", func(m *Model) (State, *blobstore.Store) { return m.SaveState(), nil },
		func(st State, s *session.Session, _ *blobstore.Store) (*Model, error) {
			return LoadState(st, s.Blobs, s.Clock.Now)
		})
}
