package main

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func loadYAML(t *testing.T, path string) any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// walker is a deliberately small JSON Schema checker: $ref, type,
// properties, additionalProperties, patternProperties, items, enum, pattern,
// required, anyOf, oneOf, not and if/then/else. Enough to catch a schema that disagrees with
// the decoder; not a general validator.
type walker struct {
	defs     map[string]any
	problems []string
}

func (w *walker) check(schema map[string]any, v any, path string) {
	w.problems = append(w.problems, w.try(schema, v, path)...)
}

// try returns the problems of v against schema without recording them.
func (w *walker) try(s map[string]any, v any, path string) []string {
	var out []string
	fail := func(format string, args ...any) { out = append(out, path+": "+fmt.Sprintf(format, args...)) }
	if ref, ok := s["$ref"].(string); ok {
		out = append(out, w.try(w.defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any), v, path)...)
	}
	if typ, ok := s["type"]; ok && !slices.ContainsFunc(asStrings(typ), func(t string) bool { return hasType(t, v) }) {
		fail("want %v, got %T", typ, v)
		return out
	}
	if e, ok := s["enum"].([]any); ok && !slices.ContainsFunc(e, func(x any) bool { return fmt.Sprint(x) == fmt.Sprint(v) }) {
		fail("%v not in enum %v", v, e)
	}
	if p, ok := s["pattern"].(string); ok {
		if str, isStr := v.(string); isStr && !regexp.MustCompile(p).MatchString(str) {
			fail("%q does not match %s", str, p)
		}
	}
	for _, key := range []string{"anyOf", "oneOf"} {
		alts, ok := s[key].([]any)
		if !ok {
			continue
		}
		n := 0
		var why []string
		for _, a := range alts {
			p := w.try(a.(map[string]any), v, path)
			if len(p) == 0 {
				n++
			}
			why = append(why, p...)
		}
		if n == 0 || (key == "oneOf" && n > 1) {
			fail("%d alternatives of %s match: %v", n, key, why)
		}
	}
	if not, ok := s["not"].(map[string]any); ok && len(w.try(not, v, path)) == 0 {
		fail("matches a forbidden combination %v", not)
	}
	if cond, ok := s["if"].(map[string]any); ok {
		branch := "else"
		if len(w.try(cond, v, path)) == 0 {
			branch = "then"
		}
		if b, ok := s[branch].(map[string]any); ok {
			out = append(out, w.try(b, v, path)...)
		}
	}
	switch x := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for _, r := range asStrings(s["required"]) {
			if _, ok := x[r]; !ok {
				fail("missing %s", r)
			}
		}
		for k, e := range x {
			if ps, ok := props[k].(map[string]any); ok {
				out = append(out, w.try(ps, e, path+"."+k)...)
			} else if strings.HasPrefix(k, "x-") && s["patternProperties"] != nil {
			} else if ap, ok := s["additionalProperties"].(map[string]any); ok {
				out = append(out, w.try(ap, e, path+"."+k)...)
			} else if s["additionalProperties"] == false {
				fail("unknown key %s", k)
			}
		}
	case []any:
		if items, ok := s["items"].(map[string]any); ok {
			for i, e := range x {
				out = append(out, w.try(items, e, fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	}
	return out
}

func hasType(typ string, v any) bool {
	switch v.(type) {
	case map[string]any:
		return typ == "object"
	case []any:
		return typ == "array"
	case string:
		return typ == "string"
	case bool:
		return typ == "boolean"
	case int:
		return typ == "integer" || typ == "number"
	case float64:
		return typ == "number"
	case nil:
		return typ == "null"
	}
	return false
}

// asStrings reads a string or a list of strings.
func asStrings(v any) []string {
	if s, ok := v.(string); ok {
		return []string{s}
	}
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, e := range l {
		out = append(out, e.(string))
	}
	return out
}
