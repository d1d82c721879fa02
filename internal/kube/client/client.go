// Package client builds the Kubernetes API clients of one gateway from the
// config's kubernetes block: discovery, the scaler, leader election and the
// Gateway API source all share them, so one process holds one connection
// pool and one rate limiter towards the API server.
package client

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/shoal-gw/shoal/internal/config"
)

// Clients are the typed and dynamic clients over one rest.Config.
type Clients struct {
	// Config is what the clients were built from (a copy; for new clients
	// such as a scale client).
	Config *rest.Config
	// Kube is the typed clientset: EndpointSlices, Leases, ConfigMaps ...
	Kube kubernetes.Interface
	// Dynamic reaches any resource, such as Gateway API objects.
	Dynamic dynamic.Interface
}

// userAgent names Shoal in the API server's audit log.
const userAgent = "shoal-gateway"

// RESTConfig loads a kubeconfig file, or the in-cluster service account
// when path is empty.
func RESTConfig(path string) (*rest.Config, error) {
	if path == "" {
		cfg, err := rest.InClusterConfig()
		if errors.Is(err, rest.ErrNotInCluster) {
			return nil, fmt.Errorf("kubernetes.kubeconfig is empty and this process is not in a pod (no KUBERNETES_SERVICE_HOST): %w", err)
		}
		if err != nil {
			return nil, fmt.Errorf("in-cluster Kubernetes config: %w", err)
		}
		return cfg, nil
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		return nil, fmt.Errorf("loading kubeconfig %s: %w", path, err)
	}
	return cfg, nil
}

// New builds the clients for a config's kubernetes block.
func New(k *config.Kubernetes) (*Clients, error) {
	if k == nil {
		return nil, errors.New("kubernetes client: the config has no kubernetes block")
	}
	cfg, err := RESTConfig(k.Kubeconfig)
	if err != nil {
		return nil, err
	}
	return NewForConfig(cfg)
}

// NewForConfig builds the clients over cfg (tests pass a control plane's).
func NewForConfig(cfg *rest.Config) (*Clients, error) {
	cfg = rest.CopyConfig(cfg)
	if cfg.UserAgent == "" {
		cfg.UserAgent = userAgent
	}
	// client-go's default (5 requests/s, bursts of 10) is sized for
	// controllers that mostly watch; a scale PATCH should not queue behind
	// the initial lists of a dozen informers.
	if cfg.QPS == 0 {
		cfg.QPS = 50
	}
	if cfg.Burst == 0 {
		cfg.Burst = 100
	}
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubernetes clientset: %w", err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubernetes dynamic client: %w", err)
	}
	return &Clients{Config: cfg, Kube: kube, Dynamic: dyn}, nil
}

// serviceAccountNamespace is where a pod finds its own namespace.
const serviceAccountNamespace = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

// PodNamespace returns the namespace this process runs in: $POD_NAMESPACE
// (set with the downward API) or the service account's namespace file.
// ok is false outside a pod.
func PodNamespace() (ns string, ok bool) {
	if ns := os.Getenv("POD_NAMESPACE"); ns != "" {
		return ns, true
	}
	data, err := os.ReadFile(serviceAccountNamespace)
	if err != nil {
		return "", false
	}
	ns = strings.TrimSpace(string(data))
	return ns, ns != ""
}
