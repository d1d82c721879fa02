package kube

import (
	"context"
	"errors"
	"strings"
	"testing"

	"k8s.io/client-go/kubernetes/fake"

	"github.com/shoal-gw/shoal/internal/registry"
)

// The read side comes from the embedded static registry; these need no
// cluster, so they run where the control plane binaries are missing too.
func TestReadSideWithoutServices(t *testing.T) {
	r, err := New(Options{Client: fake.NewClientset()})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx := context.Background()
	if _, err := r.Register(ctx, registry.Instance{Service: "api", Address: "127.0.0.1:1"}); !errors.Is(err, registry.ErrReadOnly) || !strings.Contains(err.Error(), "EndpointSlices") {
		t.Errorf("Register: %v, want ErrReadOnly naming EndpointSlices", err)
	}
	if list, err := r.List(ctx, "api"); err != nil || len(list) != 0 {
		t.Errorf("List of an unmapped service: %v, %v", list, err)
	}
	if _, ok := any(r).(interface {
		Set(string, []registry.Instance)
	}); ok {
		t.Error("the Kubernetes registry exposes Set: only the slice watch may change the sets")
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}
