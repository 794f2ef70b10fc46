package weavy

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/session"
	"github.com/fileemu/fileemu/internal/upload"
	"github.com/fileemu/fileemu/internal/validate"
)

// jsonContentType is the media type of Weavy's JSON responses.
const jsonContentType = "application/json; charset=utf-8"

// Bounds of a blob upload's text fields: each, and their values together.
const (
	maxFieldSize   = 64 << 10
	maxFieldsTotal = 1 << 20
)

var blobFormLimits = upload.Limits{Size: maxFieldSize, Total: maxFieldsTotal, ValuesOnly: true}

// Prefixes are the paths the Weavy API owns: all of /api/ (so that unknown routes answer Weavy's
// problem details; the longer /api/v1/ of files.ro wins over it), /version and /hubs/ (the
// real-time hub, not emulated: a problem 404 makes the UI kit retry quietly).
func Prefixes() []string {
	return []string{"/api/", "/version/", "/hubs/"}
}

// Options configures the Weavy API.
type Options struct {
	// MaxObjectSize bounds a blob upload (0: unlimited).
	MaxObjectSize int64
	// Seed makes the emulated user's name.
	Seed int64
	Auth validate.AuthFunc
}

type service struct {
	opts Options
	spec *validate.Spec
	// userName is the name of user 1, who API-key requests act as.
	userName string
}

// New returns the Weavy files API as a mountable API.
func New(spec *validate.Spec, opts Options) *api.API {
	faker := gofakeit.New(uint64(opts.Seed) + userID)
	s := &service{opts: opts, spec: spec, userName: faker.FirstName() + " " + faker.LastName()}
	handlers := map[string]api.Handler{
		"getVersion":             s.getVersion,
		"getCurrentUser":         s.getCurrentUser,
		"getUser":                s.getUser,
		"upsertUser":             s.upsertUser,
		"issueUserToken":         s.issueToken,
		"listApps":               s.listApps,
		"initApp":                s.initApp,
		"listAppMembers":         s.listAppMembers,
		"listMessages":           s.listMessages,
		"listFileComments":       s.listComments(ParentFile),
		"listPostComments":       s.listComments(ParentPost),
		"createFileComment":      s.createFileComment,
		"subscribeFile":          s.subscribe(true),
		"unsubscribeFile":        s.subscribe(false),
		"createExternalBlob":     s.createExternalBlob,
		"createApp":              s.createApp,
		"getApp":                 s.getApp,
		"upsertApp":              s.upsertApp,
		"uploadBlob":             s.uploadBlob,
		"getBlob":                s.getBlob,
		"downloadBlob":           s.downloadBlob,
		"createFile":             s.createFile,
		"listAppFiles":           s.listAppFiles,
		"listFiles":              s.listFiles,
		"getFile":                s.getFile,
		"updateFile":             s.updateFile,
		"deleteFile":             s.deleteFile,
		"trashFile":              s.trashFile,
		"restoreFile":            s.restoreFile,
		"downloadFile":           s.downloadFile,
		"listFileVersions":       s.listFileVersions,
		"getFileVersion":         s.getFileVersion,
		"deleteFileVersion":      s.deleteFileVersion,
		"restoreFileVersion":     s.restoreFileVersion,
		"downloadFileVersion":    s.downloadFileVersion,
		"createMessage":          s.createMessage,
		"createPost":             s.createPost,
		"createComment":          s.createComment,
		"listMessageAttachments": s.listAttachments(ParentMessage),
		"listPostAttachments":    s.listAttachments(ParentPost),
		"listCommentAttachments": s.listAttachments(ParentComment),
	}
	for op, h := range handlers {
		handlers[op] = s.withActor(h)
	}
	return &api.API{
		Name:     "weavy",
		Prefixes: Prefixes(),
		Spec:     spec,
		Auth:     wrapAuth(opts.Auth),
		Handlers: handlers,
		Errors:   api.Envelope{Problem: problem, Write: writeProblem},
		State:    state(),
		Fixtures: s.loadFixtures,
	}
}

