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
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Spec is one parsed, validated OpenAPI document with its router.
// It is safe for concurrent use: nothing is modified after Load.
type Spec struct {
	Name string      // e.g. "haufe": the name given to Load without its file extension
	Doc  *openapi3.T // the parsed document, with Servers removed
	Raw  []byte      // the YAML (or JSON) as embedded, served by the admin API

	router  routers.Router
	ids     []string          // operationIds, sorted
	where   map[string]string // operationId -> "METHOD /path"
	methods []string          // every HTTP method used in the spec, sorted, for the Allow list
}

// Load parses data (YAML or JSON) as an OpenAPI 3.0.x document named name (e.g. "haufe.yaml"), validates it
// and builds its router. Every error starts with "load <name>: ".
//
// OpenAPI 3.1 is rejected: kin validates 3.1 documents with a JSON Schema 2020 validator that is compiled on
// every call, about 20 times slower. Every operation must have a unique operationId, since handlers are
// looked up by it. Servers are dropped so that routing ignores host, scheme and base path: the emulator
// runs on random ports.
func Load(ctx context.Context, name string, data []byte) (*Spec, error) {
	loader := openapi3.NewLoader()
	loader.Context = ctx
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", name, err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.0.") {
		return nil, fmt.Errorf("load %s: openapi version %q is not supported, write the spec as OpenAPI 3.0.x", name, doc.OpenAPI)
	}
	s := &Spec{
		Name:  strings.TrimSuffix(name, path.Ext(name)),
		Doc:   doc,
		Raw:   data,
		where: map[string]string{},
	}
	if err := s.indexOperations(); err != nil {
		return nil, fmt.Errorf("load %s: %w", name, err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("load %s: invalid document: %w", name, err)
	}
	// gorillamux turns absolute server URLs into Host/scheme matchers, and then nothing matches a request to
	// 127.0.0.1:<random port>. Path-level servers would do the same.
	doc.Servers = nil
	for _, item := range doc.Paths.Map() {
		item.Servers = nil
	}
	if s.router, err = gorillamux.NewRouter(doc); err != nil {
		return nil, fmt.Errorf("load %s: build router: %w", name, err)
	}
	return s, nil
}

// indexOperations records operationIds and methods, and fails on a missing or duplicate operationId.
func (s *Spec) indexOperations() error {
	methods := map[string]bool{}
	paths := s.Doc.Paths.Map()
	for _, p := range slices.Sorted(maps.Keys(paths)) {
		ops := paths[p].Operations()
		for _, method := range slices.Sorted(maps.Keys(ops)) {
			op, where := ops[method], method+" "+p
			if op.OperationID == "" {
				return fmt.Errorf("operation %s has no operationId", where)
			}
			if prev, dup := s.where[op.OperationID]; dup {
				return fmt.Errorf("operationId %q is used by both %s and %s", op.OperationID, prev, where)
			}
			s.where[op.OperationID] = where
			s.ids = append(s.ids, op.OperationID)
			methods[method] = true
		}
	}
	slices.Sort(s.ids)
	s.methods = slices.Sorted(maps.Keys(methods))
	return nil
}

// OperationIDs returns all operationIds in the spec, sorted.
func (s *Spec) OperationIDs() []string {
	return slices.Clone(s.ids)
}

// CheckHandlers checks that the operationIds in the spec are exactly the implemented ones.
// The error lists operations without a handler and handlers without an operation.
func (s *Spec) CheckHandlers(implemented []string) error {
	have := map[string]bool{}
	var extra []string
	for _, id := range implemented {
		if _, ok := s.where[id]; !ok && !have[id] {
			extra = append(extra, id)
		}
		have[id] = true
	}
	var missing []string
	for _, id := range s.ids {
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
