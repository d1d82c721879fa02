package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// decoder fills Go values from a yaml.Node tree, reporting every unknown key
// and type mismatch with its line instead of stopping at the first.
type decoder struct {
	r      *reporter
	types  typeCache
	visits int // nodes decoded so far, aliases counted at every use
	budget int // most visits allowed; 0 means maxVisits
}

// maxVisits bounds the work of one decode. Aliases are expanded at each
// use, so a few lines of nested anchors could otherwise stand for billions
// of nodes ("billion laughs"); a 10,000-route config needs about 2*10^5.
const maxVisits = 2_000_000

// nodeDecoder is implemented by types with more than one form in the file
// (a scalar shorthand or a mapping).
type nodeDecoder interface {
	decodeNode(d *decoder, n *yaml.Node, path string)
}

var (
	durationType    = reflect.TypeFor[Duration]()
	nodeDecoderType = reflect.TypeFor[nodeDecoder]()
)

// decode stores n into v (addressable). A null leaves v at its zero value.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	d.visits++
	if d.overBudget() {
		if d.visits == d.limit()+1 {
			d.r.errorf(n.Line, "%s", at(path, "the file expands to too many values (aliases nested too deep?)"))
		}
		return
	}
	n = resolve(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, v.Elem(), path)
		return
	}
	if reflect.PointerTo(v.Type()).Implements(nodeDecoderType) {
		v.Addr().Interface().(nodeDecoder).decodeNode(d, n, path)
		return
	}
	if v.Type() == durationType {
		d.decodeDuration(n, v, path)
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Slice:
		if !d.want(n, yaml.SequenceNode, v.Type(), path) {
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			d.decode(item, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(s)
	case reflect.Map:
		if !d.want(n, yaml.MappingNode, v.Type(), path) {
			return
		}
		m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
		for _, p := range d.pairs(n, path) {
			e := reflect.New(v.Type().Elem()).Elem()
			d.decode(p.val, e, join(path, p.key.Value))
			m.SetMapIndex(reflect.ValueOf(p.key.Value), e)
		}
		v.Set(m)
	default:
		d.decodeScalar(n, v, path)
	}
}

func (d *decoder) limit() int {
	if d.budget > 0 {
		return d.budget
	}
	return maxVisits
}

func (d *decoder) overBudget() bool { return d.visits > d.limit() }

// extensionPrefix starts keys the decoder ignores, as in Docker Compose: a
// place to put YAML anchors ("x-common: &common ...") shared by services.
const extensionPrefix = "x-"

// decodeStruct fills the keys of struct v from mapping n.
func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if !d.want(n, yaml.MappingNode, v.Type(), path) {
		return
	}
	ti := d.types.info(v.Type())
	for _, pp := range ti.poses {
		if p := posAt(v, pp); p.Line == 0 {
			p.Line = n.Line
		}
	}
	seen := make(map[string]bool, len(ti.fields))
	for _, p := range d.pairs(n, path) {
		f, ok := ti.byKey[p.key.Value]
		if !ok && strings.HasPrefix(p.key.Value, extensionPrefix) {
			continue
		}
		if !ok {
			d.r.errorf(p.key.Line, "%s", at(path, fmt.Sprintf("unknown key %q%s", p.key.Value, suggest(p.key.Value, ti.keys))))
			continue
		}
		seen[f.key] = true
		if resolveNull(p.val) {
			continue // "key:" with nothing after it: the same as leaving it out
		}
		fv := v.FieldByIndex(f.index)
		fpath := join(path, f.key)
		pos := posAt(v, f.pos)
		if pos != nil {
			pos.set(f.key, p.key.Line)
			recordItems(pos, f.key, resolve(p.val))
		}
		before := len(d.r.errs)
		d.decode(p.val, fv, fpath)
		if len(d.r.errs) > before && resolve(p.val).Kind == yaml.ScalarNode {
			// Treat a scalar that failed to decode as absent, so the default
			// applies and validation does not pile a second error on it.
			if pos != nil {
				delete(pos.keys, f.key)
			}
			continue
		}
		if enum := f.tag.Get("enum"); enum != "" {
			d.checkEnum(resolve(p.val), fv, enum, fpath)
		}
	}
	for _, f := range ti.fields {
		if f.tag.Get("required") == "true" && !seen[f.key] {
			d.r.errorf(n.Line, "%s", at(path, fmt.Sprintf("missing required key %q", f.key)))
		}
	}
}

