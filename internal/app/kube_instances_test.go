package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/shoal-gw/shoal/internal/kube/kubetest"
	"github.com/shoal-gw/shoal/internal/registry"
	kuberegistry "github.com/shoal-gw/shoal/internal/registry/kube"
)

// listInstances is GET /api/services/NAME/instances.
func listInstances(t *testing.T, a *App, service string) []registry.Instance {
	t.Helper()
	var out []registry.Instance
	getJSON(t, "http://"+a.AdminAddr()+"/api/services/"+service+"/instances", &out)
	return out
}

func serviceInfo(a *App, name string) (ready, draining int) {
	for _, s := range a.Services() {
		if s.Name == name {
			return s.Instances.Ready, s.Instances.Draining
		}
	}
	return -1, -1
}

// The admin API lists the instances EndpointSlices give a service, and a
// terminating but serving one counts as draining in the summary (which the
// dashboard and shoal_service_instances show); one gone is gone from both.
func TestKubeInstancesInAdminAPI(t *testing.T) {
	c := kubeCP.Cluster(t)
	ns := c.Namespace(t)
	o1, o2 := origin(t, "one", 0), origin(t, "two", 0)
	s1 := originSlice(t, "api-1", "api", o1, true, true, false)
	s1.Namespace = ns
	c.Store(t, "endpointslices", s1)
	s2 := originSlice(t, "api-2", "api", o2, true, true, false)
	s2.Namespace = ns
	c.Store(t, "endpointslices", s2)

	path := filepath.Join(t.TempDir(), "shoal.yaml")
	writeKubeConfig(t, path, c.Kubeconfig, ns, "  api: {kubernetes: {port: http}}\n", "  - {match: {path_prefix: /api}, service: api}\n")
	a := startApp(t, path)

	addr1, addr2 := o1.Listener.Addr().String(), o2.Listener.Addr().String()
	waitFor(t, func() bool { return len(listInstances(t, a, "api")) == 2 })
	got := map[string]string{}
	for _, in := range listInstances(t, a, "api") {
		got[in.Address] = in.Metadata[kuberegistry.MetaSlice]
	}
	if len(got) != 2 || got[addr1] != "api-1" || got[addr2] != "api-2" {
		t.Fatalf("listed %v (address → slice), want %s from api-1 and %s from api-2", got, addr1, addr2)
	}

	s1.Endpoints[0].Conditions.Ready, s1.Endpoints[0].Conditions.Terminating = kptr(false), kptr(true)
	c.Store(t, "endpointslices", s1)
	waitFor(t, func() bool { r, d := serviceInfo(a, "api"); return r == 1 && d == 1 })
	_, body := get(t, "http://"+a.AdminAddr()+"/metrics")
	if !strings.Contains(body, `shoal_service_instances{service="api",state="draining"} 1`) {
		t.Errorf("metrics do not show the draining endpoint:\n%s", grepLines(body, "shoal_service_instances"))
	}

	c.Unstore(t, "endpointslices", ns, "api-1")
	waitFor(t, func() bool {
		list := listInstances(t, a, "api")
		return len(list) == 1 && list[0].Address == addr2
	})
	if r, d := serviceInfo(a, "api"); r != 1 || d != 0 {
		t.Errorf("after the slice went: ready %d draining %d, want 1 and 0", r, d)
	}
	// A service Shoal does not discover from Kubernetes still answers [].
	if list := listInstances(t, a, "nothing"); len(list) != 0 {
		t.Errorf("unknown service lists %v", list)
	}
}

// shoal_service_cold_start_seconds shows the Kubernetes scaler's measured
// time from a raised replica count to ready replicas (kwok makes the pods
// Ready), as it does a local runtime's.
func TestKubeColdStartMetric(t *testing.T) {
	c := kubeCP.Cluster(t)
	ns := c.Namespace(t)
	var zero int32
	labels := map[string]string{"app": "cold"}
	_, err := c.Client.AppsV1().Deployments(ns).Create(context.Background(), &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "cold"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &zero,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					NodeName:   kubetest.KwokNode,
					Containers: []corev1.Container{{Name: "cold", Image: "example.invalid/cold"}},
				},
			},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "shoal.yaml")
	cfg := fmt.Sprintf("listen: [127.0.0.1:0]\nadmin: 127.0.0.1:0\nstate_dir: %s\nkubernetes: {kubeconfig: %s, namespace: %s}\n"+
		"services:\n  cold:\n    kubernetes: {workload: deployment/cold}\n    scale: {policy: kpa, min: 1, max: 2, wait_timeout: 2s}\n"+
		"routes:\n  - service: cold\n", filepath.Join(dir, "state"), c.Kubeconfig, ns)
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	a := startApp(t, path)
	metric := func() string {
		_, body := get(t, "http://"+a.AdminAddr()+"/metrics")
		return grepLines(body, `shoal_service_cold_start_seconds{service="cold"}`)
	}
	if m := metric(); m != "" {
		t.Fatalf("a cold start before any raise: %s", m)
	}
	// min 1 over a Deployment at zero: the gateway raises it to one itself.
	t.Cleanup(func() {
		if t.Failed() {
			d, err := c.Client.AppsV1().Deployments(ns).Get(context.Background(), "cold", metav1.GetOptions{})
			if err == nil {
				t.Logf("deployment: replicas %d, status %+v", *d.Spec.Replicas, d.Status)
			}
		}
	})
	within(t, 30*time.Second, "the cold start metric", func() bool { return metric() != "" })
	t.Logf("measured: %s", metric())
}

// grepLines returns the lines of text that start with prefix.
func grepLines(text, prefix string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
