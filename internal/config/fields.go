package config

import (
	"reflect"
	"slices"
	"strings"
)

// field is one key of a struct as the file sees it, inline structs flattened.
type field struct {
	key   string
	index []int // path from the outer struct to the field
	pos   []int // path to the Pos of the struct declaring it; nil if none
	tag   reflect.StructTag
	typ   reflect.Type
}

// typeInfo is what decoding needs to know about one struct type.
type typeInfo struct {
	fields []field
	byKey  map[string]*field
	keys   []string
	poses  [][]int // distinct Pos paths (the struct's own and its inline ones')
}

// typeCache remembers typeInfo per type for one Parse, so a 10,000-route
// file walks the reflection data once per type, not once per route. It
// lives in the decoder, not in a package variable.
type typeCache map[reflect.Type]*typeInfo

var posType = reflect.TypeFor[Pos]()

func (c typeCache) info(t reflect.Type) *typeInfo {
	if ti, ok := c[t]; ok {
		return ti
	}
	ti := &typeInfo{fields: fieldsOf(t), byKey: map[string]*field{}}
	for i := range ti.fields {
		f := &ti.fields[i]
		ti.byKey[f.key] = f
		ti.keys = append(ti.keys, f.key)
		if f.pos != nil && !slices.ContainsFunc(ti.poses, func(p []int) bool { return slices.Equal(p, f.pos) }) {
			ti.poses = append(ti.poses, f.pos)
		}
	}
	c[t] = ti
	return ti
}

// fieldsOf lists the keys of struct type t in declaration order. Fields
// without a yaml tag or tagged "-" are not keys.
func fieldsOf(t reflect.Type) []field {
	var out []field
	var walk func(t reflect.Type, prefix []int)
	walk = func(t reflect.Type, prefix []int) {
		var pos []int
		if p, ok := t.FieldByName("Pos"); ok && p.Type == posType && len(p.Index) == 1 {
			pos = append(append([]int(nil), prefix...), p.Index[0])
		}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "-" || (name == "" && opts == "") {
				continue
			}
			idx := append(append([]int(nil), prefix...), i)
			if opts == "inline" {
				walk(f.Type, idx)
				continue
			}
			out = append(out, field{key: name, index: idx, pos: pos, tag: f.Tag, typ: f.Type})
		}
	}
	walk(t, nil)
	return out
}

// posAt returns the Pos at path inside struct v, or nil.
func posAt(v reflect.Value, path []int) *Pos {
	if path == nil {
		return nil
	}
	return v.FieldByIndex(path).Addr().Interface().(*Pos)
}

// join builds the dotted path used in messages.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// at prefixes a message with the path it is about.
func at(path, msg string) string {
	if path == "" {
		return msg
	}
	return path + ": " + msg
}
