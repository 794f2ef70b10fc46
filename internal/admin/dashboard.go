package admin

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/blobstore"
	"github.com/fileemu/fileemu/internal/dashboard"
)

// The dashboard (/__admin/ui) is a page of the admin API: with --admin-token a browser cannot
// send the Authorization header on navigation, image loads or downloads, so the page takes the
// token once (?token=) and leaves a cookie that the admin API also accepts.
const (
	dashboardPath = Prefix + "ui"
	cookieName    = "fileemu_admin"
)

// dashboardHandlers are the dashboard's operations.
func (s *service) dashboardHandlers() map[string]api.Handler {
	return map[string]api.Handler{
		"openDashboard":    s.openDashboard,
		"getDashboard":     s.getDashboard,
		"getDashboardFile": s.getDashboardFile,
		"getSessionObject": s.getSessionObject,

		"deactivateSessionScenario": s.deactivateSessionScenario,
	}
}

// cookieValue is what the cookie holds: derived from the token, so the cookie is not the token
// itself (it is worth as much, but only in a browser and only to the admin API).
func (s *service) cookieValue() string {
	m := hmac.New(sha256.New, []byte(s.d.Token))
	m.Write([]byte("fileemu dashboard cookie"))
	return hex.EncodeToString(m.Sum(nil))
}

// dashboardAuth accepts the dashboard's cookie (not across origins for unsafe methods), and on
// the page itself the token as ?token=.
func (s *service) dashboardAuth(r *http.Request) (bool, error) {
	if c, err := r.Cookie(cookieName); err == nil && subtle.ConstantTimeCompare([]byte(c.Value), []byte(s.cookieValue())) == 1 {
		// SameSite=Strict keeps other sites out, but another port of localhost is the same
		// site: unsafe requests must come from the page's own origin.
		if err := http.NewCrossOriginProtection().Check(r); err != nil {
			return false, fmt.Errorf("the dashboard cookie is not accepted from another origin: %w", err)
		}
		return true, nil
	}
	if r.URL.Path == dashboardPath || r.URL.Path == dashboardPath+"/" {
		if tok := r.URL.Query().Get("token"); tok != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(s.d.Token)) == 1 {
			return true, nil
		}
	}
	return false, nil
}

// pageHeaders are sent with every file of the dashboard.
func pageHeaders(h http.Header) {
	h.Set("Content-Security-Policy", dashboard.ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-cache")
}

// login turns ?token= into the cookie and sends the browser to the page without the token in
// its address (history, screenshots, Referer).
func (s *service) login(r *api.Request, to string) (bool, error) {
	tok := r.QueryParam("token")
	if tok == "" || s.d.Token == "" {
		return false, nil
	}
	http.SetCookie(r.Response(), &http.Cookie{
		Name: cookieName, Value: s.cookieValue(), Path: Prefix,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.Request().TLS != nil,
	})
	r.Response().Header().Set("Cache-Control", "no-store")
	return true, r.Redirect(http.StatusSeeOther, withQuery(r, to))
}

// withQuery is to with the request's query but its token (?session= opens that session).
func withQuery(r *api.Request, to string) string {
	q := r.Request().URL.Query()
	q.Del("token")
	if len(q) == 0 {
		return to
	}
	return to + "?" + q.Encode()
}

// openDashboard is GET /__admin/ui: the page lives at /__admin/ui/ (its files are relative).
func (s *service) openDashboard(r *api.Request) error {
	if ok, err := s.login(r, "ui/"); ok {
		return err
	}
	return r.Redirect(http.StatusSeeOther, withQuery(r, "ui/"))
}

// getDashboard is GET /__admin/ui/: the page.
func (s *service) getDashboard(r *api.Request) error {
	if ok, err := s.login(r, "./"); ok {
		return err
	}
	return s.dashboardFile(r, dashboard.Index)
}

// getDashboardFile is GET /__admin/ui/{file}: the page's scripts and styles.
func (s *service) getDashboardFile(r *api.Request) error {
	return s.dashboardFile(r, r.Param("file"))
}

func (s *service) dashboardFile(r *api.Request, name string) error {
	b, ct, ok := dashboard.File(name)
	if !ok {
		return Error{Status: 404, Code: "not_found", Message: "the dashboard has no file " + strconv.Quote(name)}
	}
	pageHeaders(r.Response().Header())
	return r.Blob(http.StatusOK, ct, b)
}

// previewTypes are the stored types shown inline (image previews); everything else is
// downloaded, and nothing is ever run: stored content is user input served on the admin
// origin, so an HTML or SVG upload must not become a page of the admin API.
var previewTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// previewType is the image type obj is shown inline as, or "": its stored type, else what its
// bytes are (an upload sent as application/octet-stream that an API sniffed as an image).
func previewType(store *blobstore.Store, obj blobstore.Object) string {
	mt, _, _ := mime.ParseMediaType(obj.ContentType)
	if mt = strings.ToLower(mt); previewTypes[mt] {
		return mt
	}
	head, err := store.Head(obj.Name, 512)
	if err != nil {
		return ""
	}
	if mt = http.DetectContentType(head); previewTypes[mt] {
		return mt
	}
	return ""
}

// getSessionObject is GET /__admin/sessions/{id}/object?name=: one stored object's bytes.
func (s *service) getSessionObject(r *api.Request) error {
	sess, err := s.sessionParam(r, r.Param("id"))
	if sess == nil {
		return err
	}
	name := r.QueryParam("name")
	obj, rd, oerr := sess.Blobs.Open(name)
	if errors.Is(oerr, blobstore.ErrNotFound) {
		return Error{Status: 404, Code: "not_found", Message: fmt.Sprintf("session %s has no object %q", sess.ID, name)}
	}
	if oerr != nil {
		return fmt.Errorf("open object %q of session %s: %w", name, sess.ID, oerr)
	}
	defer rd.Close()
	ct, disp := "application/octet-stream", "attachment"
	if mt := previewType(sess.Blobs, obj); mt != "" {
		ct = mt
		if r.QueryParam("download") != "true" {
			disp = "inline"
		}
	}
	h := r.Response().Header()
	if cd := mime.FormatMediaType(disp, map[string]string{"filename": path.Base(name)}); cd != "" {
		h.Set("Content-Disposition", cd)
	} else {
		h.Set("Content-Disposition", disp)
	}
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.FormatInt(obj.Size, 10))
	h.Set("X-Fileemu-Sha256", obj.SHA256)
	return r.Stream(http.StatusOK, ct, rd)
}

// deactivateSessionScenario is DELETE /__admin/sessions/{id}/scenarios/{name}: the dashboard's
// switch turns one scenario off and leaves the others (and their windows) running.
func (s *service) deactivateSessionScenario(r *api.Request) error {
	st, err := s.sessionState(r)
	if st == nil {
		return err
	}
	st.Deactivate(r.Param("name"))
	return r.WriteJSON(http.StatusOK, "", map[string]any{"active": st.Active()})
}
