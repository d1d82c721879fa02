package client

import (
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/shoal-gw/shoal/internal/config"
)

func TestFromKubeconfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kubeconfig")
	kc := clientcmdapi.NewConfig()
	kc.Clusters["c"] = &clientcmdapi.Cluster{Server: "https://127.0.0.1:6443"}
	kc.AuthInfos["u"] = &clientcmdapi.AuthInfo{Token: "secret"}
	kc.Contexts["x"] = &clientcmdapi.Context{Cluster: "c", AuthInfo: "u"}
	kc.CurrentContext = "x"
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatal(err)
	}
	c, err := New(&config.Kubernetes{Kubeconfig: path})
	if err != nil {
		t.Fatal(err)
	}
	if c.Config.Host != "https://127.0.0.1:6443" || c.Config.BearerToken != "secret" {
		t.Errorf("config from the kubeconfig: host %q token %q", c.Config.Host, c.Config.BearerToken)
	}
	if c.Config.QPS != 50 || c.Config.Burst != 100 || c.Config.UserAgent != userAgent {
		t.Errorf("client defaults: qps %v burst %v agent %q", c.Config.QPS, c.Config.Burst, c.Config.UserAgent)
	}
	if c.Kube == nil || c.Dynamic == nil {
		t.Error("a client is missing")
	}
	if _, err := RESTConfig(filepath.Join(t.TempDir(), "missing")); err == nil || !strings.Contains(err.Error(), "loading kubeconfig") {
		t.Errorf("missing kubeconfig: %v", err)
	}
}

// Outside a pod, an empty kubeconfig is an error that says what to set.
func TestNotInCluster(t *testing.T) {
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	t.Setenv("KUBERNETES_SERVICE_PORT", "")
	_, err := New(&config.Kubernetes{})
	if err == nil || !strings.Contains(err.Error(), "kubernetes.kubeconfig is empty") {
		t.Fatalf("New outside a cluster: %v", err)
	}
	if _, err := New(nil); err == nil {
		t.Error("New(nil) succeeded")
	}
}

func TestPodNamespace(t *testing.T) {
	t.Setenv("POD_NAMESPACE", "shop")
	if ns, ok := PodNamespace(); !ok || ns != "shop" {
		t.Errorf("PodNamespace = %q, %v", ns, ok)
	}
}
