package gateway

import (
	"fmt"
	"strings"
	"testing"

	"github.com/shoal-gw/shoal/internal/upstream"
)

func seenOrigins(t *testing.T, g *Gateway, n int) map[string]int {
	t.Helper()
	seen := map[string]int{}
	for i := 0; i < n; i++ {
		seen[serve(g, "GET", "/", nil).Header().Get("X-Origin")]++
	}
	return seen
}

func TestSourcesMergeAndSurviveReload(t *testing.T) {
	a, b := origin(t, "a", nil), origin(t, "b", nil)
	cfg := fmt.Sprintf("services: {s: {endpoints: [%s]}}\nroutes: [{service: s}]\n", a.URL)
	g, _ := newGateway(t, cfg)
	if err := g.SetSourceTargets("s", "registry", []upstream.Target{{Address: strings.TrimPrefix(b.URL, "http://")}}); err != nil {
		t.Fatal(err)
	}
	if seen := seenOrigins(t, g, 10); seen["a"] != 5 || seen["b"] != 5 {
		t.Fatalf("round robin over static + registered: %v", seen)
	}
	// A reload of the config must not drop the registered endpoint.
	c := parse(t, cfg)
	if err := g.Apply(c.File, &c.Dynamic); err != nil {
		t.Fatal(err)
	}
	if seen := seenOrigins(t, g, 10); seen["b"] == 0 {
		t.Fatalf("registered endpoint lost on reload: %v", seen)
	}
	d, _ := g.Service("s")
	if len(d.Endpoints) != 2 || d.Instances.Ready != 2 {
		t.Errorf("service detail: %+v", d)
	}
	if err := g.SetSourceTargets("s", "registry", nil); err != nil {
		t.Fatal(err)
	}
	if seen := seenOrigins(t, g, 10); seen["a"] != 10 {
		t.Fatalf("after the source emptied: %v", seen)
	}
	// Targets for a service the config does not have yet wait for it.
	if err := g.SetSourceTargets("later", "runtime", []upstream.Target{{Address: strings.TrimPrefix(b.URL, "http://")}}); err != nil {
		t.Fatal(err)
	}
	c = parse(t, fmt.Sprintf("services: {s: {endpoints: [%s]}, later: {}}\nroutes: [{match: {path_prefix: /later}, service: later}, {service: s}]\n", a.URL))
	if err := g.Apply(c.File, &c.Dynamic); err != nil {
		t.Fatal(err)
	}
	if got := serve(g, "GET", "/later", nil).Header().Get("X-Origin"); got != "b" {
		t.Errorf("service added by reload did not pick up its waiting endpoints: %q", got)
	}
}
