package app

import (
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/shoal-gw/shoal/internal/kube/kubetest"
	"github.com/shoal-gw/shoal/internal/upstream"
)

// kubeCP is the control plane the app's Kubernetes tests share (started
// by the first test that asks): one per test binary, since it takes
// seconds to start; tests keep apart with their own namespaces.
// kwok and the controller-manager are there for tests that need pods and
// ready replicas; discovery tests write their slices themselves.
var kubeCP = kubetest.NewShared(kubetest.WithKwok())

func TestMain(m *testing.M) { kubetest.Main(m, kubeCP) }

func kptr[T any](v T) *T { return &v }

// originSlice is an EndpointSlice of Kubernetes Service svc listing one
// test origin (an httptest server on 127.0.0.1) with the given conditions.
func originSlice(t *testing.T, name, svc string, o *httptest.Server, ready, serving, terminating bool) *discoveryv1.EndpointSlice {
	t.Helper()
	host, portStr, err := net.SplitHostPort(o.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(portStr)
	return &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: name, Labels: map[string]string{discoveryv1.LabelServiceName: svc}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Name: kptr("http"), Port: kptr(int32(port)), Protocol: kptr(corev1.ProtocolTCP)}},
		Endpoints: []discoveryv1.Endpoint{{
			Addresses:  []string{host},
			Conditions: discoveryv1.EndpointConditions{Ready: kptr(ready), Serving: kptr(serving), Terminating: kptr(terminating)},
		}},
	}
}

func writeKubeConfig(t *testing.T, path, kubeconfig, ns, services, routes string) {
	t.Helper()
	cfg := fmt.Sprintf("listen: [127.0.0.1:0]\nadmin: 127.0.0.2:0\nstate_dir: %s\nkubernetes: {kubeconfig: %s, namespace: %s}\nservices:\n%sroutes:\n%s",
		filepath.Join(filepath.Dir(path), "state"), kubeconfig, ns, services, routes)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// bodies sends n requests and counts the answers by body ("503" for a
// 503 without an origin).
func bodies(t *testing.T, url string, n int) map[string]int {
	t.Helper()
	out := map[string]int{}
	for range n {
		code, b := get(t, url)
		if code != 200 {
			b = strconv.Itoa(code)
		}
		out[b]++
	}
	return out
}

// A running gateway routes to the origins that EndpointSlices list: both
// ready ones, then only the one still ready, none once the slices are
// gone; a serving terminating endpoint is kept but draining; a service in
// another namespace is found by name; a reload adds and drops watches.
func TestKubeDiscoveryRoutes(t *testing.T) {
	c := kubeCP.Cluster(t)
	ns, other := c.Namespace(t), c.Namespace(t)
	ctx := t.Context()
	o1, o2, o3 := origin(t, "one", 0), origin(t, "two", 0), origin(t, "three", 0)
	// The API server refuses loopback endpoint addresses, and the origins
	// listen on 127.0.0.1 only: the slices go straight into etcd
	// (kubetest.Store), and the gateway reads them through the API server
	// as it would any slice.
	store := func(s *discoveryv1.EndpointSlice, namespace string) {
		s.Namespace = namespace
		c.Store(t, "endpointslices", s)
	}
	store(originSlice(t, "api-1", "api", o1, true, true, false), ns)
	store(originSlice(t, "api-2", "api", o2, true, true, false), ns)
	store(originSlice(t, "backend-1", "backend", o3, true, true, false), other)
	slices := c.Client.DiscoveryV1().EndpointSlices(ns)

	path := filepath.Join(t.TempDir(), "shoal.yaml")
	routes := "  - {match: {path_prefix: /api}, service: api}\n  - {match: {path_prefix: /other}, service: other}\n"
	writeKubeConfig(t, path, c.Kubeconfig, ns,
		"  api: {kubernetes: {port: http}}\n  other: {kubernetes: {service: backend, namespace: "+other+"}}\n", routes)
	a := startApp(t, path)
	front := "http://" + a.PublicAddrs()[0]

	waitFor(t, func() bool { got := bodies(t, front+"/api", 6); return got["one"] > 0 && got["two"] > 0 })
	waitFor(t, func() bool { _, b := get(t, front+"/other"); return b == "three" })

	// Not ready, not serving: out of the pool.
	s2, err := slices.Get(ctx, "api-2", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s2.Endpoints[0].Conditions = discoveryv1.EndpointConditions{Ready: kptr(false), Serving: kptr(false)}
	store(s2, ns)
	waitFor(t, func() bool { got := bodies(t, front+"/api", 10); return got["one"] == 10 })

	// Terminating but serving: listed, marked draining, given no request.
	s1, err := slices.Get(ctx, "api-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s1.Endpoints[0].Conditions = discoveryv1.EndpointConditions{Ready: kptr(false), Serving: kptr(true), Terminating: kptr(true)}
	store(s1, ns)
	addr1 := o1.Listener.Addr().String()
	waitFor(t, func() bool {
		st := a.gw.States().Lookup(addr1)
		return st != nil && st.Down()&upstream.Draining != 0
	})
	if got := bodies(t, front+"/api", 5); got["one"] != 0 {
		t.Errorf("a draining endpoint took new requests: %v", got)
	}
	if addrs := a.gw.EndpointAddrs("api"); len(addrs) != 1 || addrs[0] != addr1 {
		t.Errorf("endpoints while draining: %v (want the draining one listed)", addrs)
	}

	// Every slice deleted: no endpoint left, and the draining mark is gone.
	c.Unstore(t, "endpointslices", ns, "api-1")
	c.Unstore(t, "endpointslices", ns, "api-2")
	waitFor(t, func() bool { return len(a.gw.EndpointAddrs("api")) == 0 })
	if got := bodies(t, front+"/api", 3); got["one"]+got["two"] != 0 {
		t.Errorf("answers with every slice deleted: %v", got)
	}
	if st := a.gw.States().Lookup(addr1); st != nil && st.Down()&upstream.Draining != 0 {
		t.Error("draining mark left behind on a deleted endpoint")
	}

	// Reload: other now points at a Service in ns, and api loses its
	// kubernetes block for fixed endpoints; slices then change nothing.
	store(originSlice(t, "late-1", "late", o2, true, true, false), ns)
	writeKubeConfig(t, path, c.Kubeconfig, ns,
		"  api: {endpoints: [\""+o3.URL+"\"]}\n  other: {kubernetes: {service: late}}\n", routes)
	waitFor(t, func() bool { _, b := get(t, front+"/other"); return b == "two" })
	waitFor(t, func() bool { _, b := get(t, front+"/api"); return b == "three" })
	store(originSlice(t, "api-3", "api", o1, true, true, false), ns)
	waitFor(t, func() bool {
		_, err := slices.Get(ctx, "api-3", metav1.GetOptions{})
		return err == nil
	})
	if got := bodies(t, front+"/api", 6); got["three"] != 6 {
		t.Errorf("a service without its kubernetes block still follows slices: %v", got)
	}
}
