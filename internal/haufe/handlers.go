package haufe

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/s3"
	"github.com/fileemu/fileemu/internal/session"
	"github.com/fileemu/fileemu/internal/validate"
)

// Options configures the Haufe API.
type Options struct {
	S3   s3.Credentials
	Seed int64
	Auth validate.AuthFunc
}

type service struct{ opts Options }

// AgentsPrefix is the path of Haufe's documented base URL (https://api.haufe.ai/agents): clients
// configured with it call /agents/v1/..., which fileemu serves like /v1/....
const AgentsPrefix = "/agents"

// New returns the Haufe API (files, threads and messages) as a mountable API.
func New(spec *validate.Spec, opts Options) *api.API {
	s := &service{opts: opts}
	return &api.API{
		Name:        "haufe",
		Prefixes:    []string{"/v1/", AgentsPrefix + "/v1/"},
		RoutingPath: routingPath,
		Spec:        spec,
		Auth:        opts.Auth,
		Handlers: map[string]api.Handler{
			"getSignedUrl":   s.getSignedURL,
			"getFileStatus":  s.getFileStatus,
			"getFileContent": s.getFileContent,
			"listFiles":      s.listFiles,
			"deleteFile":     s.deleteFile,
			"createThread":   s.createThread,
			"listThreads":    s.listThreads,
			"getThread":      s.getThread,
			"deleteThread":   s.deleteThread,
			"createMessage":  s.createMessage,
			"listMessages":   s.listMessages,
			"createRun":      s.createRun,
			"streamRun":      s.streamRun,
		},
		Errors:   api.Envelope{Problem: problem, Write: writeError},
		State:    state(),
		Fixtures: s.loadFixtures,
	}
}

// routingPath maps /agents/v1/... onto the spec's /v1/... paths and leaves the others as they
// are (""). It works on the escaped path, so an escaped slash stays inside its segment.
func routingPath(r *http.Request) string {
	// The escaped path: an id holding %2F stays one segment, as under /v1.
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), AgentsPrefix)
	if !ok || !strings.HasPrefix(rest, "/v1/") {
		return ""
	}
	return rest
}

func (s *service) model(r *api.Request) *Model { return s.modelOf(r.Session) }

// modelOf is the session's Haufe model, made on first use on the session's clock (the admin
// API moves it).
func (s *service) modelOf(sess *session.Session) *Model {
	return session.Model(sess, "haufe", func() *Model { return NewModel(sess.Blobs, sess.Clock.Now, s.opts.Seed) })
}

func userID(r *api.Request) string { return r.Request().Header.Get("user-id") }

// respond writes v, or returns err.
func respond(r *api.Request, status int, v any, err error) error {
	if err != nil {
		return err
	}
	return r.WriteJSON(status, "", v)
}

type signedURL struct {
	ExpiresIn  int        `json:"expires_in"`
	FileID     string     `json:"file_id"`
	FileLimits fileLimits `json:"file_limits"`
	FileURL    string     `json:"file_url"`
}

type fileLimits struct {
	AllowedTypes []string `json:"allowed_types"`
	MaxSize      int64    `json:"max_size"`
}

func (s *service) getSignedURL(r *api.Request) error {
	q := r.QueryParams()
	persist := true
	if v := q.Get("persist"); v != "" {
		persist, _ = strconv.ParseBool(v) // the spec already checked it is a boolean
	}
	f := s.model(r).CreateFile(userID(r), q.Get("filename"), persist)
	u, err := s3.Presign(s.opts.S3, s3.PresignOptions{
		Method:  http.MethodPut,
		URL:     s3.ObjectURL(r.BaseURL, Bucket, ObjectKey(f.ID, f.Name)),
		Expires: URLExpiry,
		Now:     r.Now(),
	})
	if err != nil {
		return fmt.Errorf("presign upload of %s: %w", f.ID, err)
	}
	return r.WriteJSON(http.StatusOK, "", signedURL{
		ExpiresIn:  int(URLExpiry / time.Second),
		FileID:     f.ID,
		FileLimits: fileLimits{AllowedTypes: allowedTypes(), MaxSize: MaxSize},
		FileURL:    u,
	})
}

type fileStatus struct {
	ProcessingStatus string   `json:"processing_status"`
	ProcessingSteps  []Step   `json:"processing_steps"`
	Warnings         Warnings `json:"warnings"`
}

func (s *service) getFileStatus(r *api.Request) error {
	p := r.Pacing()
	f, err := s.model(r).Poll(userID(r), r.Param("file_id"), Pacing{Set: p.Set, Polls: p.Polls, Duration: p.Duration, Fail: p.Fail})
	return respond(r, http.StatusOK, fileStatus{f.Status, f.Steps, f.Warnings}, err)
}

func (s *service) getFileContent(r *api.Request) error {
	text, err := s.model(r).Text(userID(r), r.Param("file_id"))
	if err != nil {
		return err // an api.Error (404, 409): the API's envelope renders it
	}
	return r.Stream(http.StatusOK, "text/plain; charset=utf-8", text)
}

