package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/shoal-gw/shoal/internal/kube/kubetest"
)

// gatewaySlice is an EndpointSlice of the gateways' Service holding one
// gateway's admin address as port "admin".
func gatewaySlice(t *testing.T, ns, name, admin string) *discoveryv1.EndpointSlice {
	t.Helper()
	host, portText, err := net.SplitHostPort(admin)
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		t.Fatal(err)
	}
	portName, port32, ready := "admin", int32(port), true
	return &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: "shoal-gw-" + name, Namespace: ns, Labels: map[string]string{discoveryv1.LabelServiceName: "shoal-gw"}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Name: &portName, Port: &port32}},
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{host}, Conditions: discoveryv1.EndpointConditions{Ready: &ready}}},
	}
}

// kubeGateway is one App of the two-gateway test, stoppable once.
type kubeGateway struct {
	*App
	stopOnce sync.Once
	cancel   context.CancelFunc
}

func (g *kubeGateway) stop() {
	g.stopOnce.Do(func() {
		g.cancel()
		_ = g.Shutdown(context.Background())
	})
}

func (g *kubeGateway) info(t *testing.T) AutoscalerInfo {
	t.Helper()
	var info AutoscalerInfo
	getJSON(t, "http://"+g.AdminAddr()+"/api/autoscaler", &info)
	return info
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %s %s", url, resp.Status, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func startKubeGateway(t *testing.T, cl *kubetest.Cluster, ns, name string) *kubeGateway {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`listen: [127.0.0.1:0]
admin: 127.0.0.1:0
state_dir: %s
drain_timeout: 1s
kubernetes:
  kubeconfig: %s
  namespace: %s
  leader_election: {lease: shoal-autoscaler, lease_duration: 3s, renew_deadline: 2s, retry_period: 250ms}
  history: configmap
  peers: {service: shoal-gw, port: admin}
services:
  api:
    kubernetes: {workload: deployment/api}
    scale: {policy: shoal, target: 5, min: 1, max: 5, wait_timeout: 3s, cold_start: 5s}
  zero:
    kubernetes: {workload: deployment/zero}
    scale: {policy: kpa, min: 0, max: 2, wait_timeout: 2s}
routes:
  - match: {path_prefix: /zero}
    service: zero
  - service: api
`, filepath.Join(dir, "state"), cl.Kubeconfig, ns)
	path := filepath.Join(dir, "shoal.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	logFile, err := os.Create(filepath.Join(dir, "shoal.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = logFile.Close()
		if t.Failed() {
			if b, err := os.ReadFile(logFile.Name()); err == nil {
				t.Logf("gateway %s log:\n%s", name, b)
			}
		}
	})
	a, err := New(Options{ConfigPath: path, LogOutput: logFile, AccessOutput: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := a.Start(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	g := &kubeGateway{App: a, cancel: cancel}
	t.Cleanup(g.stop)
	return g
}

func createDeployment(t *testing.T, cl *kubetest.Cluster, ns, name string, replicas int32) {
	t.Helper()
	labels := map[string]string{"app": name}
	_, err := cl.Client.AppsV1().Deployments(ns).Create(context.Background(), &appsv1.Deployment{
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

// replicas returns the Deployment's spec.replicas and its ReplicaSets'.
func replicas(t *testing.T, cl *kubetest.Cluster, ns, name string) (deploy, rs int) {
	t.Helper()
	ctx := context.Background()
	d, err := cl.Client.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	list, err := cl.Client.AppsV1().ReplicaSets(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=" + name})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range list.Items {
		rs += int(*r.Spec.Replicas)
	}
	return int(*d.Spec.Replicas), rs
}

func within(t *testing.T, d time.Duration, what string, ok func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !ok() {
		if time.Since(start) > d {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return time.Since(start)
}

// load keeps n requests in flight at url until the returned stop is called
// (or 60 s pass). No instance answers them: the activator holds each for
// wait_timeout, and held requests are demand the autoscaler sees.
func load(url string, n int) (stop func()) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 10 * time.Second}
	for range n {
		wg.Go(func() {
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				if resp, err := client.Do(req); err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		})
	}
	return func() {
		cancel()
		wg.Wait()
	}
}

func postScale(t *testing.T, g *kubeGateway, service string, n int) (int, string) {
	t.Helper()
	resp, err := http.Post("http://"+g.AdminAddr()+"/api/services/"+service+"/scale", "application/json", strings.NewReader(fmt.Sprintf(`{"instances": %d}`, n)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func leaderMetric(t *testing.T, g *kubeGateway) string {
	t.Helper()
	_, body := get(t, "http://"+g.AdminAddr()+"/metrics")
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, "shoal_autoscaler_leader ") {
			return strings.TrimPrefix(l, "shoal_autoscaler_leader ")
		}
	}
	return "missing"
}

// Two gateways elect one leader; load at the follower reaches the leader
// through the peers' drain endpoint, and the leader patches the
// Deployment's scale and the ReplicaSet follows; a request at the follower
// for a service at zero wakes it from there; when the leader stops, the
// other takes over within a few seconds with the learned history and keeps
// scaling; shoal scale works and an HPA makes Shoal refuse.
func TestKubeScalingTwoGateways(t *testing.T) {
	cl := kubetest.Start(t, kubetest.WithControllerManager())
	ns := cl.Namespace(t)
	createDeployment(t, cl, ns, "api", 1)
	createDeployment(t, cl, ns, "zero", 0)
	a, b := startKubeGateway(t, cl, ns, "a"), startKubeGateway(t, cl, ns, "b")
	// The gateways' own Service lists both admin ports. The API server
	// refuses loopback addresses, so the slices go straight into etcd.
	for name, g := range map[string]*kubeGateway{"a": a, "b": b} {
		cl.Store(t, "endpointslices", gatewaySlice(t, ns, name, g.AdminAddr()))
	}

	var leader, follower *kubeGateway
	within(t, 15*time.Second, "one leader", func() bool {
		ia, ib := a.info(t), b.info(t)
		switch {
		case ia.Leader && !ib.Leader && ib.Holder == ia.Identity:
			leader, follower = a, b
		case ib.Leader && !ia.Leader && ia.Holder == ib.Identity:
			leader, follower = b, a
		}
		return leader != nil
	})
	if l, f := leaderMetric(t, leader), leaderMetric(t, follower); l != "1" || f != "0" {
		t.Fatalf("shoal_autoscaler_leader: leader %s, follower %s", l, f)
	}

	// The leader reads both gateways' signals.
	want := []string{"http://" + a.AdminAddr(), "http://" + b.AdminAddr()}
	slices.Sort(want)
	within(t, 10*time.Second, "the leader lists both gateways as peers", func() bool {
		return slices.Equal(leader.info(t).Peers, want)
	})

	// Scale to zero works at the follower: it wakes the workload itself.
	stopZero := load("http://"+follower.PublicAddrs()[0]+"/zero", 1)
	within(t, 5*time.Second, "the follower wakes zero", func() bool { d, _ := replicas(t, cl, ns, "zero"); return d == 1 })
	stopZero()

	// A load ramp at the follower: 15 requests in flight, target 5 → 3.
	// Only the leader decides, from the signals it reads from the follower.
	stop := load("http://"+follower.PublicAddrs()[0]+"/", 15)
	took := within(t, 30*time.Second, "api scaled to 3 with the ReplicaSet following", func() bool {
		d, rs := replicas(t, cl, ns, "api")
		return d >= 3 && rs == d
	})
	stop()
	t.Logf("scaled out in %v from load at the follower", took)

	var before struct {
		Status struct {
			RestoredFrom *time.Time `json:"restored_from"`
		} `json:"status"`
	}
	getJSON(t, "http://"+follower.AdminAddr()+"/api/services/api/scaling", &before)
	if before.Status.RestoredFrom != nil {
		t.Fatalf("follower restored history before any was saved: %v", before.Status.RestoredFrom)
	}

	stopped := time.Now()
	leader.stop()
	took = within(t, 10*time.Second, "the follower takes over", func() bool { return follower.info(t).Leader })
	t.Logf("take-over %v after the leader stopped", took)
	if m := leaderMetric(t, follower); m != "1" {
		t.Fatalf("shoal_autoscaler_leader on the new leader: %s", m)
	}
	var after struct {
		Status struct {
			RestoredFrom *time.Time `json:"restored_from"`
		} `json:"status"`
	}
	getJSON(t, "http://"+follower.AdminAddr()+"/api/services/api/scaling", &after)
	if after.Status.RestoredFrom == nil || after.Status.RestoredFrom.Before(stopped.Add(-time.Minute)) {
		t.Fatalf("new leader's restored_from %v: the learned history was not handed over", after.Status.RestoredFrom)
	}
	cm, err := cl.Client.CoreV1().ConfigMaps(ns).Get(context.Background(), "shoal-autoscaler-history", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("history ConfigMap: %v", err)
	}
	if len(cm.BinaryData["api.json.gz"]) == 0 {
		t.Fatalf("history ConfigMap keys %v, want api.json.gz", cm.BinaryData)
	}

	// The new leader keeps scaling: 25 in flight → the max, 5.
	stop = load("http://"+follower.PublicAddrs()[0]+"/", 25)
	defer stop()
	within(t, 30*time.Second, "the new leader scales to 5", func() bool {
		d, rs := replicas(t, cl, ns, "api")
		return d == 5 && rs == 5
	})
	// shoal scale (the admin API) patches the workload; with an HPA on it,
	// Shoal refuses and says which.
	// (The leader may change zero again at its next decision, so the
	// checks look right after each call.)
	code, body := postScale(t, follower, "zero", 2)
	var scaled struct {
		Desired int `json:"desired"`
	}
	if err := json.Unmarshal([]byte(body), &scaled); code != http.StatusOK || err != nil || scaled.Desired != 2 {
		t.Fatalf("scale zero to 2: %d %s", code, body)
	}
	minR := int32(1)
	_, err = cl.Client.AutoscalingV2().HorizontalPodAutoscalers(ns).Create(context.Background(), &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "zero-cpu"},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "zero"},
			MinReplicas:    &minR, MaxReplicas: 4,
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	code, body = postScale(t, follower, "zero", 1)
	if code != http.StatusConflict || !strings.Contains(body, `HorizontalPodAutoscaler \"zero-cpu\" already scales it`) {
		t.Fatalf("scale with an HPA: %d %s, want 409 naming the HPA", code, body)
	}
	if d, _ := replicas(t, cl, ns, "zero"); d == 1 {
		t.Fatal("zero at 1: the refused scale was applied")
	}

	// GET /api/services reports the workload's count.
	within(t, 5*time.Second, "desired 5 in /api/services", func() bool {
		var list []struct {
			Name    string `json:"name"`
			Desired int    `json:"desired"`
		}
		getJSON(t, "http://"+follower.AdminAddr()+"/api/services", &list)
		for _, s := range list {
			if s.Name == "api" {
				return s.Desired == 5
			}
		}
		return false
	})
}