func (s *service) model(r *api.Request) *Model { return s.modelOf(r.Session) }

// modelOf is the session's Weavy model, made on first use on the session's clock.
func (s *service) modelOf(sess *session.Session) *Model {
	return session.Model(sess, "weavy", func() *Model { return NewModelWithUser(sess.Blobs, sess.Clock.Now, s.userName) })
}

// ---- views ----

// timestamp renders times as Weavy (.NET) does: UTC RFC 3339 with the fraction of a second in
// 100 ns ticks (at most 7 digits, trailing zeros dropped, none when zero).
func timestamp(t time.Time) string {
	return t.UTC().Truncate(100 * time.Nanosecond).Format(time.RFC3339Nano)
}

// appRefView is the app summary files and messages carry: the type as GUID.
type appRefView struct {
	ID   int64  `json:"id"`
	UID  string `json:"uid"`
	Type string `json:"type"`
	Name string `json:"name,omitempty"`
}

func appRefOut(a AppRef) appRefView {
	return appRefView{ID: a.ID, UID: a.UID, Type: TypeGUID(a.Type), Name: a.Name}
}

// by renders the user id of a record.
func (s *service) by(r *api.Request, id int64) userView { return userSummary(s.model(r).UserByID(id)) }

type appView struct {
	ID           int64             `json:"id"`
	Type         string            `json:"type"`
	UID          string            `json:"uid"`
	Access       string            `json:"access"`
	Name         string            `json:"name,omitempty"`
	Description  string            `json:"description,omitempty"`
	Metadata     map[string]string `json:"metadata,omitempty"`
	Tags         []string          `json:"tags,omitempty"`
	CreatedAt    string            `json:"created_at"`
	CreatedBy    userView          `json:"created_by"`
	UpdatedAt    string            `json:"updated_at"`
	UpdatedBy    userView          `json:"updated_by"`
	IsStarred    bool              `json:"is_starred"`
	IsSubscribed bool              `json:"is_subscribed"`
	IsTrashed    bool              `json:"is_trashed"`
	Permissions  []string          `json:"permissions"`
}

func (s *service) appView(r *api.Request, a App) appView {
	return appView{
		ID: a.ID, Type: TypeGUID(a.Type), UID: a.UID, Access: a.Access, Name: a.Name, Description: a.Description,
		Metadata: a.Metadata, Tags: a.Tags, CreatedAt: timestamp(a.CreatedAt), CreatedBy: s.by(r, a.CreatedBy),
		UpdatedAt: timestamp(a.UpdatedAt), UpdatedBy: s.by(r, a.UpdatedBy),
		Permissions: []string{"list", "read", "create", "update", "delete", "admin"},
	}
}

type blobView struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	MediaType string `json:"media_type"`
	Width     int    `json:"width,omitempty"`
	Height    int    `json:"height,omitempty"`
	Size      int64  `json:"size"`
}

func blobOut(b Blob) blobView {
	return blobView{ID: b.ID, Name: b.Name, MediaType: b.MediaType, Width: b.Width, Height: b.Height, Size: b.Size}
}

type fileView struct {
	ID            int64             `json:"id"`
	Rev           int               `json:"rev"`
	App           appRefView        `json:"app"`
	Parent        *Parent           `json:"parent,omitempty"`
	Name          string            `json:"name"`
	Kind          string            `json:"kind"`
	MediaType     string            `json:"media_type"`
	Width         int               `json:"width,omitempty"`
	Height        int               `json:"height,omitempty"`
	Size          int64             `json:"size"`
	Metadata      map[string]string `json:"metadata,omitempty"`
	Tags          []string          `json:"tags,omitempty"`
	DownloadURL   string            `json:"download_url"`
	Provider      string            `json:"provider,omitempty"`
	ExternalURL   string            `json:"external_url,omitempty"`
	PreviewFormat string            `json:"preview_format"`
	CreatedAt     string            `json:"created_at"`
	CreatedBy     userView          `json:"created_by"`
	UpdatedAt     string            `json:"updated_at"`
	UpdatedBy     userView          `json:"updated_by"`
	IsSubscribed  bool              `json:"is_subscribed"`
	IsStarred     bool              `json:"is_starred"`
	IsTrashed     bool              `json:"is_trashed"`
}

