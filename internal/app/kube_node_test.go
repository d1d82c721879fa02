package app

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// TestKubeNodeLocal: with node_name node-a, a node_local service routes
// only to the endpoint on node-a, while a service without it over the same
// Kubernetes Service routes to both nodes.
func TestKubeNodeLocal(t *testing.T) {
	c := kubeCP.Cluster(t)
	ns := c.Namespace(t)
	oA, oB := origin(t, "on-a", 0), origin(t, "on-b", 0)
	for _, e := range []struct {
		name, node string
		o          *httptest.Server
	}{{"api-a", "node-a", oA}, {"api-b", "node-b", oB}} {
		s := originSlice(t, e.name, "api", e.o, true, true, false)
		s.Endpoints[0].NodeName = kptr(e.node)
		s.Namespace = ns
		c.Store(t, "endpointslices", s)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "shoal.yaml")
	cfg := fmt.Sprintf(`listen: [127.0.0.1:0]
admin: 127.0.0.2:0
state_dir: %s
kubernetes: {kubeconfig: %s, namespace: %s, node_name: node-a}
services:
  local: {kubernetes: {service: api, port: http, node_local: true}}
  all: {kubernetes: {service: api, port: http}}
routes:
  - {match: {path_prefix: /local}, service: local}
  - {match: {path_prefix: /all}, service: all}
`, filepath.Join(dir, "state"), c.Kubeconfig, ns)
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	a := startApp(t, path)
	front := "http://" + a.PublicAddrs()[0]

	waitFor(t, func() bool { got := bodies(t, front+"/all", 6); return got["on-a"] > 0 && got["on-b"] > 0 })
	waitFor(t, func() bool { _, b := get(t, front+"/local"); return b == "on-a" })
	if got := bodies(t, front+"/local", 10); got["on-a"] != 10 {
		t.Errorf("node_local service answered %v, want only node-a's origin", got)
	}
}