type fileItem struct {
	FileID   string `json:"file_id"`
	FileName string `json:"file_name"`
}

func (s *service) listFiles(r *api.Request) error {
	q := r.Request().URL.Query()
	page, limit := intParam(q.Get("page"), 1), intParam(q.Get("limit"), 30)
	files, total := s.model(r).List(userID(r), page, limit)
	items := make([]fileItem, 0, len(files))
	for _, f := range files {
		items = append(items, fileItem{f.ID, f.Name})
	}
	return r.WriteJSON(http.StatusOK, "", map[string]any{"files": items, "limit": limit, "page": page, "total": total})
}

// intParam parses a query integer the spec already validated, or returns def when absent.
func intParam(v string, def int) int {
	if n, err := strconv.Atoi(v); err == nil {
		return n
	}
	return def
}

func (s *service) deleteFile(r *api.Request) error {
	if err := s.model(r).Delete(userID(r), r.Param("file_id")); err != nil {
		return respond(r, 0, nil, err)
	}
	return r.NoContent(http.StatusNoContent)
}

// decodeBody decodes an optional JSON body the spec already validated.
func decodeBody(r *api.Request, v any) error {
	err := json.NewDecoder(r.Request().Body).Decode(v)
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// tenant is the tenant of the request's API key.
func tenant(r *api.Request) string { return TenantID(r.Request().Header.Get("api-key")) }

// threadJSON is a thread as the docs show it.
type threadJSON struct {
	ID            string  `json:"id"`
	AssistantID   string  `json:"assistant_id"`
	Title         *string `json:"title"`
	UserID        *string `json:"user_id"`
	TenantID      string  `json:"tenant_id"`
	CreatedAt     string  `json:"created_at"`
	LastUpdatedAt string  `json:"last_updated_at"`
}

func toThreadJSON(t Thread) threadJSON {
	out := threadJSON{ID: t.ID, AssistantID: t.AssistantID, Title: t.Title, TenantID: t.TenantID,
		CreatedAt: formatTime(t.Created), LastUpdatedAt: formatTime(t.Updated)}
	if t.UserID != "" {
		out.UserID = &t.UserID
	}
	return out
}

// messageJSON is a message as the docs show it, plus what the client sent beyond content and
// role (tool_call_id, tool_calls, attachments), only when present.
type messageJSON struct {
	ID          string       `json:"id"`
	Content     string       `json:"content"`
	Role        string       `json:"role"`
	ThreadID    string       `json:"thread_id"`
	CreatedAt   string       `json:"created_at"`
	ToolCallID  string       `json:"tool_call_id,omitempty"`
	ToolCalls   []ToolCall   `json:"tool_calls,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
}

func toMessageJSON(m Message) messageJSON {
	return messageJSON{ID: m.ID, Content: m.Content, Role: m.Role, ThreadID: m.ThreadID, CreatedAt: formatTime(m.Created),
		ToolCallID: m.ToolCallID, ToolCalls: m.ToolCalls, Attachments: m.Attachments}
}

// formatTime writes timestamps as the docs show them: UTC with microseconds.
func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// page is the cursor-paginated list envelope of threads and messages.
type page[T any] struct {
	Cursor *string `json:"cursor"`
	Items  []T     `json:"items"`
}

func newPage[T any](items []T, cursor string) page[T] {
	p := page[T]{Items: items}
	if p.Items == nil {
		p.Items = []T{}
	}
	if cursor != "" {
		p.Cursor = &cursor
	}
	return p
}

func (s *service) createThread(r *api.Request) error {
	var in struct {
		AssistantID string  `json:"assistant_id"`
		Title       *string `json:"title"`
		UserID      *string `json:"user_id"`
	}
	if err := decodeBody(r, &in); err != nil {
		return errJSONInvalid(err)
	}
	ti := ThreadIn{AssistantID: in.AssistantID, Title: in.Title}
	if in.UserID != nil {
		ti.UserID = *in.UserID
	}
	t, err := s.model(r).CreateThread(tenant(r), ti)
	return respond(r, http.StatusCreated, toThreadJSON(t), err)
}

func (s *service) listThreads(r *api.Request) error {
	q := r.Request().URL.Query()
	include, _ := strconv.ParseBool(q.Get("include_deleted")) // the spec already checked it is a boolean
	threads, cursor, err := s.model(r).ListThreads(tenant(r), ThreadFilter{
		UserID: q.Get("user_id"), IncludeDeleted: include, Cursor: q.Get("cursor"), Limit: intParam(q.Get("limit"), 100),
	})
	items := make([]threadJSON, 0, len(threads))
	for _, t := range threads {
		items = append(items, toThreadJSON(t))
	}
	return respond(r, http.StatusOK, newPage(items, cursor), err)
}

func (s *service) getThread(r *api.Request) error {
	t, err := s.model(r).GetThread(tenant(r), r.Param("thread_id"))
	return respond(r, http.StatusOK, toThreadJSON(t), err)
}

func (s *service) deleteThread(r *api.Request) error {
	if err := s.model(r).DeleteThread(tenant(r), r.Param("thread_id")); err != nil {
		return respond(r, 0, nil, err)
	}
	return r.NoContent(http.StatusNoContent)
}

func (s *service) createMessage(r *api.Request) error {
	var in struct {
		Role        string            `json:"role"`
		Content     string            `json:"content"`
		ToolCallID  string            `json:"tool_call_id"`
		ToolCalls   []json.RawMessage `json:"tool_calls"`
		Attachments []struct {
			FileID string `json:"file_id"`
		} `json:"attachments"`
	}
	if err := decodeBody(r, &in); err != nil {
		return errJSONInvalid(err)
	}
	mi := MessageIn{Role: in.Role, Content: in.Content, ToolCallID: in.ToolCallID}
	for _, raw := range in.ToolCalls {
		var c struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(raw, &c) // the spec already checked each call is an object with a string id
		mi.ToolCalls = append(mi.ToolCalls, ToolCall{ID: c.ID, Raw: raw})
	}
	for _, a := range in.Attachments {
		mi.FileIDs = append(mi.FileIDs, a.FileID)
	}
	msg, err := s.model(r).AddMessage(tenant(r), r.Param("thread_id"), mi)
	return respond(r, http.StatusCreated, toMessageJSON(msg), err)
}

func (s *service) listMessages(r *api.Request) error {
	q := r.Request().URL.Query()
	msgs, cursor, err := s.model(r).ListMessages(tenant(r), r.Param("thread_id"), q.Get("cursor"), intParam(q.Get("limit"), 100))
	items := make([]messageJSON, 0, len(msgs))
	for _, m := range msgs {
		items = append(items, toMessageJSON(m))
	}
	return respond(r, http.StatusOK, newPage(items, cursor), err)
}

// runJSON is a run's answer as the docs show it.
type runJSON struct {
	ID        string   `json:"id"`
	Content   string   `json:"content"`
	Role      string   `json:"role"`
	ThreadID  string   `json:"thread_id"`
	CreatedAt string   `json:"created_at"`
	MetaData  runMeta  `json:"meta_data"`
	Sources   []Source `json:"sources"`
}

type runMeta struct {
	Intent      string `json:"intent"`
	LegalAdvice bool   `json:"legal_advice"`
	Type        string `json:"type"`
}

// run checks the optional run body (the spec validated it) and runs the thread.
func (s *service) run(r *api.Request) (Answer, error) {
	var in map[string]any
	if err := decodeBody(r, &in); err != nil {
		return Answer{}, &ValidationError{[]validationItem{{Loc: []string{"body"}, Message: err.Error(), Type: "json_invalid"}}}
	}
	return s.model(r).Run(tenant(r), r.Param("thread_id"))
}

func (s *service) createRun(r *api.Request) error {
	a, err := s.run(r)
	out := runJSON{ID: a.ID, Content: a.Content, Role: a.Role, ThreadID: a.ThreadID, CreatedAt: formatTime(a.Created),
		MetaData: runMeta{Intent: a.Intent, Type: runMetaType}, Sources: a.Sources}
	return respond(r, http.StatusOK, out, err)
}

// streamChunk is one NDJSON line of a streamed run.
type streamChunk struct {
	CreatedAt string      `json:"created_at"`
	Delta     streamDelta `json:"delta"`
	MessageID string      `json:"message_id"`
	ThreadID  string      `json:"thread_id"`
}

type streamDelta struct {
	Content string   `json:"content"`
	Role    string   `json:"role"`
	Sources []Source `json:"sources"`
}

// streamWords is how many words each streamed chunk carries.
const streamWords = 4

// streamRun answers the run as NDJSON: the content a few words per line, flushed line by line;
// the last line carries the sources. Errors found before the first line are ordinary JSON errors.
func (s *service) streamRun(r *api.Request) error {
	a, err := s.run(r)
	if err != nil {
		return respond(r, 0, nil, err)
	}
	w := r.Response()
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	words := strings.SplitAfter(a.Content, " ")
	for i := 0; i < len(words); i += streamWords {
		chunk := streamChunk{CreatedAt: formatTime(a.Created), MessageID: a.ID, ThreadID: a.ThreadID,
			Delta: streamDelta{Content: strings.Join(words[i:min(i+streamWords, len(words))], ""), Role: RoleAssistant, Sources: []Source{}}}
		if i+streamWords >= len(words) {
			chunk.Delta.Sources = a.Sources
		}
		if err := enc.Encode(chunk); err != nil {
			return fmt.Errorf("stream run of %s: %w", a.ThreadID, err)
		}
		if err := rc.Flush(); err != nil {
			return fmt.Errorf("stream run of %s: %w", a.ThreadID, err)
		}
	}
	return nil
}
