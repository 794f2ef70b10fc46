package weavy

import (
	"cmp"
	"slices"
	"strings"
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
