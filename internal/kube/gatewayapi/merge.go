package gatewayapi

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/shoal-gw/shoal/internal/config"
)

// Merge adds generated routes and services to a config file's YAML, so the
// result goes through the same parse, validation and compile as any
// config. The routes come first, in the order given: a file usually ends
// with a catch-all "/" route that would otherwise hide them. A generated
// service whose name the file already uses is left out (the file's wins).
func Merge(file []byte, routes []Generated, services map[string]map[string]any) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(file, &doc); err != nil {
		return nil, fmt.Errorf("reading the config file: %w", err)
	}
	if doc.Kind == 0 {
		doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, errors.New("the config file is not a YAML mapping")
	}
	if len(routes) > 0 {
		seq := child(root, "routes", yaml.SequenceNode)
		if seq == nil {
			return nil, errors.New("routes: not a list in the config file")
		}
		gen := make([]*yaml.Node, 0, len(routes)+len(seq.Content))
		for _, r := range routes {
			var n yaml.Node
			if err := n.Encode(r.Body); err != nil {
				return nil, fmt.Errorf("encoding route %v: %w", r.Body["name"], err)
			}
			gen = append(gen, &n)
		}
		seq.Content = append(gen, seq.Content...)
	}
	if len(services) > 0 {
		m := child(root, "services", yaml.MappingNode)
		if m == nil {
			return nil, errors.New("services: not a mapping in the config file")
		}
		have := map[string]bool{}
		for i := 0; i+1 < len(m.Content); i += 2 {
			have[m.Content[i].Value] = true
		}
		for _, name := range sortedKeys(services) {
			if have[name] {
				continue
			}
			var v yaml.Node
			if err := v.Encode(services[name]); err != nil {
				return nil, fmt.Errorf("encoding service %s: %w", name, err)
			}
			m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: name}, &v)
		}
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return nil, fmt.Errorf("writing the merged config: %w", err)
	}
	return out, nil
}

// child returns the value under key in a mapping, adding an empty one of
// kind when missing, or nil when it exists with another kind (a null
// value counts as missing).
func child(m *yaml.Node, key string, kind yaml.Kind) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != key {
			continue
		}
		v := m.Content[i+1]
		if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
			*v = yaml.Node{Kind: kind}
		}
		if v.Kind != kind {
			return nil
		}
		return v
	}
	v := &yaml.Node{Kind: kind}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
	return v
}

var routeIndex = regexp.MustCompile(`routes\[(\d+)\]`)

// Describe turns the errors of a merged config into one message for a
// route's status: no file and line (they point into the merged text, which
// nobody sees) and "routes[N]" replaced by the generated route's name,
// which says which rule and match of the HTTPRoute is wrong.
func Describe(err error, routes []Generated) string {
	var list config.ErrorList
	if !errors.As(err, &list) {
		return err.Error()
	}
	msgs := make([]string, 0, len(list))
	for _, e := range list {
		msg := routeIndex.ReplaceAllStringFunc(e.Msg, func(s string) string {
			i, _ := strconv.Atoi(routeIndex.FindStringSubmatch(s)[1])
			if i < len(routes) {
				return fmt.Sprintf("route %v", routes[i].Body["name"])
			}
			return s
		})
		msgs = append(msgs, msg)
	}
	return strings.Join(msgs, "; ")
}
