package scenarios_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/fileemu/fileemu/emulator"
	"github.com/fileemu/fileemu/scenarios"
	"github.com/fileemu/fileemu/testkit"
)

// servedSchema compiles the JSON Schema the admin API serves, with a real JSON Schema validator.
func servedSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	emu := testkit.Start(t)
	resp, body := testkit.Do(t, emu.Client(t), must(http.NewRequest("GET", emu.URL+"/__admin/scenarios/schema", nil)))
	if resp.StatusCode != 200 {
		t.Fatalf("schema = %d %s", resp.StatusCode, body)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("schema.json")
	if err != nil {
		t.Fatalf("the served schema does not compile: %v", err)
	}
	return sch
}

func must(r *http.Request, err error) *http.Request {
	if err != nil {
		panic(err)
	}
	return r
}

// asJSON reads a scenario document (YAML or JSON) as the JSON value a schema validator sees.
func asJSON(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatalf("not YAML: %v", err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The served schema and the parser agree: every ready-made file and every scenario example of
// the docs passes both; structurally bad files fail both. So the schema cannot drift.
func TestSchemaAgreesWithTheParser(t *testing.T) {
	sch := servedSchema(t)
	srv, err := emulator.New(emulator.Config{})
	if err != nil {
		t.Fatal(err)
	}
	cat := srv.Scenarios().Catalog()

	good := map[string][]byte{}
	ready, _ := filepath.Glob("ready/*.yaml")
	for _, f := range ready {
		good[f], _ = os.ReadFile(f)
	}
	// The YAML examples of the docs that hold scenario files.
	block := regexp.MustCompile("(?s)```yaml\n(scenarios:.*?)```")
	for _, doc := range []string{"../README.md", "ready/README.md"} {
		data, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range block.FindAllSubmatch(data, -1) {
			good[doc+"#"+string(rune('a'+i))] = m[1]
		}
	}
	good["lower-case method"] = []byte("scenarios:\n  - name: m\n    rules:\n      - match: {method: put}\n        respond: 500\n")
	good["mixed-case method"] = []byte("scenarios:\n  - name: m\n    rules:\n      - match: {method: Put}\n        respond: 500\n")
	good["every action"] = []byte(`{"scenarios":[{"name":"all","active":false,"rules":[
		{"match":{"api":"haufe","operation":"getSignedUrl","query":{"filename":"*.pdf"}},"when":{"times":1,"after":1,"every":2},"respond":{"status":409,"body":{"x":1},"headers":{"X-A":"b"}}},
		{"match":{},"when":{"probability":0.5,"seed":3,"window":{"from":"1m","until":"2m"}},"delay":"10ms..1s"},
		{"match":{"api":"s3"},"fault":"hang"},
		{"match":{"key":"k*"},"rate_limit":{"rate":"10/m","burst":2,"scope":"key"}},
		{"match":{"filename":"*.exe"},"infect":true},
		{"match":{"api":"haufe","operation":"getFileStatus"},"processing":{"duration":"30s"}},
		{"match":{"api":"haufe","operation":"getFileStatus","user":"u*"},"fail_processing":true}]}]}`)
	if len(good) < len(ready)+3 {
		t.Fatalf("found only %d documents", len(good))
	}
	for name, data := range good {
		if _, err := scenarios.Parse(name, data, cat); err != nil {
			t.Errorf("%s: the parser refuses it: %v", name, err)
		}
		if err := sch.Validate(asJSON(t, data)); err != nil {
			t.Errorf("%s: the served schema refuses it: %v", name, err)
		}
	}

	bad := map[string]string{
		"no scenarios":          "rules: []\n",
		"unknown top field":     "scenarios: []\nextra: 1\n",
		"no name":               "scenarios:\n  - rules:\n      - {match: {}, respond: 500}\n",
		"bad name":              "scenarios:\n  - name: 'a b'\n    rules:\n      - {match: {}, respond: 500}\n",
		"no rules":              "scenarios:\n  - name: a\n    rules: []\n",
		"no action":             "scenarios:\n  - name: a\n    rules:\n      - {match: {}}\n",
		"two actions":           "scenarios:\n  - name: a\n    rules:\n      - {match: {}, respond: 500, delay: 1s}\n",
		"no match":              "scenarios:\n  - name: a\n    rules:\n      - {respond: 500}\n",
		"unknown match field":   "scenarios:\n  - name: a\n    rules:\n      - {match: {colour: red}, respond: 500}\n",
		"unknown api":           "scenarios:\n  - name: a\n    rules:\n      - {match: {api: dropbox}, respond: 500}\n",
		"status out of range":   "scenarios:\n  - name: a\n    rules:\n      - {match: {}, respond: 99}\n",
		"unknown fault":         "scenarios:\n  - name: a\n    rules:\n      - {match: {}, fault: explode}\n",
		"bad rate":              "scenarios:\n  - name: a\n    rules:\n      - {match: {}, rate_limit: {rate: fast}}\n",
		"bad scope":             "scenarios:\n  - name: a\n    rules:\n      - {match: {}, rate_limit: {rate: 1/s, scope: planet}}\n",
		"infect false":          "scenarios:\n  - name: a\n    rules:\n      - {match: {api: s3}, infect: false}\n",
		"processing both":       "scenarios:\n  - name: a\n    rules:\n      - {match: {}, processing: {polls: 1, duration: 1s}}\n",
		"probability above one": "scenarios:\n  - name: a\n    rules:\n      - {match: {}, when: {probability: 2}, respond: 500}\n",
		"times zero":            "scenarios:\n  - name: a\n    rules:\n      - {match: {}, when: {times: 0}, respond: 500}\n",
		"bad duration":          "scenarios:\n  - name: a\n    rules:\n      - {match: {}, when: {window: {from: soon}}, respond: 500}\n",
		"unknown method":        "scenarios:\n  - name: a\n    rules:\n      - {match: {method: BREW}, respond: 500}\n",
	}
	for name, doc := range bad {
		if _, err := scenarios.Parse(name, []byte(doc), cat); err == nil {
			t.Errorf("%s: the parser accepts it", name)
		}
		if err := sch.Validate(asJSON(t, []byte(doc))); err == nil {
			t.Errorf("%s: the served schema accepts it", name)
		}
	}

	// The schema's api enum is exactly the APIs rules may name.
	var raw struct {
		Defs struct {
			Match struct {
				Properties struct {
					API struct{ Enum []string } `json:"api"`
				}
			}
		} `json:"$defs"`
	}
	if err := json.Unmarshal(scenarios.Schema, &raw); err != nil {
		t.Fatal(err)
	}
	var apis []string
	for a := range cat {
		apis = append(apis, a)
	}
	slices.Sort(apis)
	got := slices.Sorted(slices.Values(raw.Defs.Match.Properties.API.Enum))
	if !slices.Equal(got, apis) {
		t.Errorf("schema api enum = %v, the emulator's APIs = %v", got, apis)
	}
	if !strings.Contains(string(scenarios.Schema), "2020-12") {
		t.Error("schema draft changed")
	}
}
