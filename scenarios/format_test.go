package scenarios

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// testCatalog names the operations of the APIs the way the emulator's catalog does.
var testCatalog = func() Catalog {
	cat := NewCatalog(map[string][]string{
		"haufe": {"getSignedUrl", "getFileStatus", "getFileContent", "listFiles", "deleteFile", "createThread", "createMessage"},
		"desk":  {"createFileRef", "listFiles", "getFile", "activateFile", "updateFile", "deleteFile"},
		"s3":    {"postObject", "putObject", "getObject", "headObject"},
	})
	cat["haufe"].Operations["getSignedUrl"] = Operation{Filename: true}
	for _, op := range []string{"postObject", "putObject"} {
		cat["s3"].Operations[op] = Operation{Upload: true, Filename: true}
	}
	for _, op := range []string{"getObject", "headObject"} {
		cat["s3"].Operations[op] = Operation{Filename: true}
	}
	for _, a := range []string{"haufe", "desk"} {
		c := cat[a]
		c.UploadsTo = "s3"
		cat[a] = c
	}
	return cat
}()

// doc builds a scenario file from lines; a tab-free way to write YAML in a table.
func doc(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

// Every kind of mistake is refused with its position and what was expected. The file name is
// part of each message, as lint prints it.
func TestParseRefusesBadFiles(t *testing.T) {
	cases := []struct {
		name string
		file string
		want []string
	}{
		{"body JSON cannot carry", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {api: haufe}",
			"        respond: {status: 409, body: {1: conflict}}",
		), []string{`bad.yaml:5:38: body cannot be sent as JSON: json: unsupported type: map[interface {}]interface {}`}},
		{"unknown field", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {api: haufe}",
			"        respond: 500",
			"        colour: red",
		), []string{`bad.yaml:6:9: unknown field "colour" in a rule; expected one of: match, when, respond, delay, fault, rate_limit, infect, processing, fail_processing`}},
		{"unknown field in match", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {api: haufe, verb: GET}",
			"        respond: 500",
		), []string{`bad.yaml:4:29: unknown field "verb" in match; expected one of: api, operation, method, path, headers, query, filename, content_type, user, key`}},
		{"unknown top-level field", doc(
			"scenario:",
			"  - name: a",
		), []string{
			`bad.yaml:1:1: unknown field "scenario" in the file; expected one of: scenarios`,
			`bad.yaml:1:1: missing "scenarios": a list of scenarios`,
		}},
		{"wrong type: times is a word", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {api: haufe}",
			"        when: {times: three}",
			"        respond: 500",
		), []string{`bad.yaml:5:23: times must be an integer, not "three"`}},
		{"wrong type: active is a word", doc(
			"scenarios:",
			"  - name: a",
			"    active: yes",
			"    rules:",
			"      - match: {}",
			"        respond: 500",
		), []string{`bad.yaml:3:13: active must be true or false, not "yes"`}},
		{"wrong type: rules is a mapping", doc(
			"scenarios:",
			"  - name: a",
			"    rules: {match: {}}",
		), []string{`bad.yaml:3:12: rules must be a list`}},
		{"wrong type: method is a list", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {method: [GET, PUT]}",
			"        respond: 500",
		), []string{`bad.yaml:4:25: method must be a string`}},
		{"unknown api", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {api: dropbox}",
			"        respond: 500",
		), []string{`bad.yaml:4:22: unknown api "dropbox"; expected one of: desk, haufe, s3`}},
		{"unknown operation, close names suggested", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {api: haufe, operation: getSignedURL}",
			"        respond: 500",
		), []string{`bad.yaml:4:40: unknown operation "getSignedURL" in api haufe; did you mean getSignedUrl?`}},
		{"unknown operation, case and plural", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {api: haufe, operation: getfilestatuses}",
			"        respond: 500",
		), []string{`bad.yaml:4:40: unknown operation "getfilestatuses" in api haufe; did you mean getFileStatus?`}},
		{"unknown operation, nothing close", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {api: haufe, operation: uploadFile}",
			"        respond: 500",
		), []string{`bad.yaml:4:40: unknown operation "uploadFile" in api haufe`}},
		{"operation of another api", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {api: s3, operation: createFileRef}",
			"        respond: 500",
		), []string{`bad.yaml:4:37: operation createFileRef belongs to api desk, not s3: this rule can never match`}},
		{"infect on an operation without a file", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {api: haufe, operation: getSignedUrl, filename: \"*.exe\"}",
			"        infect: true",
		), []string{`bad.yaml:4:40: infect marks uploaded files, and getSignedUrl carries no file; uploads to URLs haufe hands out arrive at api s3: match {api: haufe} without an operation`}},
		{"infect of an owner's uploads matched by what only the owner's requests carry", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {api: haufe, user: \"u1\"}",
			"        infect: true",
		), []string{`bad.yaml:4:35: user never matches: infect applies to the uploads to URLs haufe hands out, requests to api s3 that carry no user-id header`}},
		{"filename on an operation whose URL names no file", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {operation: createFileRef, filename: \"*.exe\"}",
			"        respond: 400",
			"      - match: {api: desk, filename: \"*.exe\"}",
			"        respond: 400",
		), []string{
			`bad.yaml:4:53: filename never matches createFileRef: its URL names no file (the name is known only once the body is read, where only infect rules apply)`,
			`bad.yaml:6:38: filename never matches api desk: none of its URLs names a file (the name is known only once the body is read, where only infect rules apply)`,
		}},
		{"unknown operation in any api", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {operation: putObjekt}",
			"        respond: 500",
		), []string{`bad.yaml:4:28: unknown operation "putObjekt" in any api; did you mean putObject, getObject, postObject?`}},
		{"status 99", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {}",
			"        respond: 99",
		), []string{`bad.yaml:5:18: status must be within 100-599, not 99`}},
		{"status 600", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {}",
			"        respond: {status: 600}",
		), []string{`bad.yaml:5:27: status must be within 100-599, not 600`}},
		{"times 0", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {}",
			"        when: {times: 0}",
			"        respond: 500",
		), []string{`bad.yaml:5:23: times must be at least 1, not 0`}},
		{"probability 1.5", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {}",
			"        when: {probability: 1.5}",
			"        respond: 500",
		), []string{`bad.yaml:5:29: probability must be a number in (0, 1], not "1.5"`}},
		{"probability 0", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {}",
			"        when: {probability: 0}",
			"        respond: 500",
		), []string{`bad.yaml:5:29: probability must be a number in (0, 1], not "0"`}},
		{"seed without probability", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {}",
			"        when: {times: 2, seed: 42}",
			"        respond: 500",
		), []string{`bad.yaml:5:32: seed only makes sense with probability`}},
		{"window until before from", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {}",
			"        when:",
			"          window: {from: 2m, until: 1m}",
			"        respond: 503",
		), []string{`bad.yaml:6:19: window.until (1m0s) must be after window.from (2m0s)`}},
		{"window with a bad duration", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {}",
			"        when:",
			"          window: {from: soon}",
			"        respond: 503",
		), []string{`bad.yaml:6:26: window.from must be a duration such as 250ms, 2s or 1m, not "soon"`}},
		{"two actions", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {}",
			"        respond: 500",
			"        delay: 1s",
		), []string{`bad.yaml:4:9: a rule needs exactly one action of: respond, delay, fault, rate_limit, infect, processing, fail_processing (found 2)`}},
		{"no action", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {api: haufe}",
			"        when: {times: 1}",
		), []string{`bad.yaml:4:9: a rule needs exactly one action of: respond, delay, fault, rate_limit, infect, processing, fail_processing (found 0)`}},
		{"no match", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - respond: 500",
		), []string{`bad.yaml:4:9: a rule needs "match" (use {} to match every request)`}},
		{"duplicate names", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {}",
			"        respond: 500",
			"  - name: a",
			"    rules:",
			"      - match: {}",
			"        respond: 502",
		), []string{`bad.yaml:6:5: scenario "a" is defined twice`}},
		{"bad name", doc(
			"scenarios:",
			"  - name: two words",
			"    rules:",
			"      - match: {}",
			"        respond: 500",
		), []string{`bad.yaml:2:11: scenario name "two words": use 1 to 64 letters, digits, '-', '_' or '.'`}},
		{"no rules", doc(
			"scenarios:",
			"  - name: a",
			"    rules: []",
		), []string{`bad.yaml:3:12: scenario "a" has no rules`}},
		{"bad rate fast", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {api: haufe}",
			"        rate_limit: {rate: fast}",
		), []string{`bad.yaml:5:28: rate must look like 60/s, 180/m or 1000/h, not "fast"`}},
		{"bad rate unit", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {api: haufe}",
			"        rate_limit: {rate: 60/d}",
		), []string{`bad.yaml:5:28: rate must look like 60/s, 180/m or 1000/h, not "60/d"`}},
		{"bad scope", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {api: haufe}",
			"        rate_limit: {rate: 60/s, scope: user}",
		), []string{`bad.yaml:5:41: scope must be session, key or global, not "user"`}},
		{"bad delay range", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {}",
			`        delay: 2s..1s`,
		), []string{`bad.yaml:5:16: delay range "2s..1s": the maximum is below the minimum`}},
		{"bad delay", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {}",
			`        delay: a while`,
		), []string{`bad.yaml:5:16: delay must be a duration (250ms) or a range (100ms..2s), not "a while"`}},
		{"unknown fault", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {}",
			"        fault: timeout",
		), []string{`bad.yaml:5:16: unknown fault "timeout"; expected one of: reset, empty, malformed, hang`}},
		{"infect without any match", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {method: PUT}",
			"        infect: true",
		), []string{`bad.yaml:5:17: an infect rule needs a match on api, operation, filename or content_type, or it would infect every upload`}},
		{"infect false", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {filename: '*.exe'}",
			"        infect: false",
		), []string{`bad.yaml:5:17: infect takes true`}},
		{"processing with both polls and duration", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {api: haufe, operation: getFileStatus}",
			"        processing: {polls: 3, duration: 5s}",
		), []string{`bad.yaml:5:21: processing needs exactly one of polls or duration`}},
		{"bad glob", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {filename: '[a-'}",
			"        infect: true",
		), []string{`bad.yaml:4:27: bad glob "[a-": syntax error in pattern`}},
		{"path without slash", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {path: v1/files}",
			"        respond: 404",
		), []string{`bad.yaml:4:23: path "v1/files" must start with / (the API path without session prefix)`}},
		{"unknown method", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {method: FETCH}",
			"        respond: 404",
		), []string{`bad.yaml:4:25: unknown method "FETCH"`}},
		{"every problem at once, in file order", doc(
			"scenarios:",
			"  - name: a",
			"    rules:",
			"      - match: {api: haufe, operation: getSignedURL}",
			"        when: {times: 0}",
			"        respond: 600",
			"  - name: b",
			"    rules:",
			"      - match: {api: nope}",
			"        rate_limit: {rate: fast}",
		), []string{
			`bad.yaml:4:40: unknown operation "getSignedURL" in api haufe; did you mean getSignedUrl?`,
			`bad.yaml:5:23: times must be at least 1, not 0`,
			`bad.yaml:6:18: status must be within 100-599, not 600`,
			`bad.yaml:9:22: unknown api "nope"; expected one of: desk, haufe, s3`,
			`bad.yaml:10:28: rate must look like 60/s, 180/m or 1000/h, not "fast"`,
		}},
		{"JSON with mistakes", `{"scenarios": [{"name": "a", "rules": [{"match": {"api": "box"}, "respond": 99}]}]}`,
			[]string{
				`bad.yaml:1:58: unknown api "box"; expected one of: desk, haufe, s3`,
				`bad.yaml:1:77: status must be within 100-599, not 99`,
			}},
		{"empty file", "", []string{`bad.yaml:1:1: empty file: expected a mapping with "scenarios"`}},
		{"only a comment", "# nothing yet\n", []string{`bad.yaml:1:1: empty file: expected a mapping with "scenarios"`}},
		{"not a mapping", "- a\n- b\n", []string{
			`bad.yaml:1:1: the file must be a mapping`,
			`bad.yaml:1:1: missing "scenarios": a list of scenarios`,
		}},
		{"not YAML", "scenarios: [\n  {name: a\n", []string{`bad.yaml: not YAML or JSON: yaml: line 1: did not find expected ',' or '}'`}},
		{"not YAML: a tab", "scenarios:\n\t- name: a\n", []string{`bad.yaml: not YAML or JSON: yaml: line 2: found character that cannot start any token`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			scs, err := Parse("bad.yaml", []byte(tc.file), testCatalog)
			if err == nil {
				t.Fatalf("accepted: %+v", scs)
			}
			if scs != nil {
				t.Errorf("scenarios returned with an error: %+v", scs)
			}
			es, ok := err.(Errors)
			if !ok {
				t.Fatalf("error %T %v, want Errors", err, err)
			}
			var got []string
			for _, e := range es {
				got = append(got, e.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
			if err.Error() != strings.Join(tc.want, "\n") {
				t.Errorf("Error() = %q", err.Error())
			}
		})
	}
}

