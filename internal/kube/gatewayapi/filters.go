package gatewayapi

import (
	"fmt"
	"strings"
)

// valueMatches converts header or query parameter matches (one API type
// serves both) into Shoal's name + value|regex entries; what names the
// kind in errors.
func valueMatches(what string, ms []HeaderMatch) ([]any, error) {
	out := make([]any, 0, len(ms))
	for _, h := range ms {
		switch deref(h.Type, "Exact") {
		case "Exact":
			out = append(out, map[string]any{"name": h.Name, "value": h.Value})
		case "RegularExpression":
			out = append(out, map[string]any{"name": h.Name, "regex": h.Value})
		default:
			return nil, fmt.Errorf("%s %s: match type %q is not Exact or RegularExpression", what, h.Name, *h.Type)
		}
	}
	return out, nil
}

// matchOf converts one HTTPRouteMatch into a Shoal match and its
// precedence key.
func matchOf(m Match) (map[string]any, sortKey, error) {
	out := map[string]any{}
	var k sortKey
	typ, val := "PathPrefix", "/"
	if m.Path != nil {
		typ, val = deref(m.Path.Type, typ), deref(m.Path.Value, val)
	}
	switch typ {
	case "Exact":
		out["path_exact"], k.pathKind = val, pathExact
	case "PathPrefix":
		// The API matches whole segments, so "/foo/" is the same prefix as "/foo".
		if val != "/" {
			val = strings.TrimSuffix(val, "/")
		}
		out["path_prefix"], k.pathKind = val, pathPrefix
	case "RegularExpression":
		out["path_regex"], k.pathKind = val, pathRegex
	default:
		return nil, k, fmt.Errorf("path type %q is not Exact, PathPrefix or RegularExpression", typ)
	}
	k.pathLen = len(val)
	if len(m.Headers) > 0 {
		hs, err := valueMatches("header", m.Headers)
		if err != nil {
			return nil, k, err
		}
		out["headers"] = hs
		k.headers = len(hs)
	}
	if len(m.QueryParams) > 0 {
		qs, err := valueMatches("queryParams", m.QueryParams)
		if err != nil {
			return nil, k, err
		}
		out["query"] = qs
		k.query = len(qs)
	}
	if m.Method != nil {
		out["methods"] = []any{*m.Method}
		k.method = true
	}
	return out, k, nil
}

// addHeaderOps adds a header modifier's changes under key
// (request_headers or response_headers), after any already there.
func addHeaderOps(route map[string]any, key string, hm *HeaderModifier) {
	if hm == nil {
		return
	}
	for _, h := range hm.Set {
		setHeader(route, key, h.Name, h.Value)
	}
	ops := headerOps(route, key)
	for _, h := range hm.Add {
		add, _ := ops["add"].(map[string]any)
		if add == nil {
			add = map[string]any{}
			ops["add"] = add
		}
		add[h.Name] = h.Value
	}
	for _, name := range hm.Remove {
		rm, _ := ops["remove"].([]any)
		ops["remove"] = append(rm, name)
	}
}

func setHeader(route map[string]any, key, name, value string) {
	ops := headerOps(route, key)
	set, _ := ops["set"].(map[string]any)
	if set == nil {
		set = map[string]any{}
		ops["set"] = set
	}
	set[name] = value
}

func headerOps(route map[string]any, key string) map[string]any {
	ops, _ := route[key].(map[string]any)
	if ops == nil {
		ops = map[string]any{}
		route[key] = ops
	}
	return ops
}

// redirectOf converts a RequestRedirect filter. A ReplacePrefixMatch path
// becomes strip_prefix and add_prefix on the route, which Shoal's redirect
// keeps; the returned pointer says so, since it needs a PathPrefix match.
func redirectOf(rd *Redirect, route map[string]any) (map[string]any, *string) {
	out := map[string]any{"status": deref(rd.StatusCode, 302)}
	if rd.Scheme != nil {
		out["scheme"] = *rd.Scheme
	}
	if rd.Hostname != nil {
		out["host"] = *rd.Hostname
	}
	if rd.Port != nil {
		out["port"] = int(*rd.Port)
	}
	var prefix *string
	if rd.Path != nil {
		if rd.Path.Type == "ReplaceFullPath" && rd.Path.ReplaceFullPath != nil {
			out["path"] = *rd.Path.ReplaceFullPath
		} else {
			prefix = pathRewrite(rd.Path, route, "")
		}
	}
	return out, prefix
}

// pathRewrite applies a path modifier to the route: a full path under
// fullKey, a prefix replacement as strip_prefix + add_prefix.
func pathRewrite(p *PathModifier, route map[string]any, fullKey string) *string {
	switch p.Type {
	case "ReplaceFullPath":
		if p.ReplaceFullPath != nil && fullKey != "" {
			route[fullKey] = *p.ReplaceFullPath
		}
		return nil
	case "ReplacePrefixMatch":
		v := deref(p.ReplacePrefixMatch, "/")
		route["strip_prefix"] = true
		if v = strings.TrimSuffix(v, "/"); v != "" {
			route["add_prefix"] = v
		}
		return &v
	}
	return nil
}
