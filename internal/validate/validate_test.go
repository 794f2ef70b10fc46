package validate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// base is a host with a random-looking port: the spec's server is https://files.example.com/api.
const base = "http://127.0.0.1:49153"

func loadSpec(tb testing.TB) *Spec {
	tb.Helper()
	data, err := os.ReadFile("testdata/files.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	s, err := Load(context.Background(), "files.yaml", data)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// newRequest builds a server-side request; headers come in pairs.
func newRequest(method, target string, body io.Reader, headers ...string) *http.Request {
	r := httptest.NewRequest(method, base+target, body)
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	return r
}

// testAuth accepts X-API-Key "secret" or "Authorization: Bearer tok", and checks that it never sees a body.
func testAuth(t testing.TB) AuthFunc {
	return func(ctx context.Context, name string, scheme *openapi3.SecurityScheme, r *http.Request) error {
		if r.Body != http.NoBody {
			t.Errorf("AuthFunc for %s got a request body", name)
		}
		switch scheme.Type {
		case "apiKey":
			switch r.Header.Get(scheme.Name) {
			case "":
				return fmt.Errorf("missing %s header", scheme.Name)
			case "secret":
				return nil
			}
			return errors.New("invalid API key")
		case "http":
			if r.Header.Get("Authorization") == "Bearer tok" {
				return nil
			}
			return errors.New("invalid bearer token")
		}
		return fmt.Errorf("unexpected scheme %s", name)
	}
}

// failReader fails the test if anything reads the body.
type failReader struct{ t testing.TB }

func (f failReader) Read([]byte) (int, error) {
	f.t.Error("body was read")
	return 0, errors.New("body must not be read")
}

func TestLoadErrors(t *testing.T) {
	const head = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n"
	tests := []struct {
		name, doc, want string
	}{
		{"broken YAML", "openapi: 3.0.3\npaths: [\n", "load bad.yaml: "},
		{"3.1", "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n", `openapi version "3.1.0" is not supported`},
		{"missing schema", head + `paths:
  /a:
    get:
      operationId: a
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Missing'}
`, "Missing"},
		{"invalid document", head + `paths:
  /a:
    get:
      operationId: a
`, "invalid document"},
		{"no operationId", head + `paths:
  /a:
    get:
      responses: {"200": {description: ok}}
`, "operation GET /a has no operationId"},
		{"duplicate operationId", head + `paths:
  /a:
    get:
      operationId: same
      responses: {"200": {description: ok}}
  /b:
    post:
      operationId: same
      responses: {"200": {description: ok}}
`, `operationId "same" is used by both GET /a and POST /b`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(context.Background(), "bad.yaml", []byte(tt.doc))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), "load bad.yaml: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want prefix %q and %q", err, "load bad.yaml: ", tt.want)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	s := loadSpec(t)
	if s.Name != "files" {
		t.Errorf("Name = %q", s.Name)
	}
	if s.Doc().Servers != nil {
		t.Errorf("Servers = %v, want nil", s.Doc().Servers)
	}
	if len(s.Raw) == 0 {
		t.Error("Raw is empty")
	}
	want := []string{"createFile", "deleteFile", "getFile", "getFileContent", "getFileJSON", "getObject", "health", "listFiles", "putObject", "uploadFile"}
	if got := s.OperationIDs(); !reflect.DeepEqual(got, want) {
		t.Errorf("OperationIDs = %v, want %v", got, want)
	}
}

func TestFindRoute(t *testing.T) {
	s := loadSpec(t)
	tests := []struct {
		method, target string
		op             string
		params         map[string]string
	}{
		{"GET", "/files/abc.json", "getFileJSON", map[string]string{"id": "abc"}},
		{"GET", "/files/abc", "getFile", map[string]string{"id": "abc"}},
		{"DELETE", "/files/abc", "deleteFile", map[string]string{"id": "abc"}},
		{"GET", "/files/abc/content", "getFileContent", map[string]string{"id": "abc"}},
		{"GET", "/files?limit=3", "listFiles", map[string]string{}},
		{"GET", "/objects/dir%2Fsub%2Fa%20b.txt", "getObject", map[string]string{"key": "dir/sub/a b.txt"}},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			rt, err := s.FindRoute(newRequest(tt.method, tt.target, nil))
			if err != nil {
				t.Fatal(err)
			}
			if rt.OperationID != tt.op || rt.Operation == nil || !reflect.DeepEqual(rt.PathParams, tt.params) {
				t.Errorf("got %s %v, want %s %v", rt.OperationID, rt.PathParams, tt.op, tt.params)
			}
		})
	}

	t.Run("not found", func(t *testing.T) {
		for _, target := range []string{"/nope", "/files/a/b/c", "/objects/a/b"} {
			if _, err := s.FindRoute(newRequest("GET", target, nil)); !errors.Is(err, ErrNotFound) {
				t.Errorf("%s: err = %v, want ErrNotFound", target, err)
			}
		}
	})

	t.Run("method not allowed", func(t *testing.T) {
		for target, want := range map[string][]string{
			"/files/abc":      {"DELETE", "GET"},
			"/files/abc.json": {"GET"},
			"/objects/k":      {"GET", "PUT"},
		} {
			_, err := s.FindRoute(newRequest("PATCH", target, nil))
			var mna *MethodNotAllowedError
			if !errors.As(err, &mna) {
				t.Fatalf("%s: err = %v, want MethodNotAllowedError", target, err)
			}
			if !reflect.DeepEqual(mna.Allowed, want) {
				t.Errorf("%s: Allowed = %v, want %v", target, mna.Allowed, want)
			}
		}
	})

	t.Run("rewritten URL keeps escaped slash", func(t *testing.T) {
		// The caller escapes the key's slashes in a clone, so that {key} (one segment) can hold them.
		r := newRequest("GET", "/objects/dir/file.txt", nil)
		c := r.Clone(r.Context())
		c.URL.RawPath = "/objects/dir%2Ffile.txt"
		rt, err := s.FindRoute(c)
		if err != nil {
			t.Fatal(err)
		}
		if rt.OperationID != "getObject" || rt.PathParams["key"] != "dir/file.txt" {
			t.Errorf("got %s %v", rt.OperationID, rt.PathParams)
		}
	})
}

