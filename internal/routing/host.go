package routing

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// maxHostLen is the longest DNS name (253) with room to spare; longer request hosts
// can only match routes without a host, which keeps Lookup allocation-free.
const maxHostLen = 255

// hostPattern is a validated Match.Hosts entry.
type hostPattern struct {
	wildcard bool
	// name is the lower-case host for exact patterns, and the suffix including its
	// leading dot (".example.com") for wildcards.
	name string
}

// parseHostPattern validates one Match.Hosts entry.
func parseHostPattern(h string) (hostPattern, error) {
	s := strings.TrimSuffix(strings.ToLower(h), ".")
	if s == "" {
		return hostPattern{}, errors.New("host is empty (leave hosts out to match any host)")
	}
	// IP literals match exactly; IPv6 is written with or without brackets.
	if strings.ContainsRune(s, ':') {
		addr, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
		if err != nil || !addr.Is6() {
			return hostPattern{}, fmt.Errorf("host %q: hosts must not carry a port (ports are ignored)", h)
		}
		return hostPattern{name: addr.String()}, nil
	}
	wildcard := false
	if strings.HasPrefix(s, "*.") {
		wildcard, s = true, s[2:]
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" {
			return hostPattern{}, fmt.Errorf("host %q has an empty label", h)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return hostPattern{}, fmt.Errorf("host %q: character %q is not allowed (a wildcard is only valid as a leading \"*.\")", h, c)
			}
		}
	}
	if wildcard {
		return hostPattern{wildcard: true, name: "." + s}, nil
	}
	return hostPattern{name: s}, nil
}

// requestHost lower-cases the request's host into buf with the port, IPv6 brackets
// and a trailing dot removed. ok is false when the host does not fit in buf.
func requestHost(buf *[maxHostLen]byte, host string) (b []byte, ok bool) {
	if strings.HasPrefix(host, "[") {
		if end := strings.IndexByte(host, ']'); end > 0 {
			host = host[1:end]
		}
	} else if i := strings.LastIndexByte(host, ':'); i >= 0 && strings.IndexByte(host, ':') == i {
		host = host[:i]
	}
	host = strings.TrimSuffix(host, ".")
	if len(host) > len(buf) {
		return nil, false
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return buf[:len(host)], true
}
