package gatewayapi

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// route decodes an HTTPRoute written as YAML, as the API server would hand it over.
func route(t *testing.T, name string, created time.Time, spec string) *Route {
	t.Helper()
	doc := "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: " + name + ", namespace: default, generation: 3}\nspec:\n" + spec
	js, err := yaml.YAMLToJSON([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(js); err != nil {
		t.Fatal(err)
	}
	r, err := RouteFromUnstructured(u)
	if err != nil {
		t.Fatal(err)
	}
	r.Created = created
	return r
}

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func lookup(ns, name string) ([]ServicePort, bool) {
	switch ns + "/" + name {
	case "default/web":
		return []ServicePort{{Name: "http", Port: 80}, {Name: "grpc", Port: 9000}}, true
	case "default/api":
		return []ServicePort{{Port: 8080}}, true
	}
	return nil, false
}

func input(routes ...*Route) Input {
	return Input{Gateway: Gateway{Namespace: "default", Name: "shoal", Found: true}, Routes: routes, Lookup: lookup}
}

func one(t *testing.T, in Input) *Routed {
	t.Helper()
	out := Convert(in)
	if len(out) != 1 {
		t.Fatalf("Convert gave %d routes, want 1", len(out))
	}
	return out[0]
}

func TestConvertMatchesAndBackend(t *testing.T) {
	r := one(t, input(route(t, "shop", t0, `
  parentRefs: [{name: shoal}]
  hostnames: [shop.example.com]
  rules:
    - matches:
        - path: {type: PathPrefix, value: /api/}
          method: GET
          headers: [{name: x-version, value: "2"}, {type: RegularExpression, name: x-user, value: "a.*"}]
        - path: {type: Exact, value: /health}
      backendRefs: [{name: web, port: 80}]
`)))
	if !r.Accepted.OK || !r.ResolvedRefs.OK {
		t.Fatalf("conditions %+v %+v, want both true", r.Accepted, r.ResolvedRefs)
	}
	want0 := map[string]any{
		"name":    "httproute.default.shop.0.0",
		"service": "web.default.80",
		"match": map[string]any{
			"host": "shop.example.com", "path_prefix": "/api", "methods": []any{"GET"},
			"headers": []any{map[string]any{"name": "x-version", "value": "2"}, map[string]any{"name": "x-user", "regex": "a.*"}},
		},
	}
	if !reflect.DeepEqual(r.Routes[0].Body, want0) {
		t.Errorf("route 0:\n got %v\nwant %v", r.Routes[0].Body, want0)
	}
	if m := r.Routes[1].Body["match"].(map[string]any); m["path_exact"] != "/health" {
		t.Errorf("route 1 match %v, want path_exact /health", m)
	}
	// Discovery asks EndpointSlices for the Service port's name, not its number.
	wantSvc := map[string]any{"kubernetes": map[string]any{"service": "web", "namespace": "default", "port": "http"}}
	if !reflect.DeepEqual(r.Services["web.default.80"], wantSvc) {
		t.Errorf("service %v, want %v", r.Services["web.default.80"], wantSvc)
	}
}

func TestConvertReusesTheFilesService(t *testing.T) {
	in := input(route(t, "r", t0, `
  parentRefs: [{name: shoal}]
  rules: [{backendRefs: [{name: api, port: 8080}]}]
`))
	in.Existing = map[string]string{"default/api/8080": "api"}
	r := one(t, in)
	if r.Routes[0].Body["service"] != "api" || len(r.Services) != 0 {
		t.Fatalf("route %v, services %v: want the file's service api and nothing generated", r.Routes[0].Body, r.Services)
	}
	// The default match is every path.
	if m := r.Routes[0].Body["match"].(map[string]any); m["path_prefix"] != "/" {
		t.Errorf("match %v, want path_prefix /", m)
	}
}

func TestConvertFilters(t *testing.T) {
	r := one(t, input(route(t, "f", t0, `
  parentRefs: [{name: shoal}]
  rules:
    - matches: [{path: {value: /old}}]
      filters:
        - type: RequestHeaderModifier
          requestHeaderModifier: {set: [{name: x-a, value: "1"}], add: [{name: x-b, value: "2"}], remove: [x-c]}
        - type: ResponseHeaderModifier
          responseHeaderModifier: {set: [{name: x-served-by, value: shoal}]}
        - type: URLRewrite
          urlRewrite: {hostname: new.internal, path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}}
      timeouts: {request: 10s, backendRequest: 2s}
      backendRefs: [{name: web, port: 80}]
    - matches: [{path: {type: Exact, value: /moved}}]
      filters:
        - type: RequestRedirect
          requestRedirect: {scheme: https, hostname: example.com, statusCode: 301, path: {type: ReplaceFullPath, replaceFullPath: /here}}
      backendRefs: [{name: web, port: 9000}]
`)))
	if !r.Accepted.OK {
		t.Fatalf("accepted %+v", r.Accepted)
	}
	b := r.Routes[0].Body
	wantReq := map[string]any{"set": map[string]any{"x-a": "1", "Host": "new.internal"}, "add": map[string]any{"x-b": "2"}, "remove": []any{"x-c"}}
	if !reflect.DeepEqual(b["request_headers"], wantReq) {
		t.Errorf("request_headers %v, want %v", b["request_headers"], wantReq)
	}
	if !reflect.DeepEqual(b["response_headers"], map[string]any{"set": map[string]any{"x-served-by": "shoal"}}) {
		t.Errorf("response_headers %v", b["response_headers"])
	}
	if b["strip_prefix"] != true || b["add_prefix"] != "/new" {
		t.Errorf("prefix rewrite: strip_prefix %v add_prefix %v, want true and /new", b["strip_prefix"], b["add_prefix"])
	}
	if !reflect.DeepEqual(b["timeouts"], map[string]any{"request": "10s", "per_try": "2s"}) {
		t.Errorf("timeouts %v", b["timeouts"])
	}
	if len(r.Services) != 1 {
		t.Errorf("services %v: the redirect rule has no backends to watch", r.Services)
	}
	rd := r.Routes[1].Body
	want := map[string]any{"scheme": "https", "host": "example.com", "status": 301, "path": "/here"}
	if !reflect.DeepEqual(rd["redirect"], want) || rd["service"] != nil {
		t.Errorf("redirect route %v, want redirect %v and no service", rd, want)
	}
}

func TestConvertRejectsWhatShoalCannotServe(t *testing.T) {
	r := one(t, input(route(t, "q", t0, `
  parentRefs: [{name: shoal}]
  rules:
    - filters: [{type: RequestMirror, requestMirror: {backendRef: {name: web, port: 80}}}]
      backendRefs: [{name: web, port: 80}]
`)))
	if r.Accepted.OK || r.Accepted.Reason != "UnsupportedValue" {
		t.Fatalf("accepted %+v, want False/UnsupportedValue", r.Accepted)
	}
	for _, want := range []string{"rules[0].filters[0]: filter type RequestMirror"} {
		if !strings.Contains(r.Accepted.Message, want) {
			t.Errorf("message %q lacks %q", r.Accepted.Message, want)
		}
	}
	if len(r.Routes) != 0 || len(r.Services) != 0 {
		t.Errorf("a rejected route still gave routes %v services %v", r.Routes, r.Services)
	}
}

func TestConvertUnresolvedBackends(t *testing.T) {
	r := one(t, input(route(t, "u", t0, `
  parentRefs: [{name: shoal}]
  rules:
    - backendRefs: [{name: missing, port: 80}]
    - backendRefs: [{name: web, namespace: other, port: 80}, {name: web, port: 81}, {kind: Bucket, group: example.com, name: b}]
`)))
	if !r.Accepted.OK {
		t.Fatalf("accepted %+v: unresolved backends do not reject the route", r.Accepted)
	}
	if r.ResolvedRefs.OK || r.ResolvedRefs.Reason != "BackendNotFound" {
		t.Fatalf("resolvedRefs %+v, want False/BackendNotFound", r.ResolvedRefs)
	}
	for _, want := range []string{"default/missing not found", "ReferenceGrants", "has no port 81", "only core Services"} {
		if !strings.Contains(r.ResolvedRefs.Message, want) {
			t.Errorf("message %q lacks %q", r.ResolvedRefs.Message, want)
		}
	}
	for i, g := range r.Routes {
		if dr, _ := g.Body["direct_response"].(map[string]any); dr == nil || dr["status"] != 500 {
			t.Errorf("route %d: %v, want a 500 direct_response", i, g.Body)
		}
	}
}

func TestConvertWeightedSplit(t *testing.T) {
	r := one(t, input(route(t, "canary", t0, `
  parentRefs: [{name: shoal}]
  rules:
    - backendRefs: [{name: web, port: 80, weight: 90}, {name: api, port: 8080, weight: 10}, {name: web, port: 9000, weight: 0}]
`)))
	split := "httproute.default.canary.0.split"
	if r.Routes[0].Body["service"] != split {
		t.Fatalf("route %v, want service %s", r.Routes[0].Body, split)
	}
	want := []Share{{Service: "web.default.80", Weight: 90}, {Service: "api.default.8080", Weight: 10}}
	if !reflect.DeepEqual(r.Splits[split], want) {
		t.Errorf("split %v, want %v (weight 0 takes no traffic)", r.Splits[split], want)
	}
	if _, ok := r.Services["api.default.8080"]["kubernetes"].(map[string]any)["port"]; ok {
		t.Errorf("an unnamed Service port must leave kubernetes.port empty: %v", r.Services["api.default.8080"])
	}
}

func TestConvertAttachment(t *testing.T) {
	other := route(t, "other", t0, "  parentRefs: [{name: someone-else}]\n  rules: [{backendRefs: [{name: web, port: 80}]}]\n")
	if out := Convert(input(other)); len(out) != 0 {
		t.Fatalf("a route of another Gateway was converted: %v", out[0].Route.Key())
	}
	mine := route(t, "mine", t0, "  parentRefs: [{name: shoal, namespace: gw}]\n  rules: [{backendRefs: [{name: web, port: 80}]}]\n")
	in := input(mine)
	in.Gateway.Namespace = "gw"
	if r := one(t, in); r.Accepted.OK || r.Accepted.Reason != "NotAllowedByListeners" {
		t.Errorf("route from another namespace: %+v, want NotAllowedByListeners", r.Accepted)
	}
	in.Gateway.AllowAll = true
	if r := one(t, in); !r.Accepted.OK {
		t.Errorf("allowedRoutes from All: %+v, want accepted", r.Accepted)
	}
	in.Gateway.Found = false
	if r := one(t, in); r.Accepted.OK || r.Accepted.Reason != "NoMatchingParent" {
		t.Errorf("no Gateway: %+v, want NoMatchingParent", r.Accepted)
	}
}

func TestOrderedFollowsGatewayAPIPrecedence(t *testing.T) {
	older := route(t, "older", t0, `
  parentRefs: [{name: shoal}]
  rules:
    - matches: [{path: {value: /}}, {path: {value: /api}}, {path: {value: /api/v2}}, {path: {value: /api}, method: POST}]
      backendRefs: [{name: web, port: 80}]
`)
	newer := route(t, "newer", t0.Add(time.Hour), `
  parentRefs: [{name: shoal}]
  rules:
    - matches: [{path: {type: Exact, value: /api}}, {path: {value: /api}}]
      backendRefs: [{name: web, port: 80}]
`)
	host := route(t, "host", t0.Add(2*time.Hour), `
  parentRefs: [{name: shoal}]
  hostnames: ["*.example.com", a.example.com]
  rules: [{backendRefs: [{name: web, port: 80}]}]
`)
	var got []string
	for _, g := range Ordered(Convert(input(newer, host, older))) {
		got = append(got, g.Body["name"].(string))
	}
	want := []string{
		"httproute.default.host.0.0.1", // exact hostname
		"httproute.default.host.0.0.0", // wildcard hostname
		"httproute.default.newer.0.0",  // Exact path
		"httproute.default.older.0.2",  // longest prefix
		"httproute.default.older.0.3",  // same prefix, with a method
		"httproute.default.older.0.1",  // same prefix, older route
		"httproute.default.newer.0.1",  // same prefix, newer route
		"httproute.default.older.0.0",  // "/"
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("order\n got %v\nwant %v", got, want)
	}
}
