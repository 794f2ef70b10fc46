package scenarios

import (
	"slices"

	"go.yaml.in/yaml/v3"
)

// Reader checks a YAML document field by field and collects every problem with its position:
// the machinery of Parse, exported so that other file formats of the emulator (fixture files)
// report problems the same way, as file:line:column.
type Reader struct{ p parser }

// NewReader returns a reader whose errors name file.
func NewReader(file string) *Reader { return &Reader{p: parser{file: file}} }

// Errorf records a problem at n.
func (r *Reader) Errorf(n *yaml.Node, format string, args ...any) { r.p.errorf(n, format, args...) }

// Mapping checks that n is a mapping with only allowed keys and returns its values by key.
func (r *Reader) Mapping(n *yaml.Node, what string, allowed ...string) map[string]*yaml.Node {
	return r.p.mapping(n, what, allowed...)
}

// Seq checks that n is a list and returns its items.
func (r *Reader) Seq(n *yaml.Node, what string) []*yaml.Node { return r.p.seq(n, what) }

// Str reads a string ("" when n is nil).
func (r *Reader) Str(n *yaml.Node, what string) string { return r.p.str(n, what) }

// Integer reads an integer of at least min (0 when n is nil).
func (r *Reader) Integer(n *yaml.Node, what string, min int) int { return r.p.integer(n, what, min) }

// Boolean reads true or false (def when n is nil).
func (r *Reader) Boolean(n *yaml.Node, what string, def bool) bool { return r.p.boolean(n, what, def) }

// StringMap reads a mapping of strings.
func (r *Reader) StringMap(n *yaml.Node, what string) map[string]string {
	return r.p.stringMap(n, what)
}

// Err returns the problems found so far, sorted by position, or nil.
func (r *Reader) Err() error {
	if len(r.p.errs) == 0 {
		return nil
	}
	errs := slices.Clone(r.p.errs)
	slices.SortStableFunc(errs, func(a, b Error) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Column - b.Column
	})
	return errs
}