// Errors carry their position as fields, for the admin API's problems list.
func TestErrorPositionFields(t *testing.T) {
	_, err := Parse("f.yaml", []byte(doc("scenarios:", "  - name: a", "    rules:", "      - match: {}", "        respond: 99")), testCatalog)
	es := err.(Errors)
	if len(es) != 1 || es[0] != (Error{File: "f.yaml", Line: 5, Column: 18, Msg: "status must be within 100-599, not 99"}) {
		t.Errorf("errors = %#v", es)
	}
}

// A file using every field parses into the model it describes.
func TestParseGoodFile(t *testing.T) {
	yamlDoc := doc(
		"# every field",
		"scenarios:",
		"  - name: everything",
		"    description: all the fields",
		"    active: false",
		"    rules:",
		"      - match:",
		"          api: haufe",
		"          operation: getSignedUrl",
		"          method: get",
		"          path: /v1/files/*",
		"          headers: {X-Trace: 'abc*'}",
		"          query: {filename: '*.pdf'}",
		"          filename: '*.pdf'",
		"          content_type: 'application/*'",
		"          user: 'u-*'",
		"          key: 'k?'",
		"        when: {times: 3, after: 1, every: 2, probability: 0.25, seed: 9, window: {from: 1m, until: 90s}}",
		"        respond:",
		"          status: 409",
		"          headers: {X-Why: test}",
		"          body: {message: taken, codes: [1, 2]}",
		"      - match: {}",
		"        delay: 100ms..2s",
		"      - match: {api: s3}",
		"        fault: reset",
		"      - match: {api: haufe}",
		"        rate_limit: {rate: 180/m, burst: 20, scope: global}",
		"      - match: {filename: '*.exe'}",
		"        infect: true",
		"      - match: {api: haufe, operation: getFileStatus}",
		"        processing: {duration: 30s}",
		"      - match: {api: haufe, operation: getFileStatus}",
		"        fail_processing: true",
		"  - name: defaults",
		"    rules:",
		"      - match: {}",
		"        respond: 503",
		"      - match: {api: haufe}",
		"        rate_limit: {rate: 2/s}",
		"      - match: {api: haufe, operation: getFileStatus}",
		"        processing: {polls: 0}",
	)
	scs, err := Parse("good.yaml", []byte(yamlDoc), testCatalog)
	if err != nil {
		t.Fatal(err)
	}
	if len(scs) != 2 {
		t.Fatalf("%d scenarios", len(scs))
	}
	ev, def := scs[0], scs[1]
	if ev.Name != "everything" || ev.Description != "all the fields" || ev.Active || ev.Source != "good.yaml" || len(ev.Rules) != 7 {
		t.Errorf("scenario = %+v", ev)
	}
	if !def.Active || def.Description != "" {
		t.Errorf("defaults scenario = %+v, want active", def)
	}
	r := ev.Rules[0]
	wantMatch := Match{API: "haufe", Operation: "getSignedUrl", Method: "GET", Path: "/v1/files/*",
		Headers: map[string]string{"X-Trace": "abc*"}, Query: map[string]string{"filename": "*.pdf"},
		Filename: "*.pdf", ContentType: "application/*", User: "u-*", Key: "k?"}
	if !reflect.DeepEqual(r.Match, wantMatch) {
		t.Errorf("match = %+v", r.Match)
	}
	wantWhen := When{Times: 3, After: 1, Every: 2, Probability: 0.25, Seed: 9, From: time.Minute, Until: 90 * time.Second, Window: true}
	if r.When != wantWhen {
		t.Errorf("when = %+v", r.When)
	}
	if r.Action.Kind != ActRespond || r.Action.Status != 409 || r.Action.Headers["X-Why"] != "test" {
		t.Errorf("respond = %+v", r.Action)
	}
	if b, _ := json.Marshal(r.Action.Body); string(b) != `{"codes":[1,2],"message":"taken"}` {
		t.Errorf("body = %s", b)
	}
	if r.ID() != "everything#0" || r.Line != 7 || r.Scenario != "everything" || r.Index != 0 {
		t.Errorf("rule identity = %s line %d", r.ID(), r.Line)
	}
	if a := ev.Rules[1].Action; a.Kind != ActDelay || a.DelayMin != 100*time.Millisecond || a.DelayMax != 2*time.Second {
		t.Errorf("delay = %+v", a)
	}
	if ev.Rules[1].When != (When{Probability: 1}) {
		t.Errorf("default when = %+v", ev.Rules[1].When)
	}
	if a := ev.Rules[2].Action; a.Kind != ActFault || a.Fault != FaultReset {
		t.Errorf("fault = %+v", a)
	}
	if a := ev.Rules[3].Action; a.Kind != ActRateLimit || a.Limit != 180 || a.Per != time.Minute || a.Rate != 3 || a.Burst != 20 || a.Scope != "global" {
		t.Errorf("rate_limit = %+v", a)
	}
	if a := ev.Rules[4].Action; a.Kind != ActInfect {
		t.Errorf("infect = %+v", a)
	}
	if a := ev.Rules[5].Action; a.Kind != ActProcessing || a.Duration != 30*time.Second || a.Polls != 0 {
		t.Errorf("processing = %+v", a)
	}
	if a := ev.Rules[6].Action; a.Kind != ActFailProcessing {
		t.Errorf("fail_processing = %+v", a)
	}
	if a := def.Rules[0].Action; a.Kind != ActRespond || a.Status != 503 || a.Body != nil {
		t.Errorf("short respond = %+v", a)
	}
	if a := def.Rules[1].Action; a.Limit != 2 || a.Burst != 2 || a.Scope != "session" || a.Per != time.Second {
		t.Errorf("rate_limit defaults = %+v, want burst = limit, scope session", a)
	}
	if a := def.Rules[2].Action; a.Kind != ActProcessing || a.Polls != 0 || a.Duration != 0 {
		t.Errorf("processing polls 0 = %+v", a)
	}
}

