package api

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/fileemu/fileemu/internal/validate"
)

// TokenAuth accepts API keys (header, query or cookie), HTTP bearer tokens and HTTP basic
// credentials whose user name is the key (the password is not checked: Teamwork documents
// "the API key as user name, any password"). With no tokens listed, any non-empty one is valid;
// otherwise only the listed ones.
func TokenAuth(tokens []string) validate.AuthFunc {
	return func(_ context.Context, _ string, scheme *openapi3.SecurityScheme, r *http.Request) error {
		got, err := credential(scheme, r)
		if err != nil {
			return err
		}
		if len(tokens) == 0 {
			return nil
		}
		for _, t := range tokens {
			if subtle.ConstantTimeCompare([]byte(got), []byte(t)) == 1 {
				return nil
			}
		}
		return errors.New("invalid credentials")
	}
}

// credential extracts the presented credential for scheme, or says why there is none.
func credential(scheme *openapi3.SecurityScheme, r *http.Request) (string, error) {
	switch {
	case scheme.Type == "apiKey":
		var v string
		switch scheme.In {
		case "header":
			v = r.Header.Get(scheme.Name)
		case "query":
			v = r.URL.Query().Get(scheme.Name)
		case "cookie":
			if c, err := r.Cookie(scheme.Name); err == nil {
				v = c.Value
			}
		}
		if strings.TrimSpace(v) == "" {
			return "", errors.New("missing " + scheme.In + " " + scheme.Name)
		}
		return v, nil
	case scheme.Type == "http" && strings.EqualFold(scheme.Scheme, "bearer"):
		h := r.Header.Get("Authorization")
		if h == "" {
			return "", errors.New("missing Authorization header")
		}
		kind, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(kind, "Bearer") || strings.TrimSpace(tok) == "" {
			return "", errors.New("Authorization header is not a Bearer token")
		}
		return strings.TrimSpace(tok), nil
	case scheme.Type == "http" && strings.EqualFold(scheme.Scheme, "basic"):
		h := r.Header.Get("Authorization")
		if h == "" {
			return "", errors.New("missing Authorization header")
		}
		user, _, ok := r.BasicAuth()
		if !ok || strings.TrimSpace(user) == "" {
			return "", errors.New("Authorization header is not Basic credentials with a user name")
		}
		return user, nil
	}
	return "", errors.New("unsupported security scheme " + scheme.Type)
}

// Credential is the request's Bearer token, or else the user name of its Basic credentials, or
// else its api-key header: what scenario rules match with `key` and key-scoped rate limits count by.
func Credential(r *http.Request) string {
	if kind, tok, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(kind, "Bearer") {
		return strings.TrimSpace(tok)
	}
	if user, _, ok := r.BasicAuth(); ok && user != "" {
		return user
	}
	return r.Header.Get("api-key")
}
