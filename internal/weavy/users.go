package weavy

import (
	"crypto/rand"
	"encoding/hex"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// UserTokenPrefix starts every user access token: the UI kit refuses any other token, and the
// emulator tells user tokens from API keys by it.
const UserTokenPrefix = "wyu_"

// DefaultTokenLifetime is how long an access token lives when expires_in is not given (Weavy's
// documented default).
const DefaultTokenLifetime = 3600 * time.Second

// User is a Weavy user. User 1 exists from the start: requests with an API key act as it.
type User struct {
	ID   int64  `json:"id"`
	UID  string `json:"uid,omitempty"`
	Name string `json:"name"`
	Profile
	Picture     string            `json:"picture,omitempty"`
	Directory   string            `json:"directory,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
	Tags        []string          `json:"tags,omitempty"`
	IsSuspended bool              `json:"is_suspended,omitempty"`
	IsBot       bool              `json:"is_bot,omitempty"`
	CreatedAt   time.Time         `json:"created_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
}

// Profile is what a user says about themselves: stored as given and answered as stored.
type Profile struct {
	Email       string `json:"email,omitempty"`
	GivenName   string `json:"given_name,omitempty"`
	MiddleName  string `json:"middle_name,omitempty"`
	FamilyName  string `json:"family_name,omitempty"`
	Nickname    string `json:"nickname,omitempty"`
	PhoneNumber string `json:"phone_number,omitempty"`
	Comment     string `json:"comment,omitempty"`
}

func (u User) clone() User {
	u.Metadata, u.Tags = maps.Clone(u.Metadata), slices.Clone(u.Tags)
	return u
}

// DisplayName is the name Weavy shows: name, else given and family name, else the uid.
func (u User) DisplayName() string {
	if u.Name != "" {
		return u.Name
	}
	if n := strings.TrimSpace(strings.Join([]string{u.GivenName, u.FamilyName}, " ")); n != "" {
		return n
	}
	if u.UID != "" {
		return u.UID
	}
	return "User " + strconv.FormatInt(u.ID, 10)
}

// UserIn holds the properties of a user to create or update; nil ones are not given.
type UserIn struct {
	Name, Email, GivenName, MiddleName, FamilyName, Nickname, PhoneNumber, Comment, Picture, Directory *string
	Metadata                                                                                           *map[string]string
	Tags                                                                                               *[]string
	IsSuspended, IsBot                                                                                 *bool
}

// Token is an issued user access token.
type Token struct {
	AccessToken string    `json:"access_token"`
	UserID      int64     `json:"user_id"`
	Name        string    `json:"name,omitempty"`
	ExpiresAt   time.Time `json:"expires_at"`
	// ExpiresIn is the lifetime in seconds the token was issued with.
	ExpiresIn int64 `json:"expires_in"`
}

// user resolves a user by id or uid. Callers hold m.mu.
func (m *Model) user(key string) (*User, error) {
	if id, ok := ParseID(key); ok {
		if u, ok := m.users[id]; ok {
			return u, nil
		}
	} else if id, ok := m.userUIDs[key]; ok {
		return m.users[id], nil
	}
	return nil, errNotFound("User %q not found.", key)
}

// User returns a user by id or uid.
func (m *Model) User(key string) (User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, err := m.user(key)
	if err != nil {
		return User{}, err
	}
	return u.clone(), nil
}

// UserByID returns a user by id; an unknown id (never given out) is the default user.
func (m *Model) UserByID(id int64) User {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.userByID(id)
}

// userByID: callers hold m.mu.
func (m *Model) userByID(id int64) User {
	if u, ok := m.users[id]; ok {
		return u.clone()
	}
	return m.users[userID].clone()
}

// UpsertUser creates the user uid (created true) or updates it with the given properties.
func (m *Model) UpsertUser(uid string, in UserIn) (User, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id, ok := m.userUIDs[uid]; ok {
		u := m.users[id]
		applyUser(u, in)
		u.UpdatedAt = m.stamp()
		return u.clone(), false
	}
	return m.addUser(uid, in).clone(), true
}

// addUser stores a new user. Callers hold m.mu.
func (m *Model) addUser(uid string, in UserIn) *User {
	now := m.stamp()
	u := &User{ID: m.newID("user"), UID: uid, CreatedAt: now, UpdatedAt: now}
	applyUser(u, in)
	m.users[u.ID] = u
	if uid != "" {
		m.userUIDs[uid] = u.ID
	}
	return u
}

func applyUser(u *User, in UserIn) {
	for _, f := range []struct {
		dst *string
		src *string
	}{
		{&u.Name, in.Name}, {&u.Email, in.Email}, {&u.GivenName, in.GivenName}, {&u.MiddleName, in.MiddleName},
		{&u.FamilyName, in.FamilyName}, {&u.Nickname, in.Nickname}, {&u.PhoneNumber, in.PhoneNumber},
		{&u.Comment, in.Comment}, {&u.Picture, in.Picture}, {&u.Directory, in.Directory},
	} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	if in.Metadata != nil {
		u.Metadata = metadata(*in.Metadata)
	}
	if in.Tags != nil {
		u.Tags = tags(*in.Tags)
	}
	if in.IsSuspended != nil {
		u.IsSuspended = *in.IsSuspended
	}
	if in.IsBot != nil {
		u.IsBot = *in.IsBot
	}
}

// IssueToken issues an access token for the user uid, creating the user first when it does not
// exist (as Weavy does: a backend needs no separate sync before asking for a token). lifetime
// 0 is DefaultTokenLifetime.
func (m *Model) IssueToken(uid, name string, lifetime time.Duration) (Token, error) {
	if lifetime <= 0 {
		lifetime = DefaultTokenLifetime
	}
	var raw [24]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return Token{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	u, err := m.user(uid)
	if err != nil {
		if _, isID := ParseID(uid); isID {
			return Token{}, err // an unknown numeric id is not a uid to create
		}
		u = m.addUser(uid, UserIn{})
	}
	t := Token{
		AccessToken: UserTokenPrefix + hex.EncodeToString(raw[:]), UserID: u.ID, Name: name,
		ExpiresAt: m.stamp().Add(lifetime), ExpiresIn: int64(lifetime / time.Second),
	}
	m.tokens[t.AccessToken] = &t
	return t, nil
}

// TokenUser returns the user an access token is bound to; an unknown or expired token is a 401
// problem.
func (m *Model) TokenUser(token string) (User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tokens[token]
	if !ok {
		return User{}, newProblem(401, "The access token is unknown to this emulator session; issue one with POST /api/users/{uid}/tokens.")
	}
	if !m.stamp().Before(t.ExpiresAt) {
		return User{}, newProblem(401, "The access token expired at %s.", timestamp(t.ExpiresAt))
	}
	return m.userByID(t.UserID), nil
}
