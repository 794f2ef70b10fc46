package desk

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/fileemu/fileemu/emulator/api"
	"github.com/fileemu/fileemu/emulator/s3"
	"github.com/fileemu/fileemu/emulator/session"
	"github.com/fileemu/fileemu/emulator/validate"
)

// Upload form and download URL lifetimes.
const (
	formExpiry     = time.Hour
	downloadExpiry = time.Hour
)

// Options configures the Desk API.
type Options struct {
	S3            s3.Credentials
	Clock         func() time.Time
	MaxObjectSize int64
	Seed          int64
	Auth          validate.AuthFunc
}

type service struct{ opts Options }

// New returns the Desk files API as a mountable API.
func New(spec *validate.Spec, opts Options) *api.API {
	s := &service{opts: opts}
	return &api.API{
		Name:     "desk",
		Prefixes: []string{"/desk/api/v2/"},
		Spec:     spec,
		Auth:     opts.Auth,
		Handlers: map[string]api.Handler{
			"createFileRef": s.createFileRef,
			"activateFile":  s.activateFile,
			"getFile":       s.getFile,
			"updateFile":    s.updateFile,
			"deleteFile":    s.deleteFile,
			"listFiles":     s.listFiles,
		},
		WriteProblem: writeProblem,
	}
}

func (s *service) model(r *api.Request) *Model {
	return session.Model(r.Session, "desk", func() *Model { return NewModel(r.Session.Blobs, s.opts.Clock) })
}

// timestamp renders times as Desk does: RFC 3339 UTC with microseconds.
type timestamp time.Time

func (t timestamp) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format("2006-01-02T15:04:05.000000Z") + `"`), nil
}

type userRef struct {
	ID   int    `json:"id"`
	Type string `json:"type"`
}

type fileView struct {
	ID          int64      `json:"id"`
	MimeType    string     `json:"mimeType"`
	FileName    string     `json:"fileName"`
	Size        int64      `json:"size"`
	Disposition string     `json:"disposition"`
	Type        string     `json:"type"`
	State       string     `json:"state"`
	S3Path      string     `json:"s3Path,omitempty"`
	DownloadURL string     `json:"downloadURL,omitempty"`
	PixelWidth  int        `json:"pixelWidth,omitempty"`
	PixelHeight int        `json:"pixelHeight,omitempty"`
	CreatedAt   timestamp  `json:"createdAt"`
	UpdatedAt   timestamp  `json:"updatedAt"`
	DeletedAt   *timestamp `json:"deletedAt,omitempty"`
	CreatedBy   userRef    `json:"createdBy"`
	UpdatedBy   userRef    `json:"updatedBy"`
	DeletedBy   *userRef   `json:"deletedBy,omitempty"`
}

// view renders a file; active files get a fresh presigned download URL.
func (s *service) view(r *api.Request, f File) (fileView, error) {
	v := fileView{
		ID: f.ID, MimeType: f.MimeType, FileName: f.FileName, Size: f.Size, Disposition: f.Disposition,
		Type: f.Type, State: f.State, S3Path: f.S3Path(), PixelWidth: f.PixelWidth, PixelHeight: f.PixelHeight,
		CreatedAt: timestamp(f.CreatedAt), UpdatedAt: timestamp(f.UpdatedAt),
		CreatedBy: userRef{f.CreatedBy, "users"}, UpdatedBy: userRef{f.UpdatedBy, "users"},
	}
	if f.State == StateDeleted {
		at := timestamp(f.DeletedAt)
		v.DeletedAt, v.DeletedBy = &at, &userRef{f.DeletedBy, "users"}
	}
	if f.State == StateActive {
		u, err := s3.Presign(s.opts.S3, s3.PresignOptions{Method: http.MethodGet, URL: s3.ObjectURL(r.BaseURL, Bucket, f.Key),
			Expires: downloadExpiry, Now: s.opts.Clock()})
		if err != nil {
			return v, fmt.Errorf("presign download of file %d: %w", f.ID, err)
		}
		v.DownloadURL = u
	}
	return v, nil
}

// included lists the users the files refer to when the client asks for them.
func (s *service) included(r *api.Request, files ...File) map[string]any {
	inc := map[string]any{}
	want := false
	for _, part := range strings.Split(r.QueryParam("includes"), ",") {
		want = want || part == "users" || part == "all"
	}
	if !want || len(files) == 0 {
		return inc
	}
	faker := gofakeit.New(uint64(s.opts.Seed) + userID)
	inc["users"] = []map[string]any{{"id": userID, "type": "users",
		"firstName": faker.FirstName(), "lastName": faker.LastName(), "email": faker.Email()}}
	return inc
}

