package config

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Workload is a parsed services.NAME.kubernetes.workload: the resource whose
// scale subresource Shoal reads and patches. It holds plain strings so this
// package stays free of Kubernetes imports; schema.GroupResource{Group,
// Resource} is what a client wants from it.
type Workload struct {
	// API group: "apps" for the built-in kinds.
	Group string
	// Plural lower-case resource: "deployments", "statefulsets" ...
	Resource string
	// Object name in the service's namespace.
	Name string
}

// String gives the workload back in the form the file uses.
func (w Workload) String() string {
	if w.Group == "apps" {
		if short, ok := strings.CutSuffix(w.Resource, "s"); ok {
			return short + "/" + w.Name
		}
	}
	if w.Group == "" {
		return w.Resource + "/" + w.Name
	}
	return w.Resource + "." + w.Group + "/" + w.Name
}

// builtinWorkload maps the short kinds the file accepts to their resource.
// A function, not a package variable, so nothing can change it.
func builtinWorkload(kind string) (resource string, ok bool) {
	switch kind {
	case "deployment", "deployments", "deploy":
		return "deployments", true
	case "statefulset", "statefulsets", "sts":
		return "statefulsets", true
	case "replicaset", "replicasets", "rs":
		return "replicasets", true
	}
	return "", false
}

// ParseWorkload reads "deployment/api", "statefulset/db", "replicaset/x" or
// "RESOURCE.GROUP/NAME" (such as "rollouts.argoproj.io/web").
func ParseWorkload(s string) (Workload, error) {
	kind, name, ok := strings.Cut(s, "/")
	if !ok || kind == "" || name == "" {
		return Workload{}, fmt.Errorf("%q: want KIND/NAME such as deployment/api, statefulset/db or RESOURCE.GROUP/NAME", s)
	}
	if !validDNSSubdomain(name) {
		return Workload{}, fmt.Errorf("%q: %q is not a Kubernetes object name (lower-case letters, digits, '-' and '.')", s, name)
	}
	if res, ok := builtinWorkload(kind); ok {
		return Workload{Group: "apps", Resource: res, Name: name}, nil
	}
	res, group, dotted := strings.Cut(kind, ".")
	if !dotted || !validDNSLabel(res) || !validDNSSubdomain(group) {
		return Workload{}, fmt.Errorf("%q: unknown kind %q; want deployment, statefulset, replicaset or RESOURCE.GROUP (such as rollouts.argoproj.io)", s, kind)
	}
	return Workload{Group: group, Resource: res, Name: name}, nil
}

// KubeService is the Kubernetes Service a Shoal service discovers, with the
// defaults applied.
type KubeService struct {
	Namespace string
	Name      string
	// Port name, or "" when PortNumber is set or the only port is meant.
	PortName string
	// Port number, or 0.
	PortNumber int32
	// NodeLocal keeps only the endpoints on the gateway's own node.
	NodeLocal bool
}

// KubeTarget returns the Kubernetes Service behind s, or ok false when s has no
// kubernetes block. Defaults are applied at load, so this only splits the
// port.
func (s *Service) KubeTarget() (t KubeService, ok bool) {
	k := s.Kubernetes
	if k == nil {
		return KubeService{}, false
	}
	t = KubeService{Namespace: k.Namespace, Name: k.Service, NodeLocal: k.NodeLocal}
	if n, err := strconv.ParseInt(k.Port, 10, 32); err == nil {
		t.PortNumber = int32(n)
	} else {
		t.PortName = k.Port
	}
	return t, true
}

// ParsedWorkload returns the parsed workload of a valid config, or ok false
// when none is set.
func (k *ServiceKubernetes) ParsedWorkload() (w Workload, ok bool) {
	if k == nil || k.Workload == "" {
		return Workload{}, false
	}
	w, err := ParseWorkload(k.Workload)
	return w, err == nil
}

// LeaseNamespace is where the leader election Lease lives.
func (k *Kubernetes) LeaseNamespace() string {
	return orNamespace(k.LeaderElection.Namespace, k.Namespace)
}

// GatewayNamespace is where the Gateway API Gateway lives.
func (k *Kubernetes) GatewayNamespace() string {
	return orNamespace(k.GatewayAPI.Namespace, k.Namespace)
}

func orNamespace(ns, fallback string) string {
	if ns != "" {
		return ns
	}
	return fallback
}

// nodeNameEnv is where the node name comes from when the file does not
// set kubernetes.node_name; the manifests fill it with the downward API.
const nodeNameEnv = "NODE_NAME"

// applyKubeDefaults fills a service's Kubernetes Service and namespace from
// its name and the static block, and the node name from the environment,
// so every reader sees the same values.
func applyKubeDefaults(c *Config) {
	if k := c.Static.Kubernetes; k != nil && !k.Pos.Has("node_name") {
		k.NodeName = os.Getenv(nodeNameEnv)
	}
	for _, s := range c.Dynamic.Services {
		k := s.Kubernetes
		if k == nil {
			continue
		}
		if !k.Pos.Has("service") {
			k.Service = s.Name
		}
		if !k.Pos.Has("namespace") && c.Static.Kubernetes != nil {
			k.Namespace = c.Static.Kubernetes.Namespace
		}
	}
}

// validDNSLabel is Kubernetes' RFC 1123 label: namespaces, Service names,
// port names.
func validDNSLabel(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if !alnum && (c != '-' || i == 0 || i == len(s)-1) {
			return false
		}
	}
	return true
}

// validDNSSubdomain is Kubernetes' RFC 1123 subdomain: most object names.
func validDNSSubdomain(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if !validDNSLabel(label) {
			return false
		}
	}
	return true
}
