package config

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// pair is one key and value of a mapping.
type pair struct {
	key, val *yaml.Node
}

// pairs lists the entries of mapping n in file order, expanding YAML merge
// keys ("<<: *base"); a key written explicitly wins over a merged one, as
// the YAML merge spec says. Duplicate and non-scalar keys are reported.
func (d *decoder) pairs(n *yaml.Node, path string) []pair {
	var explicit, merged []pair
	first := make(map[string]int)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.r.errorf(k.Line, "%s", at(path, "keys must be plain strings, got "+describeNode(k)))
			continue
		}
		if k.Tag == "!!merge" {
			merged = append(merged, d.mergeSources(v, path)...)
			continue
		}
		if line, dup := first[k.Value]; dup {
			d.r.errorf(k.Line, "%s", at(path, fmt.Sprintf("duplicate key %q (first on line %d)", k.Value, line)))
			continue
		}
		first[k.Value] = k.Line
		explicit = append(explicit, pair{k, v})
	}
	for _, p := range merged {
		if _, ok := first[p.key.Value]; ok {
			continue
		}
		first[p.key.Value] = p.key.Line
		explicit = append(explicit, p)
	}
	return explicit
}

// mergeSources returns the entries merged in by "<<": one mapping or a list
// of mappings, earlier ones winning.
func (d *decoder) mergeSources(v *yaml.Node, path string) []pair {
	v = resolve(v)
	var srcs []*yaml.Node
	switch v.Kind {
	case yaml.MappingNode:
		srcs = []*yaml.Node{v}
	case yaml.SequenceNode:
		for _, s := range v.Content {
			srcs = append(srcs, resolve(s))
		}
	default:
		srcs = []*yaml.Node{v}
	}
	var out []pair
	for _, s := range srcs {
		if s.Kind != yaml.MappingNode {
			d.r.errorf(s.Line, "%s", at(path, "<< must merge a mapping or a list of mappings"))
			continue
		}
		out = append(out, d.pairs(s, path)...)
	}
	return out
}
