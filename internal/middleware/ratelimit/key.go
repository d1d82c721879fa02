package ratelimit

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// KeyFunc returns the key a request is counted under. ok false means the
// request has no key (a missing header, an anonymous caller) and is not
// limited by this policy.
type KeyFunc func(r *http.Request) (key string, ok bool)

// ClaimFunc reads a claim of the authenticated caller; the auth middleware
// provides it. It returns false when there is no such claim.
type ClaimFunc func(r *http.Request, name string) (string, bool)

// KeySpec lists the parts of a key: "client_ip", "route", "header:NAME",
// "claim:NAME". Several parts are combined (client IP and route, say).
type KeySpec struct {
	Parts []string
	Route string
	// TrustedProxies are the networks whose X-Forwarded-For entries are
	// believed; the client is the last address not in them.
	TrustedProxies []netip.Prefix
	Claim          ClaimFunc
}

// Build turns the spec into a KeyFunc. Unknown parts are refused.
func (k KeySpec) Build() (KeyFunc, error) {
	parts := make([]func(*http.Request) (string, bool), 0, len(k.Parts))
	for _, p := range k.Parts {
		kind, arg, _ := strings.Cut(p, ":")
		switch kind {
		case "client_ip":
			parts = append(parts, func(r *http.Request) (string, bool) { return ClientIP(r, k.TrustedProxies), true })
		case "route":
			route := k.Route
			parts = append(parts, func(*http.Request) (string, bool) { return route, true })
		case "header":
			name := http.CanonicalHeaderKey(arg)
			parts = append(parts, func(r *http.Request) (string, bool) {
				v := r.Header.Get(name)
				return v, v != ""
			})
		case "claim":
			claim := k.Claim
			parts = append(parts, func(r *http.Request) (string, bool) {
				if claim == nil {
					return "", false
				}
				return claim(r, arg)
			})
		default:
			return nil, &keyError{part: p}
		}
	}
	return func(r *http.Request) (string, bool) {
		var b strings.Builder
		for i, f := range parts {
			v, ok := f(r)
			if !ok {
				return "", false
			}
			if i > 0 {
				b.WriteByte('|')
			}
			b.WriteString(v)
		}
		return b.String(), true
	}, nil
}

type keyError struct{ part string }

func (e *keyError) Error() string {
	return "unknown rate limit key part " + e.part + " (use client_ip, route, header:NAME or claim:NAME)"
}

// ClientIP returns the address of the client: the peer address, or, when
// the peer is a trusted proxy, the right-most X-Forwarded-For entry that is
// not itself trusted. Entries left of an untrusted one could be forged by
// the client, so they are never used.
func ClientIP(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !inAny(peer.Unmap(), trusted) {
		return host
	}
	xff := r.Header.Values("X-Forwarded-For")
	for i := len(xff) - 1; i >= 0; i-- {
		hops := strings.Split(xff[i], ",")
		for j := len(hops) - 1; j >= 0; j-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[j]))
			if err != nil {
				return host
			}
			if !inAny(a.Unmap(), trusted) {
				return a.Unmap().String()
			}
		}
	}
	return host
}

func inAny(a netip.Addr, nets []netip.Prefix) bool {
	for _, n := range nets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}
