package emulator

import (
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/fileemu/fileemu/internal/admin"
)

// With LazySpecs the server reads only the specs' operations in New: the scenario catalog (read
// from them) must be the one the parsed documents give, and the first request to each API, which
// parses its spec, must be answered as by a server that parsed every spec in New.
func TestLazySpecs(t *testing.T) {
	eager, err := loadSpecs(false)
	if err != nil {
		t.Fatal(err)
	}
	lazy, err := loadSpecs(true)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{}.withDefaults()
	if e, l := catalog(mounts(cfg, eager, admin.Deps{})), catalog(mounts(cfg, lazy, admin.Deps{})); !reflect.DeepEqual(e, l) {
		t.Errorf("catalog from the operations read before parsing:\n%+v\nfrom the documents:\n%+v", l, e)
	}

	servers := map[string]*Server{}
	for name, lazy := range map[string]bool{"eager": false, "lazy": true} {
		srv, err := New(Config{LazySpecs: lazy})
		if err != nil {
			t.Fatal(err)
		}
		servers[name] = srv
	}
	requests := []struct {
		method, target string
		header         []string
		status         int
	}{
		{"GET", "/v1/files/signed-url?filename=report.pdf", []string{"api-key", "k", "user-id", "497f6eca-6276-4993-bfeb-53cbbbba6f08"}, 200},
		{"GET", "/v1/files/signed-url", []string{"api-key", "k", "user-id", "497f6eca-6276-4993-bfeb-53cbbbba6f08"}, 422},
		{"DELETE", "/desk/api/v2/files/ref.json", []string{"Authorization", "Bearer k"}, 405},
		{"GET", "/api/nothing-here", []string{"Authorization", "Bearer k"}, 404},
		{"GET", "/__admin/health", nil, 200},
	}
	for _, rq := range requests {
		got := map[string]*httptest.ResponseRecorder{}
		for name, srv := range servers {
			r := httptest.NewRequest(rq.method, rq.target, nil)
			for i := 0; i+1 < len(rq.header); i += 2 {
				r.Header.Set(rq.header[i], rq.header[i+1])
			}
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, r)
			got[name] = w
			if w.Code != rq.status {
				t.Errorf("%s %s %s = %d %s, want %d", name, rq.method, rq.target, w.Code, w.Body, rq.status)
			}
		}
		if e, l := got["eager"], got["lazy"]; e.Code != l.Code || e.Header().Get("Allow") != l.Header().Get("Allow") {
			t.Errorf("%s %s: eager %d (Allow %q), lazy %d (Allow %q)", rq.method, rq.target,
				e.Code, e.Header().Get("Allow"), l.Code, l.Header().Get("Allow"))
		}
	}
	if spec := servers["lazy"].specs["weavy"]; spec == nil || len(spec.OperationIDs()) == 0 {
		t.Error("weavy's operations are not known")
	}
}
