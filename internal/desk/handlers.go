package desk

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/s3"
	"github.com/fileemu/fileemu/internal/session"
	"github.com/fileemu/fileemu/internal/validate"
)

// Upload form and download URL lifetimes.
const (
	formExpiry     = time.Hour
	downloadExpiry = time.Hour
)

// Options configures the Desk API.
type Options struct {
	S3            s3.Credentials
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
		Errors:   api.Envelope{Problem: problem, Write: writeErrors},
		State:    state(),
		Fixtures: s.loadFixtures,
	}
}

func (s *service) model(r *api.Request) *Model { return s.modelOf(r.Session) }

// modelOf is the session's Desk model, made on first use on the session's clock.
func (s *service) modelOf(sess *session.Session) *Model {
	return session.Model(sess, "desk", func() *Model { return NewModel(sess.Blobs, sess.Clock.Now) })
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

// fileView is a file as Desk shows it. The name goes out twice: `filename` as the reference
// schema and Teamwork's SDK spell it, `fileName` as the guide's examples do.
type fileView struct {
	ID          int64      `json:"id"`
	MimeType    string     `json:"mimeType"`
	Filename    string     `json:"filename"`
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
		ID: f.ID, MimeType: f.MimeType, Filename: f.FileName, FileName: f.FileName, Size: f.Size, Disposition: f.Disposition,
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
			Expires: downloadExpiry, Now: r.Now()})
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

// respond writes {file, included} or returns err; sel narrows the file down
// (nil: every property).
func (s *service) respond(r *api.Request, f File, sel []string, err error) error {
	if err != nil {
		return err
	}
	out, err := s.projected(r, f, sel)
	if err != nil {
		return err
	}
	return r.WriteJSON(http.StatusOK, "", map[string]any{"file": out, "included": s.included(r, f)})
}

// projected is f as the API shows it, narrowed to sel.
func (s *service) projected(r *api.Request, f File, sel []string) (any, error) {
	v, err := s.view(r, f)
	if err != nil {
		return nil, err
	}
	return project(v, sel)
}

// viewFields are the properties `fields` may name: the JSON names of fileView.
var viewFields = func() map[string]bool {
	m := map[string]bool{}
	t := reflect.TypeFor[fileView]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		m[name] = true
	}
	return m
}()

// selection reads the `fields` parameter: nil for every property, else the names asked for
// and id.
func selection(r *api.Request) ([]string, error) {
	raw := r.QueryParam("fields")
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	sel := []string{"id"}
	for _, name := range strings.Split(raw, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if !viewFields[name] {
			return nil, &Error{Status: 400, Code: "invalid", Parameter: "fields",
				Detail: fmt.Sprintf("fields: unknown file property %q; files have %s", name,
					strings.Join(slices.Sorted(maps.Keys(viewFields)), ", "))}
		}
		sel = append(sel, name)
	}
	return sel, nil
}

// project keeps the properties of v named in sel (all of them when sel is nil).
func project(v fileView, sel []string) (any, error) {
	if sel == nil {
		return v, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("project file %d: %w", v.ID, err)
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, fmt.Errorf("project file %d: %w", v.ID, err)
	}
	out := make(map[string]json.RawMessage, len(sel))
	for _, name := range sel {
		if raw, ok := all[name]; ok { // properties a file lacks (downloadURL of a temp file) stay absent
			out[name] = raw
		}
	}
	return out, nil
}

func (s *service) id(r *api.Request) int64 {
	id, _ := strconv.ParseInt(r.Param("id"), 10, 64) // the spec already checked it is an integer
	return id
}

// refFields are the file's fields of an upload authorization, flat in the body or in "file".
type refFields struct {
	Type        *string `json:"type"`
	Filename    *string `json:"filename"`
	FileName    *string `json:"fileName"`
	MimeType    *string `json:"mimeType"`
	Disposition *string `json:"disposition"`
}

