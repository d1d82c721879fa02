package config

import (
	"fmt"
	"net/netip"
	"net/textproto"
	"regexp"
	"strings"
)

func (v *validator) routes(rs []*Route) {
	names := make(map[string]int)
	for i, r := range rs {
		p := fmt.Sprintf("routes[%d]", i)
		if r == nil {
			v.errorf(v.cfg.Dynamic.Pos.Of(p), "%s: empty route", p)
			continue
		}
		if !validName(r.Name) {
			v.errorf(r.Pos.Of("name"), "%s.name: %q: route names use letters, digits, '-', '_' and '.'", p, r.Name)
		} else if first, dup := names[r.Name]; dup {
			v.errorf(r.Pos.Of("name"), "%s.name: %q is already used by the route on line %d", p, r.Name, first)
		} else {
			names[r.Name] = r.Pos.Line
		}
		v.match(&r.Match, p+".match")
		v.action(r, p)
		v.modifiers(r, p)
		v.policies(r, p)
		v.authPolicies(r, p)
		v.routeResilience(r, p)
	}
}

func (v *validator) match(m *Match, p string) {
	v.hosts(m, p)
	var set []string
	for _, k := range []string{"path_exact", "path_prefix", "path_regex"} {
		if m.Pos.Has(k) {
			set = append(set, k)
		}
	}
	if len(set) > 1 {
		v.errorf(m.Pos.Of(set[1]), "%s: %s are set; use at most one path matcher", p, strings.Join(set, " and "))
	}
	for _, kv := range [][2]string{{"path_exact", m.PathExact}, {"path_prefix", m.PathPrefix}} {
		if k, val := kv[0], kv[1]; m.Pos.Has(k) && !strings.HasPrefix(val, "/") {
			v.errorf(m.Pos.Of(k), "%s.%s: %q must start with /", p, k, val)
		}
	}
	if m.Pos.Has("path_regex") {
		if _, err := regexp.Compile(m.PathRegex); err != nil {
			v.errorf(m.Pos.Of("path_regex"), "%s.path_regex: %v", p, err)
		}
	}
	seen := make(map[string]bool)
	for i, meth := range m.Methods {
		key := fmt.Sprintf("methods[%d]", i)
		up := strings.ToUpper(meth)
		switch {
		case !validToken(meth):
			v.errorf(m.Pos.Of(key), "%s.%s: %q is not an HTTP method", p, key, meth)
		case seen[up]:
			v.errorf(m.Pos.Of(key), "%s.%s: %s is listed twice", p, key, up)
		}
		seen[up] = true
	}
	for i := range m.Headers {
		v.headerMatch(&m.Headers[i], fmt.Sprintf("%s.headers[%d]", p, i))
	}
	for i := range m.Query {
		v.queryMatch(&m.Query[i], fmt.Sprintf("%s.query[%d]", p, i))
	}
}

func (v *validator) queryMatch(q *QueryMatch, p string) {
	if q.Pos.Has("name") && q.Name == "" {
		v.errorf(q.Pos.Of("name"), "%s.name: must not be empty", p)
	}
	switch hasValue, hasRegex := q.Pos.Has("value"), q.Pos.Has("regex"); {
	case hasValue && hasRegex:
		v.errorf(q.Pos.Of("regex"), "%s: value and regex are both set; use one", p)
	case !hasValue && !hasRegex:
		v.errorf(q.Pos.Line, "%s: set value or regex", p)
	case hasRegex:
		if _, err := regexp.Compile(q.Regex); err != nil {
			v.errorf(q.Pos.Of("regex"), "%s.regex: %v", p, err)
		}
	}
}

// hosts checks host and hosts: one of the two at most, each entry a host
// name or wildcard, no entry listed twice (names ignore case).
func (v *validator) hosts(m *Match, p string) {
	if m.Pos.Has("host") && m.Pos.Has("hosts") {
		v.errorf(m.Pos.Of("hosts"), "%s: host and hosts are both set; list every host in hosts", p)
	}
	if m.Host != "" && !validHostPattern(m.Host) {
		v.errorf(m.Pos.Of("host"), "%s.host: %q is not a host name or *.domain wildcard (no port, no scheme)", p, m.Host)
	}
	seen := make(map[string]bool, len(m.Hosts))
	for i, h := range m.Hosts {
		key := fmt.Sprintf("hosts[%d]", i)
		low := strings.ToLower(h)
		switch {
		case !validHostPattern(h):
			v.errorf(m.Pos.Of(key), "%s.%s: %q is not a host name or *.domain wildcard (no port, no scheme)", p, key, h)
		case seen[low]:
			v.errorf(m.Pos.Of(key), "%s.%s: %q is listed twice", p, key, h)
		}
		seen[low] = true
	}
}

