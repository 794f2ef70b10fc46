package desk

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// kind is the type of a file property's values, for filters and ordering.
type kind int

const (
	kindNumber kind = iota
	kindString
	kindTime
)

// fields are the file properties lists filter and sort on, by their JSON names.
var fields = map[string]kind{
	"id": kindNumber, "mimeType": kindString, "filename": kindString, "fileName": kindString,
	"size": kindNumber, "disposition": kindString, "type": kindString, "state": kindString,
	"createdAt": kindTime, "updatedAt": kindTime, "pixelWidth": kindNumber, "pixelHeight": kindNumber,
}

// value is the property of f named field: a float64, string or time.Time.
func (f File) value(field string) any {
	switch field {
	case "id":
		return float64(f.ID)
	case "mimeType":
		return f.MimeType
	case "filename", "fileName":
		return f.FileName
	case "size":
		return float64(f.Size)
	case "disposition":
		return f.Disposition
	case "type":
		return f.Type
	case "state":
		return f.State
	case "createdAt":
		return f.CreatedAt
	case "updatedAt":
		return f.UpdatedAt
	case "pixelWidth":
		return float64(f.PixelWidth)
	case "pixelHeight":
		return float64(f.PixelHeight)
	}
	return nil
}

// compareValues orders two values of the same kind.
func compareValues(a, b any) int {
	switch a := a.(type) {
	case float64:
		return cmp.Compare(a, b.(float64))
	case string:
		return strings.Compare(a, b.(string))
	case time.Time:
		return a.Compare(b.(time.Time))
	}
	return 0
}

// Filter is one parsed `filter` parameter: true for the files it keeps.
type Filter func(File) bool

func matchAll(filters []Filter, f File) bool {
	for _, keep := range filters {
		if !keep(f) {
			return false
		}
	}
	return true
}

// ParseFilter reads Desk's Mongo-like JSON filter, as the SDK's FilterBuilder writes it:
// {"field":{"$op":value,...},...}, "$and"/"$or" over arrays of such objects, and a bare value
// for $eq. Every key of an object must hold.
func ParseFilter(raw string) (Filter, error) {
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, errFilter("is not JSON: %v", err)
	}
	// Not dec.More: it answers false before a stray "]" or "}", which must be refused too.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errFilter("holds more than one JSON value")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, errFilter(`must be a JSON object such as {"state":{"$eq":"active"}}`)
	}
	return parseObject(obj, "")
}

func errFilter(format string, args ...any) *Error {
	return &Error{Status: 400, Code: "invalid", Parameter: "filter", Detail: "filter " + fmt.Sprintf(format, args...)}
}

// parseObject parses an object of conditions; at names where it sits, for messages.
func parseObject(obj map[string]any, at string) (Filter, error) {
	if len(obj) == 0 {
		return nil, errFilter("%s: an empty object filters nothing; leave it out", where(at))
	}
	var all []Filter
	for _, key := range slices.Sorted(maps.Keys(obj)) {
		val := obj[key]
		var (
			f   Filter
			err error
		)
		switch {
		case key == "$and" || key == "$or":
			f, err = parseLogical(key, val, at)
		case strings.HasPrefix(key, "$"):
			err = errFilter("%s: unknown operator %q (at this level: $and, $or, or a field name)", where(at), key)
		default:
			f, err = parseField(key, val, at)
		}
		if err != nil {
			return nil, err
		}
		all = append(all, f)
	}
	return func(file File) bool { return matchAll(all, file) }, nil
}

func where(at string) string {
	if at == "" {
		return "at the top level"
	}
	return "at " + at
}

func parseLogical(op string, val any, at string) (Filter, error) {
	arr, ok := val.([]any)
	if !ok || len(arr) == 0 {
		return nil, errFilter("%s: %s takes a non-empty array of filter objects", where(at), op)
	}
	subs := make([]Filter, len(arr))
	for i, item := range arr {
		obj, ok := item.(map[string]any)
		if !ok {
			return nil, errFilter("%s: %s[%d] must be a filter object", where(at), op, i)
		}
		f, err := parseObject(obj, fmt.Sprintf("%s%s[%d]", prefixed(at), op, i))
		if err != nil {
			return nil, err
		}
		subs[i] = f
	}
	if op == "$and" {
		return func(file File) bool { return matchAll(subs, file) }, nil
	}
	return func(file File) bool {
		for _, keep := range subs {
			if keep(file) {
				return true
			}
		}
		return false
	}, nil
}