func TestValidateRequest(t *testing.T) {
	s := loadSpec(t)
	const okBody = `{"filename":"a.pdf","purpose":"assistants","attachments":[{"file_id":"file-1"}]}`
	key := []string{"X-API-Key", "secret", "user-id", "u1"}
	jsonKey := append([]string{"Content-Type", "application/json"}, key...)
	tests := []struct {
		name           string
		method, target string
		body           string
		headers        []string
		want           []Violation
	}{
		{"valid api key", "POST", "/files", okBody, jsonKey, nil},
		{"valid bearer", "GET", "/files?limit=100&purpose=vision", "", []string{"Authorization", "Bearer tok", "user-id", "u1"}, nil},
		{"charset in content type", "POST", "/files", okBody, append([]string{"Content-Type", "application/json; charset=utf-8"}, key...), nil},
		{"no security, decoded key", "GET", "/objects/dir%2Fa.txt", "", nil, nil},
		{"no auth", "GET", "/files", "", []string{"user-id", "u1"}, []Violation{
			{In: "security", Name: "ApiKey", Message: "missing X-API-Key header"},
			{In: "security", Name: "Bearer", Message: "invalid bearer token"},
		}},
		{"wrong auth", "GET", "/files", "", []string{"X-API-Key", "nope", "user-id", "u1"}, []Violation{
			{In: "security", Name: "ApiKey", Message: "invalid API key"},
			{In: "security", Name: "Bearer", Message: "invalid bearer token"},
		}},
		{"missing header", "GET", "/files", "", []string{"X-API-Key", "secret"}, []Violation{
			{In: "header", Name: "user-id", Keyword: "required", Message: `header "user-id" is required`},
		}},
		{"bad query integer", "GET", "/files?limit=ten", "", key, []Violation{
			{In: "query", Name: "limit", Keyword: "type", Message: "value must be an integer"},
		}},
		{"over maximum and enum", "GET", "/files?limit=500&purpose=fun", "", key, []Violation{
			{In: "query", Name: "limit", Keyword: "maximum", Message: "number must be at most 100"},
			{In: "query", Name: "purpose", Keyword: "enum", Message: `value is not one of the allowed values ["assistants","vision"]`},
		}},
		{"bad path param", "GET", "/files/ABC", "", key, []Violation{
			{In: "path", Name: "id", Keyword: "pattern", Message: `string doesn't match the regular expression "^[a-z0-9-]+$"`},
		}},
		{"encoded path param is validated decoded", "GET", "/objects/a%25b", "", nil, []Violation{
			{In: "path", Name: "key", Keyword: "pattern", Message: `string doesn't match the regular expression "^[A-Za-z0-9._/-]+$"`},
		}},
		{"malformed JSON", "POST", "/files", `{"filename": "a.pdf",, }`, jsonKey, []Violation{
			{In: "body", Keyword: "parse", Message: "invalid JSON at byte 22: invalid character ',' looking for beginning of object key string"},
		}},
		{"truncated JSON", "POST", "/files", `{"filename": `, jsonKey, []Violation{
			{In: "body", Keyword: "parse", Message: "invalid JSON: unexpected end of input"},
		}},
		{"wrong content type", "POST", "/files", okBody, append([]string{"Content-Type", "text/plain"}, key...), []Violation{
			{In: "body", Keyword: "content-type", Message: `Content-Type "text/plain" is not supported, use application/json`},
		}},
		{"missing body", "POST", "/files", "", key, []Violation{
			{In: "body", Keyword: "required", Message: "request body is required"},
		}},
		{"everything at once", "POST", "/files?x=1",
			`{"filename":"","purpose":"x","extra":1,"attachments":[{"file_id":"BAD"},{"note":"n"}]}`,
			[]string{"Content-Type", "application/json"}, []Violation{
				{In: "security", Name: "ApiKey", Message: "missing X-API-Key header"},
				{In: "security", Name: "Bearer", Message: "invalid bearer token"},
				{In: "header", Name: "user-id", Keyword: "required", Message: `header "user-id" is required`},
				{In: "body", Name: "attachments", Pointer: "/attachments/0/file_id", Keyword: "pattern", Message: `string doesn't match the regular expression "^file-[a-z0-9]+$"`},
				{In: "body", Name: "attachments", Pointer: "/attachments/1/file_id", Keyword: "required", Message: `property "file_id" is missing`},
				{In: "body", Name: "extra", Pointer: "/extra", Keyword: "additionalProperties", Message: `property "extra" is unsupported`},
				{In: "body", Name: "filename", Pointer: "/filename", Keyword: "minLength", Message: "minimum string length is 1"},
				{In: "body", Name: "purpose", Pointer: "/purpose", Keyword: "enum", Message: `value is not one of the allowed values ["assistants","vision"]`},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			r := newRequest(tt.method, tt.target, body, tt.headers...)
			rt, err := s.FindRoute(r)
			if err != nil {
				t.Fatal(err)
			}
			got := s.ValidateRequest(context.Background(), r, rt, RequestOptions{Auth: testAuth(t)})
			// Body problems come in kin's order; sort them by pointer so the table stays readable.
			slices.SortStableFunc(got, func(a, b Violation) int {
				if a.In != "body" || b.In != "body" {
					return 0
				}
				return strings.Compare(a.Pointer, b.Pointer)
			})
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
			for _, v := range got {
				if strings.Contains(v.Message, "Schema:") || strings.Contains(v.Message, "Value:") || strings.Contains(v.Message, "\n") {
					t.Errorf("message with a dump: %q", v.Message)
				}
			}
			if tt.body != "" {
				// The handler must still get the whole body.
				b, err := io.ReadAll(r.Body)
				if err != nil || string(b) != tt.body {
					t.Errorf("body afterwards = %q, %v; want %q", b, err, tt.body)
				}
			}
		})
	}
}

