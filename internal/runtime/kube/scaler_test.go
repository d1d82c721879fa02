package kube

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func (r *rig) specReplicas(t *testing.T, name string) int {
	t.Helper()
	d, err := r.c.Client.AppsV1().Deployments(r.ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return int(*d.Spec.Replicas)
}

func (r *rig) known(t *testing.T, service string, desired int) {
	t.Helper()
	eventually(t, 10*time.Second, "status of "+service, func() bool {
		o, ok := r.s.Status(service)
		return ok && o.Desired == desired
	})
}

// Scaling patches the Deployment's scale subresource, the ReplicaSet
// follows, and readiness, reported back from the status the controllers
// compute, gives the cold start.
func TestScaleDeploymentReplicaSetFollows(t *testing.T) {
	r := newRig(t)
	r.deployment(t, "api", 1)
	if err := r.s.Set("api", Target{Namespace: r.ns, Workload: "deployment/api"}); err != nil {
		t.Fatal(err)
	}
	r.known(t, "api", 1)
	eventually(t, 10*time.Second, "first pod", func() bool { return r.markReady(t, "api") == 1 })
	eventually(t, 10*time.Second, "first pod ready", func() bool { o, _ := r.s.Status("api"); return o.Ready == 1 })

	if err := r.s.Scale("api", 3); err != nil {
		t.Fatal(err)
	}
	if o, _ := r.s.Status("api"); o.Desired != 3 || o.Starting != 2 {
		t.Fatalf("status right after Scale(3): %+v, want desired 3, starting 2", o)
	}
	if got := r.specReplicas(t, "api"); got != 3 {
		t.Fatalf("deployment spec.replicas %d, want 3", got)
	}
	eventually(t, 10*time.Second, "ReplicaSet at 3", func() bool { return r.rsReplicas(t, "api") == 3 })
	eventually(t, 10*time.Second, "three pods", func() bool { return r.markReady(t, "api") == 3 })
	eventually(t, 10*time.Second, "three ready", func() bool {
		o, _ := r.s.Status("api")
		return o.Ready == 3 && o.Starting == 0 && o.ColdStart > 0
	})
	o, _ := r.s.Status("api")
	t.Logf("cold start measured: %v", o.ColdStart)

	before := r.patches.Load()
	if err := r.s.Scale("api", 3); err != nil {
		t.Fatal(err)
	}
	if n := r.patches.Load() - before; n != 0 {
		t.Fatalf("Scale to the current count sent %d PATCH requests, want 0", n)
	}
	if err := r.s.Scale("api", 1); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "ReplicaSet back at 1", func() bool { return r.rsReplicas(t, "api") == 1 })
	eventually(t, 10*time.Second, "one ready", func() bool { o, _ := r.s.Status("api"); return o.Desired == 1 && o.Ready == 1 })
}

// A person's edit is taken as the current count, reported once, and not
// patched back; asking for that count sends nothing.
func TestOutsideEditIsNotFought(t *testing.T) {
	r := newRig(t)
	r.deployment(t, "web", 2)
	if err := r.s.Set("web", Target{Namespace: r.ns, Workload: "deployment/web"}); err != nil {
		t.Fatal(err)
	}
	r.known(t, "web", 2)
	_, err := r.c.Client.AppsV1().Deployments(r.ns).Patch(context.Background(), "web", types.MergePatchType, []byte(`{"spec":{"replicas":5}}`), metav1.PatchOptions{}, "scale")
	if err != nil {
		t.Fatal(err)
	}
	r.known(t, "web", 5)
	ev := r.ev.all()
	if len(ev) != 1 || !strings.Contains(ev[0], "changed outside this gateway: 2 → 5") {
		t.Fatalf("events %q, want one naming the outside change", ev)
	}
	before := r.patches.Load()
	if err := r.s.Scale("web", 5); err != nil {
		t.Fatal(err)
	}
	if n := r.patches.Load() - before; n != 0 {
		t.Fatalf("%d PATCH requests for the count already set, want 0", n)
	}
	if err := r.s.Scale("web", 4); err != nil {
		t.Fatal(err)
	}
	if n := r.patches.Load() - before; n != 1 {
		t.Fatalf("%d PATCH requests for a new count, want 1", n)
	}
	time.Sleep(300 * time.Millisecond) // the watch reports our own change: no outside edit
	if ev := r.ev.all(); len(ev) != 1 {
		t.Fatalf("events after our own change: %q", ev)
	}
}

