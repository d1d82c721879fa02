package kube

import (
	"net"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"

	"github.com/shoal-gw/shoal/internal/registry"
	"github.com/shoal-gw/shoal/internal/registry/static"
)

// Metadata keys of the instances this registry lists.
const (
	MetaNamespace = "kubernetes.namespace"
	MetaService   = "kubernetes.service"
	MetaSlice     = "kubernetes.slice"
	MetaPod       = "kubernetes.pod"
	MetaNode      = "kubernetes.node"
	MetaZone      = "kubernetes.zone"
	MetaHintZones = "kubernetes.hints.zones"
	MetaHintNodes = "kubernetes.hints.nodes"
	MetaDraining  = "draining" // "true": terminating but still serving
	drainingTrue  = "true"
	labelService  = discoveryv1.LabelServiceName
	podKind       = "Pod"
	protocolTCP   = corev1.ProtocolTCP
)

// state is how an endpoint's conditions place it.
type state int

const (
	stateOut      state = iota // not serving: left out
	stateDraining              // terminating but serving: no new requests
	stateReady                 // takes traffic
)

// classify reads an endpoint's conditions as the EndpointSlice API defines
// them: an unreported ready or serving means yes, an unreported
// terminating means no.
func classify(c discoveryv1.EndpointConditions) state {
	ready := c.Ready == nil || *c.Ready
	serving := c.Serving == nil || *c.Serving
	terminating := c.Terminating != nil && *c.Terminating
	switch {
	case ready && !terminating:
		return stateReady
	case serving && terminating:
		return stateDraining
	case ready:
		// Ready and terminating cannot both be true by the API's rules;
		// treat it as draining rather than trust either half.
		return stateDraining
	default:
		return stateOut
	}
}

// pickPort finds the slice port that src names: by name, by number, or the
// only TCP port when src names none. ok is false when there is none, or
// several and src names none (ambiguous says so).
func pickPort(ports []discoveryv1.EndpointPort, src Source) (port int32, ok, ambiguous bool) {
	var tcp []discoveryv1.EndpointPort
	for _, p := range ports {
		if p.Port == nil || (p.Protocol != nil && *p.Protocol != protocolTCP) {
			continue
		}
		tcp = append(tcp, p)
	}
	switch {
	case src.PortNumber != 0:
		for _, p := range tcp {
			if *p.Port == src.PortNumber {
				return *p.Port, true, false
			}
		}
	case src.PortName != "":
		for _, p := range tcp {
			if p.Name != nil && *p.Name == src.PortName {
				return *p.Port, true, false
			}
		}
	case len(tcp) == 1:
		return *tcp[0].Port, true, false
	case len(tcp) > 1:
		return 0, false, true
	}
	return 0, false, false
}

// instances turns the slices of one Kubernetes Service into the instances
// of the Shoal service src feeds. An address listed by several slices (as
// while a slice is rewritten) appears once, in its best state. ambiguous
// lists the slices skipped for an ambiguous port.
func instances(service string, src Source, slices []*discoveryv1.EndpointSlice) (out []registry.Instance, ambiguous []string) {
	sort.Slice(slices, func(i, j int) bool { return slices[i].Name < slices[j].Name })
	best := map[string]state{}
	byAddr := map[string]registry.Instance{}
	for _, s := range slices {
		port, ok, amb := pickPort(s.Ports, src)
		if amb {
			ambiguous = append(ambiguous, s.Name)
		}
		if !ok {
			continue
		}
		for _, ep := range s.Endpoints {
			st := classify(ep.Conditions)
			if st == stateOut || !onNode(ep, src.Node) {
				continue
			}
			for _, host := range ep.Addresses {
				addr := net.JoinHostPort(host, strconv.Itoa(int(port)))
				if prev, seen := best[addr]; seen && prev >= st {
					continue
				}
				in := registry.Instance{
					ID: static.IDFor(addr), Service: service, Address: addr,
					Metadata: metadata(s, ep, st),
				}
				if _, err := registry.Prepare(in); err != nil {
					continue // an address Kubernetes accepted but Shoal cannot dial
				}
				best[addr] = st
				byAddr[addr] = in
			}
		}
	}
	out = make([]registry.Instance, 0, len(byAddr))
	for _, in := range byAddr {
		out = append(out, in)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, ambiguous
}

// onNode says whether ep may be used by a source limited to node ("" for
// any node).
func onNode(ep discoveryv1.Endpoint, node string) bool {
	return node == "" || (ep.NodeName != nil && *ep.NodeName == node)
}

// metadata keeps what Kubernetes knows of an endpoint: where it was found,
// its pod, node and zone, and its topology hints, for zone-aware
// balancing, plus the draining mark.
func metadata(s *discoveryv1.EndpointSlice, ep discoveryv1.Endpoint, st state) map[string]string {
	m := map[string]string{
		MetaNamespace: s.Namespace,
		MetaService:   s.Labels[labelService],
		MetaSlice:     s.Name,
	}
	if r := ep.TargetRef; r != nil && r.Kind == podKind {
		m[MetaPod] = r.Name
	}
	if ep.NodeName != nil {
		m[MetaNode] = *ep.NodeName
	}
	if ep.Zone != nil {
		m[MetaZone] = *ep.Zone
	}
	if h := ep.Hints; h != nil {
		var zones, nodes []string
		for _, z := range h.ForZones {
			zones = append(zones, z.Name)
		}
		for _, n := range h.ForNodes {
			nodes = append(nodes, n.Name)
		}
		if len(zones) > 0 {
			m[MetaHintZones] = strings.Join(zones, ",")
		}
		if len(nodes) > 0 {
			m[MetaHintNodes] = strings.Join(nodes, ",")
		}
	}
	if st == stateDraining {
		m[MetaDraining] = drainingTrue
	}
	return m
}
