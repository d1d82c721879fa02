package kube

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

// widgetCRD is a namespaced custom resource with a scale subresource, the
// shape of Argo Rollouts or Knative's services.
func widgetCRD(scale bool) *unstructured.Unstructured {
	subresources := map[string]any{"status": map[string]any{}}
	if scale {
		subresources["scale"] = map[string]any{
			"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas",
		}
	}
	plural := "widgets"
	if !scale {
		plural = "gizmos"
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1",
		"kind":       "CustomResourceDefinition",
		"metadata":   map[string]any{"name": plural + ".example.com"},
		"spec": map[string]any{
			"group": "example.com",
			"scope": "Namespaced",
			"names": map[string]any{"plural": plural, "singular": strings.TrimSuffix(plural, "s"), "kind": strings.ToUpper(plural[:1]) + strings.TrimSuffix(plural[1:], "s")},
			"versions": []any{map[string]any{
				"name": "v1alpha1", "served": true, "storage": true,
				"subresources": subresources,
				"schema": map[string]any{"openAPIV3Schema": map[string]any{
					"type": "object", "x-kubernetes-preserve-unknown-fields": true,
				}},
			}},
		},
	}}
}

// Any resource with a scale subresource can be the workload, found through
// discovery; one without is refused with a clear error.
func TestCustomResourceWithScale(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	dyn, err := dynamic.NewForConfig(r.c.Config)
	if err != nil {
		t.Fatal(err)
	}
	crds := dyn.Resource(schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"})
	for _, scale := range []bool{true, false} {
		crd := widgetCRD(scale)
		if _, err := crds.Create(ctx, crd, metav1.CreateOptions{}); err != nil && !strings.Contains(err.Error(), "already exists") {
			t.Fatal(err)
		}
	}
	widgets := dyn.Resource(schema.GroupVersionResource{Group: "example.com", Version: "v1alpha1", Resource: "widgets"}).Namespace(r.ns)
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "example.com/v1alpha1", "kind": "Widget",
		"metadata": map[string]any{"name": "gadget"},
		"spec":     map[string]any{"replicas": int64(1)},
	}}
	// The new resource is served once the CRD is established.
	eventually(t, 15*time.Second, "widget created", func() bool {
		_, err := widgets.Create(ctx, obj, metav1.CreateOptions{})
		return err == nil
	})
	if err := r.s.Set("gadget", Target{Namespace: r.ns, Workload: "widgets.example.com/gadget"}); err != nil {
		t.Fatal(err)
	}
	r.known(t, "gadget", 1)
	if err := r.s.Scale("gadget", 4); err != nil {
		t.Fatal(err)
	}
	got, err := widgets.Get(ctx, "gadget", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n, _, _ := unstructured.NestedInt64(got.Object, "spec", "replicas"); n != 4 {
		t.Fatalf("widget spec.replicas %d, want 4", n)
	}

	if err := r.s.Set("gizmo", Target{Namespace: r.ns, Workload: "gizmos.example.com/g"}); err != nil {
		t.Fatal(err)
	}
	var scaleErr error
	eventually(t, 15*time.Second, "gizmos discovered", func() bool {
		scaleErr = r.s.Scale("gizmo", 2)
		return scaleErr != nil && strings.Contains(scaleErr.Error(), "no scale subresource")
	})
}