// An HPA on the workload makes Scale refuse with an error naming it;
// take_over lets Shoal scale anyway.
func TestHPAIsNotFought(t *testing.T) {
	r := newRig(t)
	r.deployment(t, "shop", 1)
	minR := int32(1)
	_, err := r.c.Client.AutoscalingV2().HorizontalPodAutoscalers(r.ns).Create(context.Background(), &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "shop-cpu"},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "shop"},
			MinReplicas:    &minR, MaxReplicas: 5,
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// An HPA on another kind of the same name is not in the way.
	_, err = r.c.Client.AutoscalingV2().HorizontalPodAutoscalers(r.ns).Create(context.Background(), &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "a-statefulset-hpa"},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "StatefulSet", Name: "shop"},
			MinReplicas:    &minR, MaxReplicas: 5,
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.s.Set("shop", Target{Namespace: r.ns, Workload: "deployment/shop"}); err != nil {
		t.Fatal(err)
	}
	r.known(t, "shop", 1)
	err = r.s.Scale("shop", 3)
	var conflict *HPAConflictError
	if !errors.As(err, &conflict) || conflict.HPA != "shop-cpu" {
		t.Fatalf("Scale with an HPA: %v, want an HPAConflictError naming shop-cpu", err)
	}
	for _, want := range []string{"HorizontalPodAutoscaler \"shop-cpu\"", "deployment/shop", "take_over: true"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if got := r.specReplicas(t, "shop"); got != 1 {
		t.Fatalf("replicas %d after a refused scale, want 1", got)
	}
	if ev := r.ev.all(); len(ev) != 1 || !strings.Contains(ev[0], "shop-cpu") {
		t.Fatalf("events %q, want the refusal once", ev)
	}
	if err := r.s.Set("shop", Target{Namespace: r.ns, Workload: "deployment/shop", TakeOver: true}); err != nil {
		t.Fatal(err)
	}
	if err := r.s.Scale("shop", 3); err != nil {
		t.Fatalf("Scale with take_over: %v", err)
	}
	if got := r.specReplicas(t, "shop"); got != 3 {
		t.Fatalf("replicas %d after take-over, want 3", got)
	}
}

// A StatefulSet scales the same way; an unknown service or a negative count
// is an error.
func TestStatefulSetAndErrors(t *testing.T) {
	r := newRig(t)
	if err := r.s.Set("db", Target{Namespace: r.ns, Workload: "statefulset/db"}); err != nil {
		t.Fatal(err)
	}
	if err := r.s.Scale("db", 2); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("Scale of a missing StatefulSet: %v", err)
	}
	if err := r.s.Scale("nope", 2); err == nil {
		t.Fatal("Scale of an unknown service succeeded")
	}
	if err := r.s.Set("x", Target{Namespace: r.ns, Workload: "pods/x"}); err == nil {
		t.Fatal("Set accepted pods/x")
	}
	if err := r.s.Set("y", Target{Workload: "deployment/y"}); err == nil {
		t.Fatal("Set accepted a target without a namespace")
	}
}

func TestParseWorkload(t *testing.T) {
	good := map[string]ref{
		"deployment/api":             {group: "apps", resource: "deployments", name: "api"},
		"sts/db":                     {group: "apps", resource: "statefulsets", name: "db"},
		"ReplicaSet/x":               {group: "apps", resource: "replicasets", name: "x"},
		"rollouts.argoproj.io/web":   {group: "argoproj.io", resource: "rollouts", name: "web"},
		"deployments.apps/api":       {group: "apps", resource: "deployments", name: "api"},
		"widgets.example.com/gadget": {group: "example.com", resource: "widgets", name: "gadget"},
	}
	for in, want := range good {
		got, err := parseRef(in)
		if err != nil || got != want {
			t.Errorf("parseRef(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "api", "deployment/", "/api", "pods/x", "deployment/a/b"} {
		if err := ParseWorkload(in); err == nil {
			t.Errorf("ParseWorkload(%q) accepted", in)
		}
	}
}

// A wake raises a count but never lowers one, whatever it last saw.
func TestScaleAtLeastNeverLowers(t *testing.T) {
	r := newRig(t)
	r.deployment(t, "wake", 2)
	if err := r.s.Set("wake", Target{Namespace: r.ns, Workload: "deployment/wake"}); err != nil {
		t.Fatal(err)
	}
	before := r.patches.Load()
	got, err := r.s.ScaleAtLeast("wake", 1)
	if err != nil || got != 2 {
		t.Fatalf("ScaleAtLeast(1) at 2: %d, %v; want 2 kept", got, err)
	}
	if n := r.patches.Load() - before; n != 0 {
		t.Fatalf("%d PATCH requests to keep a higher count, want 0", n)
	}
	if got := r.specReplicas(t, "wake"); got != 2 {
		t.Fatalf("replicas %d, want 2", got)
	}
	if got, err := r.s.ScaleAtLeast("wake", 4); err != nil || got != 4 || r.specReplicas(t, "wake") != 4 {
		t.Fatalf("ScaleAtLeast(4) at 2: %d, %v, replicas %d; want 4", got, err, r.specReplicas(t, "wake"))
	}
}

// A deleted workload is no longer reported, so nobody decides for it.
func TestDeletedWorkloadIsUnknown(t *testing.T) {
	r := newRig(t)
	r.deployment(t, "gone", 1)
	if err := r.s.Set("gone", Target{Namespace: r.ns, Workload: "deployment/gone"}); err != nil {
		t.Fatal(err)
	}
	r.known(t, "gone", 1)
	if err := r.c.Client.AppsV1().Deployments(r.ns).Delete(context.Background(), "gone", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "deleted workload unknown", func() bool { _, ok := r.s.Status("gone"); return !ok })
}
