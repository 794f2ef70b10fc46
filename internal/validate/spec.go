// Package validate loads the OpenAPI 3.0 specs of the emulated APIs and checks requests and responses
// against them with kin-openapi.
//
// A request is routed by operationId (FindRoute), validated (ValidateRequest, ValidateFields for the text
// fields of streamed multipart uploads), and handed to the API's handler. Problems come back as structured
// Violations, never as HTTP responses, because every emulated API renders errors in its own format.
//
// The package works around several kin-openapi traps (see the project's tech notes, section A):
// the router matches servers' hosts unless doc.Servers is nil, gorillamux leaves path parameters
// percent-encoded, the security check reads the whole body, kin rewrites requests unless
// SkipSettingDefaults is set, and non-JSON response bodies need body decoders from a global registry
// (this package validates those bodies itself instead).
package validate

import (
	"context"
	"fmt"
	"path"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Spec is one OpenAPI document with its router, parsed and validated at once (Load) or on first
// use (LoadLazy). It is safe for concurrent use: nothing is modified after parsing.
type Spec struct {
	Name string // e.g. "haufe": the name given to Load without its file extension
	Raw  []byte // the YAML (or JSON) as embedded, served by the admin API

	ix index // the operations, known before the document is parsed

	parseOnce sync.Once
	doc       *openapi3.T // the parsed document, with Servers removed
	router    routers.Router
	err       error // why the document could not be used
}

// Load parses data (YAML or JSON) as an OpenAPI 3.0.x document named name (e.g. "haufe.yaml"), validates it
// and builds its router. Every error starts with "load <name>: ".
//
// OpenAPI 3.1 is rejected: kin validates 3.1 documents with a JSON Schema 2020 validator that is compiled on
// every call, about 20 times slower. Every operation must have a unique operationId, since handlers are
// looked up by it. Servers are dropped so that routing ignores host, scheme and base path: the emulator
// runs on random ports.
func Load(ctx context.Context, name string, data []byte) (*Spec, error) {
	s := &Spec{Name: strings.TrimSuffix(name, path.Ext(name)), Raw: data}
	var err error
	s.parseOnce.Do(func() { s.doc, s.router, s.ix, err = parse(ctx, name, data) })
	if err != nil {
		return nil, err
	}
	return s, nil
}

// LoadLazy is Load for a document known to be valid, such as the emulator's embedded specs (their
// tests load each with Load): it reads only the operations now, from a quick pass over the YAML, and
// parses, validates and routes the document on first use (FindRoute, Doc). kin's loader takes most of
// the emulator's start-up time, and most of its memory after: an API that is never called costs
// neither. A document the quick pass cannot read is loaded at once, as by Load; one whose parsed
// operations differ from the quick pass's (a bug) fails on first use, and FindRoute says why.
func LoadLazy(name string, data []byte) (*Spec, error) {
	ix, version, err := quickIndex(data)
	if err != nil || !strings.HasPrefix(version, "3.0.") {
		return Load(context.Background(), name, data) // which words the problem, if there is one
	}
	return &Spec{Name: strings.TrimSuffix(name, path.Ext(name)), Raw: data, ix: ix}, nil
}

// ready parses the document of a lazy spec, once.
func (s *Spec) ready() error {
	s.parseOnce.Do(func() {
		var ix index
		s.doc, s.router, ix, s.err = parse(context.Background(), s.Name+".yaml", s.Raw)
		if s.err == nil && !reflect.DeepEqual(ix, s.ix) {
			s.doc, s.router = nil, nil
			s.err = fmt.Errorf("load %s.yaml: the operations read before parsing differ from the document's (a bug in the quick index)", s.Name)
		}
	})
	return s.err
}

// Doc returns the parsed document, with Servers removed (nil if it cannot be parsed: see FindRoute).
func (s *Spec) Doc() *openapi3.T {
	if s.ready() != nil {
		return nil
	}
	return s.doc
}

// Operations lists the spec's operations by path, then method, without parsing a lazy spec.
func (s *Spec) Operations() []OperationInfo {
	return slices.Clone(s.ix.ops)
}

// parse loads, indexes, validates and routes a document.
func parse(ctx context.Context, name string, data []byte) (*openapi3.T, routers.Router, index, error) {
	loader := openapi3.NewLoader()
	loader.Context = ctx
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, nil, index{}, fmt.Errorf("load %s: %w", name, err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.0.") {
		return nil, nil, index{}, fmt.Errorf("load %s: openapi version %q is not supported, write the spec as OpenAPI 3.0.x", name, doc.OpenAPI)
	}
	ix, err := indexOf(doc)
	if err != nil {
		return nil, nil, index{}, fmt.Errorf("load %s: %w", name, err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, nil, index{}, fmt.Errorf("load %s: invalid document: %w", name, err)
	}
	// gorillamux turns absolute server URLs into Host/scheme matchers, and then nothing matches a request to
	// 127.0.0.1:<random port>. Path-level servers would do the same.
	doc.Servers = nil
	for _, item := range doc.Paths.Map() {
		item.Servers = nil
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, nil, index{}, fmt.Errorf("load %s: build router: %w", name, err)
	}
	return doc, router, ix, nil
}

// OperationIDs returns all operationIds in the spec, sorted.
func (s *Spec) OperationIDs() []string {
	return slices.Clone(s.ix.ids)
}

// CheckHandlers checks that the operationIds in the spec are exactly the implemented ones.
// The error lists operations without a handler and handlers without an operation.
func (s *Spec) CheckHandlers(implemented []string) error {
	have := map[string]bool{}
	var extra []string
	for _, id := range implemented {
		if _, ok := s.ix.where[id]; !ok && !have[id] {
			extra = append(extra, id)
		}
		have[id] = true
	}
	var missing []string
	for _, id := range s.ix.ids {
		if !have[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 && len(extra) == 0 {
		return nil
	}
	slices.Sort(extra)
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, "operations without handler: "+strings.Join(missing, ", "))
	}
	if len(extra) > 0 {
		parts = append(parts, "handlers without operation: "+strings.Join(extra, ", "))
	}
	return fmt.Errorf("spec %s: %s", s.Name, strings.Join(parts, "; "))
}
