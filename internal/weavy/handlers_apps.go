package weavy

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/fileemu/fileemu/internal/api"
)

// EmulatedVersion is what GET /version answers: the Weavy version whose UI kit fileemu is tested
// against (the kit warns when major or minor differ from its own).
const EmulatedVersion = "32.2.0"

func (s *service) getVersion(r *api.Request) error {
	return r.Blob(http.StatusOK, "text/plain; charset=utf-8", []byte(EmulatedVersion))
}

// appType reads an app type given by name or GUID (the spec let only those through).
func appType(field, s string) (string, error) {
	t, ok := ParseAppType(s)
	if !ok {
		return "", errInvalid(field, "Unknown app type %q.", s)
	}
	return t, nil
}

// ---- apps ----

type appsView struct {
	Data  []appView `json:"data,omitempty"`
	Start *int      `json:"start,omitempty"`
	End   *int      `json:"end,omitempty"`
	Count int       `json:"count"`
}

func (s *service) listApps(r *api.Request) error {
	v := r.Request().URL.Query()
	q := AppQuery{Q: v.Get("q"), Tag: v.Get("tag")}
	for _, uid := range v["uid"] {
		switch uid {
		case "true", "false": // the kit's uid=false: apps without uid
			has := uid == "true"
			q.HasUID = &has
		default:
			q.UIDs = append(q.UIDs, uid)
		}
	}
	for _, t := range v["type"] {
		name, err := appType("type", t)
		if err != nil {
			return err
		}
		q.Types = append(q.Types, name)
	}
	m := s.model(r)
	if member := v.Get("member"); member != "" {
		u, err := m.User(member)
		if err != nil {
			return respond(r, http.StatusOK, appsView{}, nil) // nobody's apps
		}
		q.Member = u.ID
	}
	q.Unread, _ = strconv.ParseBool(v.Get("unread"))
	if t := v.Get("trashed"); t == "true" {
		q.Trashed = &[]bool{true}[0]
	}
	q.OrderBy, q.Desc, _ = ParseOrderBy(v.Get("order_by"))
	q.Skip, _ = strconv.Atoi(v.Get("skip"))
	q.Take, _ = strconv.Atoi(v.Get("take"))
	q.CountOnly, _ = strconv.ParseBool(v.Get("count_only"))
	p := m.ListApps(q)
	out := appsView{Count: p.Count}
	if len(p.Apps) > 0 {
		out.Start, out.End = &p.Start, &p.End
		for _, a := range p.Apps {
			out.Data = append(out.Data, s.appView(r, a))
		}
	}
	return r.WriteJSON(http.StatusOK, jsonContentType, out)
}

type initIn struct {
	App  appIn `json:"app"`
	User *struct {
		UID string `json:"uid"`
	} `json:"user"`
}

func (s *service) initApp(r *api.Request) error {
	var in initIn
	if err := decode(r, &in); err != nil {
		return err
	}
	app, err := in.App.model("app.type", actorOf(r))
	if err != nil {
		return err
	}
	user := ""
	if in.User != nil {
		user = in.User.UID
	}
	a, created, err := s.model(r).InitApp(app, user)
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return respond(r, status, s.appView(r, a), err)
}

type membersView struct {
	Data  []memberView `json:"data,omitempty"`
	Count int          `json:"count"`
}

type memberView struct {
	userView
	Access string `json:"access"`
}

func (s *service) listAppMembers(r *api.Request) error {
	users, err := s.model(r).Members(r.Param("app"))
	if err != nil {
		return err
	}
	out := membersView{Count: len(users)}
	for _, u := range users {
		out.Data = append(out.Data, memberView{userView: userSummary(u), Access: "admin"})
	}
	return r.WriteJSON(http.StatusOK, jsonContentType, out)
}

// ---- messages and comments ----

type messagesView struct {
	Data  []messageView `json:"data,omitempty"`
	Start *int          `json:"start,omitempty"`
	End   *int          `json:"end,omitempty"`
	Count int           `json:"count"`
}

// messageQuery reads order_by (id or id+desc), skip, take and count_only.
func messageQuery(r *api.Request) MessageQuery {
	v := r.Request().URL.Query()
	var q MessageQuery
	_, q.Desc, _ = ParseOrderBy(v.Get("order_by"))
	q.Skip, _ = strconv.Atoi(v.Get("skip"))
	q.Take, _ = strconv.Atoi(v.Get("take"))
	q.CountOnly, _ = strconv.ParseBool(v.Get("count_only"))
	return q
}

func (s *service) messagesOut(r *api.Request, p MessagePage) messagesView {
	out := messagesView{Count: p.Count}
	if len(p.Messages) > 0 {
		out.Start, out.End = &p.Start, &p.End
		for _, msg := range p.Messages {
			out.Data = append(out.Data, s.messageView(r, msg))
		}
	}
	return out
}

func (s *service) listMessages(r *api.Request) error {
	p, err := s.model(r).ListMessages(r.Param("app"), messageQuery(r))
	if err != nil {
		return err
	}
	return r.WriteJSON(http.StatusOK, jsonContentType, s.messagesOut(r, p))
}

// listComments lists the comments of the file or post {id}.
func (s *service) listComments(typ string) api.Handler {
	what := strings.ToUpper(typ[:1]) + typ[1:]
	return func(r *api.Request) error {
		id, err := pathID(r, "id", what)
		if err != nil {
			return err
		}
		p, err := s.model(r).ListComments(Parent{Type: typ, ID: id}, messageQuery(r))
		if err != nil {
			return err
		}
		return r.WriteJSON(http.StatusOK, jsonContentType, s.messagesOut(r, p))
	}
}

func (s *service) createFileComment(r *api.Request) error {
	id, err := pathID(r, "id", "File")
	if err != nil {
		return err
	}
	var in messageIn
	if err := decode(r, &in); err != nil {
		return err
	}
	msg, err := s.model(r).CommentOn(Parent{Type: ParentFile, ID: id}, in.model(actorOf(r)))
	if err != nil {
		return err
	}
	return r.WriteJSON(http.StatusCreated, jsonContentType, s.messageView(r, msg))
}

// ---- files: subscribe, external blobs ----

func (s *service) subscribe(on bool) api.Handler {
	return func(r *api.Request) error {
		id, err := pathID(r, "id", "File")
		if err != nil {
			return err
		}
		f, err := s.model(r).Subscribe(id, on)
		if err != nil {
			return err
		}
		return r.WriteJSON(http.StatusOK, jsonContentType, s.fileView(r, f))
	}
}

type externalIn struct {
	Provider  string `json:"provider"`
	Link      string `json:"link"`
	Name      string `json:"name"`
	Size      int64  `json:"size"`
	Width     int    `json:"width"`
	Height    int    `json:"height"`
	MediaType string `json:"media_type"`
}

func (s *service) createExternalBlob(r *api.Request) error {
	var in externalIn
	if err := decode(r, &in); err != nil {
		return err
	}
	if u, err := url.Parse(in.Link); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errInvalid("link", "The link must be an absolute http(s) URL.")
	}
	b := s.model(r).CreateExternalBlob(ExternalIn{
		Provider: in.Provider, Link: in.Link, Name: strings.TrimSpace(in.Name), MediaType: in.MediaType,
		Size: in.Size, Width: in.Width, Height: in.Height,
	})
	return r.WriteJSON(http.StatusCreated, jsonContentType, blobOut(b))
}
