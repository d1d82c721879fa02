package upstream

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Target describes one endpoint as the control side knows it.
type Target struct {
	// Address is "host:port" (plain HTTP) or a URL "http://host[:port]" /
	// "https://host[:port]". Only scheme and host matter; a path is an error.
	Address string
	// Weight is the relative share of traffic; 0 means 1.
	Weight int
}

// Endpoint is one instance of a service as seen by one pool snapshot: the
// immutable address, target URL and weight, plus the shared live *State
// (its methods, such as Acquire, Release, Ready and SetReady, are promoted).
//
// Two pools listing the same address hold different Endpoints with the same
// State; compare endpoints with Same, not ==.
type Endpoint struct {
	*State
	url    *url.URL
	weight int
	pool   *Pool
}

// hardReasons keep an endpoint out even in panic mode: it is being stopped
// or an operator took it out.
const hardReasons = Draining | Manual

// Routable reports whether the endpoint may take a request now: it is
// ready, or its pool is in panic mode and only health verdicts (not a drain
// or an operator) keep it out.
func (e *Endpoint) Routable() bool {
	if e.Ready() {
		return true
	}
	return e.pool != nil && e.pool.panicking.Load() && e.Down()&hardReasons == 0
}

// URL is the endpoint's scheme and host, ready for httputil.ProxyRequest.SetURL.
// Callers must not modify it.
func (e *Endpoint) URL() *url.URL { return e.url }

// Weight is the endpoint's relative weight (at least 1).
func (e *Endpoint) Weight() int { return e.weight }

// Same reports whether two endpoints are the same instance (same shared
// state), even if they come from different pool snapshots.
func (e *Endpoint) Same(o *Endpoint) bool {
	return e != nil && o != nil && e.State == o.State
}

// In reports whether e is one of set (by Same). A linear scan: the sets
// passed here are the few endpoints a retry already tried.
func (e *Endpoint) In(set []*Endpoint) bool {
	for _, o := range set {
		if e.Same(o) {
			return true
		}
	}
	return false
}

// MaxWeight bounds weights so that weight sums fit comfortably in int64 and
// ring sizes stay sane.
const MaxWeight = 1 << 20

// ParseTarget checks t and returns its host:port key and its target URL.
func ParseTarget(t Target) (addr string, u *url.URL, err error) {
	raw := strings.TrimSpace(t.Address)
	if raw == "" {
		return "", nil, errors.New("empty endpoint address")
	}
	if t.Weight < 0 || t.Weight > MaxWeight {
		return "", nil, fmt.Errorf("endpoint %q: weight %d out of range 0..%d", raw, t.Weight, MaxWeight)
	}
	scheme, host, port := "http", "", ""
	if strings.Contains(raw, "://") {
		pu, perr := url.Parse(raw)
		if perr != nil {
			return "", nil, fmt.Errorf("endpoint %q: %w", raw, perr)
		}
		if pu.Scheme != "http" && pu.Scheme != "https" {
			return "", nil, fmt.Errorf("endpoint %q: scheme must be http or https", raw)
		}
		if (pu.Path != "" && pu.Path != "/") || pu.RawQuery != "" || pu.Fragment != "" || pu.User != nil {
			return "", nil, fmt.Errorf("endpoint %q: only scheme://host:port is allowed", raw)
		}
		// A URL without a port means the scheme's default port.
		scheme, host, port = pu.Scheme, pu.Hostname(), pu.Port()
		if port == "" {
			port = defaultPort(scheme)
		}
	} else {
		var serr error
		host, port, serr = net.SplitHostPort(raw)
		if serr != nil {
			return "", nil, fmt.Errorf("endpoint %q: %w", raw, serr)
		}
	}
	if host == "" {
		return "", nil, fmt.Errorf("endpoint %q: missing host", raw)
	}
	if n, perr := strconv.Atoi(port); perr != nil || n < 1 || n > 65535 {
		return "", nil, fmt.Errorf("endpoint %q: bad port %q", raw, port)
	}
	addr = net.JoinHostPort(host, port)
	return addr, &url.URL{Scheme: scheme, Host: addr}, nil
}

func defaultPort(scheme string) string {
	if scheme == "https" {
		return "443"
	}
	return "80"
}

func weightOf(t Target) int {
	if t.Weight <= 0 {
		return 1
	}
	return t.Weight
}
