package peers

import (
	"context"
	"slices"
	"testing"
	"time"

	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/shoal-gw/shoal/internal/kube/kubetest"
)

var kube = kubetest.NewShared()

func TestMain(m *testing.M) { kubetest.Main(m, kube) }

func ptr[T any](v T) *T { return &v }

func gatewaySlice(name, service string, ready map[string]bool) *discoveryv1.EndpointSlice {
	sl := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: name, Labels: map[string]string{discoveryv1.LabelServiceName: service}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports: []discoveryv1.EndpointPort{
			{Name: ptr("http"), Port: ptr(int32(8080))},
			{Name: ptr("admin"), Port: ptr(int32(9901))},
		},
	}
	for addr, ok := range ready {
		sl.Endpoints = append(sl.Endpoints, discoveryv1.Endpoint{Addresses: []string{addr}, Conditions: discoveryv1.EndpointConditions{Ready: ptr(ok)}})
	}
	return sl
}

// The finder lists the ready gateways' admin URLs from the EndpointSlices
// of their Service, by port name or number, and follows changes.
func TestFinderFollowsEndpointSlices(t *testing.T) {
	c := kube.Cluster(t)
	ns := c.Namespace(t)
	ctx := context.Background()
	slicesAPI := c.Client.DiscoveryV1().EndpointSlices(ns)
	if _, err := slicesAPI.Create(ctx, gatewaySlice("gw-1", "shoal", map[string]bool{"10.0.0.1": true, "10.0.0.2": false}), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := slicesAPI.Create(ctx, gatewaySlice("other", "not-shoal", map[string]bool{"10.0.0.9": true}), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	f := NewFinder(c.Client, ns, "shoal", "admin")
	defer f.Close()
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := f.WaitSynced(wctx); err != nil {
		t.Fatal(err)
	}
	if got := f.URLs(); !slices.Equal(got, []string{"http://10.0.0.1:9901"}) {
		t.Fatalf("URLs %v, want the one ready gateway's admin port", got)
	}
	if _, err := slicesAPI.Create(ctx, gatewaySlice("gw-2", "shoal", map[string]bool{"10.0.0.3": true}), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	want := []string{"http://10.0.0.1:9901", "http://10.0.0.3:9901"}
	deadline := time.Now().Add(5 * time.Second)
	for !slices.Equal(f.URLs(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("URLs %v, want %v", f.URLs(), want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	byNumber := NewFinder(c.Client, ns, "shoal", "8080")
	defer byNumber.Close()
	if err := byNumber.WaitSynced(wctx); err != nil {
		t.Fatal(err)
	}
	if got := byNumber.URLs(); !slices.Equal(got, []string{"http://10.0.0.1:8080", "http://10.0.0.3:8080"}) {
		t.Fatalf("URLs by port number %v", got)
	}
}
