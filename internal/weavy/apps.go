package weavy

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"time"
)

// AppQuery is what GET /api/apps accepts.
type AppQuery struct {
	// UIDs keeps apps with one of these uids; HasUID keeps apps with (true) or without (false) a
	// uid; nil keeps both.
	UIDs   []string
	HasUID *bool
	// Types keeps apps of these type names.
	Types []string
	// Q keeps apps whose name or uid contains it, case-insensitively; Tag those with the tag.
	Q, Tag string
	// Member keeps apps the user is a member of (0: any).
	Member int64
	// Unread keeps unread apps: fileemu tracks no read state, so none is.
	Unread bool
	// Trashed: apps are never trashed in fileemu, so true keeps none.
	Trashed *bool
	// OrderBy is id, name, created_at or updated_at; Desc reverses it.
	OrderBy   string
	Desc      bool
	Skip      int
	Take      int
	CountOnly bool
}

// AppPage is one page of apps.
type AppPage struct {
	Apps              []App
	Start, End, Count int
}

// ListApps lists the apps matching q.
func (m *Model) ListApps(q AppQuery) AppPage {
	m.mu.Lock()
	defer m.mu.Unlock()
	needle := strings.ToLower(q.Q)
	var matched []*App
	for _, a := range m.apps {
		switch {
		case len(q.UIDs) > 0 && !slices.Contains(q.UIDs, a.UID),
			q.HasUID != nil && *q.HasUID != (a.UID != ""),
			len(q.Types) > 0 && !slices.Contains(q.Types, a.Type),
			q.Q != "" && !strings.Contains(strings.ToLower(a.Name), needle) && !strings.Contains(strings.ToLower(a.UID), needle),
			q.Tag != "" && !slices.ContainsFunc(a.Tags, func(t string) bool { return strings.EqualFold(t, q.Tag) }),
			q.Member != 0 && !slices.Contains(a.Members, q.Member),
			q.Unread, q.Trashed != nil && *q.Trashed:
			continue
		}
		matched = append(matched, a)
	}
	p := AppPage{Count: len(matched)}
	if q.CountOnly {
		return p
	}
	slices.SortFunc(matched, func(x, y *App) int {
		var c int
		switch q.OrderBy {
		case OrderName:
			c = cmp.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name))
		case OrderCreatedAt:
			c = x.CreatedAt.Compare(y.CreatedAt)
		case OrderUpdatedAt:
			c = x.UpdatedAt.Compare(y.UpdatedAt)
		}
		if c == 0 {
			c = cmp.Compare(x.ID, y.ID)
		}
		if q.Desc {
			c = -c
		}
		return c
	})
	p.Start, p.End = pageBounds(len(matched), q.Skip, q.Take)
	for _, a := range matched[p.Start:p.End] {
		p.Apps = append(p.Apps, a.clone())
	}
	return p
}

// pageBounds returns the start and end indexes of a page of n items.
func pageBounds(n, skip, take int) (start, end int) {
	if take <= 0 {
		take = DefaultTake
	}
	start = min(max(skip, 0), n)
	return start, min(start+take, n)
}

// InitApp gets the app in.UID or creates it, and makes the user uid (when given; created when
// unknown) a member. created tells whether the app is new.
func (m *Model) InitApp(in AppIn, userUID string) (App, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, created := (*App)(nil), false
	if id, ok := m.uids[in.UID]; ok {
		a = m.apps[id]
		if in.Type != a.Type {
			return App{}, false, errConflict("App %q is a %s app, not a %s app.", in.UID, a.Type, in.Type)
		}
	} else {
		created = true
		m.addApp(in)
		a = m.apps[m.uids[in.UID]]
	}
	if userUID != "" {
		u, err := m.user(userUID)
		if err != nil {
			if _, isID := ParseID(userUID); isID {
				return App{}, false, errInvalid("user.uid", "User %q does not exist.", userUID)
			}
			u = m.addUser(userUID, UserIn{})
		}
		a.addMember(u.ID)
	}
	return a.clone(), created, nil
}

// JoinApp makes a user a member of an app (the user of a token that opened it).
func (m *Model) JoinApp(appID, user int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if a, ok := m.apps[appID]; ok {
		a.addMember(user)
	}
}

// Members returns the members of an app.
func (m *Model) Members(appKey string) ([]User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, err := m.app(appKey)
	if err != nil {
		return nil, err
	}
	out := make([]User, 0, len(a.Members))
	for _, id := range a.Members {
		out = append(out, m.userByID(id))
	}
	return out, nil
}

