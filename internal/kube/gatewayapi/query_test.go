package gatewayapi

import (
	"reflect"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/config"
)

// queryParams become Shoal's match.query (Exact → value, RegularExpression
// → regex), pass the config's validation, and rank after headers.
func TestConvertQueryParams(t *testing.T) {
	r := one(t, input(route(t, "q", t0, `
  parentRefs: [{name: shoal}]
  rules:
    - matches:
        - path: {value: /search}
          queryParams: [{name: v, value: "2"}, {type: RegularExpression, name: id, value: "[0-9]+"}]
      backendRefs: [{name: web, port: 80}]
`)))
	if !r.Accepted.OK {
		t.Fatalf("accepted %+v, want True", r.Accepted)
	}
	want := []any{map[string]any{"name": "v", "value": "2"}, map[string]any{"name": "id", "regex": "[0-9]+"}}
	if got := r.Routes[0].Body["match"].(map[string]any)["query"]; !reflect.DeepEqual(got, want) {
		t.Fatalf("query %v, want %v", got, want)
	}
	merged, err := Merge([]byte(file), Ordered([]*Routed{r}), r.Services)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse("merged", merged)
	if err != nil {
		t.Fatalf("merged config invalid: %v\n%s", err, merged)
	}
	q := cfg.Dynamic.Routes[0].Match.Query
	if len(q) != 2 || q[0].Name != "v" || q[0].Value != "2" || q[1].Name != "id" || q[1].Regex != "[0-9]+" {
		t.Fatalf("parsed query %+v", q)
	}

	bad := one(t, input(route(t, "b", t0, `
  parentRefs: [{name: shoal}]
  rules:
    - matches: [{queryParams: [{type: Prefix, name: v, value: "2"}]}]
      backendRefs: [{name: web, port: 80}]
`)))
	if bad.Accepted.OK || bad.Accepted.Reason != "UnsupportedValue" {
		t.Fatalf("unknown queryParams type: accepted %+v, want False/UnsupportedValue", bad.Accepted)
	}
}

func TestOrderedQueryAfterHeaders(t *testing.T) {
	rt := route(t, "r", t0, `
  parentRefs: [{name: shoal}]
  rules:
    - matches:
        - path: {value: /x}
        - path: {value: /x}
          queryParams: [{name: a, value: "1"}]
        - path: {value: /x}
          queryParams: [{name: a, value: "1"}, {name: b, value: "2"}]
        - path: {value: /x}
          headers: [{name: h, value: "1"}]
      backendRefs: [{name: web, port: 80}]
`)
	newer := route(t, "newer", t0.Add(time.Hour), `
  parentRefs: [{name: shoal}]
  rules:
    - matches: [{path: {value: /x}, queryParams: [{name: a, value: "1"}, {name: b, value: "2"}, {name: c, value: "3"}]}]
      backendRefs: [{name: web, port: 80}]
`)
	var got []string
	for _, g := range Ordered(Convert(input(rt, newer))) {
		got = append(got, g.Body["name"].(string))
	}
	want := []string{
		"httproute.default.r.0.3",     // a header outranks any number of query params
		"httproute.default.newer.0.0", // three query params, though newer
		"httproute.default.r.0.2",     // two
		"httproute.default.r.0.1",     // one
		"httproute.default.r.0.0",     // none
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("order\n got %v\nwant %v", got, want)
	}
}
