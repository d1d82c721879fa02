package main

import (
	"reflect"
	"strings"

	"github.com/shoal-gw/shoal/internal/config"
)

// field is one key of a config type as the file sees it.
type field struct {
	key   string
	owner string // Go type declaring the field, for its doc comment
	name  string // Go field name
	typ   reflect.Type
	tag   reflect.StructTag
}

// model walks the config types from the root and remembers, in first-seen
// order, every named type that gets its own schema definition and section.
type model struct {
	docs  docs
	order []reflect.Type
	seen  map[reflect.Type]bool
}

var (
	configType     = reflect.TypeFor[config.Config]()
	durationType   = reflect.TypeFor[config.Duration]()
	headerListType = reflect.TypeFor[config.HeaderList]()
	endpointType   = reflect.TypeFor[config.Endpoint]()
	adminType      = reflect.TypeFor[config.Admin]()
)

func newModel(d docs) *model {
	m := &model{docs: d, seen: map[reflect.Type]bool{}}
	for _, f := range fieldsOf(configType) {
		m.visit(f.typ)
	}
	return m
}

// visit records the named types reachable from t.
func (m *model) visit(t reflect.Type) {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map:
		if t != headerListType {
			m.visit(t.Elem())
			return
		}
	}
	if !ownDefinition(t) || m.seen[t] {
		return
	}
	m.seen[t] = true
	m.order = append(m.order, t)
	if t.Kind() == reflect.Struct {
		for _, f := range fieldsOf(t) {
			m.visit(f.typ)
		}
	}
}

// ownDefinition says whether t gets a $defs entry and a doc section.
func ownDefinition(t reflect.Type) bool {
	return t == durationType || t == headerListType || t.Kind() == reflect.Struct
}

// fieldsOf lists the keys of struct t, inline structs flattened.
func fieldsOf(t reflect.Type) []field {
	var out []field
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch {
		case name == "-" || (name == "" && opts == ""):
		case opts == "inline":
			out = append(out, fieldsOf(f.Type)...)
		default:
			out = append(out, field{key: name, owner: t.Name(), name: f.Name, typ: f.Type, tag: f.Tag})
		}
	}
	return out
}

// doc returns the user documentation of a field.
func (m *model) doc(f field) string {
	return m.docs.fields[f.owner+"."+f.name]
}

// static reports whether a top-level key belongs to the static part.
func static(f field) bool {
	return f.owner == "Static"
}

// enum returns the allowed values of a field, or nil.
func enum(f field) []string {
	if e := f.tag.Get("enum"); e != "" {
		return strings.Split(e, ",")
	}
	return nil
}
