package haufe

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/fileemu/fileemu/emulator/api"
	"github.com/fileemu/fileemu/emulator/s3"
	"github.com/fileemu/fileemu/emulator/session"
	"github.com/fileemu/fileemu/emulator/validate"
)

// Options configures the Haufe API.
type Options struct {
	S3    s3.Credentials
	Clock func() time.Time
	Seed  int64
	Auth  validate.AuthFunc
}

type service struct{ opts Options }

// New returns the Haufe files API as a mountable API.
func New(spec *validate.Spec, opts Options) *api.API {
	s := &service{opts: opts}
	return &api.API{
		Name:     "haufe",
		Prefixes: []string{"/v1/"},
		Spec:     spec,
		Auth:     opts.Auth,
		Handlers: map[string]api.Handler{
			"getSignedUrl":   s.getSignedURL,
			"getFileStatus":  s.getFileStatus,
			"getFileContent": s.getFileContent,
			"listFiles":      s.listFiles,
			"deleteFile":     s.deleteFile,
			"createThread":   s.createThread,
			"createMessage":  s.createMessage,
		},
		WriteProblem: writeProblem,
	}
}

func (s *service) model(r *api.Request) *Model {
	return session.Model(r.Session, "haufe", func() *Model {
		return NewModel(r.Session.Blobs, s.opts.Clock, s.opts.Seed)
	})
}

func userID(r *api.Request) string { return r.Request().Header.Get("user-id") }

// respond writes v, or the Haufe error err carries.
func respond(r *api.Request, status int, v any, err error) error {
	if err != nil {
		var he *Error
		if errors.As(err, &he) {
			return writeError(r, he)
		}
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
	q := r.Request().URL.Query()
	persist := true
	if v := q.Get("persist"); v != "" {
		persist, _ = strconv.ParseBool(v) // the spec already checked it is a boolean
	}
	f := s.model(r).CreateFile(userID(r), q.Get("filename"), persist)
	u, err := s3.Presign(s.opts.S3, s3.PresignOptions{
		Method:  http.MethodPut,
		URL:     s3.ObjectURL(r.BaseURL, Bucket, ObjectKey(f.ID, f.Name)),
		Expires: URLExpiry,
		Now:     s.opts.Clock(),
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
		return respond(r, 0, nil, err)
	}
	return r.Blob(http.StatusOK, "text/plain; charset=utf-8", []byte(text))
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

func (s *service) createThread(r *api.Request) error {
	var in struct {
		Title string `json:"title"`
	}
	if err := decodeBody(r, &in); err != nil {
		return writeError(r, errRaised())
	}
	t := s.model(r).CreateThread(userID(r), in.Title)
	out := map[string]any{"thread_id": t.ID, "user_id": t.UserID, "created_at": t.Created}
	if t.Title != "" {
		out["title"] = t.Title
	}
	return r.WriteJSON(http.StatusCreated, "", out)
}

func (s *service) createMessage(r *api.Request) error {
	var in struct {
		Role        string `json:"role"`
		Content     string `json:"content"`
		Attachments []struct {
			FileID string `json:"file_id"`
		} `json:"attachments"`
	}
	if err := decodeBody(r, &in); err != nil {
		return writeError(r, errRaised())
	}
	ids := make([]string, 0, len(in.Attachments))
	for _, a := range in.Attachments {
		ids = append(ids, a.FileID)
	}
	msg, err := s.model(r).AddMessage(userID(r), r.Param("thread_id"), in.Role, in.Content, ids)
	return respond(r, http.StatusCreated, msg, err)
}
