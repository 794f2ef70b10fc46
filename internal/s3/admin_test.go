package s3_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/fileemu/fileemu/testkit"
)

// adminCall sends one request to the admin API of the emulator h (no network) and decodes its
// JSON answer into out. These tests drive the whole server, so they see its state the way a
// user does: through the admin API.
func adminCall(t testing.TB, h http.Handler, method, path string, q url.Values, out any) {
	t.Helper()
	req := httptest.NewRequest(method, "/__admin"+path+"?"+q.Encode(), nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("admin %s %s: %d %s", method, path, rec.Code, rec.Body.Bytes())
	}
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			t.Fatalf("admin %s %s: %v", method, path, err)
		}
	}
}

// stored returns how many objects the session holds, and their bytes.
func stored(t testing.TB, h http.Handler, session string) (objects int, bytes int64) {
	var st testkit.State
	adminCall(t, h, http.MethodGet, "/state", url.Values{"session": {session}}, &st)
	for _, o := range st.Objects {
		bytes += o.Size
	}
	return len(st.Objects), bytes
}

// countCalls counts the journal's requests of an operation in a session.
func countCalls(t testing.TB, h http.Handler, session, operation string) int {
	var c struct{ Count int }
	adminCall(t, h, http.MethodGet, "/requests/count", url.Values{"session": {session}, "operation": {operation}}, &c)
	return c.Count
}
