package filesro

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fileemu/fileemu/internal/antivirus"
	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/session"
	"github.com/fileemu/fileemu/internal/validate"
)

// Options configures the files.ro API.
type Options struct {
	// Clock is a model's clock (default time.Now). New ignores it: each session's model runs on
	// that session's clock, which the admin API moves.
	Clock func() time.Time
	// MaxObjectSize is the upload limit (413 above it); for chunked uploads, of all chunks together.
	MaxObjectSize int64
	// Seed seeds the generated data (the owner's name, the seed shares' ids).
	Seed int64
	// Auth checks the owner routes' bearer tokens.
	Auth validate.AuthFunc
	// ChunkExpiry is how long a chunked upload that receives no chunk is kept (default 1 hour).
	ChunkExpiry time.Duration
	// ThumbnailBudget bounds the bytes of images decoded at once for thumbnails, across all
	// sessions (default DefaultThumbnailBudget).
	ThumbnailBudget int64
}

// DefaultMaxObjectSize is the upload limit when Options.MaxObjectSize is not set.
const DefaultMaxObjectSize = 100 << 20

func (o Options) withDefaults() Options {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.MaxObjectSize <= 0 {
		o.MaxObjectSize = DefaultMaxObjectSize
	}
	if o.ChunkExpiry <= 0 {
		o.ChunkExpiry = DefaultChunkExpiry
	}
	return o
}

// Browse pages hold this many items when a page is asked for.
const perPage = 50

// Cookie of unlocked protected shares.
const (
	cookieName   = "share_session"
	cookieMaxAge = 43200 * 60 // 30 days, as VueFileManager
)

type service struct {
	opts   Options
	thumbs *thumbnailer // one per emulator: its budget bounds the decodes of all sessions
}

// New returns the files.ro share API as a mountable API.
func New(spec *validate.Spec, opts Options) *api.API {
	s := &service{opts: opts.withDefaults(), thumbs: newThumbnailer(opts.ThumbnailBudget)}
	return &api.API{
		Name: "filesro",
		// /api/v1/ is files.ro's route family, /api/sharing/ VueFileManager's own (its web client's).
		Prefixes: []string{"/api/v1/", "/api/sharing/"},
		Spec:     spec,
		Auth:     opts.Auth,
		Handlers: map[string]api.Handler{
			"uploadToShare":      s.uploadToShare,
			"getShare":           s.getShare,
			"authenticateShare":  s.authenticateShare,
			"browseShare":        s.browseShare,
			"createShareFolder":  s.createShareFolder,
			"getShareFile":       s.getShareFile,
			"getShareThumbnail":  s.getShareThumbnail,
			"createShare":        s.createShare,
			"updateShare":        s.updateShare,
			"getShareNavigation": s.getShareNavigation,
			// VueFileManager's routes over the same state (routes/share.php).
			"vfmGetShare":          s.getShare,
			"vfmAuthenticateShare": s.authenticateShare,
			"vfmNavigation":        s.getShareNavigation,
			"vfmBrowseFolder":      s.browseShare,
			"vfmCreateFolder":      s.createShareFolder,
			"vfmUpload":            s.uploadToShare,
			"vfmUploadChunks":      s.uploadToShare,
			"vfmSharedFile":        s.getSharedFile,
		},
		Errors:   api.Envelope{Problem: problem, Write: writeError},
		State:    state(s.opts),
		Fixtures: s.loadFixtures,
	}
}

func (s *service) model(r *api.Request) *Model {
	return session.Model(r.Session, "filesro", func() *Model { return NewModel(r.Session.Blobs, s.sessionOptions(r)) })
}

// sessionOptions are the options of the request's session's model: its clock is the session's.
func (s *service) sessionOptions(r *api.Request) Options {
	o := s.opts
	o.Clock = r.Session.Clock.Now
	return o
}

func shareCookie(r *api.Request) string {
	if c, err := r.Request().Cookie(cookieName); err == nil {
		return c.Value
	}
	return ""
}

// decodeJSON decodes a body the spec already validated; a decode error is a 400.
func decodeJSON(r *api.Request, v any) error {
	if err := json.NewDecoder(r.Request().Body).Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return &Error{400, "malformed", "The body is not valid JSON: " + err.Error()}
	}
	return nil
}

// --- views -------------------------------------------------------------------------------------

// dateLayout is VueFileManager's date format: "01. Jan. 2024".
const dateLayout = "02. Jan. 2006"