// The same scenarios written as JSON parse to the same model: JSON is accepted wherever YAML is.
func TestParseJSONRoundTrip(t *testing.T) {
	yamlDoc := doc(
		"scenarios:",
		"  - name: limits",
		"    description: 60/s",
		"    rules:",
		"      - match: {api: haufe, operation: getSignedUrl, headers: {X-A: b}}",
		"        when: {after: 2, probability: 0.5, seed: 1, window: {from: 10s}}",
		"        respond: {status: 429, body: {message: slow down}, headers: {Retry-After: '3'}}",
		"      - match: {api: s3, method: PUT}",
		"        delay: 1s..2s",
		"  - name: off",
		"    active: false",
		"    rules:",
		"      - match: {filename: '*.exe'}",
		"        infect: true",
	)
	jsonDoc := `{
  "scenarios": [
    {"name": "limits", "description": "60/s", "rules": [
      {"match": {"api": "haufe", "operation": "getSignedUrl", "headers": {"X-A": "b"}},
       "when": {"after": 2, "probability": 0.5, "seed": 1, "window": {"from": "10s"}},
       "respond": {"status": 429, "body": {"message": "slow down"}, "headers": {"Retry-After": "3"}}},
      {"match": {"api": "s3", "method": "PUT"}, "delay": "1s..2s"}
    ]},
    {"name": "off", "active": false, "rules": [{"match": {"filename": "*.exe"}, "infect": true}]}
  ]
}`
	fromYAML, err := Parse("a.yaml", []byte(yamlDoc), testCatalog)
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := Parse("a.yaml", []byte(jsonDoc), testCatalog)
	if err != nil {
		t.Fatal(err)
	}
	// Lines differ between the two spellings; everything else is the same.
	for _, scs := range [][]*Scenario{fromYAML, fromJSON} {
		for _, sc := range scs {
			for _, r := range sc.Rules {
				r.Line = 0
			}
		}
	}
	if !reflect.DeepEqual(fromYAML, fromJSON) {
		y, _ := json.Marshal(fromYAML)
		j, _ := json.Marshal(fromJSON)
		t.Errorf("YAML and JSON differ:\n%s\n%s", y, j)
	}
	if fromJSON[1].Active || fromJSON[0].Rules[0].Action.Body.(map[string]any)["message"] != "slow down" {
		t.Errorf("JSON scenarios = %+v", fromJSON)
	}
}

// The JSON Schema served to editors is valid JSON and names the same rule fields as the parser.
func TestSchemaNamesTheActions(t *testing.T) {
	var schema struct {
		Defs struct {
			Rule struct {
				Properties map[string]any `json:"properties"`
			} `json:"rule"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(Schema, &schema); err != nil {
		t.Fatal(err)
	}
	for _, a := range append([]string{"match", "when"}, actions...) {
		if _, ok := schema.Defs.Rule.Properties[a]; !ok {
			t.Errorf("schema lacks rule property %s", a)
		}
	}
	if len(schema.Defs.Rule.Properties) != len(actions)+2 {
		t.Errorf("schema rule properties = %d, parser knows %d", len(schema.Defs.Rule.Properties), len(actions)+2)
	}
}
