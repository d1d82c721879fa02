// Package kube scales services that run as Kubernetes workloads: it reads
// and patches the target's scale subresource (Deployment, StatefulSet,
// ReplicaSet, or any resource that implements scale), reports ready,
// starting and draining replicas from the workload's status, and measures
// the cold start from a raise to readiness. It never fights: it refuses to
// scale a workload that a HorizontalPodAutoscaler targets (unless told to
// take over) and it does not patch a count the workload already has, so a
// person's edit simply becomes the new current value.
package kube

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
)

// workload is a resolved scale target.
type workload struct {
	gvr  schema.GroupVersionResource
	kind string
	name string
	// apps marks the built-in kinds, whose status omits a zero
	// readyReplicas (a missing field means none ready).
	apps bool
}

// ref is a parsed "kind/name" or "resource.group/name" before the API
// server told us its version and kind.
type ref struct {
	group, resource, name string
}

// builtin maps the short forms a config may use to apps/v1 resources.
func builtin(kind string) (resource, kindName string, ok bool) {
	switch kind {
	case "deployment", "deployments", "deploy":
		return "deployments", "Deployment", true
	case "statefulset", "statefulsets", "sts":
		return "statefulsets", "StatefulSet", true
	case "replicaset", "replicasets", "rs":
		return "replicasets", "ReplicaSet", true
	}
	return "", "", false
}

// ParseWorkload checks a workload reference: deployment/NAME,
// statefulset/NAME, replicaset/NAME, or RESOURCE.GROUP/NAME for anything
// else that implements the scale subresource (rollouts.argoproj.io/web).
func ParseWorkload(s string) error {
	_, err := parseRef(s)
	return err
}

func parseRef(s string) (ref, error) {
	kind, name, ok := strings.Cut(s, "/")
	if !ok || kind == "" || name == "" || strings.Contains(name, "/") {
		return ref{}, fmt.Errorf("workload %q: want KIND/NAME, such as deployment/api", s)
	}
	kind = strings.ToLower(kind)
	if resource, _, ok := builtin(kind); ok {
		return ref{group: "apps", resource: resource, name: name}, nil
	}
	resource, group, ok := strings.Cut(kind, ".")
	if !ok || resource == "" || group == "" {
		return ref{}, fmt.Errorf("workload %q: %q is neither deployment, statefulset, replicaset nor RESOURCE.GROUP", s, kind)
	}
	return ref{group: group, resource: resource, name: name}, nil
}

// resolve finds the version and kind of r: fixed for the built-in kinds,
// asked of the API server's discovery for the others (so a custom resource
// installed after Shoal started is found on the next try).
func resolve(d discovery.DiscoveryInterface, r ref) (workload, error) {
	if r.group == "apps" {
		// deployment/x and deployments.apps/x alike.
		if res, kind, ok := builtin(r.resource); ok {
			return workload{gvr: schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: res}, kind: kind, name: r.name, apps: true}, nil
		}
	}
	groups, err := d.ServerGroups()
	if err != nil {
		return workload{}, fmt.Errorf("discovering API groups: %w", err)
	}
	version := ""
	for _, g := range groups.Groups {
		if g.Name == r.group {
			version = g.PreferredVersion.Version
		}
	}
	if version == "" {
		return workload{}, fmt.Errorf("API group %q is not served by the cluster", r.group)
	}
	gv := schema.GroupVersion{Group: r.group, Version: version}
	list, err := d.ServerResourcesForGroupVersion(gv.String())
	if err != nil {
		return workload{}, fmt.Errorf("discovering %s: %w", gv, err)
	}
	kind, scalable := "", false
	for _, res := range list.APIResources {
		switch res.Name {
		case r.resource:
			kind = res.Kind
		case r.resource + "/scale":
			scalable = true
		}
	}
	if kind == "" {
		return workload{}, fmt.Errorf("%s has no resource %q", gv, r.resource)
	}
	if !scalable {
		return workload{}, fmt.Errorf("%s.%s has no scale subresource, so Shoal cannot scale it", r.resource, r.group)
	}
	return workload{gvr: gv.WithResource(r.resource), kind: kind, name: r.name}, nil
}

// String is the workload as a person writes it: deployment/api.
func (w workload) String() string {
	if w.apps {
		return strings.ToLower(w.kind) + "/" + w.name
	}
	return w.gvr.Resource + "." + w.gvr.Group + "/" + w.name
}