// fileView renders a file; download_url serves the revision it shows.
func (s *service) fileView(r *api.Request, f File) fileView {
	download := fmt.Sprintf("%s/api/files/%d/download", r.BaseURL, f.ID)
	if !f.IsCurrent() {
		download = fmt.Sprintf("%s/api/files/%d/versions/%d/download", r.BaseURL, f.ID, f.Rev)
	}
	parent := f.Parent
	return fileView{
		ID: f.ID, Rev: f.Rev, App: appRefOut(f.App), Parent: &parent, Name: f.Name, Kind: f.Kind, MediaType: f.MediaType,
		Width: f.Width, Height: f.Height, Size: f.Size, Metadata: f.Metadata, Tags: f.Tags, DownloadURL: download,
		Provider: f.Provider, ExternalURL: f.Link,
		PreviewFormat: f.PreviewFormat, CreatedAt: timestamp(f.CreatedAt), CreatedBy: s.by(r, f.CreatedBy),
		UpdatedAt: timestamp(f.UpdatedAt), UpdatedBy: s.by(r, f.UpdatedBy), IsTrashed: f.Trashed, IsSubscribed: f.Subscribed,
	}
}

type listView struct {
	Data  []fileView `json:"data,omitempty"`
	Start *int       `json:"start,omitempty"`
	End   *int       `json:"end,omitempty"`
	Count int        `json:"count"`
}

func (s *service) listView(r *api.Request, p Page) listView {
	out := listView{Count: p.Count}
	if len(p.Files) == 0 {
		return out
	}
	out.Start, out.End = &p.Start, &p.End
	for _, f := range p.Files {
		out.Data = append(out.Data, s.fileView(r, f))
	}
	return out
}

type attachmentsView struct {
	Data  []fileView `json:"data"`
	Count int        `json:"count"`
}

type messageView struct {
	ID          int64            `json:"id"`
	App         appRefView       `json:"app"`
	Parent      *Parent          `json:"parent,omitempty"`
	Text        string           `json:"text,omitempty"`
	HTML        string           `json:"html,omitempty"`
	Plain       string           `json:"plain,omitempty"`
	Attachments *attachmentsView `json:"attachments,omitempty"`
	CreatedAt   string           `json:"created_at"`
	CreatedBy   userView         `json:"created_by"`
	IsTrashed   bool             `json:"is_trashed"`
}

func (s *service) messageView(r *api.Request, msg Message) messageView {
	out := messageView{ID: msg.ID, App: appRefOut(msg.App), Parent: msg.Parent, Text: msg.Text, Plain: msg.Text,
		CreatedAt: timestamp(msg.CreatedAt), CreatedBy: s.by(r, msg.CreatedBy)}
	if msg.Text != "" {
		// Weavy renders text as Markdown; fileemu keeps it literal: escaped paragraphs.
		out.HTML = "<p>" + strings.ReplaceAll(html.EscapeString(msg.Text), "\n", "<br>") + "</p>"
	}
	if len(msg.Attachments) > 0 {
		out.Attachments = &attachmentsView{Count: len(msg.Attachments)}
		for _, f := range msg.Attachments {
			out.Attachments.Data = append(out.Attachments.Data, s.fileView(r, f))
		}
	}
	return out
}

// ---- helpers ----