// respond writes {file, included} or the Desk error err carries.
func (s *service) respond(r *api.Request, f File, err error) error {
	if err != nil {
		return s.fail(r, err)
	}
	v, err := s.view(r, f)
	if err != nil {
		return err
	}
	return r.WriteJSON(http.StatusOK, "", map[string]any{"file": v, "included": s.included(r, f)})
}

func (s *service) fail(r *api.Request, err error) error {
	var de *Error
	if errors.As(err, &de) {
		return writeError(r, de)
	}
	return err
}

func (s *service) id(r *api.Request) int64 {
	id, _ := strconv.ParseInt(r.Param("id"), 10, 64) // the spec already checked it is an integer
	return id
}

func (s *service) createFileRef(r *api.Request) error {
	var in struct {
		Type        string `json:"type"`
		Filename    string `json:"filename"`
		FileName    string `json:"fileName"`
		MimeType    string `json:"mimeType"`
		Disposition string `json:"disposition"`
	}
	if err := json.NewDecoder(r.Request().Body).Decode(&in); err != nil {
		return writeErrors(r, http.StatusBadRequest, errorItem{Code: "parse", Detail: err.Error(), Source: &source{Pointer: "/"}})
	}
	ref := RefIn{FileName: in.FileName, MimeType: in.MimeType, Disposition: in.Disposition, Type: in.Type}
	if ref.FileName == "" {
		ref.FileName = in.Filename
	}
	if ref.Disposition == "" {
		ref.Disposition = "attachment"
	}
	if ref.Type == "" {
		ref.Type = "attachment"
	}
	f := s.model(r).CreateRef(ref)
	form, err := s3.PresignPost(s.opts.S3, s3.PostOptions{
		URL:        strings.TrimRight(r.BaseURL, "/") + s3.Prefix + Bucket,
		Bucket:     Bucket,
		Key:        f.Key,
		Expires:    formExpiry,
		Now:        s.opts.Clock(),
		Fields:     map[string]string{"Content-Type": f.MimeType, "success_action_status": "201"},
		Conditions: []s3.Condition{{Op: "content-length-range", Min: 1, Max: s.opts.MaxObjectSize}},
	})
	if err != nil {
		return fmt.Errorf("presign upload form of file %d: %w", f.ID, err)
	}
	v, err := s.view(r, f)
	if err != nil {
		return err
	}
	return r.WriteJSON(http.StatusCreated, "", map[string]any{"url": form.URL, "params": form.Fields, "file": v})
}

func (s *service) activateFile(r *api.Request) error {
	f, err := s.model(r).Activate(s.id(r))
	return s.respond(r, f, err)
}

func (s *service) getFile(r *api.Request) error {
	f, err := s.model(r).Get(s.id(r))
	return s.respond(r, f, err)
}

func (s *service) updateFile(r *api.Request) error {
	var in struct {
		File struct {
			Filename    string `json:"filename"`
			FileName    string `json:"fileName"`
			Disposition string `json:"disposition"`
		} `json:"file"`
	}
	if err := json.NewDecoder(r.Request().Body).Decode(&in); err != nil {
		return writeErrors(r, http.StatusBadRequest, errorItem{Code: "parse", Detail: err.Error(), Source: &source{Pointer: "/"}})
	}
	name := in.File.FileName
	if name == "" {
		name = in.File.Filename
	}
	f, err := s.model(r).Update(s.id(r), name, in.File.Disposition)
	return s.respond(r, f, err)
}

func (s *service) deleteFile(r *api.Request) error {
	if err := s.model(r).Delete(s.id(r)); err != nil {
		return s.fail(r, err)
	}
	return r.NoContent(http.StatusNoContent)
}

func (s *service) listFiles(r *api.Request) error {
	page, size := 1, 50
	if v, err := strconv.Atoi(r.QueryParam("page")); err == nil {
		page = v
	}
	if v, err := strconv.Atoi(r.QueryParam("pageSize")); err == nil {
		size = v
	}
	files, total := s.model(r).List(page, size, r.QueryParam("state"))
	views := make([]fileView, 0, len(files))
	for _, f := range files {
		v, err := s.view(r, f)
		if err != nil {
			return err
		}
		views = append(views, v)
	}
	offset := (page - 1) * size
	return r.WriteJSON(http.StatusOK, "", map[string]any{
		"files":    views,
		"included": s.included(r, files...),
		"meta": map[string]any{"page": map[string]any{
			"pageOffset": offset, "pageSize": size, "count": total, "hasMore": offset+len(files) < total,
		}},
		"pagination": map[string]any{"page": page, "pageSize": size, "pages": (total + size - 1) / size, "records": total},
	})
}
