package gatewayapi

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Condition is one status condition Shoal sets on a route's parent entry.
type Condition struct {
	OK      bool
	Reason  string
	Message string
}

// Routed is what one HTTPRoute attached to the Gateway becomes.
type Routed struct {
	Route *Route
	// Parents are the indexes of the route's parentRefs that name the
	// Gateway; each gets a status entry.
	Parents []int
	// Accepted false: nothing of the route is served.
	Accepted Condition
	// ResolvedRefs false: some backendRefs are not served (their share
	// of a rule answers 500).
	ResolvedRefs Condition
	// Routes are Shoal routes, each a config mapping ("match", "service" ...).
	Routes []Generated
	// Services are Shoal services these routes need, by name.
	Services map[string]map[string]any
	// Splits are services whose endpoints are the weighted union of other
	// services' endpoints (a rule with several backendRefs).
	Splits map[string][]Share
}

// Generated is one Shoal route with its place in Gateway API precedence.
type Generated struct {
	Body map[string]any
	key  sortKey
}

// Share is one backend of a split and its weight.
type Share struct {
	Service string
	Weight  int
}

// Lookup finds a Kubernetes Service's ports; ok false when it does not exist.
type Lookup func(namespace, name string) (ports []ServicePort, ok bool)

// ServicePort is one port of a Kubernetes Service.
type ServicePort struct {
	Name string
	Port int32
}

// Input is everything Convert reads.
type Input struct {
	Gateway Gateway
	Routes  []*Route
	Lookup  Lookup
	// Existing maps "namespace/service/port" to a service of the file that
	// already discovers that Kubernetes Service port, so routes reuse it
	// (and its scale, health and resilience settings).
	Existing map[string]string
}

// Convert turns every route attached to the Gateway into Shoal routes and
// services. It is pure: the same input gives the same output. A route
// that uses something Shoal cannot serve comes back with Accepted false
// and a message saying what.
func Convert(in Input) []*Routed {
	var out []*Routed
	for _, r := range in.Routes {
		parents := attachedParents(r, in.Gateway)
		if len(parents) == 0 {
			continue
		}
		out = append(out, convertRoute(in, r, parents))
	}
	return out
}

// attachedParents lists the parentRefs that name the Gateway.
func attachedParents(r *Route, gw Gateway) []int {
	var idx []int
	for i, p := range r.Spec.ParentRefs {
		group, kind, ns := deref(p.Group, Group), deref(p.Kind, "Gateway"), deref(p.Namespace, r.Namespace)
		if group == Group && kind == "Gateway" && ns == gw.Namespace && p.Name == gw.Name {
			idx = append(idx, i)
		}
	}
	return idx
}

func convertRoute(in Input, r *Route, parents []int) *Routed {
	out := &Routed{Route: r, Parents: parents, Services: map[string]map[string]any{}, Splits: map[string][]Share{}}
	out.ResolvedRefs = Condition{OK: true, Reason: "ResolvedRefs", Message: "all backend references resolved"}
	switch {
	case !in.Gateway.Found:
		out.Accepted = Condition{Reason: "NoMatchingParent", Message: fmt.Sprintf("Gateway %s/%s does not exist", in.Gateway.Namespace, in.Gateway.Name)}
		return out
	case r.Namespace != in.Gateway.Namespace && !in.Gateway.AllowAll:
		out.Accepted = Condition{Reason: "NotAllowedByListeners", Message: fmt.Sprintf("Gateway %s/%s admits routes from its own namespace only (allowedRoutes.namespaces.from: Same)", in.Gateway.Namespace, in.Gateway.Name)}
		return out
	}
	var problems []string
	var unresolved []unresolvedError
	for ri := range r.Spec.Rules {
		p, u := convertRule(in, r, ri, out)
		problems = append(problems, p...)
		unresolved = append(unresolved, u...)
	}
	if len(problems) > 0 {
		out.Routes, out.Services, out.Splits = nil, map[string]map[string]any{}, map[string][]Share{}
		out.Accepted = Condition{Reason: "UnsupportedValue", Message: strings.Join(problems, "; ")}
	} else {
		out.Accepted = Condition{OK: true, Reason: "Accepted", Message: "served by Shoal"}
	}
	if len(unresolved) > 0 {
		msgs := make([]string, len(unresolved))
		for i, u := range unresolved {
			msgs[i] = u.msg
		}
		// The condition has room for one reason: the first failure's.
		out.ResolvedRefs = Condition{Reason: unresolved[0].reason, Message: strings.Join(msgs, "; ")}
	}
	return out
}