func prefixed(at string) string {
	if at == "" {
		return ""
	}
	return at + "."
}

// parseField parses the conditions on one field: an object of operators, or a bare value ($eq).
func parseField(field string, val any, at string) (Filter, error) {
	k, ok := fields[field]
	if !ok {
		return nil, errFilter("%s: unknown field %q; files filter on %s", where(at), field, fieldList())
	}
	ops, isObj := val.(map[string]any)
	if !isObj {
		ops = map[string]any{"$eq": val}
	}
	if len(ops) == 0 {
		return nil, errFilter("%s: %s has no operator", where(at), field)
	}
	var conds []Filter
	for _, op := range slices.Sorted(maps.Keys(ops)) {
		c, err := parseCondition(field, k, op, ops[op], prefixed(at)+field)
		if err != nil {
			return nil, err
		}
		conds = append(conds, c)
	}
	return func(file File) bool { return matchAll(conds, file) }, nil
}

func fieldList() string {
	return strings.Join(slices.Sorted(maps.Keys(fields)), ", ")
}

// parseCondition parses one operator and its operand on field.
func parseCondition(field string, k kind, op string, operand any, at string) (Filter, error) {
	switch op {
	case "$in", "$nin":
		arr, ok := operand.([]any)
		if !ok {
			return nil, errFilter("at %s: %s takes an array", at, op)
		}
		set := make([]any, len(arr))
		for i, item := range arr {
			v, err := convert(k, item, fmt.Sprintf("%s.%s[%d]", at, op, i))
			if err != nil {
				return nil, err
			}
			set[i] = v
		}
		in := func(file File) bool {
			fv := file.value(field)
			return slices.ContainsFunc(set, func(v any) bool { return compareValues(fv, v) == 0 })
		}
		if op == "$nin" {
			return func(file File) bool { return !in(file) }, nil
		}
		return in, nil
	}
	test, ok := map[string]func(int) bool{
		"$eq": func(c int) bool { return c == 0 }, "$ne": func(c int) bool { return c != 0 },
		"$lt": func(c int) bool { return c < 0 }, "$lte": func(c int) bool { return c <= 0 },
		"$gt": func(c int) bool { return c > 0 }, "$gte": func(c int) bool { return c >= 0 },
	}[op]
	if !ok {
		return nil, errFilter("at %s: unknown operator %q (use $eq, $ne, $lt, $lte, $gt, $gte, $in, $nin)", at, op)
	}
	v, err := convert(k, operand, at+"."+op)
	if err != nil {
		return nil, err
	}
	return func(file File) bool { return test(compareValues(file.value(field), v)) }, nil
}

// convert turns a JSON operand into a value comparable with the field's.
func convert(k kind, operand any, at string) (any, error) {
	switch k {
	case kindNumber:
		if n, ok := operand.(json.Number); ok {
			if f, err := n.Float64(); err == nil {
				return f, nil
			}
		}
		return nil, errFilter("at %s: %s must be a number", at, describe(operand))
	case kindString:
		if s, ok := operand.(string); ok {
			return s, nil
		}
		return nil, errFilter("at %s: %s must be a string", at, describe(operand))
	default:
		if s, ok := operand.(string); ok {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				return t, nil
			}
		}
		return nil, errFilter("at %s: %s must be an RFC 3339 time such as \"2019-03-14T11:53:38.103518Z\"", at, describe(operand))
	}
}

// describe shows an operand in a message, briefly.
func describe(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "the value"
	}
	r := []rune(strings.TrimSpace(b.String()))
	if len(r) > 40 {
		r = append(r[:37], []rune("...")...)
	}
	return string(r)
}
