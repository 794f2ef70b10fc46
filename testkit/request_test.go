package testkit_test

import (
	"reflect"
	"testing"

	"github.com/fileemu/fileemu/internal/journal"
	"github.com/fileemu/fileemu/testkit"
)

// testkit.Request is decoded from the admin API's journal JSON: it must carry every field the
// journal writes, with the same JSON name and type, or a test would silently see zero values.
func TestRequestMirrorsJournalEntry(t *testing.T) {
	fields := func(typ reflect.Type) map[string]reflect.Type {
		out := map[string]reflect.Type{}
		for f := range typ.Fields() {
			if f.IsExported() { // what encoding/json writes
				out[f.Tag.Get("json")] = f.Type
			}
		}
		return out
	}
	entry, req := fields(reflect.TypeFor[journal.Entry]()), fields(reflect.TypeFor[testkit.Request]())
	for tag, typ := range entry {
		if got, ok := req[tag]; !ok || got != typ {
			t.Errorf("journal.Entry field %q (%v): testkit.Request has %v", tag, typ, got)
		}
	}
	for tag := range req {
		if _, ok := entry[tag]; !ok {
			t.Errorf("testkit.Request field %q is not in journal.Entry", tag)
		}
	}
}
