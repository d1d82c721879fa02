package config

import (
	"reflect"
	"strings"
)

// StaticDiff lists the keys of the static part that differ between a and b,
// as dotted paths ("listen", "admin.token", "log.level"), in file order.
// An empty result means a hot reload from a to b is allowed. Positions in
// the file are ignored: moving a key is not a change.
func StaticDiff(a, b *Config) []string {
	var out []string
	diffValue(reflect.ValueOf(a.Static), reflect.ValueOf(b.Static), "", &out)
	return out
}

// diffValue recurses into structs so the answer names the innermost key that
// changed; lists and scalars are compared whole.
func diffValue(a, b reflect.Value, path string, out *[]string) {
	// Optional blocks (tls, kubernetes) are pointers: when both are set,
	// compare inside so that their Pos is skipped as elsewhere.
	if a.Kind() == reflect.Pointer && !a.IsNil() && !b.IsNil() {
		diffValue(a.Elem(), b.Elem(), path, out)
		return
	}
	if a.Kind() != reflect.Struct || a.Type() == durationType {
		if !reflect.DeepEqual(a.Interface(), b.Interface()) {
			*out = append(*out, path)
		}
		return
	}
	for _, f := range fieldsOf(a.Type()) {
		diffValue(a.FieldByIndex(f.index), b.FieldByIndex(f.index), join(path, f.key), out)
	}
}

// RestartRequired explains a refused hot reload in one sentence, or returns
// "" when the static parts are equal.
func RestartRequired(a, b *Config) string {
	keys := StaticDiff(a, b)
	if len(keys) == 0 {
		return ""
	}
	return "changing " + strings.Join(keys, ", ") + " needs a restart; the dynamic part (services, routes, defaults) reloads without one"
}
