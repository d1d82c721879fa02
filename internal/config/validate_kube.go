package config

import (
	"strconv"
	"time"
)

// kubernetes checks the static kubernetes block.
func (v *validator) kubernetes(k *Kubernetes) {
	const p = "kubernetes"
	if !validDNSLabel(k.Namespace) {
		v.errorf(k.Pos.Of("namespace"), "%s.namespace: %q is not a Kubernetes namespace name (lower-case letters, digits and '-', at most 63)", p, k.Namespace)
	}
	le := &k.LeaderElection
	if !validDNSSubdomain(le.Lease) {
		v.errorf(le.Pos.Of("lease"), "%s.leader_election.lease: %q is not a Kubernetes object name", p, le.Lease)
	}
	v.kubeNamespace(le.Namespace, le.Pos.Of("namespace"), p+".leader_election.namespace")
	v.leaseTimings(le, p+".leader_election")
	if k.Peers.Service != "" && !validDNSLabel(k.Peers.Service) {
		v.errorf(k.Peers.Pos.Of("service"), "%s.peers.service: %q is not a Kubernetes Service name", p, k.Peers.Service)
	}
	v.kubePort(k.Peers.Port, k.Peers.Pos.Of("port"), p+".peers.port", false)
	ga := &k.GatewayAPI
	if ga.Gateway != "" && !validDNSSubdomain(ga.Gateway) {
		v.errorf(ga.Pos.Of("gateway"), "%s.gateway_api.gateway: %q is not a Kubernetes object name", p, ga.Gateway)
	}
	v.kubeNamespace(ga.Namespace, ga.Pos.Of("namespace"), p+".gateway_api.namespace")
	if k.Pos.Has("node_name") && k.NodeName != "" && !validDNSSubdomain(k.NodeName) {
		v.errorf(k.Pos.Of("node_name"), "%s.node_name: %q is not a Kubernetes node name", p, k.NodeName)
	}
	if ga.Gateway == "" && ga.Pos.Has("namespace") {
		v.errorf(ga.Pos.Of("namespace"), "%s.gateway_api.namespace: set only with gateway (the Gateway whose routes to read)", p)
	}
}

// leaseTimings applies client-go's own rules, so a bad combination is a
// file:line error here rather than a failure at start.
func (v *validator) leaseTimings(le *LeaderElection, p string) {
	ok := true
	for _, d := range []struct {
		key string
		val Duration
	}{{"lease_duration", le.LeaseDuration}, {"renew_deadline", le.RenewDeadline}, {"retry_period", le.RetryPeriod}} {
		if d.val <= 0 {
			v.errorf(le.Pos.Of(d.key), "%s.%s: must be positive", p, d.key)
			ok = false
		}
	}
	if !ok {
		return
	}
	if le.LeaseDuration <= le.RenewDeadline {
		v.errorf(le.Pos.Of("renew_deadline"), "%s.renew_deadline: %s must be shorter than lease_duration %s", p, le.RenewDeadline, le.LeaseDuration)
	}
	// client-go retries with up to 20% jitter on retry_period.
	if time.Duration(le.RenewDeadline) <= time.Duration(float64(le.RetryPeriod)*1.2) {
		v.errorf(le.Pos.Of("retry_period"), "%s.retry_period: %s is too long for renew_deadline %s (renew_deadline must exceed 1.2 × retry_period)", p, le.RetryPeriod, le.RenewDeadline)
	}
}

// serviceKube checks a service's kubernetes block and what it excludes.
func (v *validator) serviceKube(s *Service, p string) {
	k := s.Kubernetes
	kp := p + ".kubernetes"
	if v.cfg.Static.Kubernetes == nil {
		v.errorf(k.Pos.Line, "%s: needs the top-level kubernetes block (it says which API server to use; \"kubernetes: {}\" takes the in-cluster defaults)", kp)
	}
	// Each of these is another source of the same instances; mixing them
	// would let a stale fixed address outlive the pod it named.
	if len(s.Endpoints) > 0 {
		v.errorf(s.Pos.Of("endpoints"), "%s.endpoints: a service with kubernetes gets its instances from EndpointSlices; remove endpoints or kubernetes", p)
	}
	if s.Run != nil {
		v.errorf(s.Pos.Of("run"), "%s.run: a service with kubernetes runs as pods, not local processes; remove run or kubernetes", p)
	}
	if s.DNS != nil {
		v.errorf(s.Pos.Of("dns"), "%s.dns: a service with kubernetes gets its instances from EndpointSlices; remove dns or kubernetes", p)
	}
	if !validDNSLabel(k.Service) {
		if k.Pos.Has("service") {
			v.errorf(k.Pos.Of("service"), "%s.service: %q is not a Kubernetes Service name (lower-case letters, digits and '-', at most 63)", kp, k.Service)
		} else {
			v.errorf(k.Pos.Line, "%s: the Kubernetes Service name defaults to the service name %q, which Kubernetes does not allow; set service", kp, k.Service)
		}
	}
	if k.Pos.Has("namespace") {
		v.kubeNamespace(k.Namespace, k.Pos.Of("namespace"), kp+".namespace")
	}
	v.kubePort(k.Port, k.Pos.Of("port"), kp+".port", true)
	if k.Workload != "" {
		if _, err := ParseWorkload(k.Workload); err != nil {
			v.errorf(k.Pos.Of("workload"), "%s.workload: %v", kp, err)
		}
	} else if s.Scale != nil {
		v.errorf(s.Pos.Of("scale"), "%s.scale: a service with kubernetes scales a workload; set kubernetes.workload (such as deployment/%s)", p, k.Service)
	}
	if k.TakeOver && k.Workload == "" {
		v.errorf(k.Pos.Of("take_over"), "%s.take_over: only means something with workload", kp)
	}
	// Without a node name every endpoint would be filtered out, so the
	// service would silently have none.
	if st := v.cfg.Static.Kubernetes; k.NodeLocal && st != nil && st.NodeName == "" {
		v.errorf(k.Pos.Of("node_local"), "%s.node_local: the gateway's node is unknown; set kubernetes.node_name or the %s environment variable (the downward API's spec.nodeName)", kp, nodeNameEnv)
	}
}

// kubeNamespace reports an optional namespace that is set but invalid.
func (v *validator) kubeNamespace(ns string, line int, path string) {
	if ns != "" && !validDNSLabel(ns) {
		v.errorf(line, "%s: %q is not a Kubernetes namespace name (lower-case letters, digits and '-', at most 63)", path, ns)
	}
}

// kubePort accepts a port number or a port name, and "" when allowed.
func (v *validator) kubePort(port string, line int, path string, emptyOK bool) {
	if port == "" {
		if !emptyOK {
			v.errorf(line, "%s: must not be empty", path)
		}
		return
	}
	if n, err := strconv.Atoi(port); err == nil {
		if n < 1 || n > 65535 {
			v.errorf(line, "%s: %d is out of range: want 1 to 65535 or a port name", path, n)
		}
		return
	}
	if !validDNSLabel(port) {
		v.errorf(line, "%s: %q is neither a port number nor a port name (lower-case letters, digits and '-')", path, port)
	}
}