func (v *validator) headerMatch(h *HeaderMatch, p string) {
	if h.Pos.Has("name") && !validToken(h.Name) {
		v.errorf(h.Pos.Of("name"), "%s.name: %q is not a valid header name", p, h.Name)
	} else if strings.EqualFold(h.Name, "Host") {
		v.errorf(h.Pos.Of("name"), "%s.name: match the host with match.host, which also handles ports, case and wildcards", p)
	}
	var set []string
	for _, k := range []string{"value", "regex", "present"} {
		if h.Pos.Has(k) {
			set = append(set, k)
		}
	}
	switch {
	case len(set) == 0:
		v.errorf(h.Pos.Line, "%s: set one of value, regex or present", p)
	case len(set) > 1:
		v.errorf(h.Pos.Of(set[1]), "%s: %s and %s are both set; use one", p, set[0], set[1])
	}
	if h.Pos.Has("regex") {
		if _, err := regexp.Compile(h.Regex); err != nil {
			v.errorf(h.Pos.Of("regex"), "%s.regex: %v", p, err)
		}
	}
}

// action checks that a route has exactly one action and that it is valid.
func (v *validator) action(r *Route, p string) {
	var set []string
	for _, k := range []string{"service", "read_service", "redirect", "direct_response"} {
		if r.Pos.Has(k) {
			set = append(set, k)
		}
	}
	if len(set) == 0 && r.Pos.Has("write_service") {
		set = append(set, "read_service")
	}
	switch {
	case len(set) == 0:
		v.errorf(r.Pos.Line, "%s: no action: set service, read_service and write_service, redirect or direct_response", p)
	case len(set) > 1:
		v.errorf(r.Pos.Of(set[1]), "%s: %s and %s are both set; a route has exactly one action", p, set[0], set[1])
	}
	if r.Pos.Has("service") {
		v.serviceExists(r.Pos.Of("service"), p+".service", r.Service)
	}
	rs, ws := r.Pos.Has("read_service"), r.Pos.Has("write_service")
	switch {
	case rs && !ws:
		v.errorf(r.Pos.Of("read_service"), "%s: read_service needs write_service (where non-GET/HEAD/OPTIONS requests go)", p)
	case ws && !rs:
		v.errorf(r.Pos.Of("write_service"), "%s: write_service needs read_service (where GET/HEAD/OPTIONS requests go)", p)
	}
	if rs {
		v.serviceExists(r.Pos.Of("read_service"), p+".read_service", r.ReadService)
	}
	if ws {
		v.serviceExists(r.Pos.Of("write_service"), p+".write_service", r.WriteService)
	}
	if rd := r.Redirect; rd != nil {
		v.redirect(r, rd, p+".redirect")
	}
	if d := r.DirectResponse; d != nil {
		if d.Status < 200 || d.Status > 599 {
			v.errorf(d.Pos.Of("status"), "%s.direct_response.status: %d is not a final HTTP status (200-599)", p, d.Status)
		} else if d.Body != "" && (d.Status == 204 || d.Status == 304) {
			v.errorf(d.Pos.Of("body"), "%s.direct_response.body: a %d response has no body", p, d.Status)
		}
		v.headerList(d.Headers, p+".direct_response.headers")
	}
}

func (v *validator) redirect(r *Route, rd *Redirect, p string) {
	if rd.Host != "" && !validHostname(rd.Host) {
		v.errorf(rd.Pos.Of("host"), "%s.host: %q is not a host name (put the port in port)", p, rd.Host)
	}
	if rd.Pos.Has("port") && (rd.Port < 1 || rd.Port > 65535) {
		v.errorf(rd.Pos.Of("port"), "%s.port: %d is not a port (1-65535)", p, rd.Port)
	}
	if rd.Pos.Has("path") && !strings.HasPrefix(rd.Path, "/") {
		v.errorf(rd.Pos.Of("path"), "%s.path: %q must start with /", p, rd.Path)
	}
	changes := rd.Scheme != "" || rd.Host != "" || rd.Port != 0 || rd.Path != "" || r.StripPrefix || r.AddPrefix != "" || r.RewritePath != ""
	if !changes {
		v.errorf(rd.Pos.Line, "%s: changes nothing, so clients would loop; set scheme, host, port or path", p)
	}
}