// respond writes v as JSON with status, or returns err.
func respond(r *api.Request, status int, v any, err error) error {
	if err != nil {
		return err
	}
	return r.WriteJSON(status, jsonContentType, v)
}

// noContent answers 204, or the problem err carries.
func noContent(r *api.Request, err error) error {
	if err != nil {
		return err
	}
	return r.NoContent(http.StatusNoContent)
}

// pathID parses the numeric path parameter name; anything else is the 404 of what it names.
func pathID(r *api.Request, name, what string) (int64, error) {
	raw := r.Param(name)
	id, ok := ParseID(raw)
	if !ok {
		return 0, errNotFound("%s %q not found.", what, raw)
	}
	return id, nil
}

// fileRev parses the {id} and {rev} of a revision route.
func fileRev(r *api.Request) (int64, int, error) {
	id, err := pathID(r, "id", "File")
	if err != nil {
		return 0, 0, err
	}
	rev, err := pathID(r, "rev", "Revision")
	if err != nil || rev > int64(^uint32(0)>>1) {
		return 0, 0, errNotFound("File %d has no revision %q.", id, r.Param("rev"))
	}
	return id, int(rev), nil
}

// decode reads a JSON body the spec already validated. What the spec lets through but Go cannot
// hold (1.0 for an integer) is a 422 on that field.
func decode(r *api.Request, v any) error {
	err := json.NewDecoder(r.Request().Body).Decode(v)
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil, errors.Is(err, io.EOF):
		return nil
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return errInvalid(typeErr.Field, "The value is not a valid %s.", typeErr.Type)
	}
	return errInvalid("$", "%s", err.Error())
}

// ---- apps ----

type appIn struct {
	Type        string             `json:"type"`
	UID         string             `json:"uid"`
	Access      *string            `json:"access"`
	Name        *string            `json:"name"`
	Description *string            `json:"description"`
	Metadata    *map[string]string `json:"metadata"`
	Tags        *[]string          `json:"tags"`
}

// model reads the app's type (name or GUID; typeField names it in errors) for the acting user by.
func (in appIn) model(typeField string, by int64) (AppIn, error) {
	t, err := appType(typeField, in.Type)
	if err != nil {
		return AppIn{}, err
	}
	return AppIn{Type: t, UID: in.UID, Access: in.Access, Name: in.Name, Description: in.Description, Metadata: in.Metadata, Tags: in.Tags, By: by}, nil
}

func (s *service) createApp(r *api.Request) error {
	var in appIn
	if err := decode(r, &in); err != nil {
		return err
	}
	app, err := in.model("type", actorOf(r))
	if err != nil {
		return err
	}
	a, err := s.model(r).CreateApp(app)
	return respond(r, http.StatusCreated, s.appView(r, a), err)
}

func (s *service) upsertApp(r *api.Request) error {
	var in appIn
	if err := decode(r, &in); err != nil {
		return err
	}
	app, err := in.model("type", actorOf(r))
	if err != nil {
		return err
	}
	m := s.model(r)
	a, created, err := m.UpsertApp(r.Param("app"), app)
	if err != nil {
		return err
	}
	m.JoinApp(a.ID, actorOf(r)) // the user who opens a contextual app takes part in it
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return r.WriteJSON(status, jsonContentType, s.appView(r, a))
}

func (s *service) getApp(r *api.Request) error {
	a, err := s.model(r).App(r.Param("app"))
	if err != nil {
		return err
	}
	return r.WriteJSON(http.StatusOK, jsonContentType, s.appView(r, a))
}

// ---- blobs ----

