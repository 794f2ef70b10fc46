package validate

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"
)

// OperationInfo is what the index knows of one operation without the parsed document.
type OperationInfo struct {
	ID     string
	Method string // upper case, as in the Allow header
	Path   string // the path template, e.g. /v1/files/{id}
	// Query lists the names of the query parameters, the path item's first, then the operation's.
	Query []string
	// Extensions holds the operation's x- extensions whose values are booleans or strings.
	Extensions map[string]any
}

// index is what emulator.New needs of a spec (its operations, the methods it uses) before any
// request: the operationIds handlers are checked against, and the facts scenario rules are linted
// with. Lazy specs build it from a cheap pass over the YAML (quickIndex) and parse the document on
// first use only; the parsed document must then give the same index (indexOf).
type index struct {
	ids     []string          // operationIds, sorted
	where   map[string]string // operationId -> "METHOD /path"
	methods []string          // every HTTP method used in the spec, sorted, for the Allow list
	ops     []OperationInfo   // by path, then method
}

// indexOf indexes a parsed document, and fails on a missing or duplicate operationId.
func indexOf(doc *openapi3.T) (index, error) {
	ix := index{where: map[string]string{}}
	methods := map[string]bool{}
	paths := doc.Paths.Map()
	for _, p := range slices.Sorted(maps.Keys(paths)) {
		item := paths[p]
		ops := item.Operations()
		for _, method := range slices.Sorted(maps.Keys(ops)) {
			op, where := ops[method], method+" "+p
			if op.OperationID == "" {
				return index{}, fmt.Errorf("operation %s has no operationId", where)
			}
			if prev, dup := ix.where[op.OperationID]; dup {
				return index{}, fmt.Errorf("operationId %q is used by both %s and %s", op.OperationID, prev, where)
			}
			ix.where[op.OperationID] = where
			ix.ids = append(ix.ids, op.OperationID)
			methods[method] = true
			info := OperationInfo{ID: op.OperationID, Method: method, Path: p, Extensions: scalarExtensions(op.Extensions)}
			for _, ref := range append(slices.Clone(item.Parameters), op.Parameters...) {
				if ref.Value != nil && ref.Value.In == openapi3.ParameterInQuery {
					info.Query = append(info.Query, ref.Value.Name)
				}
			}
			ix.ops = append(ix.ops, info)
		}
	}
	slices.Sort(ix.ids)
	ix.methods = slices.Sorted(maps.Keys(methods))
	return ix, nil
}

// scalarExtensions keeps the boolean and string values of ext (nil if none): what the YAML pass
// reads the same way kin does.
func scalarExtensions(ext map[string]any) map[string]any {
	var out map[string]any
	for k, v := range ext {
		switch v.(type) {
		case bool, string:
			if out == nil {
				out = map[string]any{}
			}
			out[k] = v
		}
	}
	return out
}

// errUnindexable says the YAML pass cannot index a document (flow style at the top, a path item
// $ref, a parameter $ref outside the document's components, ...): the document is parsed at once.
var errUnindexable = errors.New("the quick index cannot read this document")

// httpMethods are the path item fields that are operations (OpenAPI 3.0, and 3.2's query), by kin's name.
var httpMethods = map[string]string{
	"connect": "CONNECT", "delete": "DELETE", "get": "GET", "head": "HEAD", "options": "OPTIONS",
	"patch": "PATCH", "post": "POST", "put": "PUT", "trace": "TRACE", "query": openapi3.MethodQuery,
}

