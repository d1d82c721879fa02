package config

import (
	"fmt"
	"reflect"

	"gopkg.in/yaml.v3"
)

// applyTagDefaults walks v and sets every field with a default tag whose key
// was not written in the file. It looks at Pos rather than at zero values so
// that an explicit "weight: 0" stays 0 and is reported, not silently fixed.
func applyTagDefaults(tc typeCache, v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			applyTagDefaults(tc, v.Elem())
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			applyTagDefaults(tc, v.Index(i))
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			if e := v.MapIndex(k); e.Kind() == reflect.Pointer {
				applyTagDefaults(tc, e)
			}
		}
	case reflect.Struct:
		for _, f := range tc.info(v.Type()).fields {
			fv := v.FieldByIndex(f.index)
			if def, ok := f.tag.Lookup("default"); ok {
				if pos := posAt(v, f.pos); pos == nil || !pos.Has(f.key) {
					setDefault(tc, fv, def)
				}
			}
			applyTagDefaults(tc, fv)
		}
	}
}

// setDefault decodes a non-string default tag as if it were written in the
// file; a default that does not decode is a bug in this package, caught by
// tests.
func setDefault(tc typeCache, v reflect.Value, def string) {
	if v.Kind() == reflect.String {
		v.SetString(def) // taken literally: "-" is not a YAML list here
		return
	}
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(def), &n); err != nil {
		panic(fmt.Sprintf("config: bad default %q: %v", def, err))
	}
	d := &decoder{r: &reporter{file: "<default>"}, types: tc}
	d.decode(&n, v, "")
	if len(d.r.errs) > 0 {
		panic(fmt.Sprintf("config: bad default %q: %v", def, d.r.errs))
	}
}

// applyDefaults fills what the tags cannot express: values that depend on
// other keys.
func applyDefaults(tc typeCache, c *Config) {
	applyTagDefaults(tc, reflect.ValueOf(c).Elem())
	dt := c.Dynamic.Defaults.Timeouts
	for _, s := range c.Dynamic.Services {
		if !s.Timeouts.Pos.Has("connect") {
			s.Timeouts.Connect = dt.Connect
		}
		if !s.Timeouts.Pos.Has("response_header") {
			s.Timeouts.ResponseHeader = dt.ResponseHeader
		}
		if !s.Timeouts.Pos.Has("request") {
			s.Timeouts.Request = dt.Request
		}
		// A min above the default max raises max rather than failing.
		if sc := s.Scale; sc != nil && !sc.Pos.Has("max") && sc.Max < sc.Min {
			sc.Max = sc.Min
		}
	}
	applyKubeDefaults(c)
	for i, r := range c.Dynamic.Routes {
		if r != nil && !r.Pos.Has("name") {
			r.Name = fmt.Sprintf("route-%d", i)
		}
	}
}
