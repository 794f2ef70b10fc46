package validate

import (
	"context"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/fileemu/fileemu/openapi"
)

// TestQuickIndex checks the quick pass over the YAML against the parsed document, for every
// embedded spec and the test spec: a lazy spec would fail on first use otherwise.
func TestQuickIndex(t *testing.T) {
	docs := map[string][]byte{}
	for _, name := range openapi.Names() {
		data, err := openapi.Spec(name)
		if err != nil {
			t.Fatal(err)
		}
		docs[name] = data
	}
	data, err := os.ReadFile("testdata/files.yaml")
	if err != nil {
		t.Fatal(err)
	}
	docs["files"] = data
	for name, data := range docs {
		t.Run(name, func(t *testing.T) {
			quick, version, err := quickIndex(data)
			if err != nil {
				t.Fatalf("quickIndex: %v", err)
			}
			if version != "3.0.3" {
				t.Errorf("version %q", version)
			}
			s, err := Load(context.Background(), name+".yaml", data)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(quick, s.ix) {
				t.Errorf("quick index differs:\n%+v\nparsed:\n%+v", quick, s.ix)
			}
			if len(quick.ops) == 0 {
				t.Error("no operations")
			}
		})
	}
}

func TestQuickIndexFacts(t *testing.T) {
	quick, _, err := quickIndex([]byte(`openapi: "3.0.3"
info: {title: t, version: '1'}
paths:
  # a comment
  '/a/{id}':
    description: |
      get: not an operation
    parameters:
    - {name: id, in: path, required: true, schema: {type: string}}
    - $ref: '#/components/parameters/Q'
    post:
      x-fileemu-stream-body: true
      x-number: 3
      responses: {'200': {description: ok}}
      operationId: upload
      parameters:
        - name: name
          in: query
          schema: {type: string}
    get: {operationId: get, responses: {'200': {description: ok}}}
components:
  schemas:
    parameters: {type: object}
  parameters:
    Q: {name: filename, in: query, schema: {type: string}}
`))
	if err != nil {
		t.Fatal(err)
	}
	want := index{
		ids:     []string{"get", "upload"},
		where:   map[string]string{"get": "GET /a/{id}", "upload": "POST /a/{id}"},
		methods: []string{"GET", "POST"},
		ops: []OperationInfo{
			{ID: "get", Method: "GET", Path: "/a/{id}", Query: []string{"filename"}},
			{ID: "upload", Method: "POST", Path: "/a/{id}", Query: []string{"filename", "name"},
				Extensions: map[string]any{"x-fileemu-stream-body": true}},
		},
	}
	if !reflect.DeepEqual(quick, want) {
		t.Errorf("got  %+v\nwant %+v", quick, want)
	}
}

// TestLoadLazy checks that a lazy spec parses on first use, and that what the quick pass cannot read
// is loaded at once, with Load's errors.
func TestLoadLazy(t *testing.T) {
	data, err := os.ReadFile("testdata/files.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := LoadLazy("files.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if s.doc != nil {
		t.Error("parsed before first use")
	}
	if got := s.OperationIDs(); len(got) != 10 {
		t.Errorf("OperationIDs = %v", got)
	}
	rt, err := s.FindRoute(newRequest("GET", "/files/abc", nil))
	if err != nil || rt.OperationID != "getFile" {
		t.Fatalf("FindRoute: %v, %v", rt, err)
	}
	if s.Doc() == nil || s.Doc().Servers != nil {
		t.Error("Doc after first use: nil, or with servers")
	}

	// Quick pass and document disagree (a bug): the spec fails on first use, saying so.
	s, err = LoadLazy("files.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	s.ix.where["getFile"] = "GET /elsewhere"
	if _, err := s.FindRoute(newRequest("GET", "/files/abc", nil)); err == nil || !strings.Contains(err.Error(), "differ") {
		t.Errorf("FindRoute with a wrong index: %v", err)
	}
	if s.Doc() != nil {
		t.Error("Doc of a spec that failed")
	}

	const head = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n"
	for name, tt := range map[string]struct{ doc, want string }{
		"flow style":      {`{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"get": {"operationId": "a", "responses": {"200": {"description": "ok"}}}}}}`, ""},
		"path item $ref":  {head + "paths:\n  /a:\n    $ref: '#/x'\n", "load bad.yaml: "},
		"no operationId":  {head + "paths:\n  /a:\n    get:\n      responses: {'200': {description: ok}}\n", "has no operationId"},
		"openapi 3.1":     {"openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n", "openapi version \"3.1.0\" is not supported"},
		"duplicate id":    {head + "paths:\n  /a:\n    get: {operationId: x, responses: {'200': {description: ok}}}\n  /b:\n    get: {operationId: x, responses: {'200': {description: ok}}}\n", `operationId "x" is used by both`},
		"invalid schema":  {head + "paths:\n  /a:\n    get:\n      operationId: a\n      responses: {'200': {description: ok, content: {application/json: {schema: {type: nope}}}}}\n", ""},
		"broken indented": {head + "paths:\n  /a:\n    get:\n      operationId: a\n     responses: {}\n", "load bad.yaml: "},
	} {
		t.Run(name, func(t *testing.T) {
			s, err := LoadLazy("bad.yaml", []byte(tt.doc))
			switch {
			case name == "flow style":
				if err != nil || s.doc == nil {
					t.Errorf("not loaded at once: %v", err)
				}
			case name == "invalid schema":
				// Valid YAML with an invalid schema: lazy, and failing on first use.
				if err != nil {
					t.Fatal(err)
				}
				if _, err := s.FindRoute(newRequest("GET", "/a", nil)); err == nil || !strings.Contains(err.Error(), "invalid document") {
					t.Errorf("FindRoute: %v", err)
				}
			case err == nil || !strings.Contains(err.Error(), tt.want):
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}
