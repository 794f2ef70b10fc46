package scenarios

import (
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Scenario is a named set of rules, parsed and checked.
type Scenario struct {
	Name        string
	Description string
	// Active scenarios apply to every session; inactive ones only where a session or a request
	// (X-Fileemu-Scenario) turns them on.
	Active bool
	// Source is the file (or "admin") the scenario came from.
	Source string
	// Session, when set, limits the scenario to that session (loaded for one test).
	Session string
	Rules   []*Rule
}

// key identifies a scenario in the engine: its name, within its session if it has one.
func (sc *Scenario) key() string { return scopedKey(sc.Session, sc.Name) }

func scopedKey(session, name string) string {
	if session == "" {
		return name
	}
	return session + "\x00" + name
}

// Rule is one match → when → action triple.
type Rule struct {
	Scenario string
	Session  string // the scenario's session, if it is session-scoped
	Index    int    // 0-based position in its scenario
	Line     int
	Match    Match
	When     When
	Action   Action
}

// ID names the rule in the journal and in errors: "scenario#index".
func (r *Rule) ID() string { return r.Scenario + "#" + strconv.Itoa(r.Index) }

// Match selects requests. Empty fields match anything; globs use path.Match.
type Match struct {
	API         string
	Operation   string
	Method      string
	Path        string            // glob over the API path, without session prefix
	Headers     map[string]string // header name → glob over its value
	Query       map[string]string // query parameter → glob over its value
	Filename    string            // glob over the uploaded file's name
	ContentType string            // glob over the request's or upload's content type
	User        string            // glob over the user-id header (Haufe)
	Key         string            // glob over the credential: api-key header or Bearer token
}

// When decides which of the matching requests the action applies to.
type When struct {
	Times       int     // only the first Times (after After); 0 = unlimited
	After       int     // skip the first After
	Every       int     // only every Every-th; 0 = each
	Probability float64 // 0 < p <= 1; 1 when unset
	Seed        uint64  // seed of the probability draws: same seed, same sequence
	From, Until time.Duration
	Window      bool // From/Until set
}

// Action kinds.
const (
	ActRespond        = "respond"
	ActDelay          = "delay"
	ActFault          = "fault"
	ActRateLimit      = "rate_limit"
	ActInfect         = "infect"
	ActProcessing     = "processing"
	ActFailProcessing = "fail_processing"
)

// Faults.
const (
	FaultReset     = "reset"
	FaultEmpty     = "empty"
	FaultMalformed = "malformed"
	FaultHang      = "hang"
)

// Action is what a firing rule does; Kind says which fields apply.
type Action struct {
	Kind string
	// respond
	Status  int
	Body    any // string, or a JSON-able value; nil = the API's own envelope for Status
	Headers map[string]string
	// delay
	DelayMin, DelayMax time.Duration
	// fault
	Fault string
	// rate_limit
	Rate  float64 // tokens per second
	Limit int     // the advertised limit (requests per Per)
	Per   time.Duration
	Burst int
	Scope string // session, key or global
	// processing
	Polls    int
	Duration time.Duration
}

// Catalog lists, per API, the operations rules may name and what each carries, so that a rule
// that could never match is refused when it is loaded, not found out in a test that never fails.
type Catalog map[string]CatalogAPI

// CatalogAPI is what rules may name of one API.
type CatalogAPI struct {
	// Operations by operationId.
	Operations map[string]Operation
	// UploadsTo names the API that receives the bytes of uploads to URLs this API hands out
	// (Haufe and Desk hand out fake S3 URLs): infect rules naming this API apply there.
	UploadsTo string
}

// Operation is what one operation carries.
type Operation struct {
	// Upload: the body carries a file, which infect rules can mark.
	Upload bool
	// Filename: the URL names a file (a filename or name query parameter, an S3 key), so a
	// filename match can be decided before the body is read.
	Filename bool
}

// ops returns the operationIds of api, sorted.
func (c Catalog) ops(api string) []string {
	out := make([]string, 0, len(c[api].Operations))
	for id := range c[api].Operations {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// owner returns the API that has operation op (searching api first, then all), or "".
func (c Catalog) owner(api, op string) string {
	if _, ok := c[api].Operations[op]; ok {
		return api
	}
	for _, a := range sortedKeys(c) {
		if _, ok := c[a].Operations[op]; ok {
			return a
		}
	}
	return ""
}

// Error is one problem in a scenario file, with its position.
type Error struct {
	File         string
	Line, Column int
	Msg          string
}

func (e Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
}

// Errors is the list of problems of one parse.
type Errors []Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Parse reads a scenario file (YAML; JSON is YAML too) and checks every field against cat. It
// returns all problems at once; scenarios are only valid when the error is nil.
func Parse(file string, data []byte, cat Catalog) ([]*Scenario, error) {
	p := &parser{file: file, cat: cat}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, Errors{{File: file, Msg: "not YAML or JSON: " + err.Error()}}
	}
	if len(doc.Content) == 0 {
		return nil, Errors{{File: file, Line: 1, Column: 1, Msg: "empty file: expected a mapping with \"scenarios\""}}
	}
	top := p.mapping(doc.Content[0], "the file", "scenarios")
	list := top["scenarios"]
	if list == nil {
		p.errorf(doc.Content[0], "missing \"scenarios\": a list of scenarios")
		return nil, p.errs
	}
	var out []*Scenario
	seen := map[string]bool{}
	for _, n := range p.seq(list, "scenarios") {
		if sc := p.scenario(n); sc != nil {
			if seen[sc.Name] {
				p.errorf(n, "scenario %q is defined twice", sc.Name)
			}
			seen[sc.Name] = true
			out = append(out, sc)
		}
	}
	if len(p.errs) > 0 {
		slices.SortStableFunc(p.errs, func(a, b Error) int {
			if a.Line != b.Line {
				return a.Line - b.Line
			}
			return a.Column - b.Column
		})
		return nil, p.errs
	}
	return out, nil
}

type parser struct {
	file string
	cat  Catalog
	errs Errors
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	p.errs = append(p.errs, Error{File: p.file, Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(format, args...)})
}

// mapping checks that n is a mapping with only allowed keys and returns its values by key.
func (p *parser) mapping(n *yaml.Node, what string, allowed ...string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "%s must be a mapping", what)
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !slices.Contains(allowed, k.Value) {
			p.errorf(k, "unknown field %q in %s; expected one of: %s", k.Value, what, strings.Join(allowed, ", "))
			continue
		}
		if _, dup := out[k.Value]; dup {
			p.errorf(k, "field %q given twice in %s", k.Value, what)
		}
		out[k.Value] = v
	}
	return out
}