func TestValidateRequestNilAuth(t *testing.T) {
	s := loadSpec(t)
	r := newRequest("GET", "/files", nil, "user-id", "u1")
	rt, err := s.FindRoute(r)
	if err != nil {
		t.Fatal(err)
	}
	if vs := s.ValidateRequest(context.Background(), r, rt, RequestOptions{}); vs != nil {
		t.Errorf("nil Auth: got %v", vs)
	}
}

func TestValidateRequestDoesNotReadBody(t *testing.T) {
	s := loadSpec(t)
	tests := []struct {
		name, method, target, contentType string
		opts                              RequestOptions
	}{
		// createFile has security: kin's security check would read the body.
		{"SkipBody with security", "POST", "/files", "application/json", RequestOptions{SkipBody: true, Auth: testAuth(t)}},
		{"SkipBody with nil Auth", "POST", "/files", "application/json", RequestOptions{SkipBody: true}},
		{"octet-stream", "PUT", "/objects/k", "application/octet-stream", RequestOptions{Auth: testAuth(t)}},
		{"multipart", "POST", "/upload", "multipart/form-data; boundary=x", RequestOptions{Auth: testAuth(t)}},
		{"SkipBody, multipart", "POST", "/upload", "multipart/form-data; boundary=x", RequestOptions{SkipBody: true, Auth: testAuth(t)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRequest(tt.method, tt.target, nil, "Content-Type", tt.contentType, "X-API-Key", "secret", "user-id", "u1")
			r.Body, r.ContentLength = io.NopCloser(failReader{t}), 1<<30
			rt, err := s.FindRoute(r)
			if err != nil {
				t.Fatal(err)
			}
			if vs := s.ValidateRequest(context.Background(), r, rt, tt.opts); vs != nil {
				t.Errorf("got %v", vs)
			}
		})
	}
}