// uploadBlob streams the blob part of a multipart form into the store, checks the other fields
// against the spec, and keeps nothing unless the whole request was fine.
func (s *service) uploadBlob(r *api.Request) error {
	hr := r.Request()
	ct := hr.Header.Get("Content-Type")
	boundary, berr := upload.Boundary(ct)
	if errors.Is(berr, upload.ErrNotMultipart) {
		return problem(r, api.Problem{Kind: api.Invalid, Violations: s.spec.ValidateFields(r.Route, ct, nil, nil)})
	}
	if berr != nil {
		return errBadRequest("The multipart/form-data Content-Type has no boundary.")
	}
	m := s.model(r)
	var staged *Staged
	defer func() { // nothing is kept unless Commit took the upload
		if staged != nil {
			m.Discard(*staged)
		}
	}()
	mr := upload.NewForm(hr.Body, boundary, blobFormLimits) // text fields are kept in memory: bounded in all, not only each
	values := map[string]string{}
	var present []string
	for {
		part, nerr := mr.Next()
		if errors.Is(nerr, io.EOF) {
			break
		}
		if nerr != nil {
			return errBadRequest("The multipart body is truncated or malformed: %v.", nerr)
		}
		name := part.FormName()
		if name != "blob" {
			v, rerr := mr.Text(part)
			if rerr != nil && !upload.OverLimit(rerr) {
				return errBadRequest("The multipart body is truncated or malformed: %v.", rerr)
			}
			if len(v) > maxFieldSize {
				return errBadRequest("The form field %q is larger than %d bytes.", name, maxFieldSize)
			}
			if rerr != nil {
				return errBadRequest("The form fields are larger than %d bytes in all.", maxFieldsTotal)
			}
			values[name] = v
			continue
		}
		if staged != nil {
			return errInvalid("blob", "Send one blob per request.")
		}
		filename := part.FileName()
		if filename == "" {
			filename = "blob"
		}
		partType := part.Header.Get("Content-Type")
		st, serr := m.Stage(hr.Context(), filename, partType, part, s.opts.MaxObjectSize, r.Infects(filename, partType))
		if serr != nil {
			var p *Problem
			if errors.As(serr, &p) { // too large, or the storage bound: Stage read a bounded rest
				return p
			}
			return errBadRequest("The blob part is truncated: %v.", serr)
		}
		staged = &st
		present = append(present, "blob")
	}
	if vs := s.spec.ValidateFields(r.Route, ct, values, present); len(vs) > 0 {
		api.SetViolationsHeader(r.Response().Header(), vs)
		return invalidProblem(vs)
	}
	if staged == nil { // the spec requires the part; this guards a spec without that rule
		return errInvalid("blob", "The blob field is required.")
	}
	st := *staged
	staged = nil // Commit keeps it or drops it
	b, err := m.Commit(st)
	if err != nil {
		return err
	}
	r.SetUploadSHA256(b.SHA256)
	return r.WriteJSON(http.StatusCreated, jsonContentType, blobOut(b))
}

func (s *service) getBlob(r *api.Request) error {
	id, err := pathID(r, "id", "Blob")
	if err != nil {
		return err
	}
	b, err := s.model(r).Blob(id)
	return respond(r, http.StatusOK, blobOut(b), err)
}

func (s *service) downloadBlob(r *api.Request) error {
	id, err := pathID(r, "id", "Blob")
	if err != nil {
		return err
	}
	b, err := s.model(r).Blob(id)
	if err != nil {
		return err
	}
	return serveContent(r, b.Name, b.Content)
}