func (p *parser) seq(n *yaml.Node, what string) []*yaml.Node {
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "%s must be a list", what)
		return nil
	}
	return n.Content
}

func (p *parser) str(n *yaml.Node, what string) string {
	if n == nil {
		return ""
	}
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" || n.Tag == "!!map" {
		p.errorf(n, "%s must be a string", what)
		return ""
	}
	return n.Value
}

func (p *parser) integer(n *yaml.Node, what string, min int) int {
	if n == nil {
		return 0
	}
	v, err := strconv.Atoi(n.Value)
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || err != nil {
		p.errorf(n, "%s must be an integer, not %q", what, n.Value)
		return 0
	}
	if v < min {
		p.errorf(n, "%s must be at least %d, not %d", what, min, v)
	}
	return v
}

func (p *parser) boolean(n *yaml.Node, what string, def bool) bool {
	if n == nil {
		return def
	}
	var b bool
	if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil || n.Tag != "!!bool" {
		p.errorf(n, "%s must be true or false, not %q", what, n.Value)
		return def
	}
	return b
}

func (p *parser) duration(n *yaml.Node, what string) time.Duration {
	s := p.str(n, what)
	if s == "" {
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		p.errorf(n, "%s must be a duration such as 250ms, 2s or 1m, not %q", what, s)
		return 0
	}
	return d
}

func (p *parser) globMap(n *yaml.Node, what string) map[string]string {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "%s must be a mapping of names to values", what)
		return nil
	}
	out := map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		v := p.str(n.Content[i+1], what+"."+n.Content[i].Value)
		p.glob(n.Content[i+1], v)
		out[n.Content[i].Value] = v
	}
	return out
}

func (p *parser) glob(n *yaml.Node, pattern string) {
	if _, err := path.Match(pattern, ""); err != nil {
		p.errorf(n, "bad glob %q: %v", pattern, err)
	}
}