// set lists the JSON names of the fields present.
func (f refFields) set() []string {
	var names []string
	for name, p := range map[string]*string{"type": f.Type, "filename": f.Filename, "fileName": f.FileName,
		"mimeType": f.MimeType, "disposition": f.Disposition} {
		if p != nil {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

func (f refFields) refIn() RefIn {
	in := RefIn{FileName: deref(f.FileName), MimeType: deref(f.MimeType), Disposition: deref(f.Disposition), Type: deref(f.Type)}
	if in.FileName == "" {
		in.FileName = deref(f.Filename)
	}
	return in
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// decode reads a JSON body the spec already validated; a failure still answers in Desk's envelope.
func decode(r *api.Request, v any) error {
	if err := json.NewDecoder(r.Request().Body).Decode(v); err != nil {
		return &Error{Status: 400, Code: "parse", Detail: "the body is not valid JSON: " + err.Error(), Pointer: "/"}
	}
	return nil
}

func (s *service) createFileRef(r *api.Request) error {
	// Flat as the guide shows it, or wrapped in "file" as the reference's FileAPIBody and the SDK
	// send it (with "included", and the SDK's empty "params"; both ignored).
	var in struct {
		refFields
		File *refFields `json:"file"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	ref, prefix := in.refFields.refIn(), ""
	if in.File != nil {
		var es Errors
		for _, name := range in.refFields.set() {
			es = append(es, &Error{Status: 400, Code: "invalid", Pointer: "/" + name,
				Detail: fmt.Sprintf("%s is given both at the top level and in file: send the file's fields in one place", name)})
		}
		if len(es) > 0 {
			return es
		}
		ref, prefix = in.File.refIn(), "/file"
	}
	f, err := s.model(r).CreateRef(ref)
	var es Errors
	if errors.As(err, &es) {
		return es.under(prefix)
	}
	if err != nil {
		return err
	}
	form, err := s3.PresignPost(s.opts.S3, s3.PostOptions{
		URL:        strings.TrimRight(r.BaseURL, "/") + s3.Prefix + Bucket,
		Bucket:     Bucket,
		Key:        f.Key,
		Expires:    formExpiry,
		Now:        r.Now(),
		Fields:     map[string]string{"Content-Type": f.MimeType, "success_action_status": "201"},
		Conditions: []s3.Condition{{Op: "content-length-range", Min: 1, Max: s.opts.MaxObjectSize}},
		Session:    r.Session.ID,
	})
	if err != nil {
		return fmt.Errorf("presign upload form of file %d: %w", f.ID, err)
	}
	v, err := s.view(r, f)
	if err != nil {
		return err
	}
	// A struct, in the order a map's keys were written (encoding/json sorts them): the same bytes,
	// without sorting keys by reflection on every reference.
	return r.WriteJSON(http.StatusCreated, "", struct {
		File   fileView          `json:"file"`
		Params map[string]string `json:"params"`
		URL    string            `json:"url"`
	}{v, form.Fields, form.URL})
}

func (s *service) activateFile(r *api.Request) error {
	f, err := s.model(r).Activate(s.id(r))
	return s.respond(r, f, nil, err)
}

func (s *service) getFile(r *api.Request) error {
	sel, err := selection(r)
	if err != nil {
		return err
	}
	f, err := s.model(r).Get(s.id(r))
	return s.respond(r, f, sel, err)
}

func (s *service) updateFile(r *api.Request) error {
	// The SDK's Files.Update sends a whole FileResponse: {"params":{...},"file":{"id":...,...}}.
	var in struct {
		File struct {
			ID          int64  `json:"id"`
			Filename    string `json:"filename"`
			FileName    string `json:"fileName"`
			Disposition string `json:"disposition"`
		} `json:"file"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	up := UpdateIn{ID: in.File.ID, FileName: in.File.FileName, Disposition: in.File.Disposition}
	if up.FileName == "" {
		up.FileName = in.File.Filename
	}
	f, err := s.model(r).Update(s.id(r), up)
	var es Errors
	if errors.As(err, &es) {
		err = es.under("/file")
	}
	return s.respond(r, f, nil, err)
}

func (s *service) deleteFile(r *api.Request) error {
	if err := s.model(r).Delete(s.id(r)); err != nil {
		return err
	}
	return r.NoContent(http.StatusNoContent)
}

// maxPageSize is where Desk's list endpoints silently lower a larger pageSize.
const maxPageSize = 100

func (s *service) listFiles(r *api.Request) error {
	q := ListQuery{PageSize: 50, State: r.QueryParam("state"), OrderBy: r.QueryParam("orderBy"),
		Desc: r.QueryParam("orderMode") != "asc"}
	// The spec already checked that these are integers in range.
	page := 1
	if v, err := strconv.Atoi(r.QueryParam("page")); err == nil {
		page = v
	}
	if v, err := strconv.Atoi(r.QueryParam("pageSize")); err == nil {
		q.PageSize = min(v, maxPageSize)
	}
	q.Offset = (page - 1) * q.PageSize
	if v, err := strconv.Atoi(r.QueryParam("pageOffset")); err == nil {
		q.Offset = v // an offset wins over a page number
	}
	ids, err := idList(r.QueryParams()["ids"])
	if err != nil {
		return err
	}
	q.IDs = ids
	for _, raw := range r.QueryParams()["filter"] {
		f, err := ParseFilter(raw)
		if err != nil {
			return err
		}
		q.Filters = append(q.Filters, f)
	}
	sel, err := selection(r)
	if err != nil {
		return err
	}
	files, total := s.model(r).List(q)
	views := make([]any, 0, len(files))
	for _, f := range files {
		out, err := s.projected(r, f, sel)
		if err != nil {
			return err
		}
		views = append(views, out)
	}
	pages := (total + q.PageSize - 1) / q.PageSize
	more := q.Offset+len(files) < total
	return r.WriteJSON(http.StatusOK, "", map[string]any{
		"files":    views,
		"included": s.included(r, files...),
		"meta": map[string]any{"page": map[string]any{
			"pageOffset": q.Offset, "pageSize": q.PageSize, "count": total, "pages": pages, "hasMore": more,
		}},
		"pagination": map[string]any{"page": q.Offset/q.PageSize + 1, "pageSize": q.PageSize, "pages": pages,
			"records": total, "hasMorePages": more},
	})
}

// idList reads the `ids` parameter, repeated or comma-separated: nil when absent.
func idList(values []string) ([]int64, error) {
	var ids []int64
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			id, err := strconv.ParseInt(part, 10, 64)
			if err != nil || id < 1 {
				return nil, &Error{Status: 400, Code: "invalid", Parameter: "ids",
					Detail: fmt.Sprintf("ids: %q is not a file id (a positive integer)", part)}
			}
			ids = append(ids, id)
		}
	}
	if values != nil && ids == nil {
		ids = []int64{} // ids given but empty: no file matches
	}
	return ids, nil
}
