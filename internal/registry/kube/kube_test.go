package kube

import (
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/util/retry"

	"github.com/shoal-gw/shoal/internal/kube/kubetest"
	"github.com/shoal-gw/shoal/internal/registry"
)

// kwok runs the pods of TestControllerMadeSlices; the other tests write
// their slices themselves.
var kube = kubetest.NewShared(kubetest.WithKwok())

func TestMain(m *testing.M) { kubetest.Main(m, kube) }

func ptr[T any](v T) *T { return &v }

// endpoint builds a slice endpoint with the given conditions.
func endpoint(ip string, ready, serving, terminating bool) discoveryv1.Endpoint {
	return discoveryv1.Endpoint{
		Addresses: []string{ip},
		Conditions: discoveryv1.EndpointConditions{
			Ready: ptr(ready), Serving: ptr(serving), Terminating: ptr(terminating),
		},
	}
}

func slice(name, service string, ports []discoveryv1.EndpointPort, eps ...discoveryv1.Endpoint) *discoveryv1.EndpointSlice {
	return &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: name, Labels: map[string]string{discoveryv1.LabelServiceName: service}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       ports,
		Endpoints:   eps,
	}
}

func port(name string, n int32) discoveryv1.EndpointPort {
	return discoveryv1.EndpointPort{Name: ptr(name), Port: ptr(n), Protocol: ptr(corev1.ProtocolTCP)}
}

func newRegistry(t *testing.T) *Registry {
	t.Helper()
	r, err := New(Options{Client: kube.Cluster(t).Client})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// next reads the watch until want(set) holds, failing after 10 s.
func next(t *testing.T, ch <-chan []registry.Instance, what string, want func([]registry.Instance) bool) []registry.Instance {
	t.Helper()
	timeout := time.After(10 * time.Second)
	var last []registry.Instance
	for {
		select {
		case set, ok := <-ch:
			if !ok {
				t.Fatalf("%s: watch closed", what)
			}
			last = set
			if want(set) {
				return set
			}
		case <-timeout:
			t.Fatalf("%s: not seen within 10s; last set %v", what, addrs(last))
		}
	}
}

func addrs(set []registry.Instance) []string {
	out := make([]string, len(set))
	for i, in := range set {
		out[i] = in.Address
		if in.Metadata[MetaDraining] == "true" {
			out[i] += "(draining)"
		}
	}
	return out
}

func same(set []registry.Instance, want ...string) bool {
	got := addrs(set)
	return fmt.Sprint(got) == fmt.Sprint(want)
}

// TestConditionsAndMetadata: ready endpoints are in, serving terminating
// ones are in as draining, the rest are out; the named port is used and
// pod, node, zone and hints land in the metadata.
func TestConditionsAndMetadata(t *testing.T) {
	c := kube.Cluster(t)
	ns := c.Namespace(t)
	ctx := t.Context()
	ready := endpoint("10.0.0.1", true, true, false)
	ready.TargetRef = &corev1.ObjectReference{Kind: "Pod", Name: "api-1", Namespace: ns}
	ready.NodeName = ptr("node-a")
	ready.Zone = ptr("zone-a")
	ready.Hints = &discoveryv1.EndpointHints{ForZones: []discoveryv1.ForZone{{Name: "zone-a"}, {Name: "zone-b"}}}
	s := slice("api-abc", "api", []discoveryv1.EndpointPort{port("metrics", 9090), port("http", 8080)},
		ready,
		endpoint("10.0.0.2", false, true, true),               // terminating, still serving: draining
		endpoint("10.0.0.3", false, false, true),              // terminating, done serving: out
		endpoint("10.0.0.4", false, false, false),             // not ready: out
		discoveryv1.Endpoint{Addresses: []string{"10.0.0.5"}}, // no conditions reported: ready
	)
	if _, err := c.Client.DiscoveryV1().EndpointSlices(ns).Create(ctx, s, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	r := newRegistry(t)
	if err := r.SetServices(map[string]Source{"api": {Namespace: ns, Service: "api", PortName: "http"}}); err != nil {
		t.Fatal(err)
	}
	ch, err := r.Watch(ctx, "api")
	if err != nil {
		t.Fatal(err)
	}
	set := next(t, ch, "initial set", func(s []registry.Instance) bool { return len(s) > 0 })
	if !same(set, "10.0.0.1:8080", "10.0.0.2:8080(draining)", "10.0.0.5:8080") {
		t.Fatalf("instances %v", addrs(set))
	}
	m := set[0].Metadata
	want := map[string]string{MetaNamespace: ns, MetaService: "api", MetaSlice: "api-abc", MetaPod: "api-1",
		MetaNode: "node-a", MetaZone: "zone-a", MetaHintZones: "zone-a,zone-b"}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("metadata %s = %q, want %q (all: %v)", k, m[k], v, m)
		}
	}
	if _, ok := m[MetaDraining]; ok {
		t.Errorf("a ready endpoint is marked draining: %v", m)
	}
	if set[0].ID == "" || set[0].Service != "api" {
		t.Errorf("instance %+v", set[0])
	}

	// Read-only: writes name where instances come from.
	if _, err := r.Register(ctx, registry.Instance{Service: "api", Address: "127.0.0.1:1"}); !errors.Is(err, registry.ErrReadOnly) {
		t.Errorf("Register: %v, want ErrReadOnly", err)
	}
	if err := r.Deregister(ctx, "api", set[0].ID); !errors.Is(err, registry.ErrReadOnly) {
		t.Errorf("Deregister: %v, want ErrReadOnly", err)
	}
	if _, err := r.Heartbeat(ctx, "api", set[0].ID); !errors.Is(err, registry.ErrReadOnly) {
		t.Errorf("Heartbeat: %v, want ErrReadOnly", err)
	}
}