// quickIndex indexes a block-style YAML spec without parsing the whole of it: it keeps, of
// the document, only the lines of what the index needs (the paths' operationIds, parameters
// and extensions, and the components' parameters, for references) and parses those with
// yaml.v3. This is a small part of a spec (responses, schemas and descriptions are most of
// it), and yaml.v3 alone is several times quicker than kin's loader, which converts the YAML
// to JSON and decodes every level of it twice. It also returns the document's openapi version.
func quickIndex(data []byte) (index, string, error) {
	var version string
	var paths, components []byte // the lines of these sections, without their key's line
	var section *[]byte
	for off := 0; off < len(data); {
		line := data[off:]
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line = line[:i+1]
		}
		off += len(line)
		if len(line) > 0 && line[0] != ' ' && line[0] != '#' && line[0] != '\n' && line[0] != '\r' {
			key, value, ok := keyLine(bytes.TrimRight(line, "\r\n"))
			if !ok {
				return index{}, "", errUnindexable // flow style, a document marker, a list at the top
			}
			section = nil
			switch key {
			case "openapi":
				version = unquote(string(value))
			case "paths":
				section = &paths
			case "components":
				section = &components
			}
			if section != nil {
				if len(value) > 0 || *section != nil {
					return index{}, "", errUnindexable // paths: {...}, or twice
				}
				*section = data[off:off]
			}
			continue
		}
		if section != nil {
			*section = (*section)[:len(*section)+len(line)] // the section's lines follow each other
		}
	}
	var doc bytes.Buffer
	doc.WriteString("paths:\n")
	if err := keepTree(&doc, paths, pathsVerdict); err != nil {
		return index{}, "", err
	}
	doc.WriteString("components:\n")
	if err := keepTree(&doc, components, componentsVerdict); err != nil {
		return index{}, "", err
	}

	var parsed struct {
		Paths      map[string]map[string]yaml.Node `yaml:"paths"`
		Components struct {
			Parameters map[string]quickParam `yaml:"parameters"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(doc.Bytes(), &parsed); err != nil {
		return index{}, "", fmt.Errorf("%w: %w", errUnindexable, err)
	}
	ix := index{where: map[string]string{}}
	methods := map[string]bool{}
	for _, p := range slices.Sorted(maps.Keys(parsed.Paths)) {
		item := parsed.Paths[p]
		var itemQuery []string
		if n, ok := item["parameters"]; ok {
			q, err := queryNames(&n, parsed.Components.Parameters)
			if err != nil {
				return index{}, "", err
			}
			itemQuery = q
		}
		var ops []string
		for field := range item {
			switch method, ok := httpMethods[field]; {
			case ok:
				ops = append(ops, method)
			case field == "parameters" || strings.HasPrefix(field, "x-"):
			default:
				return index{}, "", errUnindexable // $ref, additionalOperations
			}
		}
		for _, method := range slices.Sorted(slices.Values(ops)) {
			n := item[strings.ToLower(method)]
			var op struct {
				OperationID string         `yaml:"operationId"`
				Parameters  yaml.Node      `yaml:"parameters"`
				Rest        map[string]any `yaml:",inline"`
			}
			if err := n.Decode(&op); err != nil {
				return index{}, "", fmt.Errorf("%w: %w", errUnindexable, err)
			}
			where := method + " " + p
			if _, dup := ix.where[op.OperationID]; dup || op.OperationID == "" {
				return index{}, "", errUnindexable // kin's loader words the error
			}
			q, err := queryNames(&op.Parameters, parsed.Components.Parameters)
			if err != nil {
				return index{}, "", err
			}
			ix.where[op.OperationID] = where
			ix.ids = append(ix.ids, op.OperationID)
			methods[method] = true
			ext := map[string]any{}
			for k, v := range op.Rest {
				if strings.HasPrefix(k, "x-") {
					ext[k] = v
				}
			}
			ix.ops = append(ix.ops, OperationInfo{ID: op.OperationID, Method: method, Path: p,
				Query: append(slices.Clone(itemQuery), q...), Extensions: scalarExtensions(ext)})
		}
	}
	slices.Sort(ix.ids)
	ix.methods = slices.Sorted(maps.Keys(methods))
	return ix, version, nil
}

// quickParam is a parameter as the quick index reads it.
type quickParam struct {
	Ref  string `yaml:"$ref"`
	Name string `yaml:"name"`
	In   string `yaml:"in"`
}

// queryNames lists the names of the query parameters in n (a list of parameters, or nothing),
// references resolved against the components' parameters.
func queryNames(n *yaml.Node, components map[string]quickParam) ([]string, error) {
	if n.Kind == 0 {
		return nil, nil
	}
	var params []quickParam
	if err := n.Decode(&params); err != nil {
		return nil, fmt.Errorf("%w: %w", errUnindexable, err)
	}
	var names []string
	for _, p := range params {
		if p.Ref != "" {
			name, ok := strings.CutPrefix(p.Ref, "#/components/parameters/")
			c, found := components[name]
			if !ok || !found || c.Ref != "" {
				return nil, errUnindexable
			}
			p = c
		}
		if p.In == openapi3.ParameterInQuery {
			names = append(names, p.Name)
		}
	}
	return names, nil
}

// What keepTree does with a key of the YAML and everything below it.
type verdict int

const (
	drop    verdict = iota // leave the key out, with its value
	all                    // keep the key and its whole value
	descend                // keep the key, and decide about each key of its value (a mapping)
)

// pathsVerdict keeps what the index reads of the paths section: the path keys, their parameters,
// operations and extensions, and of each operation its operationId, parameters and extensions.
// Responses, request bodies and descriptions, most of a spec, are left out. A path item's $ref
// or additionalOperations are kept so that quickIndex sees them and gives up.
func pathsVerdict(keys []string) verdict {
	if i := slices.Index(keys, "parameters"); i > 0 && i < 3 {
		return parameterVerdict(keys[i+1:])
	}
	switch len(keys) {
	case 1: // a path
		return descend
	case 2: // a path item's field
		k := keys[1]
		if _, op := httpMethods[k]; op {
			return descend
		}
		if k == "$ref" || k == "additionalOperations" || strings.HasPrefix(k, "x-") {
			return all
		}
	case 3: // an operation's field
		k := keys[2]
		if k == "operationId" || strings.HasPrefix(k, "x-") {
			return all
		}
	}
	return drop
}

// parameterVerdict keeps of a list of parameters the name, in and $ref of each (keys are
// what follows the list's key: "-", then the parameter's field).
func parameterVerdict(keys []string) verdict {
	switch {
	case len(keys) < 2:
		return descend
	case keys[1] == "name" || keys[1] == "in" || keys[1] == "$ref":
		return all
	}
	return drop
}

// componentsVerdict keeps the name and in of the components' parameters, which parameters
// may refer to.
func componentsVerdict(keys []string) verdict {
	switch {
	case keys[0] != "parameters":
		return drop
	case len(keys) < 3:
		return descend
	case keys[2] == "name" || keys[2] == "in" || keys[2] == "$ref":
		return all
	}
	return drop
}

// keepTree writes the lines of a block mapping (each indented by at least one space) that
// decide keeps, given the keys from the mapping down to each key; an item of a list of
// mappings counts as a key "-", so that decide can keep some fields of each item. Comments and
// blank lines are left out; a list item at the indentation of its key belongs to that key. It
// fails (errUnindexable) where decide descends into something it cannot read: a scalar, keys
// of uneven indentation.
func keepTree(w *bytes.Buffer, lines []byte, decide func(keys []string) verdict) error {
	var stack []level
	var keys []string
	rootIndent := 0
	for line := range bytes.Lines(lines) {
		line = bytes.TrimRight(line, "\r\n")
		trimmed := bytes.TrimLeft(line, " ")
		if len(trimmed) == 0 || trimmed[0] == '#' {
			continue
		}
		ind := len(line) - len(trimmed)
		for len(stack) > 0 && stack[len(stack)-1].indent > ind {
			stack = stack[:len(stack)-1]
		}
		item := trimmed[0] == '-' && (len(trimmed) == 1 || trimmed[1] == ' ')
		for len(stack) > 0 && stack[len(stack)-1].indent == ind && (!item || stack[len(stack)-1].key == "-") {
			stack = stack[:len(stack)-1] // the next key of the same mapping, the next item of the same list
		}
		if len(stack) > 0 && stack[len(stack)-1].v != descend {
			if stack[len(stack)-1].v == all { // part of a kept value
				w.Write(line)
				w.WriteByte('\n')
			}
			continue
		}
		// The keys of one mapping, the items of one list, share their indentation; YAML that
		// breaks it is left to kin.
		inner := &rootIndent
		if len(stack) > 0 {
			inner = &stack[len(stack)-1].inner
		}
		if *inner == 0 {
			*inner = ind
		} else if *inner != ind {
			return errUnindexable
		}
		if item { // an item of a list of mappings; its first key follows the dash
			rest := bytes.TrimLeft(trimmed[1:], " ")
			keyInd := ind + len(trimmed) - len(rest)
			if len(stack) == 0 {
				return errUnindexable
			}
			key, _, ok := keyLine(rest)
			if !ok { // {name: x, in: query}, or not a mapping: kept whole
				stack = append(stack, level{indent: ind, key: "-", v: all})
				w.Write(line)
				w.WriteByte('\n')
				continue
			}
			stack = append(stack, level{indent: ind, key: "-", v: descend, inner: keyInd})
			keys = append(stackKeys(keys[:0], stack), key)
			v := decide(keys)
			stack = append(stack, level{indent: keyInd, key: key, v: v})
			if v == drop {
				w.Write(line[:ind])
				w.WriteString("-\n") // the item, without its first key
			} else {
				w.Write(line)
				w.WriteByte('\n')
			}
			continue
		}
		key, _, ok := keyLine(trimmed)
		if !ok {
			return errUnindexable
		}
		keys = append(stackKeys(keys[:0], stack), key)
		v := decide(keys)
		stack = append(stack, level{indent: ind, key: key, v: v})
		if v != drop {
			w.Write(line)
			w.WriteByte('\n')
		}
	}
	return nil
}

// level is a key keepTree is below, or "-" for an item of a list.
type level struct {
	indent int
	key    string
	v      verdict
	inner  int // the indentation of the keys (or items) of its value (0: none seen yet)
}

// stackKeys appends the keys of stack to keys.
func stackKeys(keys []string, stack []level) []string {
	for _, l := range stack {
		keys = append(keys, l.key)
	}
	return keys
}

// keyLine splits a block mapping line "key: value" (the key plain or quoted) into its key and
// the value's text; ok is false for anything else.
func keyLine(line []byte) (key string, value []byte, ok bool) {
	s := line
	switch {
	case len(s) == 0:
		return "", nil, false
	case s[0] == '\'' || s[0] == '"':
		end := bytes.IndexByte(s[1:], s[0])
		if end < 0 {
			return "", nil, false
		}
		key, s = unquote(string(s[:end+2])), s[end+2:]
		if len(s) == 0 || s[0] != ':' {
			return "", nil, false
		}
		s = s[1:]
	default:
		if bytes.IndexByte([]byte("{[-?&*!|>%@`,"), s[0]) >= 0 {
			return "", nil, false
		}
		i := bytes.Index(s, []byte(": "))
		if i < 0 {
			if s[len(s)-1] != ':' {
				return "", nil, false
			}
			i = len(s) - 1
		}
		key, s = string(s[:i]), s[i+1:]
	}
	if len(s) > 0 && s[0] != ' ' {
		return "", nil, false
	}
	value = bytes.TrimSpace(s)
	if len(value) > 0 && value[0] == '#' {
		value = nil
	}
	return key, value, true
}

// unquote removes YAML single or double quotes around s.
func unquote(s string) string {
	switch {
	case len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"':
		if u, err := strconv.Unquote(s); err == nil {
			return u
		}
	case len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'':
		return strings.ReplaceAll(s[1:len(s)-1], "''", "'")
	}
	return s
}
