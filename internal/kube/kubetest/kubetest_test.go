package kubetest

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/retry"
)

var kube = NewShared(WithKwok())

func TestMain(m *testing.M) { Main(m, kube) }

// TestControlPlane checks what the other packages rely on: the kubeconfig
// file works, namespaces are fresh per test, the scale subresource answers,
// the controller-manager turns a Deployment into a ReplicaSet and Pods,
// kwok makes those Ready with pod IPs, and the endpointslice controller
// lists them for a Service.
func TestControlPlane(t *testing.T) {
	c := kube.Cluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	cfg, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig)
	if err != nil {
		t.Fatalf("kubeconfig %s: %v", c.Kubeconfig, err)
	}
	if cfg.Host != c.Host || !strings.HasPrefix(c.Host, "https://127.0.0.1:") {
		t.Errorf("kubeconfig host %q, cluster host %q", cfg.Host, c.Host)
	}

	ns := c.Namespace(t)
	if ns2 := c.Namespace(t); ns2 == ns {
		t.Fatalf("two namespaces with one name %q", ns)
	}
	replicas := int32(2)
	labels := map[string]string{"app": "web"}
	_, err = c.Client.AppsV1().Deployments(ns).Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					NodeName:   KwokNode,
					Containers: []corev1.Container{{Name: "web", Image: "example.invalid/web", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}}},
				},
			},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The controller-manager writes the status meanwhile: retry on conflict.
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		sc, err := c.Client.AppsV1().Deployments(ns).GetScale(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return err
		}
		sc.Spec.Replicas = 3
		_, err = c.Client.AppsV1().Deployments(ns).UpdateScale(ctx, "web", sc, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatalf("updating the scale subresource: %v", err)
	}
	for {
		pods, err := c.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil {
			t.Fatal(err)
		}
		if len(pods.Items) == 3 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the controller-manager made %d pods of 3 for the deployment", len(pods.Items))
		case <-time.After(200 * time.Millisecond):
		}
	}
	rs, err := c.Client.AppsV1().ReplicaSets(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil || len(rs.Items) != 1 {
		t.Fatalf("replicasets: %v, %v", rs, err)
	}
	for {
		d, err := c.Client.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if d.Status.ReadyReplicas == 3 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("kwok made %d of 3 replicas ready", d.Status.ReadyReplicas)
		case <-time.After(200 * time.Millisecond):
		}
	}
	_, err = c.Client.CoreV1().Services(ns).Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: corev1.ServiceSpec{
			Selector: labels,
			Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for {
		list, err := c.Client.DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=web"})
		if err != nil {
			t.Fatal(err)
		}
		ready := 0
		for _, s := range list.Items {
			for _, ep := range s.Endpoints {
				if ep.Conditions.Ready != nil && *ep.Conditions.Ready && strings.HasPrefix(ep.Addresses[0], "10.244.") {
					ready++
				}
			}
		}
		if ready == 3 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the endpointslice controller lists %d of 3 ready pods: %+v", ready, list.Items)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func TestNamespacePrefix(t *testing.T) {
	for in, want := range map[string]string{
		"TestX":                 "testx-",
		"TestA/sub_case#01":     "testa-sub-case-01-",
		"9lives":                "t9lives-",
		"---":                   "t-",
		strings.Repeat("a", 90): strings.Repeat("a", 40) + "-",
	} {
		if got := namespacePrefix(in); got != want {
			t.Errorf("namespacePrefix(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestMissingBinaries: a machine without the binaries gets an error that
// says how to build them, never a skip.
func TestMissingBinaries(t *testing.T) {
	t.Setenv("SHOAL_KUBE_BIN", t.TempDir())
	_, err := BinDir("kube-apiserver")
	if err == nil || !strings.Contains(err.Error(), "scripts/kube-bins.sh") {
		t.Fatalf("BinDir with no binaries: %v", err)
	}
}

// TestStore: an object written straight into etcd, with an address the
// API would refuse, is served by the API server and disappears with Unstore.
func TestStore(t *testing.T) {
	c := kube.Cluster(t)
	ns := c.Namespace(t)
	ctx := t.Context()
	port := int32(8080)
	s := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: "loop", Namespace: ns, Labels: map[string]string{discoveryv1.LabelServiceName: "loop"}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Port: &port}},
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{"127.0.0.1"}}},
	}
	if _, err := c.Client.DiscoveryV1().EndpointSlices(ns).Create(ctx, s, metav1.CreateOptions{}); err == nil {
		t.Fatal("the API server accepted a loopback endpoint; Store is no longer needed for it")
	}
	c.Store(t, "endpointslices", s)
	got, err := c.Client.DiscoveryV1().EndpointSlices(ns).Get(ctx, "loop", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("reading the stored slice: %v", err)
	}
	if got.Endpoints[0].Addresses[0] != "127.0.0.1" || got.ResourceVersion == "" || got.UID == "" {
		t.Errorf("stored slice read back as %+v", got)
	}
	c.Unstore(t, "endpointslices", ns, "loop")
	if _, err := c.Client.DiscoveryV1().EndpointSlices(ns).Get(ctx, "loop", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("after Unstore: %v", err)
	}
}
