package config

import (
	"fmt"
	"reflect"

	"gopkg.in/yaml.v3"
)

// describeType names what the file must contain for type t.
func describeType(t reflect.Type) string {
	switch t {
	case durationType:
		return `a duration such as "30s"`
	case reflect.TypeFor[Endpoint]():
		return "a URL or a mapping {url, weight}"
	case reflect.TypeFor[Admin]():
		return "an address or a mapping {address, token}"
	case reflect.TypeFor[HeaderList]():
		return "a mapping of header names to values"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return describeType(t.Elem())
	case reflect.Struct, reflect.Map:
		return "a mapping"
	case reflect.Slice:
		return "a list"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64:
		return "an integer"
	case reflect.Float64:
		return "a number"
	}
	return t.String()
}

// describeNode names what the file contains at n, quoting short scalars.
func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	v := n.Value
	if len(v) > 40 {
		v = v[:40] + "..."
	}
	switch n.Tag {
	case "!!int", "!!float":
		return "the number " + v
	case "!!bool":
		return v
	case "!!null":
		return "nothing"
	}
	return fmt.Sprintf("%q", v)
}
