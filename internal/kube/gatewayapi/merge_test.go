package gatewayapi

import (
	"strings"
	"testing"

	"github.com/shoal-gw/shoal/internal/config"
)

const file = `listen: [127.0.0.1:0]
admin: 127.0.0.1:0
kubernetes: {namespace: default}
services:
  web:
    endpoints: [http://127.0.0.1:9001]
routes:
  - match: {path_prefix: /}
    service: web
`

func TestMergeGoesThroughConfigValidation(t *testing.T) {
	r := one(t, input(route(t, "shop", t0, `
  parentRefs: [{name: shoal}]
  rules:
    - matches: [{path: {value: /api}}]
      backendRefs: [{name: web, port: 80}]
`)))
	merged, err := Merge([]byte(file), Ordered([]*Routed{r}), r.Services)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse("merged", merged)
	if err != nil {
		t.Fatalf("merged config invalid: %v\n%s", err, merged)
	}
	if n := len(cfg.Dynamic.Routes); n != 2 || cfg.Dynamic.Routes[0].Name != "httproute.default.shop.0.0" || cfg.Dynamic.Routes[1].Match.PathPrefix != "/" {
		t.Fatalf("routes %d, first %q: want the HTTPRoute's before the file's catch-all", n, cfg.Dynamic.Routes[0].Name)
	}
	svc := cfg.Dynamic.Services["web.default.80"]
	if svc == nil || svc.Kubernetes == nil || svc.Kubernetes.Service != "web" || svc.Kubernetes.Port != "http" {
		t.Fatalf("generated service %+v", svc)
	}
	if len(cfg.Dynamic.Services["web"].Endpoints) != 1 {
		t.Error("the file's own service changed")
	}
}

func TestDescribeNamesTheRoute(t *testing.T) {
	r := one(t, input(route(t, "bad", t0, `
  parentRefs: [{name: shoal}]
  rules:
    - matches: [{path: {type: RegularExpression, value: "/a(("}}]
      backendRefs: [{name: web, port: 80}]
`)))
	routes := Ordered([]*Routed{r})
	merged, err := Merge([]byte(file), routes, r.Services)
	if err != nil {
		t.Fatal(err)
	}
	_, err = config.Parse("merged", merged)
	if err == nil {
		t.Fatal("a broken regex passed validation")
	}
	msg := Describe(err, routes)
	if !strings.Contains(msg, "route httproute.default.bad.0.0.match.path_regex") || strings.Contains(msg, "merged:") {
		t.Errorf("message %q: want the generated route's name and no merged file:line", msg)
	}
}

func TestMergeIntoAFileWithoutRoutes(t *testing.T) {
	r := one(t, input(route(t, "x", t0, "  parentRefs: [{name: shoal}]\n  rules: [{backendRefs: [{name: api, port: 8080}]}]\n")))
	merged, err := Merge([]byte("listen: [127.0.0.1:0]\nadmin: 127.0.0.1:0\nkubernetes: {}\nroutes:\n"), Ordered([]*Routed{r}), r.Services)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := config.Parse("merged", merged); err != nil {
		t.Fatalf("%v\n%s", err, merged)
	}
}