// recordItems remembers the lines of the items of a list or mapping of
// scalars, which have no Pos of their own, as "key[i]" and "key.name".
func recordItems(pos *Pos, key string, n *yaml.Node) {
	switch n.Kind {
	case yaml.SequenceNode:
		for i, item := range n.Content {
			pos.set(fmt.Sprintf("%s[%d]", key, i), item.Line)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			pos.set(key+"."+n.Content[i].Value, n.Content[i].Line)
		}
	}
}

// checkEnum reports a value outside the field's enum tag.
func (d *decoder) checkEnum(n *yaml.Node, v reflect.Value, enum string, path string) {
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	got := fmt.Sprint(v.Interface())
	allowed := strings.Split(enum, ",")
	for _, a := range allowed {
		if a == got {
			return
		}
	}
	if n.Kind != yaml.ScalarNode {
		return // the type error was already reported
	}
	if n.Tag == "!!int" {
		d.r.errorf(n.Line, "%s", at(path, fmt.Sprintf("%s is not one of %s", n.Value, strings.Join(allowed, ", "))))
		return
	}
	d.r.errorf(n.Line, "%s", at(path, fmt.Sprintf("%q is not one of %s%s", n.Value, strings.Join(allowed, ", "), suggest(n.Value, allowed))))
}

// decodeScalar handles strings, booleans and numbers.
func (d *decoder) decodeScalar(n *yaml.Node, v reflect.Value, path string) {
	if !d.want(n, yaml.ScalarNode, v.Type(), path) {
		return
	}
	bad := func() {
		d.r.errorf(n.Line, "%s", at(path, fmt.Sprintf("want %s, got %s", describeType(v.Type()), describeNode(n))))
	}
	switch v.Kind() {
	case reflect.String:
		// Any scalar is a string: `PORT: 8080` in env means "8080".
		v.SetString(n.Value)
	case reflect.Bool:
		b, err := strconv.ParseBool(n.Value)
		if n.Tag != "!!bool" || err != nil {
			bad()
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64:
		i, err := strconv.ParseInt(n.Value, 0, 64)
		if n.Tag != "!!int" || err != nil {
			bad()
			return
		}
		v.SetInt(i)
	case reflect.Float64:
		f, err := strconv.ParseFloat(n.Value, 64)
		if (n.Tag != "!!int" && n.Tag != "!!float") || err != nil {
			bad()
			return
		}
		v.SetFloat(f)
	default:
		panic(fmt.Sprintf("config: no decoder for %s", v.Type()))
	}
}

// decodeDuration parses a Go duration string; a bare number is refused
// because its unit would be a guess.
func (d *decoder) decodeDuration(n *yaml.Node, v reflect.Value, path string) {
	if !d.want(n, yaml.ScalarNode, v.Type(), path) {
		return
	}
	dur, err := time.ParseDuration(n.Value)
	switch {
	case err != nil && (n.Tag == "!!int" || n.Tag == "!!float"):
		d.r.errorf(n.Line, "%s", at(path, fmt.Sprintf("want a duration such as \"30s\", got the number %s (add a unit: ms, s, m, h)", n.Value)))
	case err != nil:
		d.r.errorf(n.Line, "%s", at(path, fmt.Sprintf("want a duration such as \"30s\", got %q", n.Value)))
	case dur < 0:
		d.r.errorf(n.Line, "%s", at(path, fmt.Sprintf("duration %s must not be negative", n.Value)))
	default:
		v.SetInt(int64(dur))
	}
}

// want reports a node of the wrong kind and says whether n has kind k.
func (d *decoder) want(n *yaml.Node, k yaml.Kind, t reflect.Type, path string) bool {
	if n.Kind == k {
		return true
	}
	d.r.errorf(n.Line, "%s", at(path, fmt.Sprintf("want %s, got %s", describeType(t), describeNode(n))))
	return false
}

// resolve follows aliases and unwraps documents.
func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode || n.Kind == yaml.DocumentNode {
		if n.Kind == yaml.AliasNode {
			n = n.Alias
		} else if len(n.Content) > 0 {
			n = n.Content[0]
		} else {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: n.Line}
		}
	}
	return n
}

func resolveNull(n *yaml.Node) bool {
	n = resolve(n)
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}
