// Package balancer holds Shoal's load-balancing algorithms. Each policy is a
// Factory that turns an immutable list of ready endpoints (a pool snapshot)
// into a Balancer; internal/upstream.Pool rebuilds it whenever the endpoint
// set or readiness changes, so the algorithms never see a list change.
//
// Policies are looked up by name in a constructor map (see New), so adding one
// is one entry, not another branch.
package balancer

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/shoal-gw/shoal/internal/upstream"
)

// Balancer and Factory are the upstream package's types under their natural
// names here: upstream defines them so that Pool can hold a balancer without
// importing this package.
type (
	Balancer = upstream.Balancer
	Factory  = upstream.BalancerFactory
)

// Policy names, as written in config.
const (
	RoundRobin         = "round_robin"
	WeightedRoundRobin = "weighted_round_robin"
	LeastRequest       = "least_request"
	PeakEWMA           = "peak_ewma"
	RingHash           = "ring_hash"
	Maglev             = "maglev"

	// DefaultPolicy is used when Options.Policy is empty.
	DefaultPolicy = RoundRobin
)

// Options are a service's balancing settings after config compilation.
type Options struct {
	// Policy is one of the names above; empty means DefaultPolicy.
	Policy string
	// HashOn is the hash-key spec for ring_hash and maglev (see ParseKey):
	// "header:NAME", "cookie:NAME", "query:NAME", "path:N" or "client_ip".
	// Empty means "client_ip". Other policies ignore it.
	HashOn string
	// ClientIP extracts the client address for "client_ip" keys. nil means
	// the host part of Request.RemoteAddr; the gateway replaces it with its
	// trusted-proxy logic (X-Forwarded-For from known proxies only).
	ClientIP func(r *http.Request) string
	// VirtualNodes is the number of ring points of the heaviest endpoint in
	// ring_hash; others get points in proportion to weight. 0 means 160.
	VirtualNodes int
	// TableSize is the Maglev lookup table size; it is rounded up to a prime
	// and raised to at least 100 × endpoints. 0 means 65537.
	TableSize int
}

type constructor func(Options) (Factory, error)

// policies is the constructor map. A function, not a package variable, so
// that no process-wide map exists to be mutated.
func policies() map[string]constructor {
	return map[string]constructor{
		RoundRobin:         plain(newRoundRobin),
		WeightedRoundRobin: plain(newWeighted),
		LeastRequest:       plain(newLeastRequest),
		PeakEWMA:           plain(newPeakEWMA),
		RingHash:           newRingHashFactory,
		Maglev:             newMaglevFactory,
	}
}

func plain(build func([]*upstream.Endpoint) Balancer) constructor {
	return func(Options) (Factory, error) { return build, nil }
}

// Names lists the known policies, sorted, for validation messages.
func Names() []string {
	var names []string
	for n := range policies() {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// New checks opts and returns the factory for its policy.
func New(opts Options) (Factory, error) {
	name := opts.Policy
	if name == "" {
		name = DefaultPolicy
	}
	c, ok := policies()[name]
	if !ok {
		return nil, fmt.Errorf("unknown load-balancing policy %q (want one of %s)", name, strings.Join(Names(), ", "))
	}
	f, err := c(opts)
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", name, err)
	}
	return f, nil
}
