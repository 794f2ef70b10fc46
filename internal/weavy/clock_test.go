package weavy_test

import (
	"strings"
	"testing"
	"time"

	"github.com/fileemu/fileemu/testkit"
)

// A user's access token expires on its session's clock; timestamps are on it too.
func TestSessionClockExpiresTokens(t *testing.T) {
	emu := testkit.Start(t)
	s := emu.Session(t)
	c := &client{t: t, http: emu.Client(t), s: s, base: s.URL("weavy"), token: "weavy-api-key"}
	var tok tokenOut
	c.must(200, "POST", "/api/users/ada/tokens", `{"expires_in":60}`, &tok)
	ada := c.as(tok.AccessToken)
	ada.must(200, "GET", "/api/user", "", nil)
	c.s.Clock().Advance(t, 59*time.Second)
	ada.must(200, "GET", "/api/user", "", nil)
	c.s.Clock().Advance(t, time.Second)
	if st, b := ada.do("GET", "/api/user", "", nil); st != 401 || !strings.Contains(string(b), "expired") {
		t.Errorf("token 60 s later on its session's clock = %d %s, want 401 expired", st, b)
	}

	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	c.s.Clock().Set(t, at)
	var app struct {
		CreatedAt time.Time `json:"created_at"`
	}
	c.must(201, "PUT", "/api/apps/dated", `{"type":"files"}`, &app)
	if d := app.CreatedAt.Sub(at); d < 0 || d > time.Minute {
		t.Errorf("app created_at = %v, want just after %v", app.CreatedAt, at)
	}
}
