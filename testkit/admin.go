package testkit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Request is one journal entry: a request the emulator served, as the admin API lists it
// (GET /__admin/requests).
type Request struct {
	Seq        uint64            `json:"seq"`                 // increasing from 1
	Time       time.Time         `json:"time"`                // request start
	Session    string            `json:"session"`             // session id
	API        string            `json:"api"`                 // "haufe", "s3", "admin", "" if none
	Operation  string            `json:"operation,omitempty"` // OpenAPI operationId
	Method     string            `json:"method"`
	Path       string            `json:"path"`            // API path without session prefix
	Query      string            `json:"query,omitempty"` // raw query, sensitive values redacted
	Status     int               `json:"status"`
	DurationMS float64           `json:"duration_ms"`
	RequestID  string            `json:"request_id"`
	Headers    map[string]string `json:"headers,omitempty"`     // flat request headers, credentials redacted
	BodySize   int64             `json:"body_size"`             // request body bytes
	BodySHA256 string            `json:"body_sha256,omitempty"` // only set for uploads
	Error      string            `json:"error,omitempty"`       // short error code/message for error responses
	Scenario   string            `json:"scenario,omitempty"`    // scenarios that produced or altered the response
	Rule       string            `json:"rule,omitempty"`        // their rules, as scenario#index
	// RequestBody is a JSON or form request body (never an upload), credentials redacted, cut
	// at the emulator's per-entry bound.
	RequestBody string `json:"request_body,omitempty"`
	// ResponseHeaders are the answer's headers (Set-Cookie redacted).
	ResponseHeaders map[string]string `json:"response_headers,omitempty"`
	// ResponseBody is the body of a non-2xx answer or of a JSON or XML one (never stored
	// content served back), cut at the emulator's per-entry bound.
	ResponseBody string `json:"response_body,omitempty"`
}

// State is the admin state dump of a session.
type State struct {
	Session string `json:"session"`
	// APIs holds each API's model dump, by API name.
	APIs map[string]json.RawMessage `json:"apis"`
	// Objects lists the stored uploads.
	Objects []Object `json:"objects"`
}

// Object is one stored upload.
type Object struct {
	Name        string `json:"name"`
	Size        int64  `json:"size"`
	MD5         string `json:"md5"`
	SHA256      string `json:"sha256"`
	ContentType string `json:"content_type"`
}

// Filter narrows journal queries.
type Filter func(q url.Values)

// Operation keeps requests to one operationId.
func Operation(id string) Filter { return func(q url.Values) { q.Set("operation", id) } }

// API keeps requests to one API ("haufe", "s3", ...).
func API(name string) Filter { return func(q url.Values) { q.Set("api", name) } }

// Method keeps requests with one HTTP method.
func Method(m string) Filter { return func(q url.Values) { q.Set("method", m) } }

// Status keeps requests answered with one status.
func Status(code int) Filter { return func(q url.Values) { q.Set("status", strconv.Itoa(code)) } }

// Path keeps requests whose API path matches a glob, e.g. "/v1/files/*".
func Path(glob string) Filter { return func(q url.Values) { q.Set("path", glob) } }

// Admin is a client of the admin API over HTTP.
type Admin struct {
	base  string
	token string
	http  *http.Client
}

// NewAdmin returns a client of the admin API of the emulator at baseURL; token may be empty.
func NewAdmin(baseURL, token string) *Admin {
	return &Admin{base: strings.TrimRight(baseURL, "/") + apiBase("admin"), token: token, http: &http.Client{}}
}

// do sends one admin request: path under the admin base, query q, a body of contentType
// (none when body is nil), the admin token. The caller reads and closes the response.
func (a *Admin) do(ctx context.Context, method, path string, q url.Values, contentType string, body io.Reader) (*http.Response, error) {
	u := a.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, fmt.Errorf("admin %s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("admin %s %s: %w", method, path, err)
	}
	return resp, nil
}