// App is a Weavy app.
type App struct {
	ID          int64             `json:"id"`
	UID         string            `json:"uid"`
	Type        string            `json:"type"`
	Access      string            `json:"access"`
	Name        string            `json:"name,omitempty"`
	Description string            `json:"description,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
	Tags        []string          `json:"tags,omitempty"`
	CreatedAt   time.Time         `json:"created_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
	CreatedBy   int64             `json:"created_by"`
	UpdatedBy   int64             `json:"updated_by"`
	// Members are the ids of the app's members: its creator and the users of apps/init.
	Members []int64 `json:"members,omitempty"`
}

func (a App) clone() App {
	a.Metadata, a.Tags, a.Members = maps.Clone(a.Metadata), slices.Clone(a.Tags), slices.Clone(a.Members)
	return a
}

// addMember makes user a member (once).
func (a *App) addMember(user int64) {
	if !slices.Contains(a.Members, user) {
		a.Members = append(a.Members, user)
	}
}

// AppRef is the summary of an app that files and messages carry.
type AppRef struct {
	ID   int64  `json:"id"`
	UID  string `json:"uid"`
	Type string `json:"type"`
	Name string `json:"name,omitempty"`
}

func (a App) ref() AppRef { return AppRef{ID: a.ID, UID: a.UID, Type: a.Type, Name: a.Name} }

// AppIn holds the properties of an app to create or update; nil ones are not given.
type AppIn struct {
	Type        string
	UID         string
	Access      *string
	Name        *string
	Description *string
	Metadata    *map[string]string
	Tags        *[]string
	// By is the acting user (0: user 1).
	By int64
}

// app resolves an app by id or uid. Callers hold m.mu.
func (m *Model) app(key string) (*App, error) {
	if id, ok := ParseID(key); ok {
		if a, ok := m.apps[id]; ok {
			return a, nil
		}
	} else if id, ok := m.uids[key]; ok {
		return m.apps[id], nil
	}
	return nil, errNotFound("App %q not found.", key)
}

// App returns an app by id or uid.
func (m *Model) App(key string) (App, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, err := m.app(key)
	if err != nil {
		return App{}, err
	}
	return a.clone(), nil
}

// CreateApp creates an app; a uid in use is a conflict.
func (m *Model) CreateApp(in AppIn) (App, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id, ok := m.uids[in.UID]; ok {
		return App{}, errConflict("An app with uid %q already exists (id %d).", in.UID, id)
	}
	return m.addApp(in), nil
}

// UpsertApp creates the app uid (created true) or updates it with the given properties.
func (m *Model) UpsertApp(uid string, in AppIn) (App, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	id, ok := m.uids[uid]
	if !ok {
		in.UID = uid
		return m.addApp(in), true, nil
	}
	a := m.apps[id]
	if in.Type != a.Type {
		return App{}, false, errConflict("App %q is a %s app, not a %s app.", uid, a.Type, in.Type)
	}
	m.applyApp(a, in)
	a.UpdatedAt, a.UpdatedBy = m.stamp(), actor(in.By)
	return a.clone(), false, nil
}

// addApp stores a new app. Callers hold m.mu.
func (m *Model) addApp(in AppIn) App {
	now := m.stamp()
	by := actor(in.By)
	a := &App{ID: m.newID("app"), UID: in.UID, Type: in.Type, Access: "none", CreatedAt: now, UpdatedAt: now,
		CreatedBy: by, UpdatedBy: by, Members: []int64{by}}
	m.applyApp(a, in)
	m.apps[a.ID], m.uids[a.UID] = a, a.ID
	return a.clone()
}

func (m *Model) applyApp(a *App, in AppIn) {
	if in.Access != nil {
		a.Access = *in.Access
	}
	if in.Name != nil {
		a.Name = *in.Name
	}
	if in.Description != nil {
		a.Description = *in.Description
	}
	if in.Metadata != nil {
		a.Metadata = metadata(*in.Metadata)
	}
	if in.Tags != nil {
		a.Tags = tags(*in.Tags)
	}
}

// metadata copies metadata; empty is nil (omitted).
func metadata(md map[string]string) map[string]string {
	if len(md) == 0 {
		return nil
	}
	return maps.Clone(md)
}

// tags copies tags without case-insensitive duplicates; empty is nil (omitted).
func tags(ts []string) []string {
	var out []string
	for _, t := range ts {
		if !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, t) }) {
			out = append(out, t)
		}
	}
	return out
}
