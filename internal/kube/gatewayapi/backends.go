package gatewayapi

import (
	"fmt"
	"strconv"
)

// ruleAction resolves a rule's backendRefs to a Shoal service (one
// backend) or a weighted split (several), adding the services to out.
// With no backend left the rule answers 500, as the API requires for
// references that do not resolve.
func ruleAction(in Input, r *Route, ri int, out *Routed) (map[string]any, []unresolvedError) {
	rule := r.Spec.Rules[ri]
	var shares []Share
	var unresolved []unresolvedError
	for bi, b := range rule.BackendRefs {
		name, err := backendService(in, r, b, out)
		if err != nil {
			unresolved = append(unresolved, unresolvedError{err.reason, fmt.Sprintf("rules[%d].backendRefs[%d]: %s", ri, bi, err.msg)})
			continue
		}
		if w := deref(b.Weight, 1); w > 0 {
			shares = append(shares, Share{Service: name, Weight: int(w)})
		}
	}
	switch len(shares) {
	case 0:
		return map[string]any{"direct_response": map[string]any{"status": 500, "body": "no backend for this route\n"}}, unresolved
	case 1:
		return map[string]any{"service": shares[0].Service}, unresolved
	}
	split := fmt.Sprintf("httproute.%s.%s.%d.split", r.Namespace, r.Name, ri)
	// No endpoints of its own: the gateway fills them from the backends'
	// discovered endpoints, weighted per backend (SplitTargets).
	out.Services[split] = map[string]any{"balancer": map[string]any{"policy": "weighted_round_robin"}}
	out.Splits[split] = shares
	return map[string]any{"service": split}, unresolved
}

// unresolvedError carries the API's reason for a reference that failed.
type unresolvedError struct{ reason, msg string }

func (e *unresolvedError) Error() string { return e.msg }

// backendService returns the Shoal service that discovers a backendRef's
// Kubernetes Service port, generating it unless the file has one.
func backendService(in Input, r *Route, b BackendRef, out *Routed) (string, *unresolvedError) {
	group, kind := deref(b.Group, ""), deref(b.Kind, "Service")
	if group != "" || kind != "Service" {
		return "", &unresolvedError{"InvalidKind", fmt.Sprintf("%s/%s %s: only core Services are supported", group, kind, b.Name)}
	}
	ns := deref(b.Namespace, r.Namespace)
	if ns != r.Namespace {
		return "", &unresolvedError{"RefNotPermitted", fmt.Sprintf("Service %s/%s is in another namespace; Shoal does not read ReferenceGrants, so only the route's namespace is allowed", ns, b.Name)}
	}
	if b.Port == nil {
		return "", &unresolvedError{"BackendNotFound", fmt.Sprintf("Service %s/%s: port is required", ns, b.Name)}
	}
	ports, ok := in.Lookup(ns, b.Name)
	if !ok {
		return "", &unresolvedError{"BackendNotFound", fmt.Sprintf("Service %s/%s not found", ns, b.Name)}
	}
	var port *ServicePort
	for i := range ports {
		if ports[i].Port == *b.Port {
			port = &ports[i]
		}
	}
	if port == nil {
		return "", &unresolvedError{"BackendNotFound", fmt.Sprintf("Service %s/%s has no port %d", ns, b.Name, *b.Port)}
	}
	// EndpointSlices name their ports after the Service's port names (the
	// numbers there are the pods' target ports), so discovery asks by name;
	// an unnamed port is a Service's only one.
	for _, key := range []string{ns + "/" + b.Name + "/" + port.Name, ns + "/" + b.Name + "/" + strconv.Itoa(int(port.Port))} {
		if name, ok := in.Existing[key]; ok {
			return name, nil
		}
	}
	name := fmt.Sprintf("%s.%s.%d", b.Name, ns, port.Port)
	kube := map[string]any{"service": b.Name, "namespace": ns}
	if port.Name != "" {
		kube["port"] = port.Name
	}
	out.Services[name] = map[string]any{"kubernetes": kube}
	return name, nil
}
