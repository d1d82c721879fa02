package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strconv"

	"gopkg.in/yaml.v3"
)

// Load reads, decodes, defaults and validates the config file at path. On
// failure the error is an ErrorList naming every problem, or the read error.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes, defaults and validates data; name is used in error messages
// (normally the file's path). On failure the error is an ErrorList.
func Parse(name string, data []byte) (*Config, error) {
	return parse(name, data, maxVisits)
}

// parse is Parse with a bound on decoding work (see maxVisits).
func parse(name string, data []byte, budget int) (*Config, error) {
	r := &reporter{file: name}
	root, err := parseYAML(data)
	if err != nil {
		r.errs = append(r.errs, syntaxError(name, err))
		return nil, r.errs
	}
	cfg := &Config{File: name}
	d := &decoder{r: r, types: typeCache{}, budget: budget}
	if root != nil {
		d.decode(root, reflect.ValueOf(cfg).Elem(), "")
	}
	if d.overBudget() {
		return nil, r.errs.sorted() // the half-decoded rest is not worth checking
	}
	fillServices(cfg)
	applyDefaults(d.types, cfg)
	readAdminTokenFile(r, &cfg.Static.Admin)
	(&validator{reporter: r, cfg: cfg}).all()
	if len(r.errs) > 0 {
		return nil, r.errs.sorted()
	}
	cfg.Warnings = r.warns.sorted()
	return cfg, nil
}

// parseYAML returns the single document in data, or nil for an empty file.
func parseYAML(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("yaml: line %d: a config file holds one YAML document; found another after ---", extra.Line)
	}
	return &doc, nil
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError turns a yaml.v3 error ("yaml: line 3: ...") into an Error.
func syntaxError(file string, err error) *Error {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: line, Msg: "invalid YAML: " + m[2]}
	}
	return &Error{File: file, Msg: "invalid YAML: " + msg}
}

// fillServices names each service after its key and turns an empty entry
// ("web:" with nothing under it) into an empty service, one that gets its
// instances from the registry.
func fillServices(c *Config) {
	for name, s := range c.Dynamic.Services {
		if s == nil {
			s = &Service{}
			s.Pos.Line = c.Dynamic.Pos.Of("services." + name)
			c.Dynamic.Services[name] = s
		}
		s.Name = name
	}
}