// call sends one admin request and decodes a JSON answer into out (when non-nil).
func (a *Admin) call(ctx context.Context, method, path string, q url.Values, body any, want []int, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("admin %s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	resp, err := a.do(ctx, method, path, q, "application/json", rd)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("admin %s %s: read: %w", method, path, err)
	}
	ok := false
	for _, w := range want {
		ok = ok || resp.StatusCode == w
	}
	if !ok {
		return fmt.Errorf("admin %s %s: status %d: %s", method, path, resp.StatusCode, bytes.TrimSpace(b))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("admin %s %s: decode: %w", method, path, err)
		}
	}
	return nil
}

// Health checks that the emulator answers.
func (a *Admin) Health(ctx context.Context) error {
	return a.call(ctx, http.MethodGet, "/health", nil, nil, []int{200}, nil)
}

// CreateSession creates (or keeps) the session id.
func (a *Admin) CreateSession(ctx context.Context, id string) error {
	return a.call(ctx, http.MethodPost, "/sessions", nil, map[string]string{"id": id}, []int{200, 201}, nil)
}

// DeleteSession drops a session with its state.
func (a *Admin) DeleteSession(ctx context.Context, id string) error {
	return a.call(ctx, http.MethodDelete, "/sessions/"+url.PathEscape(id), nil, nil, []int{204}, nil)
}

// Reset resets one session, or all when id is empty.
func (a *Admin) Reset(ctx context.Context, id string) error {
	q := url.Values{}
	if id != "" {
		q.Set("session", id)
	}
	return a.call(ctx, http.MethodPost, "/reset", q, nil, []int{200}, nil)
}

func journalQuery(session string, filters []Filter) url.Values {
	q := url.Values{}
	if session != "" {
		q.Set("session", session)
	}
	for _, f := range filters {
		f(q)
	}
	return q
}

// Requests lists the journal entries of a session (all sessions when empty) matching filters.
func (a *Admin) Requests(ctx context.Context, session string, filters ...Filter) ([]Request, error) {
	var out struct {
		Requests []Request `json:"requests"`
	}
	err := a.call(ctx, http.MethodGet, "/requests", journalQuery(session, filters), nil, []int{200}, &out)
	return out.Requests, err
}

// Count counts the journal entries of a session matching filters.
func (a *Admin) Count(ctx context.Context, session string, filters ...Filter) (int, error) {
	var out struct {
		Count int `json:"count"`
	}
	err := a.call(ctx, http.MethodGet, "/requests/count", journalQuery(session, filters), nil, []int{200}, &out)
	return out.Count, err
}

// State returns the state dump of a session.
func (a *Admin) State(ctx context.Context, session string) (State, error) {
	var st State
	err := a.call(ctx, http.MethodGet, "/state", url.Values{"session": {session}}, nil, []int{200}, &st)
	return st, err
}

// PutScenarios adds scenarios from a scenario document (YAML or JSON); with a session they
// apply to that session only. It returns the names added.
func (a *Admin) PutScenarios(ctx context.Context, session string, doc []byte) ([]string, error) {
	q := url.Values{}
	if session != "" {
		q.Set("session", session)
	}
	u := a.base + "/scenarios"
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u, bytes.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("admin PUT /scenarios: %w", err)
	}
	req.Header.Set("Content-Type", "application/yaml")
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("admin PUT /scenarios: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("admin PUT /scenarios: status %d: %s", resp.StatusCode, bytes.TrimSpace(b))
	}
	var out struct {
		Scenarios []string `json:"scenarios"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("admin PUT /scenarios: decode: %w", err)
	}
	return out.Scenarios, nil
}

// ActivateScenarios turns loaded scenarios on for a session.
func (a *Admin) ActivateScenarios(ctx context.Context, session string, names ...string) error {
	return a.call(ctx, http.MethodPost, "/sessions/"+url.PathEscape(session)+"/scenarios", nil,
		map[string][]string{"names": names}, []int{200}, nil)
}
