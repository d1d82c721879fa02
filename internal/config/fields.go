package config

import (
	"reflect"
	"strings"
)

// field is one key of a struct as the file sees it, inline structs flattened.
type field struct {
	key   string
	index []int // path from the outer struct to the field
	owner []int // path from the outer struct to the struct declaring it
	tag   reflect.StructTag
	typ   reflect.Type
}

var posType = reflect.TypeFor[Pos]()

// fieldsOf lists the keys of struct type t in declaration order. Fields
// without a yaml tag or tagged "-" are not keys.
func fieldsOf(t reflect.Type) []field {
	var out []field
	var walk func(t reflect.Type, prefix []int)
	walk = func(t reflect.Type, prefix []int) {
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
			out = append(out, field{key: name, index: idx, owner: prefix, tag: f.Tag, typ: f.Type})
		}
	}
	walk(t, nil)
	return out
}

// posOf returns the Pos field of the struct at owner inside v, or nil.
func posOf(v reflect.Value, owner []int) *Pos {
	s := v.FieldByIndex(owner)
	p := s.FieldByName("Pos")
	if !p.IsValid() || p.Type() != posType || !p.CanAddr() {
		return nil
	}
	return p.Addr().Interface().(*Pos)
}

// keysOf returns the keys of struct type t, for suggestions and messages.
func keysOf(t reflect.Type) []string {
	fs := fieldsOf(t)
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.key
	}
	return out
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