func date(t time.Time) string { return t.UTC().Format(dateLayout) }

type resource struct {
	ID            string         `json:"id"`
	Type          string         `json:"type"`
	Attributes    any            `json:"attributes"`
	Relationships map[string]any `json:"relationships,omitempty"`
}

type relation struct {
	Data any `json:"data"`
}

type shareAttrs struct {
	Permission *string `json:"permission"`
	Protected  bool    `json:"protected"`
	ItemID     string  `json:"item_id"`
	ExpireIn   *int    `json:"expire_in"`
	Token      string  `json:"token"`
	Link       string  `json:"link"`
	Type       string  `json:"type"`
}

type fileAttrs struct {
	Filesize  string  `json:"filesize"`
	Name      string  `json:"name"`
	Basename  string  `json:"basename"`
	Mimetype  string  `json:"mimetype"`
	FileURL   string  `json:"file_url"`
	Thumbnail *string `json:"thumbnail"`
	ParentID  *string `json:"parent_id"`
	CreatedAt string  `json:"created_at"`
	UpdatedAt string  `json:"updated_at"`
	DeletedAt *string `json:"deleted_at"`
}

type folderAttrs struct {
	Name         string  `json:"name"`
	Color        *string `json:"color"`
	Emoji        *string `json:"emoji"`
	Filesize     string  `json:"filesize"`
	IsTeamFolder bool    `json:"isTeamFolder"`
	Items        int     `json:"items"`
	TrashedItems int     `json:"trashed_items"`
	ParentID     *string `json:"parent_id"`
	CreatedAt    string  `json:"created_at"`
	UpdatedAt    string  `json:"updated_at"`
	DeletedAt    *string `json:"deleted_at"`
}