func (v *validator) modifiers(r *Route, p string) {
	if r.StripPrefix && !r.Match.Pos.Has("path_prefix") {
		v.errorf(r.Pos.Of("strip_prefix"), "%s.strip_prefix: needs match.path_prefix (the prefix to strip)", p)
	}
	if r.Pos.Has("rewrite_path") && !strings.HasPrefix(r.RewritePath, "/") {
		v.errorf(r.Pos.Of("rewrite_path"), "%s.rewrite_path: %q must start with /", p, r.RewritePath)
	}
	if r.Pos.Has("add_prefix") && !strings.HasPrefix(r.AddPrefix, "/") {
		v.errorf(r.Pos.Of("add_prefix"), "%s.add_prefix: %q must start with /", p, r.AddPrefix)
	}
	if r.Pos.Has("rewrite_path") {
		// rewrite_path replaces the whole path, so a prefix change next to it
		// would be silently lost; one error names every key in the way.
		var with []string
		if r.StripPrefix {
			with = append(with, "strip_prefix")
		}
		if r.Pos.Has("add_prefix") {
			with = append(with, "add_prefix")
		}
		if len(with) > 0 {
			v.errorf(r.Pos.Of("rewrite_path"), "%s: rewrite_path replaces the whole path, so it cannot be set with %s; use one", p, strings.Join(with, " or "))
		}
	}
	if r.DirectResponse != nil && (r.StripPrefix || r.Pos.Has("add_prefix") || r.Pos.Has("rewrite_path")) {
		v.errorf(r.Pos.Of("direct_response"), "%s: direct_response ignores the path, so strip_prefix, add_prefix and rewrite_path do nothing", p)
	}
	v.headerOps(&r.RequestHeaders, p+".request_headers", true)
	v.headerOps(&r.ResponseHeaders, p+".response_headers", false)
}

// headerOps checks names and that no header is both removed and written;
// the request side also keeps Host out of add and remove.
func (v *validator) headerOps(o *HeaderOps, p string, request bool) {
	v.headerList(o.Set, p+".set")
	v.headerList(o.Add, p+".add")
	written := make(map[string]bool)
	for _, h := range append(append(HeaderList(nil), o.Set...), o.Add...) {
		written[textproto.CanonicalMIMEHeaderKey(h.Name)] = true
	}
	for i, name := range o.Remove {
		key := fmt.Sprintf("remove[%d]", i)
		canon := textproto.CanonicalMIMEHeaderKey(name)
		switch {
		case !validToken(name):
			v.errorf(o.Pos.Of(key), "%s.%s: %q is not a valid header name", p, key, name)
		case written[canon]:
			v.errorf(o.Pos.Of(key), "%s.%s: %s is both removed and set or added", p, key, canon)
		case request && canon == "Host":
			v.errorf(o.Pos.Of(key), "%s.%s: the Host header cannot be removed", p, key)
		}
	}
	if request {
		for _, h := range o.Add {
			if textproto.CanonicalMIMEHeaderKey(h.Name) == "Host" {
				v.errorf(h.Line, "%s.add: Host has one value; use set to change it", p)
			}
		}
	}
}

func (v *validator) headerList(l HeaderList, p string) {
	for _, h := range l {
		if !validToken(h.Name) {
			v.errorf(h.Line, "%s: %q is not a valid header name", p, h.Name)
		} else if !validHeaderValue(h.Value) {
			v.errorf(h.Line, "%s.%s: the value has control characters", p, h.Name)
		}
	}
}

// validHostPattern accepts an exact host, "*." followed by a host, or an
// IPv6 literal with or without brackets (the router compares it exactly;
// IPv4 literals already pass as host names).
func validHostPattern(h string) bool {
	if strings.Contains(h, ":") {
		addr, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(h, "["), "]"))
		return err == nil && addr.Is6() && addr.Zone() == ""
	}
	return validHostname(strings.TrimPrefix(h, "*."))
}
