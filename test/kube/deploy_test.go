package kube_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/shoal-gw/shoal/internal/kube/kubetest"
)

// kubectl runs the machine's kubectl against the test control plane.
func kubectl(t *testing.T, c *kubetest.Cluster, args ...string) (string, error) {
	t.Helper()
	bin, err := exec.LookPath("kubectl")
	if err != nil {
		t.Fatalf("kubectl not found: the deploy tests apply the manifests with it (Debian: apt-get install kubectl): %v", err)
	}
	cmd := exec.Command(bin, append([]string{"--kubeconfig", c.Kubeconfig}, args...)...)
	cmd.Dir = repoRoot(t)
	// kubectl's cache and config stay out of the user's home.
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "KUBECACHEDIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// ensureNamespace creates the plain manifests' namespace for real: a
// server-side dry run does not persist the Namespace it creates, and the
// namespaced objects after it need it to exist.
func ensureNamespace(t *testing.T, c *kubetest.Cluster, name string) {
	t.Helper()
	_, err := c.Client.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// TestManifestsServerDryRun has a real API server check every object of
// deploy/kubernetes and of the rendered chart: schema, defaulting and
// RBAC objects, as `kubectl apply` on a cluster would.
func TestManifestsServerDryRun(t *testing.T) {
	c := kube.Cluster(t)
	ensureNamespace(t, c, "shoal")
	out, err := kubectl(t, c, "apply", "--dry-run=server", "-f", "deploy/kubernetes/")
	if err != nil {
		t.Fatalf("kubectl apply --dry-run=server -f deploy/kubernetes/: %v\n%s", err, out)
	}
	for _, want := range []string{"deployment.apps/shoal", "configmap/shoal-config", "service/shoal-peers", "clusterrole.rbac.authorization.k8s.io/shoal", "role.rbac.authorization.k8s.io/shoal-coordination", "poddisruptionbudget.policy/shoal"} {
		if !strings.Contains(out, want) {
			t.Errorf("the dry run did not report %s:\n%s", want, out)
		}
	}

	ns := c.Namespace(t)
	rendered := runHelm(t, "template", "gw", "deploy/helm/shoal", "--namespace", ns, "--set", "admin.token="+testToken)
	file := filepath.Join(t.TempDir(), "chart.yaml")
	if err := os.WriteFile(file, rendered, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := kubectl(t, c, "apply", "--dry-run=server", "-n", ns, "-f", file); err != nil {
		t.Fatalf("kubectl apply --dry-run=server of the rendered chart: %v\n%s", err, out)
	}
}

// TestRBACGrantsWhatShoalUses applies the plain RBAC objects for real and
// asks the API server, as the gateways' service account, for what Shoal
// does (discovery, scale, HPA, Lease, history, Gateway API status) and for
// what it must not be able to do.
func TestRBACGrantsWhatShoalUses(t *testing.T) {
	c := kube.Cluster(t)
	installGatewayAPI(t, c) // so that kubectl knows the httproutes resource
	ensureNamespace(t, c, "shoal")
	if out, err := kubectl(t, c, "apply", "-f", "deploy/kubernetes/rbac.yaml"); err != nil {
		t.Fatalf("applying rbac.yaml: %v\n%s", err, out)
	}
	const sa = "system:serviceaccount:shoal:shoal"
	cases := []struct {
		verb, resource, ns string
		allowed            bool
	}{
		{"watch", "endpointslices.discovery.k8s.io", "default", true},
		{"list", "services", "apps", true},
		{"patch", "deployments.apps --subresource=scale", "default", true},
		{"update", "statefulsets.apps --subresource=scale", "default", true},
		{"get", "deployments.apps", "default", true},
		{"watch", "horizontalpodautoscalers.autoscaling", "default", true},
		{"create", "leases.coordination.k8s.io", "shoal", true},
		{"update", "leases.coordination.k8s.io/shoal-autoscaler", "shoal", true},
		{"get", "configmaps/shoal-autoscaler-history", "shoal", true},
		{"update", "configmaps/shoal-autoscaler-history", "shoal", true},
		{"patch", "configmaps/shoal-autoscaler-history", "shoal", true},
		{"create", "configmaps", "shoal", true},
		{"list", "httproutes.gateway.networking.k8s.io", "default", true},
		{"update", "httproutes.gateway.networking.k8s.io --subresource=status", "default", true},
		// Not: changing workloads beyond their size, secrets, other namespaces' state.
		{"patch", "deployments.apps", "default", false},
		{"delete", "pods", "default", false},
		{"get", "secrets", "shoal", false},
		{"update", "configmaps", "default", false},
		// Only the history ConfigMap: not shoal's own config, not another service's.
		{"get", "configmaps/shoal-config", "shoal", false},
		{"update", "configmaps/shoal-config", "shoal", false},
		{"update", "configmaps/shoal-autoscaler-history-web", "shoal", false},
		{"delete", "configmaps/shoal-autoscaler-history", "shoal", false},
		{"update", "leases.coordination.k8s.io/kube-controller-manager", "kube-system", false},
		{"update", "httproutes.gateway.networking.k8s.io", "default", false},
	}
	for _, tc := range cases {
		args := append([]string{"auth", "can-i", tc.verb}, strings.Fields(tc.resource)...)
		out, _ := kubectl(t, c, append(args, "-n", tc.ns, "--as", sa)...)
		got := strings.TrimSpace(out) == "yes"
		if got != tc.allowed {
			t.Errorf("can %s %s %s in %s: %q, want allowed=%v", sa, tc.verb, tc.resource, tc.ns, strings.TrimSpace(out), tc.allowed)
		}
	}
}
