package config

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseWorkload(t *testing.T) {
	good := map[string]Workload{
		"deployment/api":           {Group: "apps", Resource: "deployments", Name: "api"},
		"deploy/api":               {Group: "apps", Resource: "deployments", Name: "api"},
		"statefulset/db":           {Group: "apps", Resource: "statefulsets", Name: "db"},
		"replicaset/x.y":           {Group: "apps", Resource: "replicasets", Name: "x.y"},
		"rollouts.argoproj.io/web": {Group: "argoproj.io", Resource: "rollouts", Name: "web"},
		"widgets.example.com/w-1":  {Group: "example.com", Resource: "widgets", Name: "w-1"},
		"deployments/api-v2":       {Group: "apps", Resource: "deployments", Name: "api-v2"},
		"statefulsets.apps/db":     {Group: "apps", Resource: "statefulsets", Name: "db"},
	}
	for in, want := range good {
		got, err := ParseWorkload(in)
		if err != nil || got != want {
			t.Errorf("ParseWorkload(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "api", "deployment/", "/api", "cronjob/x", "deployment/API", "deployment/a/b", "Rollouts.argoproj.io/w"} {
		if w, err := ParseWorkload(in); err == nil {
			t.Errorf("ParseWorkload(%q) = %+v, want an error", in, w)
		}
	}
	if s := (Workload{Group: "apps", Resource: "deployments", Name: "api"}).String(); s != "deployment/api" {
		t.Errorf("String() = %q", s)
	}
	if s := (Workload{Group: "argoproj.io", Resource: "rollouts", Name: "w"}).String(); s != "rollouts.argoproj.io/w" {
		t.Errorf("String() = %q", s)
	}
}

// TestKubeDefaults checks the values other packages read: the defaulted
// Service name and namespace, the split port, and the static defaults.
func TestKubeDefaults(t *testing.T) {
	cfg, err := Parse("k.yaml", []byte(`
kubernetes: {namespace: shop}
services:
  api: {kubernetes: {port: http, workload: deployment/api}, scale: {max: 3}}
  orders: {kubernetes: {service: orders-v2, namespace: backend, port: "8080"}}
routes:
  - service: api
`))
	if err != nil {
		t.Fatal(err)
	}
	k := cfg.Static.Kubernetes
	if k.Kubeconfig != "" || k.History != "configmap" || k.Peers.Port != "admin" || k.LeaderElection.Lease != "shoal-autoscaler" {
		t.Errorf("static defaults: %+v", k)
	}
	if k.LeaderElection.LeaseDuration.D() != 15*time.Second || k.LeaderElection.RenewDeadline.D() != 10*time.Second || k.LeaderElection.RetryPeriod.D() != 2*time.Second {
		t.Errorf("lease timings: %+v", k.LeaderElection)
	}
	if k.LeaseNamespace() != "shop" || k.GatewayNamespace() != "shop" {
		t.Errorf("namespaces: lease %q gateway %q", k.LeaseNamespace(), k.GatewayNamespace())
	}
	api, ok := cfg.Dynamic.Services["api"].KubeTarget()
	if !ok || api != (KubeService{Namespace: "shop", Name: "api", PortName: "http"}) {
		t.Errorf("api target = %+v, %v", api, ok)
	}
	if w, ok := cfg.Dynamic.Services["api"].Kubernetes.ParsedWorkload(); !ok || w.Resource != "deployments" || w.Name != "api" {
		t.Errorf("api workload = %+v, %v", w, ok)
	}
	orders, ok := cfg.Dynamic.Services["orders"].KubeTarget()
	if !ok || orders != (KubeService{Namespace: "backend", Name: "orders-v2", PortNumber: 8080}) {
		t.Errorf("orders target = %+v, %v", orders, ok)
	}
	if _, ok := cfg.Dynamic.Services["orders"].Kubernetes.ParsedWorkload(); ok {
		t.Error("orders has no workload")
	}
}

// TestKubeStaticDiff: the kubernetes block needs a restart to change, but
// only a real change counts, not a key moved to another line.
func TestKubeStaticDiff(t *testing.T) {
	parse := func(src string) *Config {
		t.Helper()
		c, err := Parse("k.yaml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	a := parse("kubernetes: {namespace: shop, history: state_dir}\n")
	moved := parse("\n\nkubernetes:\n  history: state_dir\n  namespace: shop\n")
	if d := StaticDiff(a, moved); len(d) != 0 {
		t.Errorf("moving keys counted as a change: %v", d)
	}
	changed := parse("kubernetes: {namespace: other, history: state_dir}\n")
	if d := StaticDiff(a, changed); !slices.Equal(d, []string{"kubernetes.namespace"}) {
		t.Errorf("StaticDiff = %v, want [kubernetes.namespace]", d)
	}
	if d := StaticDiff(a, parse("")); !slices.Equal(d, []string{"kubernetes"}) {
		t.Errorf("removing the block: StaticDiff = %v", d)
	}
}

// TestKubeNodeLocal: node_name comes from the file, else from NODE_NAME;
// a node_local service with neither is an error at its own line.
func TestKubeNodeLocal(t *testing.T) {
	const src = `kubernetes: {}
services:
  api:
    kubernetes:
      port: http
      node_local: true
routes:
  - service: api
`
	t.Setenv("NODE_NAME", "")
	_, err := Parse("k.yaml", []byte(src))
	if err == nil || !strings.Contains(err.Error(), "k.yaml:6:") || !strings.Contains(err.Error(), "node_local") {
		t.Fatalf("no node name: err = %v, want a node_local error at k.yaml:6", err)
	}

	t.Setenv("NODE_NAME", "node-a")
	cfg, err := Parse("k.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Static.Kubernetes.NodeName; got != "node-a" {
		t.Errorf("node name from the environment = %q", got)
	}
	if tg, _ := cfg.Dynamic.Services["api"].KubeTarget(); !tg.NodeLocal {
		t.Errorf("KubeTarget lost node_local: %+v", tg)
	}

	cfg, err = Parse("k.yaml", []byte(strings.Replace(src, "kubernetes: {}", "kubernetes: {node_name: node-b}", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Static.Kubernetes.NodeName; got != "node-b" {
		t.Errorf("node_name in the file = %q, want it over the environment", got)
	}

	_, err = Parse("k.yaml", []byte("kubernetes: {node_name: Node_B}\n"))
	if err == nil || !strings.Contains(err.Error(), "k.yaml:1:") {
		t.Errorf("bad node_name: err = %v", err)
	}
}