type userAttrs struct {
	Name   string  `json:"name"`
	Avatar *string `json:"avatar"`
	Color  string  `json:"color"`
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// apiURL is a URL of this API in the request's session.
func apiURL(r *api.Request, token string, rest ...string) string {
	u := r.BaseURL + "/api/v1/shares/" + url.PathEscape(token)
	for _, p := range rest {
		u += "/" + url.PathEscape(p)
	}
	return u
}

func shareResource(r *api.Request, sh Share) resource {
	a := shareAttrs{Permission: optional(sh.Permission), Protected: sh.Protected, ItemID: sh.ItemID,
		Token: sh.Token, Link: apiURL(r, sh.Token), Type: sh.Type}
	if sh.ExpireIn > 0 {
		a.ExpireIn = &sh.ExpireIn
	}
	return resource{ID: sh.ID, Type: "shared", Attributes: a}
}

// relationships are those every item resource of a share has.
func relationships(r *api.Request, sh Share, e Entry, owner User, userType string) map[string]any {
	rels := map[string]any{
		"shared": relation{shareResource(r, sh)},
		userType: relation{resource{ID: owner.ID, Type: userType,
			Attributes: userAttrs{Name: owner.Name, Color: "#00BC7E"}}},
	}
	if e.ParentID != "" {
		rels["parent"] = relation{resource{ID: e.ParentID, Type: KindFolder,
			Attributes: map[string]string{"name": e.ParentName}}}
	}
	return rels
}

func fileResource(r *api.Request, sh Share, e Entry, owner User) resource {
	a := fileAttrs{
		Filesize: HumanSize(e.Size), Name: e.Name, Basename: e.Basename, Mimetype: e.MimeType,
		FileURL: apiURL(r, sh.Token, "files", e.ID), ParentID: optional(e.ParentID),
		CreatedAt: date(e.Created), UpdatedAt: date(e.Updated),
	}
	// Every image has one, as in VueFileManager, whose client reads thumbnail.sm of every image
	// (a null would throw there); the URL answers 404 when the image cannot be downscaled.
	if e.Thumbnail || e.Type == "image" {
		a.Thumbnail = optional(apiURL(r, sh.Token, "files", e.ID, "thumbnail"))
	}
	rels := relationships(r, sh, e, owner, "creator")
	if e.Exif != nil {
		rels["exif"] = relation{resource{ID: e.Exif.ID, Type: "exif", Attributes: e.Exif}}
	}
	return resource{ID: e.ID, Type: e.Type, Attributes: a, Relationships: rels}
}

func folderResource(r *api.Request, sh Share, e Entry, owner User) resource {
	a := folderAttrs{
		Name: e.Name, Filesize: HumanSize(e.TotalSize), Items: e.Items, ParentID: optional(e.ParentID),
		CreatedAt: date(e.Created), UpdatedAt: date(e.Updated),
	}
	return resource{ID: e.ID, Type: KindFolder, Attributes: a, Relationships: relationships(r, sh, e, owner, "user")}
}

func itemResource(r *api.Request, sh Share, e Entry, owner User) resource {
	if e.Kind == KindFolder {
		return folderResource(r, sh, e, owner)
	}
	return fileResource(r, sh, e, owner)
}

// --- share routes ------------------------------------------------------------------------------

func (s *service) getShare(r *api.Request) error {
	sh, err := s.model(r).Share(r.Param("token"))
	if err != nil {
		return err
	}
	return r.WriteJSON(http.StatusOK, "", relation{shareResource(r, sh)})
}

func (s *service) authenticateShare(r *api.Request) error {
	var in struct {
		Password string `json:"password"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	sh, cookie, err := s.model(r).Unlock(r.Param("token"), in.Password)
	var fe *Error
	if errors.As(err, &fe) && fe.Code == "incorrect_password" && r.Route.OperationID == "vfmAuthenticateShare" {
		// VueFileManager answers a bare string, which its unlock page shows as the field's error.
		return bareMessage{fe}
	}
	if err != nil {
		return err
	}
	if cookie != "" {
		path := "/"
		if u, err := url.Parse(r.BaseURL); err == nil {
			path = u.Path
		}
		http.SetCookie(r.Response(), &http.Cookie{
			// /api/: both route families (/api/v1/ and /api/sharing/) read it.
			Name: cookieName, Value: cookie, Path: path + "/api/", MaxAge: cookieMaxAge,
			HttpOnly: true, SameSite: http.SameSiteLaxMode,
		})
	}
	return r.WriteJSON(http.StatusOK, "", relation{shareResource(r, sh)})
}

// listing is VueFileManager's browse answer (VisitorBrowseFolderController): every entry and the
// root wrapped as {"data":...} (its resources are), meta.paginate in camelCase
// (formatPaginatorMetadata).
type listing struct {
	Data  []relation `json:"data"`
	Links struct {
		First string  `json:"first"`
		Last  string  `json:"last"`
		Prev  *string `json:"prev"`
		Next  *string `json:"next"`
	} `json:"links"`
	Meta struct {
		Paginate struct {
			CurrentPage int    `json:"currentPage"`
			From        *int   `json:"from"`
			LastPage    int    `json:"lastPage"`
			Path        string `json:"path"`
			PerPage     int    `json:"perPage"`
			To          *int   `json:"to"`
			Total       int    `json:"total"`
		} `json:"paginate"`
		Root relation `json:"root"`
	} `json:"meta"`
}

// sortOf reads sort and direction (values the spec already checked); absent ones keep the default.
func sortOf(r *api.Request) Sort {
	s := DefaultSort()
	if f := r.QueryParam("sort"); f != "" {
		s.Field = f
		s.Desc = false // kyslik/column-sortable: ascending unless told otherwise
	}
	if d := r.QueryParam("direction"); d != "" {
		s.Desc = strings.EqualFold(d, "desc")
	}
	return s
}

func (s *service) browseShare(r *api.Request) error {
	m := s.model(r)
	token, id := r.Param("token"), r.Param("id")
	sh, err := m.Access(token, shareCookie(r))
	if err != nil {
		return err
	}
	root, kids, err := m.Browse(token, shareCookie(r), id, sortOf(r))
	if err != nil {
		return err
	}
	owner := m.Owner()
	page, per := 1, max(len(kids), 1)
	if p, err := strconv.Atoi(r.QueryParam("page")); err == nil {
		page, per = p, perPage // the spec already checked page >= 1
	}
	var out listing
	total := len(kids)
	last := max(1, (total+per-1)/per)
	start := min((page-1)*per, total)
	end := min(start+per, total)
	out.Data = make([]relation, 0, end-start)
	for _, e := range kids[start:end] {
		out.Data = append(out.Data, relation{itemResource(r, sh, e, owner)})
	}
	// Page links keep the sorting, as VueFileManager's (built on the full URL) do.
	base := r.BaseURL + r.Request().URL.EscapedPath()
	q := url.Values{}
	for _, k := range []string{"sort", "direction"} {
		if v := r.QueryParam(k); v != "" {
			q.Set(k, v)
		}
	}
	pageURL := func(n int) string {
		q.Set("page", strconv.Itoa(n))
		return base + "?" + q.Encode()
	}
	out.Links.First, out.Links.Last = pageURL(1), pageURL(last)
	if page > 1 && page <= last {
		out.Links.Prev = optional(pageURL(page - 1))
	}
	if page < last {
		out.Links.Next = optional(pageURL(page + 1))
	}
	pg := &out.Meta.Paginate
	pg.CurrentPage, pg.LastPage, pg.Path, pg.PerPage, pg.Total = page, last, base, per, total
	if end > start {
		from, to := start+1, end
		pg.From, pg.To = &from, &to
	}
	out.Meta.Root = relation{folderResource(r, sh, root, owner)}
	return r.WriteJSON(http.StatusOK, "", out)
}

// treeNode is a folder of VueFileManager's navigation tree (its Folder model as JSON: the columns
// it selects, the appended counts and the nested folders).
type treeNode struct {
	ID           string     `json:"id"`
	ParentID     string     `json:"parent_id"`
	Name         string     `json:"name"`
	Items        int        `json:"items"`
	TrashedItems int        `json:"trashed_items"`
	Folders      []treeNode `json:"folders"`
}

func treeNodes(nodes []TreeNode) []treeNode {
	out := make([]treeNode, 0, len(nodes))
	for _, n := range nodes {
		out = append(out, treeNode{ID: n.ID, ParentID: n.ParentID, Name: n.Name, Items: n.Items, Folders: treeNodes(n.Folders)})
	}
	return out
}

// getShareNavigation answers VueFileManager's navigation tree (VisitorNavigationFolderTreeController):
// one "Home" location holding the shared folder's folders.
func (s *service) getShareNavigation(r *api.Request) error {
	nodes, err := s.model(r).Tree(r.Param("token"), shareCookie(r), sortOf(r))
	if err != nil {
		return err
	}
	type location struct {
		Name      string     `json:"name"`
		Location  string     `json:"location"`
		Folders   []treeNode `json:"folders"`
		IsMovable bool       `json:"isMovable"`
		IsOpen    bool       `json:"isOpen"`
	}
	return r.WriteJSON(http.StatusOK, "", []location{{Name: "Home", Location: "public", Folders: treeNodes(nodes), IsMovable: true, IsOpen: true}})
}

// getSharedFile answers the file of a file share (VueFileManager's single-file share page).
func (s *service) getSharedFile(r *api.Request) error {
	m := s.model(r)
	sh, e, err := m.SharedFile(r.Param("token"), shareCookie(r))
	if err != nil {
		return err
	}
	return r.WriteJSON(http.StatusOK, "", relation{fileResource(r, sh, e, m.Owner())})
}

func (s *service) createShareFolder(r *api.Request) error {
	var in struct {
		Name     string  `json:"name"`
		ParentID *string `json:"parent_id"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	m := s.model(r)
	token, cookie := r.Param("token"), shareCookie(r)
	sh, err := m.Writable(token, cookie)
	if err != nil {
		return err
	}
	parent := ""
	if in.ParentID != nil {
		parent = *in.ParentID
	}
	e, err := m.CreateFolder(token, cookie, in.Name, parent)
	if err != nil {
		return err
	}
	return r.WriteJSON(http.StatusCreated, "", relation{folderResource(r, sh, e, m.Owner())})
}

func (s *service) getShareFile(r *api.Request) error {
	e, err := s.model(r).File(r.Param("token"), shareCookie(r), r.Param("id"))
	if err != nil {
		return err
	}
	_, rd, err := r.Session.Blobs.Open(fileBlob(e.ID))
	if err != nil {
		return fmt.Errorf("file %s has no content: %w", e.ID, err)
	}
	defer rd.Close()
	h := r.Response().Header()
	h.Set("Content-Type", e.MimeType)
	// Uploads are the visitors' content, served from the emulator's origin: never sniffed into
	// something active, and HTML or SVG (scripts) run only in a sandbox without that origin.
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox")
	filename := e.Name
	if e.Extension != "" && !hasExtension(e.Name, e.Extension) {
		filename += "." + e.Extension
	}
	if cd := mime.FormatMediaType("inline", map[string]string{"filename": filename}); cd != "" {
		h.Set("Content-Disposition", cd)
	}
	r.Response().Content()
	http.ServeContent(r.Response(), r.Request(), "", time.Time{}, rd)
	return nil
}

// hasExtension reports whether name already ends in .ext (the web client sends names with it).
func hasExtension(name, ext string) bool {
	n := len(name) - len(ext)
	return n > 0 && name[n-1] == '.' && name[n:] == ext
}

func (s *service) getShareThumbnail(r *api.Request) error {
	e, err := s.model(r).File(r.Param("token"), shareCookie(r), r.Param("id"))
	if err != nil {
		return err
	}
	if !e.Thumbnail {
		return errNoThumbnail()
	}
	th, ok, err := s.thumbs.get(r.ClientContext(), r.Session.Blobs, r.Session.ID+"/"+e.ID, fileBlob(e.ID), thumbBlob(e.ID),
		e.Orientation, r.Now())
	if err != nil {
		return err
	}
	if !ok {
		return errNoThumbnail()
	}
	return r.Blob(http.StatusOK, th.ct, th.data)
}

// --- uploads -----------------------------------------------------------------------------------

func (s *service) uploadToShare(r *api.Request) error {
	m := s.model(r)
	token := r.Param("token")
	// Share, cookie and permission first: a refused visitor's upload is never read.
	sh, err := m.Writable(token, shareCookie(r))
	if err != nil {
		return err
	}
	blobs := r.Session.Blobs
	fileID, chunkName := newUUID(), ""
	to := func(field, filename string) (string, int64) {
		if field == "chunk" {
			chunkName = filename
			return chunkBlob(), m.ChunkBudget(token, filename)
		}
		return fileBlob(fileID), s.opts.MaxObjectSize
	}
	hr := r.Request()
	f, err := readUploadForm(hr.Context(), hr, blobs, to, r.Now())
	if errors.Is(err, errPartTooLarge) {
		if chunkName != "" {
			m.DropUpload(token, chunkName) // the file can never complete: free what it holds
		}
		return errTooLarge(s.opts.MaxObjectSize)
	}
	if err != nil {
		return err
	}
	stored := f.blob
	defer func() {
		if stored != "" { // not handed over to the model
			blobs.Delete(stored)
		}
	}()
	if f.binary != "" {
		r.SetUploadSHA256(f.obj.SHA256)
	}
	if fe := s.checkUpload(r, f); len(fe) > 0 {
		var extra []validate.Violation
		if !f.multipart {
			extra = append(extra, validate.Violation{In: "body", Keyword: "content-type",
				Message: "Content-Type is not multipart/form-data: the form reads as empty"})
		}
		return invalidUpload{&Invalid{fe}, extra}
	}
	in := FileIn{Name: f.values["name"], Extension: f.values["extension"], Path: f.values["path"], ParentID: f.values["parent_id"]}
	blob := f.blob
	if f.binary == "chunk" {
		last := f.values["is_last_chunk"] == "1"
		chunks, err := m.AppendChunk(token, f.filename, in.ParentID, f.blob, f.obj.Size, last)
		if err != nil {
			return err
		}
		stored = "" // the upload owns the chunk now
		if !last {
			return r.NoContent(http.StatusOK)
		}
		blob = fileBlob(fileID)
		if err := assemble(r, blobs, blob, chunks, r.Now()); errors.Is(err, blobstore.ErrStorageFull) {
			return errStorageFull(blobs.Quota().Limit())
		} else if err != nil {
			return err
		}
		stored = blob
	}
	infected, err := antivirus.Scan(blobs, blob)
	if err != nil {
		return err
	}
	// A scenario's infect rule names the file as the client does: name.extension, or the part's file name.
	infected = infected || r.Infects(in.Name+"."+in.Extension, "") || r.Infects(f.filename, "")
	if infected {
		return &Invalid{[]FieldError{{f.binary, "clean", "The " + f.binary + " is infected with a virus (EICAR test signature)."}}}
	}
	obj, ok := blobs.Stat(blob)
	if !ok {
		return fmt.Errorf("upload %s vanished", blob)
	}
	in.Size, in.SHA256 = obj.Size, obj.SHA256
	if in.Media, err = analyze(blobs, blob, in.Extension); err != nil {
		return err
	}
	e, err := m.AddFile(token, fileID, in)
	if err != nil {
		return err
	}
	stored = ""
	return r.WriteJSON(http.StatusCreated, "", relation{fileResource(r, sh, e, m.Owner())})
}

// assemble joins the chunks into blob; they leave the store. Their memory becomes the file's:
// chunks of a multiple of 256 KiB, as every client sends them, are shared, not copied.
func assemble(r *api.Request, blobs *blobstore.Store, blob string, chunks []string, now time.Time) error {
	if _, err := blobs.Join(r.Request().Context(), blob, chunks, blobstore.PutOptions{Now: now}); err != nil {
		return fmt.Errorf("assemble %s: %w", blob, err)
	}
	return nil
}

// vfmBinary is the file part each of VueFileManager's upload routes requires (UploadChunkRequest,
// UploadFileRequest); files.ro's one upload route takes either.
func vfmBinary(op string) string {
	switch op {
	case "vfmUploadChunks":
		return "chunk"
	case "vfmUpload":
		return "file"
	}
	return ""
}

// checkUpload applies the form rules the schema cannot express, after the schema's own.
func (s *service) checkUpload(r *api.Request, f *uploadForm) []FieldError {
	present := []string{}
	if f.binary != "" {
		present = append(present, f.binary)
	}
	vs := r.API.Spec.ValidateFields(r.Route, "multipart/form-data", f.values, present)
	fe := fieldErrors(r, vs)
	// VueFileManager's own routes take one style each: upload/chunks a chunk, upload a file.
	if want := vfmBinary(r.Route.OperationID); want != "" && f.binary != "" && f.binary != want {
		return append(fe, FieldError{want, "required", "The " + want + " field is required."})
	}
	_, chunkText := f.values["chunk"]
	_, fileText := f.values["file"]
	switch {
	case f.binary == "" && (fileText || chunkText):
		for _, name := range []string{"file", "chunk"} {
			if _, ok := f.values[name]; ok {
				fe = append(fe, FieldError{name, "file", "The " + name + " must be a file."})
			}
		}
	case f.binary == "":
		fe = append(fe,
			FieldError{"file", "required_without", "The file field is required when chunk is not present."},
			FieldError{"chunk", "required_without", "The chunk field is required when file is not present."})
	case f.binary == "chunk":
		if _, ok := f.values["is_last_chunk"]; !ok {
			fe = append(fe, FieldError{"is_last_chunk", "required_with", "The is last chunk field is required when chunk is present."})
		}
	}
	for _, name := range f.repeated {
		if name != f.binary {
			fe = append(fe, FieldError{f.binary, "prohibits", "The " + f.binary + " field prohibits " + name + " from being present."})
		} else {
			fe = append(fe, FieldError{name, "single", "The " + name + " field must be sent once."})
		}
	}
	if _, err := SplitPath(f.values["path"]); err != nil {
		var inv *Invalid
		if errors.As(err, &inv) {
			fe = append(fe, inv.Fields...)
		}
	}
	return fe
}

// --- owner routes ------------------------------------------------------------------------------

func (s *service) createShare(r *api.Request) error {
	var in struct {
		ID         string `json:"id"`
		Type       string `json:"type"`
		Permission string `json:"permission"`
		IsPassword bool   `json:"isPassword"`
		Password   string `json:"password"`
		Expiration *int   `json:"expiration"`
		Name       string `json:"name"`
		Token      string `json:"token"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	si := ShareIn{ItemID: in.ID, Type: in.Type, Permission: in.Permission, IsPassword: in.IsPassword,
		Password: in.Password, Name: in.Name, Token: in.Token}
	if in.Expiration != nil {
		si.ExpireIn = *in.Expiration
	}
	sh, err := s.model(r).CreateShare(si)
	if err != nil {
		return err
	}
	return r.WriteJSON(http.StatusCreated, "", relation{shareResource(r, sh)})
}

func (s *service) updateShare(r *api.Request) error {
	var in struct {
		Protected  *bool           `json:"protected"`
		Password   *string         `json:"password"`
		Permission *string         `json:"permission"`
		Expiration json.RawMessage `json:"expiration"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	up := ShareUpdate{Protected: in.Protected, Password: in.Password, Permission: in.Permission}
	if len(in.Expiration) > 0 {
		hours := 0 // null: never
		if string(in.Expiration) != "null" {
			if err := json.Unmarshal(in.Expiration, &hours); err != nil {
				return &Error{400, "malformed", "expiration is not an integer"}
			}
		}
		up.ExpireIn = &hours
	}
	sh, err := s.model(r).UpdateShare(r.Param("token"), up)
	if err != nil {
		return err
	}
	return r.WriteJSON(http.StatusOK, "", relation{shareResource(r, sh)})
}