// nameOK reports whether s may name a scenario.
func nameOK(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func (p *parser) scenario(n *yaml.Node) *Scenario {
	f := p.mapping(n, "a scenario", "name", "description", "active", "rules")
	sc := &Scenario{Name: p.str(f["name"], "name"), Description: p.str(f["description"], "description"),
		Active: p.boolean(f["active"], "active", true), Source: p.file}
	if f["name"] == nil {
		p.errorf(n, "a scenario needs a \"name\"")
	} else if !nameOK(sc.Name) {
		p.errorf(f["name"], "scenario name %q: use 1 to 64 letters, digits, '-', '_' or '.'", sc.Name)
	}
	if f["rules"] == nil {
		p.errorf(n, "scenario %q needs \"rules\"", sc.Name)
		return sc
	}
	for i, rn := range p.seq(f["rules"], "rules") {
		sc.Rules = append(sc.Rules, p.rule(rn, sc.Name, i))
	}
	if len(sc.Rules) == 0 && f["rules"].Kind == yaml.SequenceNode {
		p.errorf(f["rules"], "scenario %q has no rules", sc.Name)
	}
	return sc
}

var actions = []string{ActRespond, ActDelay, ActFault, ActRateLimit, ActInfect, ActProcessing, ActFailProcessing}

func (p *parser) rule(n *yaml.Node, scenario string, i int) *Rule {
	f := p.mapping(n, "a rule", append([]string{"match", "when"}, actions...)...)
	r := &Rule{Scenario: scenario, Index: i, Line: n.Line}
	var matchNodes map[string]*yaml.Node
	if f["match"] == nil {
		p.errorf(n, "a rule needs \"match\" (use {} to match every request)")
	} else {
		r.Match, matchNodes = p.match(f["match"])
	}
	if f["when"] != nil {
		r.When = p.when(f["when"])
	} else {
		r.When.Probability = 1
	}
	var kinds []string
	for _, a := range actions {
		if f[a] != nil {
			kinds = append(kinds, a)
		}
	}
	if len(kinds) != 1 {
		p.errorf(n, "a rule needs exactly one action of: %s (found %d)", strings.Join(actions, ", "), len(kinds))
		return r
	}
	r.Action = p.action(kinds[0], f[kinds[0]])
	if r.Action.Kind == ActInfect && r.Match.Operation == "" && r.Match.API == "" && r.Match.Filename == "" && r.Match.ContentType == "" {
		p.errorf(f[kinds[0]], "an infect rule needs a match on api, operation, filename or content_type, or it would infect every upload")
	}
	p.reachable(r, matchNodes)
	return r
}

// reachable refuses rules that can never match: an operation of another API, an infect rule
// on an operation that carries no file, a filename on an operation whose URL names none.
func (p *parser) reachable(r *Rule, f map[string]*yaml.Node) {
	m := &r.Match
	infect := r.Action.Kind == ActInfect
	api, known := p.cat[m.API]
	if m.API != "" && !known {
		return // reported as an unknown api
	}
	if infect && api.UploadsTo != "" {
		// The upload is the request to the other API (an S3 PUT/POST): it carries no user-id,
		// no API key and none of this API's paths.
		for _, field := range []string{"user", "key", "path"} {
			if f[field] != nil {
				p.errorf(f[field], "%s never matches: infect applies to the uploads to URLs %s hands out, requests to api %s that carry no %s",
					field, m.API, api.UploadsTo, map[string]string{"user": "user-id header", "key": "API key", "path": m.API + " path"}[field])
			}
		}
	}
	if m.Operation != "" {
		owner := p.cat.owner(m.API, m.Operation)
		if owner == "" {
			return // reported as an unknown operation
		}
		// An infect rule may name the operation that receives this API's uploads (api: haufe,
		// operation: putObject: S3 PUTs to URLs Haufe handed out).
		if m.API != "" && owner != m.API && !(infect && owner == api.UploadsTo) {
			p.errorf(f["operation"], "operation %s belongs to api %s, not %s: this rule can never match", m.Operation, owner, m.API)
			return
		}
		op := p.cat[owner].Operations[m.Operation]
		switch {
		case infect && !op.Upload:
			hint := ""
			if to := p.cat[owner].UploadsTo; to != "" {
				hint = fmt.Sprintf("; uploads to URLs %s hands out arrive at api %s: match {api: %s} without an operation", owner, to, owner)
			}
			p.errorf(f["operation"], "infect marks uploaded files, and %s carries no file%s", m.Operation, hint)
		case !infect && m.Filename != "" && !op.Filename:
			p.errorf(f["filename"], "filename never matches %s: its URL names no file (the name is known only once the body is read, where only infect rules apply)", m.Operation)
		}
		return
	}
	if m.API != "" && m.Filename != "" && !infect && !slices.ContainsFunc(p.cat.ops(m.API), func(id string) bool { return api.Operations[id].Filename }) {
		p.errorf(f["filename"], "filename never matches api %s: none of its URLs names a file (the name is known only once the body is read, where only infect rules apply)", m.API)
	}
}

var matchFields = []string{"api", "operation", "method", "path", "headers", "query", "filename", "content_type", "user", "key"}

func (p *parser) match(n *yaml.Node) (Match, map[string]*yaml.Node) {
	f := p.mapping(n, "match", matchFields...)
	m := Match{
		API: p.str(f["api"], "api"), Operation: p.str(f["operation"], "operation"),
		Method: strings.ToUpper(p.str(f["method"], "method")), Path: p.str(f["path"], "path"),
		Headers: p.globMap(f["headers"], "headers"), Query: p.globMap(f["query"], "query"),
		Filename: p.str(f["filename"], "filename"), ContentType: p.str(f["content_type"], "content_type"),
		User: p.str(f["user"], "user"), Key: p.str(f["key"], "key"),
	}
	for _, g := range []struct {
		field string
		v     string
	}{{"path", m.Path}, {"filename", m.Filename}, {"content_type", m.ContentType}, {"user", m.User}, {"key", m.Key}} {
		if g.v != "" {
			p.glob(f[g.field], g.v)
		}
	}
	if m.Path != "" && !strings.HasPrefix(m.Path, "/") {
		p.errorf(f["path"], "path %q must start with / (the API path without session prefix)", m.Path)
	}
	switch m.Method {
	case "", "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS":
	default:
		p.errorf(f["method"], "unknown method %q", m.Method)
	}
	if m.API != "" {
		if _, ok := p.cat[m.API]; !ok {
			p.errorf(f["api"], "unknown api %q; expected one of: %s", m.API, strings.Join(sortedKeys(p.cat), ", "))
		}
	}
	if m.Operation != "" {
		p.operation(f["operation"], m.API, m.Operation)
	}
	return m, f
}

// operation checks that op exists (in api, when given) and suggests close names otherwise.
func (p *parser) operation(n *yaml.Node, api, op string) {
	var all []string
	if p.cat.owner(api, op) != "" {
		return // perhaps of another api: reachable says so
	}
	for _, a := range sortedKeys(p.cat) {
		if api == "" || a == api {
			all = append(all, p.cat.ops(a)...)
		}
	}
	where := "any api"
	if api != "" {
		where = "api " + api
	}
	if close := Closest(op, all, 3); len(close) > 0 {
		p.errorf(n, "unknown operation %q in %s; did you mean %s?", op, where, strings.Join(close, ", "))
		return
	}
	p.errorf(n, "unknown operation %q in %s", op, where)
}

func (p *parser) when(n *yaml.Node) When {
	f := p.mapping(n, "when", "times", "after", "every", "probability", "seed", "window")
	w := When{Times: p.integer(f["times"], "times", 1), After: p.integer(f["after"], "after", 0),
		Every: p.integer(f["every"], "every", 1), Probability: 1}
	if pn := f["probability"]; pn != nil {
		v, err := strconv.ParseFloat(pn.Value, 64)
		if err != nil || pn.Tag != "!!float" && pn.Tag != "!!int" || v <= 0 || v > 1 {
			p.errorf(pn, "probability must be a number in (0, 1], not %q", pn.Value)
		} else {
			w.Probability = v
		}
	}
	if sn := f["seed"]; sn != nil {
		v, err := strconv.ParseUint(sn.Value, 10, 64)
		if err != nil || sn.Tag != "!!int" {
			p.errorf(sn, "seed must be a non-negative integer, not %q", sn.Value)
		}
		w.Seed = v
		if f["probability"] == nil {
			p.errorf(sn, "seed only makes sense with probability")
		}
	}
	if wn := f["window"]; wn != nil {
		wf := p.mapping(wn, "window", "from", "until")
		w.From, w.Until, w.Window = p.duration(wf["from"], "window.from"), p.duration(wf["until"], "window.until"), true
		if wf["until"] != nil && w.Until <= w.From {
			p.errorf(wn, "window.until (%s) must be after window.from (%s)", w.Until, w.From)
		}
	}
	return w
}

func (p *parser) action(kind string, n *yaml.Node) Action {
	a := Action{Kind: kind}
	switch kind {
	case ActRespond:
		statusNode := n
		if n.Kind == yaml.ScalarNode { // respond: 409
			a.Status = p.integer(n, "respond", 0)
		} else {
			f := p.mapping(n, "respond", "status", "body", "headers")
			if f["status"] == nil {
				p.errorf(n, "respond needs a status")
				break
			}
			statusNode = f["status"]
			a.Status = p.integer(f["status"], "status", 0)
			a.Headers = p.stringMap(f["headers"], "headers")
			if b := f["body"]; b != nil {
				var v any
				if err := b.Decode(&v); err != nil {
					p.errorf(b, "body: %v", err)
				} else if _, err := json.Marshal(v); err != nil {
					// YAML allows what JSON cannot say, such as number keys: refuse it here,
					// not as a 500 when the rule fires.
					p.errorf(b, "body cannot be sent as JSON: %v", err)
				}
				a.Body = v
			}
		}
		if a.Status < 100 || a.Status > 599 {
			p.errorf(statusNode, "status must be within 100-599, not %d", a.Status)
		}
	case ActDelay:
		s := p.str(n, "delay")
		lo, hi, ranged := strings.Cut(s, "..")
		a.DelayMin = p.durationText(n, "delay", lo)
		a.DelayMax = a.DelayMin
		if ranged {
			a.DelayMax = p.durationText(n, "delay", hi)
			if a.DelayMax < a.DelayMin {
				p.errorf(n, "delay range %q: the maximum is below the minimum", s)
			}
		}
	case ActFault:
		a.Fault = p.str(n, "fault")
		if !slices.Contains([]string{FaultReset, FaultEmpty, FaultMalformed, FaultHang}, a.Fault) {
			p.errorf(n, "unknown fault %q; expected one of: reset, empty, malformed, hang", a.Fault)
		}
	case ActRateLimit:
		f := p.mapping(n, "rate_limit", "rate", "burst", "scope")
		rate := p.str(f["rate"], "rate")
		count, per, ok := strings.Cut(rate, "/")
		c, err := strconv.Atoi(count)
		unit := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour}[per]
		rateNode := n
		if f["rate"] != nil {
			rateNode = f["rate"]
		}
		if !ok || err != nil || c < 1 || unit == 0 {
			p.errorf(rateNode, "rate must look like 60/s, 180/m or 1000/h, not %q", rate)
		} else {
			a.Limit, a.Per, a.Rate = c, unit, float64(c)/unit.Seconds()
		}
		a.Burst = a.Limit
		if f["burst"] != nil {
			a.Burst = p.integer(f["burst"], "burst", 1)
		}
		a.Scope = "session"
		if f["scope"] != nil {
			a.Scope = p.str(f["scope"], "scope")
			if !slices.Contains([]string{"session", "key", "global"}, a.Scope) {
				p.errorf(f["scope"], "scope must be session, key or global, not %q", a.Scope)
			}
		}
	case ActInfect, ActFailProcessing:
		if !p.boolean(n, kind, false) {
			p.errorf(n, "%s takes true", kind)
		}
	case ActProcessing:
		f := p.mapping(n, "processing", "polls", "duration")
		a.Polls = p.integer(f["polls"], "polls", 0)
		a.Duration = p.duration(f["duration"], "duration")
		if (f["polls"] == nil) == (f["duration"] == nil) {
			p.errorf(n, "processing needs exactly one of polls or duration")
		}
	}
	return a
}

func (p *parser) durationText(n *yaml.Node, what, s string) time.Duration {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d < 0 {
		p.errorf(n, "%s must be a duration (250ms) or a range (100ms..2s), not %q", what, n.Value)
	}
	return d
}

func (p *parser) stringMap(n *yaml.Node, what string) map[string]string {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "%s must be a mapping", what)
		return nil
	}
	out := map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		out[n.Content[i].Value] = p.str(n.Content[i+1], what+"."+n.Content[i].Value)
	}
	return out
}

func sortedKeys(m Catalog) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Closest returns up to n names nearest to s by edit distance (case-insensitive): the "did you
// mean" of scenario files and of the command line.
func Closest(s string, names []string, n int) []string {
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	for _, name := range names {
		d := distance(strings.ToLower(s), strings.ToLower(name))
		if d <= max(3, len(s)/3) {
			cs = append(cs, cand{name, d})
		}
	}
	slices.SortFunc(cs, func(a, b cand) int {
		if a.d != b.d {
			return a.d - b.d
		}
		return strings.Compare(a.name, b.name)
	})
	var out []string
	for i := 0; i < len(cs) && i < n; i++ {
		out = append(out, cs[i].name)
	}
	return out
}

// distance is the Levenshtein distance of a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