// TestFollowsSlices: a change of conditions, a second slice and a deletion
// reach the watcher; a slice of another Service does not.
func TestFollowsSlices(t *testing.T) {
	c := kube.Cluster(t)
	ns := c.Namespace(t)
	ctx := t.Context()
	slices := c.Client.DiscoveryV1().EndpointSlices(ns)
	ports := []discoveryv1.EndpointPort{port("http", 80)}
	r := newRegistry(t)
	if err := r.SetServices(map[string]Source{"web": {Namespace: ns, Service: "web"}}); err != nil {
		t.Fatal(err)
	}
	ch, err := r.Watch(ctx, "web")
	if err != nil {
		t.Fatal(err)
	}
	first, err := slices.Create(ctx, slice("web-1", "web", ports, endpoint("10.1.0.1", true, true, false), endpoint("10.1.0.2", true, true, false)), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	next(t, ch, "two ready", func(s []registry.Instance) bool { return same(s, "10.1.0.1:80", "10.1.0.2:80") })
	if _, err := slices.Create(ctx, slice("other-1", "other", ports, endpoint("10.9.0.1", true, true, false)), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := slices.Create(ctx, slice("web-2", "web", ports, endpoint("10.1.0.3", true, true, false)), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	next(t, ch, "second slice", func(s []registry.Instance) bool { return same(s, "10.1.0.1:80", "10.1.0.2:80", "10.1.0.3:80") })

	first.Endpoints[1].Conditions.Ready = ptr(false)
	first.Endpoints[1].Conditions.Serving = ptr(false)
	if _, err := slices.Update(ctx, first, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	next(t, ch, "not ready removed", func(s []registry.Instance) bool { return same(s, "10.1.0.1:80", "10.1.0.3:80") })

	for _, name := range []string{"web-1", "web-2"} {
		if err := slices.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	next(t, ch, "slices deleted", func(s []registry.Instance) bool { return len(s) == 0 })
	if got, _ := r.Services(ctx); len(got) != 0 {
		t.Errorf("Services after deletion: %v", got)
	}
}

// TestPortsAndReload: the port by number, the only port by default, no
// instances for an ambiguous slice; SetServices moves a service to another
// namespace and drops a removed one.
func TestPortsAndReload(t *testing.T) {
	c := kube.Cluster(t)
	nsA, nsB := c.Namespace(t), c.Namespace(t)
	ctx := t.Context()
	two := []discoveryv1.EndpointPort{port("http", 8080), port("grpc", 9000)}
	for _, ns := range []string{nsA, nsB} {
		ip := "10.2.0.1"
		if ns == nsB {
			ip = "10.3.0.1"
		}
		if _, err := c.Client.DiscoveryV1().EndpointSlices(ns).Create(ctx, slice("svc-1", "svc", two, endpoint(ip, true, true, false)), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Client.DiscoveryV1().EndpointSlices(ns).Create(ctx, slice("one-1", "one", two[:1], endpoint(ip, true, true, false)), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	r := newRegistry(t)
	err := r.SetServices(map[string]Source{
		"by-number": {Namespace: nsA, Service: "svc", PortNumber: 9000},
		"only":      {Namespace: nsA, Service: "one"},
		"ambiguous": {Namespace: nsA, Service: "svc"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.WaitSynced(ctx); err != nil {
		t.Fatal(err)
	}
	list := func(name string) []string {
		set, err := r.List(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return addrs(set)
	}
	if got := list("by-number"); fmt.Sprint(got) != "[10.2.0.1:9000]" {
		t.Errorf("by-number: %v", got)
	}
	if got := list("only"); fmt.Sprint(got) != "[10.2.0.1:8080]" {
		t.Errorf("only: %v", got)
	}
	if got := list("ambiguous"); len(got) != 0 {
		t.Errorf("ambiguous: %v", got)
	}

	ch, err := r.Watch(ctx, "only")
	if err != nil {
		t.Fatal(err)
	}
	next(t, ch, "before the move", func(s []registry.Instance) bool { return same(s, "10.2.0.1:8080") })
	if err := r.SetServices(map[string]Source{"only": {Namespace: nsB, Service: "one", PortName: "http"}}); err != nil {
		t.Fatal(err)
	}
	next(t, ch, "moved to the other namespace", func(s []registry.Instance) bool { return same(s, "10.3.0.1:8080") })
	if got := list("by-number"); len(got) != 0 {
		t.Errorf("a removed service keeps instances: %v", got)
	}
	r.mu.Lock()
	_, stillA := r.watches[nsA]
	r.mu.Unlock()
	if stillA {
		t.Error("the namespace no service uses is still watched")
	}
	if err := r.SetServices(map[string]Source{"x": {Service: "x"}}); !errors.Is(err, registry.ErrInvalid) {
		t.Errorf("a source without namespace: %v", err)
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		c    discoveryv1.EndpointConditions
		want state
	}{
		{discoveryv1.EndpointConditions{}, stateReady},
		{discoveryv1.EndpointConditions{Ready: ptr(true)}, stateReady},
		{discoveryv1.EndpointConditions{Ready: ptr(false)}, stateOut},
		{discoveryv1.EndpointConditions{Ready: ptr(false), Serving: ptr(true), Terminating: ptr(true)}, stateDraining},
		{discoveryv1.EndpointConditions{Ready: ptr(false), Serving: ptr(false), Terminating: ptr(true)}, stateOut},
		{discoveryv1.EndpointConditions{Ready: ptr(false), Serving: ptr(true), Terminating: ptr(false)}, stateOut},
	} {
		if got := classify(tc.c); got != tc.want {
			t.Errorf("classify(%+v) = %d, want %d", tc.c, got, tc.want)
		}
	}
}

// TestControllerMadeSlices: the slices the endpointslice controller makes
// for a Deployment's pods (run by kwok) are discovered with pod and node,
// and follow a scale-in.
func TestControllerMadeSlices(t *testing.T) {
	c := kube.Cluster(t)
	ns := c.Namespace(t)
	ctx := t.Context()
	labels := map[string]string{"app": "shop"}
	_, err := c.Client.AppsV1().Deployments(ns).Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "shop"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr(int32(3)),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{NodeName: kubetest.KwokNode, Containers: []corev1.Container{{
					Name: "shop", Image: "example.invalid/shop",
					Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}, {Name: "metrics", ContainerPort: 9090}},
				}}},
			},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Client.CoreV1().Services(ns).Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "shop"},
		Spec: corev1.ServiceSpec{Selector: labels, Ports: []corev1.ServicePort{
			{Name: "web", Port: 80, TargetPort: intstr.FromString("http")},
			{Name: "metrics", Port: 9090, TargetPort: intstr.FromString("metrics")},
		}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := newRegistry(t)
	if err := r.SetServices(map[string]Source{"shop": {Namespace: ns, Service: "shop", PortName: "web"}}); err != nil {
		t.Fatal(err)
	}
	ch, err := r.Watch(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	set := next(t, ch, "three pods", func(s []registry.Instance) bool { return len(s) == 3 })
	for _, in := range set {
		if _, port, _ := net.SplitHostPort(in.Address); port != "8080" || in.Metadata[MetaPod] == "" || in.Metadata[MetaNode] != kubetest.KwokNode {
			t.Errorf("instance %s: metadata %v", in.Address, in.Metadata)
		}
	}
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		sc, err := c.Client.AppsV1().Deployments(ns).GetScale(ctx, "shop", metav1.GetOptions{})
		if err != nil {
			return err
		}
		sc.Spec.Replicas = 1
		_, err = c.Client.AppsV1().Deployments(ns).UpdateScale(ctx, "shop", sc, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	next(t, ch, "scaled in to one", func(s []registry.Instance) bool { return len(s) == 1 })
}
