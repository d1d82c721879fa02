package config

import (
	"fmt"
	"net/textproto"
	"reflect"

	"gopkg.in/yaml.v3"
)

// decodeNode accepts "http://host:port" as shorthand for {url: ...}.
func (e *Endpoint) decodeNode(d *decoder, n *yaml.Node, path string) {
	if n.Kind == yaml.ScalarNode {
		e.URL = n.Value
		e.Pos.Line = n.Line
		e.Pos.set("url", n.Line)
		return
	}
	if n.Kind != yaml.MappingNode {
		d.want(n, yaml.MappingNode, reflect.TypeOf(e).Elem(), path)
		return
	}
	d.decodeStruct(n, reflect.ValueOf(e).Elem(), path)
}

// decodeNode accepts "host:port" as shorthand for {address: ...}.
func (a *Admin) decodeNode(d *decoder, n *yaml.Node, path string) {
	if n.Kind == yaml.ScalarNode {
		a.Address = n.Value
		a.Pos.Line = n.Line
		a.Pos.set("address", n.Line)
		return
	}
	if n.Kind != yaml.MappingNode {
		d.want(n, yaml.MappingNode, reflect.TypeOf(a).Elem(), path)
		return
	}
	d.decodeStruct(n, reflect.ValueOf(a).Elem(), path)
}

// decodeNode reads a mapping of header names to scalar values, keeping file
// order so that generated headers come out in the order written. Names that
// differ only in case are the same header and reported as duplicates.
func (h *HeaderList) decodeNode(d *decoder, n *yaml.Node, path string) {
	if !d.want(n, yaml.MappingNode, reflect.TypeOf(h).Elem(), path) {
		return
	}
	first := make(map[string]int)
	for _, p := range d.pairs(n, path) {
		v := resolve(p.val)
		if v.Kind != yaml.ScalarNode {
			d.r.errorf(v.Line, "%s", at(join(path, p.key.Value), "want a string, got "+describeNode(v)))
			continue
		}
		canon := textproto.CanonicalMIMEHeaderKey(p.key.Value)
		if line, dup := first[canon]; dup {
			d.r.errorf(p.key.Line, "%s", at(path, fmt.Sprintf("header %q is listed twice (first on line %d); header names ignore case", p.key.Value, line)))
			continue
		}
		first[canon] = p.key.Line
		value := v.Value
		if v.Tag == "!!null" {
			value = ""
		}
		*h = append(*h, Header{Name: p.key.Value, Value: value, Line: p.key.Line})
	}
}