// convertRule adds the Shoal routes of one rule to out and returns what
// could not be converted and which backends did not resolve.
func convertRule(in Input, r *Route, ri int, out *Routed) (problems []string, unresolved []unresolvedError) {
	rule := r.Spec.Rules[ri]
	at := fmt.Sprintf("rules[%d]", ri)
	var action map[string]any
	if !hasFilter(rule, "RequestRedirect") {
		// A redirect answers itself: its backends are neither resolved nor watched.
		action, unresolved = ruleAction(in, r, ri, out)
	}
	common := map[string]any{}
	var redirect map[string]any
	var prefixRewrite *string
	for fi, f := range rule.Filters {
		fat := fmt.Sprintf("%s.filters[%d]", at, fi)
		switch f.Type {
		case "RequestHeaderModifier":
			addHeaderOps(common, "request_headers", f.RequestHeaderModifier)
		case "ResponseHeaderModifier":
			addHeaderOps(common, "response_headers", f.ResponseHeaderModifier)
		case "RequestRedirect":
			if f.RequestRedirect == nil {
				problems = append(problems, fat+": requestRedirect is missing")
				continue
			}
			redirect, prefixRewrite = redirectOf(f.RequestRedirect, common)
		case "URLRewrite":
			if f.URLRewrite == nil {
				problems = append(problems, fat+": urlRewrite is missing")
				continue
			}
			if h := f.URLRewrite.Hostname; h != nil {
				setHeader(common, "request_headers", "Host", *h)
			}
			if p := f.URLRewrite.Path; p != nil {
				prefixRewrite = pathRewrite(p, common, "rewrite_path")
			}
		default:
			problems = append(problems, fmt.Sprintf("%s: filter type %s is not supported by Shoal", fat, f.Type))
		}
	}
	for bi, b := range rule.BackendRefs {
		if len(b.Filters) > 0 {
			problems = append(problems, fmt.Sprintf("%s.backendRefs[%d].filters: per-backend filters are not supported by Shoal", at, bi))
		}
	}
	if t := rule.Timeouts; t != nil {
		timeouts := map[string]any{}
		for _, kv := range []struct {
			v   *string
			key string
		}{{t.Request, "request"}, {t.BackendRequest, "per_try"}} {
			if kv.v == nil {
				continue
			}
			d, err := time.ParseDuration(*kv.v)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s.timeouts: %q is not a duration", at, *kv.v))
			} else if d > 0 { // 0s turns the timeout off, which is Shoal's default
				timeouts[kv.key] = d.String()
			}
		}
		if len(timeouts) > 0 {
			common["timeouts"] = timeouts
		}
	}
	if redirect != nil {
		action = map[string]any{"redirect": redirect}
	}
	matches := rule.Matches
	if len(matches) == 0 {
		matches = []Match{{}}
	}
	hosts := r.Spec.Hostnames
	if len(hosts) == 0 {
		hosts = []string{""}
	}
	for mi, m := range matches {
		match, key, err := matchOf(m)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s.matches[%d]: %v", at, mi, err))
			continue
		}
		if prefixRewrite != nil && key.pathKind != pathPrefix {
			problems = append(problems, fmt.Sprintf("%s.matches[%d]: ReplacePrefixMatch needs a PathPrefix match", at, mi))
			continue
		}
		for hi, h := range hosts {
			body := map[string]any{"name": routeName(r, ri, mi, hi, len(hosts))}
			for k, v := range common {
				body[k] = v
			}
			for k, v := range action {
				body[k] = v
			}
			mm := copyMap(match)
			if h != "" {
				mm["host"] = h
			}
			body["match"] = mm
			k := key
			k.setHost(h)
			k.created, k.route, k.rule, k.match, k.host = r.Created, r.Key(), ri, mi, hi
			out.Routes = append(out.Routes, Generated{Body: body, key: k})
		}
	}
	return problems, unresolved
}

func hasFilter(rule Rule, typ string) bool {
	for _, f := range rule.Filters {
		if f.Type == typ {
			return true
		}
	}
	return false
}

func routeName(r *Route, ri, mi, hi, hosts int) string {
	name := fmt.Sprintf("httproute.%s.%s.%d.%d", r.Namespace, r.Name, ri, mi)
	if hosts > 1 {
		name += fmt.Sprintf(".%d", hi)
	}
	return name
}

func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