func TestValidateFields(t *testing.T) {
	s := loadSpec(t)
	rt, err := s.FindRoute(newRequest("POST", "/upload", nil))
	if err != nil {
		t.Fatal(err)
	}
	const mp = "multipart/form-data; boundary=abc"
	tests := []struct {
		name        string
		contentType string
		values      map[string]string
		present     []string
		want        []Violation
	}{
		{"valid", mp, map[string]string{"purpose": "vision", "size": "12", "public": "true", "tags": "a"}, []string{"file"}, nil},
		{"missing file and purpose", mp, map[string]string{}, nil, []Violation{
			{In: "body", Name: "file", Pointer: "/file", Keyword: "required", Message: `property "file" is missing`},
			{In: "body", Name: "purpose", Pointer: "/purpose", Keyword: "required", Message: `property "purpose" is missing`},
		}},
		{"converted types", mp, map[string]string{"purpose": "vision", "size": "abc", "public": "maybe"}, []string{"file"}, []Violation{
			{In: "body", Name: "public", Pointer: "/public", Keyword: "type", Message: "value must be a boolean"},
			{In: "body", Name: "size", Pointer: "/size", Keyword: "type", Message: "value must be an integer"},
		}},
		{"limits", mp, map[string]string{"purpose": "fun", "size": "-1", "tags": "much-too-long"}, []string{"file"}, []Violation{
			{In: "body", Name: "purpose", Pointer: "/purpose", Keyword: "enum", Message: `value is not one of the allowed values ["assistants","vision"]`},
			{In: "body", Name: "size", Pointer: "/size", Keyword: "minimum", Message: "number must be at least 0"},
			{In: "body", Name: "tags", Pointer: "/tags/0", Keyword: "maxLength", Message: "maximum string length is 8"},
		}},
		{"unknown field", mp, map[string]string{"purpose": "vision", "x-amz-meta-a": "1"}, []string{"file"}, []Violation{
			{In: "body", Name: "x-amz-meta-a", Pointer: "/x-amz-meta-a", Keyword: "additionalProperties", Message: `property "x-amz-meta-a" is unsupported`},
		}},
		{"wrong content type", "application/json", map[string]string{"purpose": "vision"}, []string{"file"}, []Violation{
			{In: "body", Keyword: "content-type", Message: `Content-Type "application/json" is not supported, use multipart/form-data`},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.ValidateFields(rt, tt.contentType, tt.values, tt.present)
			slices.SortFunc(got, func(a, b Violation) int { return strings.Compare(a.Pointer, b.Pointer) })
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestValidateResponse(t *testing.T) {
	s := loadSpec(t)
	const file = `{"id":"file-1","filename":"a.pdf","bytes":12,"created_at":"2026-11-22T10:00:00Z"}`
	h := func(kv ...string) http.Header {
		hd := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			hd.Set(kv[i], kv[i+1])
		}
		return hd
	}
	tests := []struct {
		name           string
		method, target string
		status         int
		header         http.Header
		body           string
		want           string // "" means valid, otherwise a substring of the error
	}{
		{"good JSON", "POST", "/files", 201, h("Content-Type", "application/json", "X-Request-Id", "req-12345"), file, ""},
		{"missing required header", "POST", "/files", 201, h("Content-Type", "application/json"), file, `header: response header "X-Request-Id" missing`},
		{"wrong field type", "GET", "/files/a", 200, h("Content-Type", "application/json"), `{"id":"a","filename":"a.pdf","bytes":"12"}`, "body /bytes: value must be an integer"},
		{"bad format", "GET", "/files/a", 200, h("Content-Type", "application/json"), `{"id":"a","filename":"a.pdf","bytes":1,"created_at":"yesterday"}`, "body /created_at: string doesn't match the format"},
		{"broken JSON", "GET", "/files/a", 200, h("Content-Type", "application/json"), `{"id":`, "body: invalid JSON"},
		{"undocumented status", "GET", "/files/a", 418, h("Content-Type", "application/json"), file, "status: status 418 is not documented"},
		{"problem+json", "GET", "/files/a", 404, h("Content-Type", "application/problem+json"), `{"title":"Not Found","status":404}`, ""},
		{"bad problem+json", "GET", "/files/a", 404, h("Content-Type", "application/problem+json"), `{"title":"Not Found","status":"404"}`, "body /status: value must be an integer"},
		{"wrong content type", "GET", "/files/a", 404, h("Content-Type", "application/json"), `{"title":"Not Found","status":404}`, `body: Content-Type "application/json" is not supported, use application/problem+json`},
		{"no content", "DELETE", "/files/a", 204, h(), "", ""},
		{"XML as string", "GET", "/objects/k", 404, h("Content-Type", "application/xml"), "<Error><Code>NoSuchKey</Code></Error>", ""},
		{"binary", "GET", "/objects/k", 200, h("Content-Type", "application/octet-stream"), "\x00\x01", ""},
		{"text/plain", "GET", "/files/a/content", 200, h("Content-Type", "text/plain; charset=utf-8"), "hello", ""},
		{"text/plain enum", "GET", "/health", 200, h("Content-Type", "text/plain"), "ok", ""},
		{"text/plain not in enum", "GET", "/health", 200, h("Content-Type", "text/plain"), "down", "body: value is not one of the allowed values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := newRequest(tt.method, tt.target, nil)
			rt, err := s.FindRoute(req)
			if err != nil {
				t.Fatal(err)
			}
			err = s.ValidateResponse(context.Background(), req, rt, tt.status, tt.header, []byte(tt.body))
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tt.want != "" && err == nil:
				t.Errorf("no error, want %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			var re *ResponseError
			if err != nil && (!errors.As(err, &re) || len(re.Violations) == 0 || strings.Contains(err.Error(), "Schema:")) {
				t.Errorf("error is not a ResponseError with violations and no dump: %#v", err)
			}
		})
	}
}

func TestCheckHandlers(t *testing.T) {
	s := loadSpec(t)
	all := s.OperationIDs()
	if err := s.CheckHandlers(all); err != nil {
		t.Errorf("all handlers: %v", err)
	}
	err := s.CheckHandlers(append(slices.Clone(all[2:]), "zap", "extra"))
	want := "spec files: operations without handler: createFile, deleteFile; handlers without operation: extra, zap"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestSummary(t *testing.T) {
	vs := []Violation{
		{In: "header", Name: "user-id", Keyword: "required", Message: `header "user-id" is required`},
		{In: "body", Name: "limit", Pointer: "/limit", Keyword: "maximum", Message: "number must be at most 100"},
		{In: "security", Name: "ApiKey", Message: "missing X-API-Key header"},
		{In: "body", Keyword: "parse", Message: "invalid JSON: unexpected end of input"},
	}
	want := "header user-id: is required; body /limit: number must be at most 100; security ApiKey: missing X-API-Key header; body: invalid JSON: unexpected end of input"
	if got := Summary(vs); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestConcurrent(t *testing.T) {
	s := loadSpec(t)
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 50 {
				bad := (g+i)%2 == 1
				body := `{"filename":"a.pdf","purpose":"assistants"}`
				if bad {
					body = `{"filename":"a.pdf","purpose":"x"}`
				}
				r := newRequest("POST", "/files", strings.NewReader(body), "Content-Type", "application/json", "X-API-Key", "secret", "user-id", "u")
				rt, err := s.FindRoute(r)
				if err != nil {
					t.Error(err)
					return
				}
				vs := s.ValidateRequest(context.Background(), r, rt, RequestOptions{Auth: testAuth(t)})
				if bad != (len(vs) == 1) || (bad && vs[0].Pointer != "/purpose") {
					t.Errorf("bad=%v: got %v", bad, vs)
					return
				}
				if _, err := s.FindRoute(newRequest("GET", fmt.Sprintf("/files/f%d.json", i), nil)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkFindRouteValidate(b *testing.B) {
	s := loadSpec(b)
	const body = `{"filename":"a.pdf","purpose":"assistants","size":12,"attachments":[{"file_id":"file-1","note":"n"}]}`
	auth := testAuth(b)
	b.ReportAllocs()
	for b.Loop() {
		r := newRequest("POST", "/files", strings.NewReader(body), "Content-Type", "application/json", "X-API-Key", "secret", "user-id", "u")
		rt, err := s.FindRoute(r)
		if err != nil {
			b.Fatal(err)
		}
		if vs := s.ValidateRequest(context.Background(), r, rt, RequestOptions{Auth: auth}); vs != nil {
			b.Fatal(vs)
		}
	}
}

func BenchmarkValidateRequestSkipBody(b *testing.B) {
	s := loadSpec(b)
	// An upload with security: the body must not be read by the security check either.
	r := newRequest("POST", "/upload", nil, "Content-Type", "multipart/form-data; boundary=x", "X-API-Key", "secret")
	r.Body, r.ContentLength = io.NopCloser(failReader{b}), 1<<30
	auth := testAuth(b)
	b.ReportAllocs()
	for b.Loop() {
		rt, err := s.FindRoute(r)
		if err != nil {
			b.Fatal(err)
		}
		if vs := s.ValidateRequest(context.Background(), r, rt, RequestOptions{Auth: auth, SkipBody: true}); vs != nil {
			b.Fatal(vs)
		}
	}
}
