package main

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"

	"gopkg.in/yaml.v3"
)

// topDoc describes the file as a whole.
const topDoc = "Shoal's configuration file. listen, admin, state_dir, log, access_log and the *_timeout keys are static (a change needs a restart); defaults, services and routes are dynamic (hot-reloaded)."

const schemaID = "https://raw.githubusercontent.com/shoal-gw/shoal/main/docs/shoal.schema.json"

// durationPattern accepts what time.ParseDuration accepts for non-negative
// values: "0" or numbers with units, such as "1m30s" or "1.5s".
const durationPattern = `^(0|([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+)$`

// schema renders the whole JSON Schema document.
func (m *model) schema() ([]byte, error) {
	root := obj{}.
		set("$schema", "https://json-schema.org/draft/2020-12/schema").
		set("$id", schemaID).
		set("title", "Shoal configuration").
		set("description", topDoc).
		set("type", "object")
	root = m.objectBody(root, fieldsOf(configType))
	defs := obj{}
	names := make([]reflect.Type, len(m.order))
	copy(names, m.order)
	sort.Slice(names, func(i, j int) bool { return names[i].Name() < names[j].Name() })
	for _, t := range names {
		d, err := m.definition(t)
		if err != nil {
			return nil, err
		}
		defs = defs.set(t.Name(), d)
	}
	root = root.set("$defs", defs)
	raw, err := root.MarshalJSON()
	if err != nil {
		return nil, err
	}
	return indent(raw)
}

// definition is the $defs entry of a named type.
func (m *model) definition(t reflect.Type) (obj, error) {
	d := obj{}.set("description", m.docs.types[t.Name()])
	switch t {
	case durationType:
		return d.set("type", "string").set("pattern", durationPattern), nil
	case headerListType:
		return d.set("type", "object").set("additionalProperties", scalarValue()), nil
	case endpointType:
		short := obj{}.set("type", "string").set("pattern", "^https?://")
		return d.set("oneOf", []any{short, m.objectBody(obj{}.set("type", "object"), fieldsOf(t))}), nil
	case adminType:
		short := obj{}.set("type", "string")
		return d.set("oneOf", []any{short, m.objectBody(obj{}.set("type", "object"), fieldsOf(t))}), nil
	}
	d = m.objectBody(d.set("type", "object"), fieldsOf(t))
	return append(d, rules(t.Name())...), nil
}

// objectBody adds properties, required keys and strictness to an object.
func (m *model) objectBody(o obj, fields []field) obj {
	props := obj{}
	var required []string
	for _, f := range fields {
		props = props.set(f.key, m.property(f))
		if f.tag.Get("required") == "true" {
			required = append(required, f.key)
		}
	}
	o = o.set("properties", props)
	if len(required) > 0 {
		o = o.set("required", required)
	}
	// Keys starting with x- are ignored by Shoal: a place for YAML anchors.
	return o.set("patternProperties", obj{}.set("^x-", obj{})).
		set("additionalProperties", false)
}

// property is the schema of one key: its type plus description, allowed
// values and default.
func (m *model) property(f field) obj {
	p := m.typeRef(f.typ)
	if f.tag.Get("number") == "ok" {
		// A string key whose value is often a number (a port): the
		// decoder takes "port: 8080" as "8080", so the schema does too.
		p = obj{}.set("type", []string{"string", "integer"})
	}
	if doc := m.doc(f); doc != "" {
		p = p.set("description", doc)
	}
	if e := enum(f); e != nil {
		vals := make([]any, len(e))
		for i, s := range e {
			vals[i] = typed(f.typ, s)
		}
		p = p.set("enum", vals)
	}
	if def, ok := f.tag.Lookup("default"); ok {
		p = p.set("default", typed(f.typ, def))
	}
	return p
}

// typeRef is the schema of a Go type: a $ref for named types.
func (m *model) typeRef(t reflect.Type) obj {
	if t.Kind() == reflect.Pointer {
		return m.typeRef(t.Elem())
	}
	if ownDefinition(t) {
		return obj{}.set("$ref", "#/$defs/"+t.Name())
	}
	switch t.Kind() {
	case reflect.Slice:
		return obj{}.set("type", "array").set("items", m.typeRef(t.Elem()))
	case reflect.Map:
		v := m.typeRef(t.Elem())
		if t.Elem().Kind() == reflect.String {
			v = scalarValue()
		}
		if t.Elem().Kind() == reflect.Pointer {
			// "name:" with nothing under it is an empty object.
			v = obj{}.set("anyOf", []any{v, obj{}.set("type", "null")})
		}
		return obj{}.set("type", "object").set("additionalProperties", v)
	case reflect.String:
		return obj{}.set("type", "string")
	case reflect.Bool:
		return obj{}.set("type", "boolean")
	case reflect.Int, reflect.Int64:
		return obj{}.set("type", "integer")
	case reflect.Float64:
		return obj{}.set("type", "number")
	}
	panic(fmt.Sprintf("schemagen: no schema for %s", t))
}

// typed converts a tag value to the JSON type of the field.
func typed(t reflect.Type, s string) any {
	switch t.Kind() {
	case reflect.Int, reflect.Int64:
		if t != durationType {
			if n, err := strconv.Atoi(s); err == nil {
				return n
			}
		}
	case reflect.Float64:
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
	case reflect.Slice:
		var list []string
		if err := yaml.Unmarshal([]byte(s), &list); err == nil {
			return list
		}
	}
	return s
}

// rules are the cross-key constraints the validator enforces that JSON
// Schema can express, so editors flag them too.
func rules(typeName string) []kv {
	req := func(keys ...string) obj { return obj{}.set("required", keys) }
	switch typeName {
	case "Match":
		return []kv{{"not", obj{}.set("anyOf", []any{
			req("path_exact", "path_prefix"), req("path_exact", "path_regex"), req("path_prefix", "path_regex"),
		})}}
	case "Route":
		return []kv{{"oneOf", []any{
			req("service"), req("read_service", "write_service"), req("redirect"), req("direct_response"),
		}}}
	case "HeaderMatch":
		return []kv{{"oneOf", []any{req("value"), req("regex"), req("present")}}}
	case "Balancer":
		return []kv{
			{"if", obj{}.set("properties", obj{}.set("policy", obj{}.set("enum", []string{"ring_hash", "maglev"}))).set("required", []string{"policy"})},
			{"then", req("hash_key")},
			{"else", obj{}.set("not", req("hash_key"))},
		}
	}
	return nil
}

// scalarValue accepts what the decoder turns into a string in a mapping of
// names to values: "GOMAXPROCS: 1" in env means "1".
func scalarValue() obj {
	return obj{}.set("type", []string{"string", "number", "boolean"})
}