// serveContent serves stored bytes as a download, with byte ranges and ETag. An external blob
// holds no bytes: its download redirects to the provider's link.
func serveContent(r *api.Request, name string, c Content) error {
	if c.Object == "" {
		return r.Redirect(http.StatusFound, c.Link)
	}
	obj, rd, err := r.Session.Blobs.Open(c.Object)
	if err != nil {
		return fmt.Errorf("open %s: %w", c.Object, err)
	}
	defer rd.Close()
	h := r.Response().Header()
	h.Set("Content-Type", c.MediaType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	h.Set("ETag", obj.ETag())
	r.Response().Content()
	http.ServeContent(r.Response(), r.Request(), name, time.Time{}, rd)
	return nil
}

// ---- files ----

type fileIn struct {
	BlobID   int64              `json:"blob_id"`
	Name     string             `json:"name"`
	Metadata *map[string]string `json:"metadata"`
	Tags     *[]string          `json:"tags"`
	Replace  bool               `json:"replace"`
}

func (s *service) createFile(r *api.Request) error {
	var in fileIn
	if err := decode(r, &in); err != nil {
		return err
	}
	f, replaced, err := s.model(r).CreateFile(r.Param("app"), FileIn{
		BlobID: in.BlobID, Name: in.Name, Metadata: in.Metadata, Tags: in.Tags, Replace: in.Replace, By: actorOf(r),
	})
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if replaced {
		status = http.StatusOK
	}
	return r.WriteJSON(status, jsonContentType, s.fileView(r, f))
}

func (s *service) getFile(r *api.Request) error {
	id, err := pathID(r, "id", "File")
	if err != nil {
		return err
	}
	trashed, _ := strconv.ParseBool(r.QueryParam("trashed")) // the spec already checked it is a boolean
	f, err := s.model(r).File(id, trashed)
	if err != nil {
		return err
	}
	return r.WriteJSON(http.StatusOK, jsonContentType, s.fileView(r, f))
}

type fileUp struct {
	BlobID   *int64             `json:"blob_id"`
	Name     *string            `json:"name"`
	Metadata *map[string]string `json:"metadata"`
	Tags     *[]string          `json:"tags"`
	Backup   bool               `json:"backup"`
}

func (s *service) updateFile(r *api.Request) error {
	id, err := pathID(r, "id", "File")
	if err != nil {
		return err
	}
	var in fileUp
	if err := decode(r, &in); err != nil {
		return err
	}
	f, err := s.model(r).UpdateFile(id, FileUp{BlobID: in.BlobID, Name: in.Name, Metadata: in.Metadata, Tags: in.Tags, Backup: in.Backup, By: actorOf(r)})
	if err != nil {
		return err
	}
	return r.WriteJSON(http.StatusOK, jsonContentType, s.fileView(r, f))
}

// fileOp runs a 204 operation on the file {id}.
func (s *service) fileOp(op func(m *Model, id int64) error) api.Handler {
	return func(r *api.Request) error {
		id, err := pathID(r, "id", "File")
		if err != nil {
			return err
		}
		return noContent(r, op(s.model(r), id))
	}
}

func (s *service) deleteFile(r *api.Request) error {
	return s.fileOp((*Model).Delete)(r)
}

func (s *service) trashFile(r *api.Request) error {
	return s.fileOp((*Model).Trash)(r)
}

func (s *service) restoreFile(r *api.Request) error {
	return s.fileOp((*Model).Restore)(r)
}

func (s *service) downloadFile(r *api.Request) error {
	id, err := pathID(r, "id", "File")
	if err != nil {
		return err
	}
	name, c, err := s.model(r).Download(id, 0)
	if err != nil {
		return err
	}
	return serveContent(r, name, c)
}

func (s *service) listFileVersions(r *api.Request) error {
	id, err := pathID(r, "id", "File")
	if err != nil {
		return err
	}
	revs, err := s.model(r).Revisions(id)
	if err != nil {
		return err
	}
	return r.WriteJSON(http.StatusOK, jsonContentType, s.listView(r, Page{Files: revs, Start: 0, End: len(revs), Count: len(revs)}))
}

func (s *service) getFileVersion(r *api.Request) error {
	id, rev, err := fileRev(r)
	if err != nil {
		return err
	}
	f, err := s.model(r).Revision(id, rev)
	if err != nil {
		return err
	}
	return r.WriteJSON(http.StatusOK, jsonContentType, s.fileView(r, f))
}

func (s *service) deleteFileVersion(r *api.Request) error {
	id, rev, err := fileRev(r)
	if err != nil {
		return err
	}
	return noContent(r, s.model(r).DeleteRevision(id, rev))
}

func (s *service) restoreFileVersion(r *api.Request) error {
	id, rev, err := fileRev(r)
	if err != nil {
		return err
	}
	_, err = s.model(r).RestoreRevision(id, rev)
	return noContent(r, err)
}

func (s *service) downloadFileVersion(r *api.Request) error {
	id, rev, err := fileRev(r)
	if err != nil {
		return err
	}
	name, c, err := s.model(r).Download(id, rev)
	if err != nil {
		return err
	}
	return serveContent(r, name, c)
}

// ---- listings ----

// listQuery reads the listing parameters the spec already validated.
func listQuery(r *api.Request) ListQuery {
	v := r.Request().URL.Query()
	q := ListQuery{Q: v.Get("q"), Tag: v.Get("tag")}
	switch v.Get("trashed") {
	case "true":
		t := true
		q.Trashed = &t
	case "null":
	default:
		f := false
		q.Trashed = &f
	}
	order := v.Get("orderby")
	if v.Has("order_by") {
		order = v.Get("order_by")
	}
	q.OrderBy, q.Desc, _ = ParseOrderBy(order)
	q.Skip, _ = strconv.Atoi(v.Get("skip"))
	q.Take, _ = strconv.Atoi(v.Get("take"))
	q.Around, _ = strconv.ParseInt(v.Get("around"), 10, 64)
	q.CountOnly, _ = strconv.ParseBool(v.Get("count_only"))
	return q
}

// list answers a listing of a scope.
func (s *service) list(r *api.Request, sc Scope) error {
	q := listQuery(r)
	p, err := s.model(r).List(sc, q)
	if err != nil {
		return err
	}
	if q.CountOnly {
		return r.WriteJSON(http.StatusOK, jsonContentType, listView{Count: p.Count})
	}
	return r.WriteJSON(http.StatusOK, jsonContentType, s.listView(r, p))
}

func (s *service) listFiles(r *api.Request) error { return s.list(r, Scope{}) }

func (s *service) listAppFiles(r *api.Request) error { return s.list(r, Scope{App: r.Param("app")}) }

func (s *service) listAttachments(typ string) api.Handler {
	what := strings.ToUpper(typ[:1]) + typ[1:]
	return func(r *api.Request) error {
		id, err := pathID(r, "id", what)
		if err != nil {
			return err
		}
		return s.list(r, Scope{Parent: Parent{Type: typ, ID: id}})
	}
}

// ---- messages, posts and comments ----

type messageIn struct {
	Text  string  `json:"text"`
	Blobs []int64 `json:"blobs"`
}

func (in messageIn) model(by int64) MessageIn {
	return MessageIn{Text: in.Text, Blobs: in.Blobs, By: by}
}

func (s *service) createMessage(r *api.Request) error { return s.createInApp(r, ParentMessage) }

func (s *service) createPost(r *api.Request) error { return s.createInApp(r, ParentPost) }

func (s *service) createInApp(r *api.Request, typ string) error {
	var in messageIn
	if err := decode(r, &in); err != nil {
		return err
	}
	msg, err := s.model(r).CreateMessage(typ, r.Param("app"), in.model(actorOf(r)))
	if err != nil {
		return err
	}
	return r.WriteJSON(http.StatusCreated, jsonContentType, s.messageView(r, msg))
}

func (s *service) createComment(r *api.Request) error {
	id, err := pathID(r, "id", "Post")
	if err != nil {
		return err
	}
	var in messageIn
	if err := decode(r, &in); err != nil {
		return err
	}
	msg, err := s.model(r).CommentOn(Parent{Type: ParentPost, ID: id}, in.model(actorOf(r)))
	if err != nil {
		return err
	}
	return r.WriteJSON(http.StatusCreated, jsonContentType, s.messageView(r, msg))
}
