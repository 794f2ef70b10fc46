package weavy

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/fileemu/fileemu/internal/api"
	"github.com/fileemu/fileemu/internal/validate"
)

// actorKey is where the handler wrapper leaves the acting user on the request.
const actorKey = "weavy.actor"

// bearer returns the Bearer token of a request ("" when none).
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "Bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// wrapAuth lets user access tokens (wyu_...) through authentication: they are issued per session
// by the emulator, so the handler wrapper (withActor) checks them against the session. Any other
// token is an API key, checked by auth (the emulator's --tokens).
func wrapAuth(auth validate.AuthFunc) validate.AuthFunc {
	return func(ctx context.Context, name string, scheme *openapi3.SecurityScheme, r *http.Request) error {
		if strings.HasPrefix(bearer(r), UserTokenPrefix) {
			return nil
		}
		if auth == nil {
			if bearer(r) == "" {
				return errors.New("missing Authorization header")
			}
			return nil
		}
		return auth(ctx, name, scheme, r)
	}
}

// withActor resolves who a request acts as before h runs: the user of a user access token (an
// unknown or expired one answers 401, except on the routes that need no token), else user 1.
func (s *service) withActor(h api.Handler) api.Handler {
	return func(r *api.Request) error {
		id := int64(userID)
		if tok := bearer(r.Request()); strings.HasPrefix(tok, UserTokenPrefix) {
			u, err := s.model(r).TokenUser(tok)
			switch {
			case err == nil:
				id = u.ID
			case !anonymous(r):
				return err
			}
		}
		r.Set(actorKey, id)
		return h(r)
	}
}

// anonymous reports whether the operation needs no token (security: [] in the spec).
func anonymous(r *api.Request) bool {
	sec := r.Route.Operation.Security
	return sec != nil && len(*sec) == 0
}

// actorOf returns the acting user id set by withActor.
func actorOf(r *api.Request) int64 {
	if id, ok := r.Get(actorKey).(int64); ok {
		return id
	}
	return userID
}

// isUserToken reports whether the request carries a user access token rather than an API key.
func isUserToken(r *api.Request) bool {
	return strings.HasPrefix(bearer(r.Request()), UserTokenPrefix)
}

// ---- views ----

// userView is a user summary as messages, files and apps embed it.
type userView struct {
	ID        int64  `json:"id"`
	UID       string `json:"uid,omitempty"`
	Name      string `json:"name"`
	AvatarURL string `json:"avatar_url,omitempty"`
}

func userSummary(u User) userView {
	return userView{ID: u.ID, UID: u.UID, Name: u.DisplayName(), AvatarURL: avatarURL(u)}
}

// avatarURL is the picture when it is a URL (a blob id or data URI is not served).
func avatarURL(u User) string {
	if strings.HasPrefix(u.Picture, "https://") || strings.HasPrefix(u.Picture, "http://") {
		return u.Picture
	}
	return ""
}

// userDetail is a user as the users endpoints answer it.
type userDetail struct {
	userView
	DisplayName string `json:"display_name"`
	Profile
	Directory   *directoryView    `json:"directory,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
	Tags        []string          `json:"tags,omitempty"`
	CreatedAt   string            `json:"created_at"`
	UpdatedAt   string            `json:"updated_at"`
	IsBot       bool              `json:"is_bot"`
	IsSuspended bool              `json:"is_suspended"`
	IsTrashed   bool              `json:"is_trashed"`
}

type directoryView struct {
	Name string `json:"name"`
}

func userOut(u User) userDetail {
	d := userDetail{
		userView: userSummary(u), DisplayName: u.DisplayName(), Profile: u.Profile, Metadata: u.Metadata, Tags: u.Tags, CreatedAt: timestamp(u.CreatedAt),
		UpdatedAt: timestamp(u.UpdatedAt), IsBot: u.IsBot, IsSuspended: u.IsSuspended,
	}
	if u.Directory != "" {
		d.Directory = &directoryView{Name: u.Directory}
	}
	return d
}

// ---- users and tokens ----

type userIn struct {
	Name        *string            `json:"name"`
	Email       *string            `json:"email"`
	GivenName   *string            `json:"given_name"`
	MiddleName  *string            `json:"middle_name"`
	FamilyName  *string            `json:"family_name"`
	Nickname    *string            `json:"nickname"`
	PhoneNumber *string            `json:"phone_number"`
	Comment     *string            `json:"comment"`
	Picture     *string            `json:"picture"`
	Directory   *string            `json:"directory"`
	Metadata    *map[string]string `json:"metadata"`
	Tags        *[]string          `json:"tags"`
	IsSuspended *bool              `json:"is_suspended"`
	IsBot       *bool              `json:"is_bot"`
}

func (s *service) getCurrentUser(r *api.Request) error {
	return r.WriteJSON(http.StatusOK, jsonContentType, userOut(s.model(r).UserByID(actorOf(r))))
}

func (s *service) getUser(r *api.Request) error {
	u, err := s.model(r).User(r.Param("user"))
	return respond(r, http.StatusOK, userOut(u), err)
}

// apiKeyOnly is the 403 of a user access token on the server-to-server routes (nil for an API key).
func apiKeyOnly(r *api.Request, what string) *Problem {
	if isUserToken(r) {
		return newProblem(http.StatusForbidden, "%s needs an API key; a user access token may not do it.", what)
	}
	return nil
}

func (s *service) upsertUser(r *api.Request) error {
	if p := apiKeyOnly(r, "Creating or updating users"); p != nil {
		return p
	}
	var in userIn
	if err := decode(r, &in); err != nil {
		return err
	}
	u, created := s.model(r).UpsertUser(r.Param("user"), UserIn(in))
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return r.WriteJSON(status, jsonContentType, userOut(u))
}

type tokenIn struct {
	Name      string `json:"name"`
	ExpiresIn *int64 `json:"expires_in"`
}

type tokenOut struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

func (s *service) issueToken(r *api.Request) error {
	if p := apiKeyOnly(r, "Issuing access tokens"); p != nil {
		return p
	}
	var in tokenIn
	if r.Request().ContentLength != 0 { // Weavy's own curl example sends no body
		if err := decode(r, &in); err != nil {
			return err
		}
	}
	var lifetime time.Duration
	if in.ExpiresIn != nil {
		lifetime = time.Duration(*in.ExpiresIn) * time.Second
	}
	t, err := s.model(r).IssueToken(r.Param("user"), in.Name, lifetime)
	return respond(r, http.StatusOK, tokenOut{AccessToken: t.AccessToken, ExpiresIn: t.ExpiresIn}, err)
}
