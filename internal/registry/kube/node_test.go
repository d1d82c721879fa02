package kube

import (
	"testing"

	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/shoal-gw/shoal/internal/registry"
)

// onNodeEndpoint is a ready endpoint that reports its node ("" for none).
func onNodeEndpoint(ip, node string) discoveryv1.Endpoint {
	ep := endpoint(ip, true, true, false)
	if node != "" {
		ep.NodeName = ptr(node)
	}
	return ep
}

// TestNodeLocal: of one Kubernetes Service with endpoints on two nodes, a
// source limited to node-a lists only node-a's (not those without a node),
// an unlimited source lists all; turning the limit off on reload brings
// the others back, and a new endpoint elsewhere does not reach the local
// one.
func TestNodeLocal(t *testing.T) {
	c := kube.Cluster(t)
	ns := c.Namespace(t)
	ctx := t.Context()
	slices := c.Client.DiscoveryV1().EndpointSlices(ns)
	ports := []discoveryv1.EndpointPort{port("http", 80)}
	for _, s := range []*discoveryv1.EndpointSlice{
		slice("api-1", "api", ports, onNodeEndpoint("10.2.0.1", "node-a"), onNodeEndpoint("10.2.0.2", "node-b")),
		slice("api-2", "api", ports, onNodeEndpoint("10.2.0.3", "node-a"), onNodeEndpoint("10.2.0.4", "")),
	} {
		if _, err := slices.Create(ctx, s, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	r := newRegistry(t)
	local := Source{Namespace: ns, Service: "api", Node: "node-a"}
	all := Source{Namespace: ns, Service: "api"}
	if err := r.SetServices(map[string]Source{"local": local, "all": all}); err != nil {
		t.Fatal(err)
	}
	localCh, err := r.Watch(ctx, "local")
	if err != nil {
		t.Fatal(err)
	}
	allCh, err := r.Watch(ctx, "all")
	if err != nil {
		t.Fatal(err)
	}
	everything := func(s []registry.Instance) bool {
		return same(s, "10.2.0.1:80", "10.2.0.2:80", "10.2.0.3:80", "10.2.0.4:80")
	}
	next(t, allCh, "node_local off keeps both nodes", everything)
	set := next(t, localCh, "node_local keeps node-a", func(s []registry.Instance) bool { return len(s) > 0 })
	if !same(set, "10.2.0.1:80", "10.2.0.3:80") {
		t.Fatalf("node-local instances %v, want only node-a's", addrs(set))
	}
	for _, in := range set {
		if in.Metadata[MetaNode] != "node-a" {
			t.Errorf("%s: node metadata %q", in.Address, in.Metadata[MetaNode])
		}
	}

	// An endpoint added on node-b shows in "all"; "local" must stay as it
	// was, checked once "all" has it, since both come from the same cache.
	if _, err := slices.Create(ctx, slice("api-3", "api", ports, onNodeEndpoint("10.2.0.5", "node-b")), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	next(t, allCh, "new endpoint on node-b", func(s []registry.Instance) bool { return len(s) == 5 })
	if got, _ := r.List(ctx, "local"); !same(got, "10.2.0.1:80", "10.2.0.3:80") {
		t.Errorf("node-local after a node-b endpoint: %v", addrs(got))
	}

	local.Node = ""
	if err := r.SetServices(map[string]Source{"local": local, "all": all}); err != nil {
		t.Fatal(err)
	}
	next(t, localCh, "node_local turned off", func(s []registry.Instance) bool { return len(s) == 5 })
}
