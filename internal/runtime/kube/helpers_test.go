package kube

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/shoal-gw/shoal/internal/kube/kubetest"
)

// The controller-manager turns Deployments into ReplicaSets and Pods; no
// kubelet runs, so the tests mark Pods ready themselves (markReady).
var kube = kubetest.NewShared(kubetest.WithControllerManager())

func TestMain(m *testing.M) { kubetest.Main(m, kube) }

// patchCounter counts the PATCH requests a client sends.
type patchCounter struct {
	next http.RoundTripper
	n    *atomic.Int64
}

func (p patchCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPatch {
		p.n.Add(1)
	}
	return p.next.RoundTrip(r)
}

// events records OnEvent calls.
type events struct {
	mu   sync.Mutex
	list []string
}

func (e *events) add(_, text string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.list = append(e.list, text)
}

func (e *events) all() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.list...)
}

type rig struct {
	c       *kubetest.Cluster
	ns      string
	s       *Scaler
	patches *atomic.Int64
	ev      *events
}

func newRig(t *testing.T) *rig {
	t.Helper()
	c := kube.Cluster(t)
	r := &rig{c: c, ns: c.Namespace(t), patches: &atomic.Int64{}, ev: &events{}}
	cfg := rest.CopyConfig(c.Config)
	cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper { return patchCounter{next: rt, n: r.patches} }
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Client: c.Client, Dynamic: dyn, Resync: 5 * time.Second, OnEvent: r.ev.add})
	if err != nil {
		t.Fatal(err)
	}
	r.s = s
	t.Cleanup(s.Close)
	return r
}

func (r *rig) deployment(t *testing.T, name string, replicas int32) {
	t.Helper()
	labels := map[string]string{"app": name}
	_, err := r.c.Client.AppsV1().Deployments(r.ns).Create(context.Background(), &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: name, Image: "example.invalid/" + name}}},
			},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
}

// markReady plays the kubelet: every Pod of app becomes Running and Ready,
// so the ReplicaSet and Deployment controllers count it in readyReplicas.
func (r *rig) markReady(t *testing.T, app string) int {
	t.Helper()
	ctx := context.Background()
	pods, err := r.c.Client.CoreV1().Pods(r.ns).List(ctx, metav1.ListOptions{LabelSelector: "app=" + app})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i := range pods.Items {
		p := &pods.Items[i]
		if p.DeletionTimestamp != nil {
			continue
		}
		n++
		if p.Status.Phase == corev1.PodRunning {
			continue
		}
		now := metav1.Now()
		p.Status.Phase = corev1.PodRunning
		p.Status.Conditions = []corev1.PodCondition{
			{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now},
			{Type: corev1.ContainersReady, Status: corev1.ConditionTrue, LastTransitionTime: now},
		}
		if _, err := r.c.Client.CoreV1().Pods(r.ns).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// eventually polls ok every 50 ms for up to within.
func eventually(t *testing.T, within time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// rsReplicas is the spec.replicas of the ReplicaSets of app, summed.
func (r *rig) rsReplicas(t *testing.T, app string) int {
	t.Helper()
	list, err := r.c.Client.AppsV1().ReplicaSets(r.ns).List(context.Background(), metav1.ListOptions{LabelSelector: "app=" + app})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, rs := range list.Items {
		if rs.Spec.Replicas != nil {
			n += int(*rs.Spec.Replicas)
		}
	}
	return n
}
