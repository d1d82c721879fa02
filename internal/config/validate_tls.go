package config

import (
	"fmt"
	"net/netip"
	"strings"
)

// listenerTLS checks the static TLS, h2c, redirect and trusted-proxy keys.
func (v *validator) listenerTLS(s *Static) {
	if t := s.TLS; t != nil {
		if t.Pos.Has("certificates") && len(t.Certificates) == 0 {
			v.errorf(t.Pos.Of("certificates"), "tls.certificates: at least one {cert, key} is needed")
		}
		for i := range t.Certificates {
			c := &t.Certificates[i]
			p := fmt.Sprintf("tls.certificates[%d]", i)
			if c.Pos.Has("cert") && strings.TrimSpace(c.Cert) == "" {
				v.errorf(c.Pos.Of("cert"), "%s.cert: must not be empty", p)
			}
			if c.Pos.Has("key") && strings.TrimSpace(c.Key) == "" {
				v.errorf(c.Pos.Of("key"), "%s.key: must not be empty", p)
			}
		}
	}
	if s.RedirectHTTP != "" {
		if err := checkAddress(s.RedirectHTTP); err != nil {
			v.errorf(s.Pos.Of("redirect_http"), "redirect_http: %v", err)
		} else if s.TLS == nil {
			v.errorf(s.Pos.Of("redirect_http"), "redirect_http: needs tls, since it sends clients to the https listeners")
		}
		for _, a := range s.Listen {
			if a == s.RedirectHTTP {
				v.errorf(s.Pos.Of("redirect_http"), "redirect_http: %q is also a listen address", a)
			}
		}
	}
	for i, c := range s.TrustedProxies {
		if _, err := ParseTrustedProxy(c); err != nil {
			v.errorf(s.Pos.Of(fmt.Sprintf("trusted_proxies[%d]", i)), "trusted_proxies[%d]: %v", i, err)
		}
	}
	if s.MaxHeaderBytes < 0 {
		v.errorf(s.Pos.Of("max_header_bytes"), "max_header_bytes: must not be negative")
	}
	if s.MaxConcurrentStreams < 0 {
		v.errorf(s.Pos.Of("max_concurrent_streams"), "max_concurrent_streams: must not be negative")
	}
}

// ParseTrustedProxy reads a CIDR ("10.0.0.0/8") or a single address
// ("192.0.2.1", taken as /32 or /128).
func ParseTrustedProxy(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not a network such as 10.0.0.0/8: %w", s, err)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is neither an address nor a network such as 10.0.0.0/8", s)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// upstream checks a service's upstream protocol and TLS keys.
func (v *validator) upstream(s *Service, p string) {
	if s.MaxRequestBody < 0 {
		v.errorf(s.Pos.Of("max_request_body"), "%s.max_request_body: must not be negative", p)
	}
	u := s.Upstream
	if u == nil {
		return
	}
	p += ".upstream"
	if u.MaxIdleConns < 0 {
		v.errorf(u.Pos.Of("max_idle_conns"), "%s.max_idle_conns: must not be negative", p)
	}
	for i := range s.Endpoints {
		e := &s.Endpoints[i]
		https := strings.HasPrefix(strings.ToLower(e.URL), "https://")
		switch {
		case u.Protocol == "h2" && !https:
			v.errorf(e.Pos.Of("url"), "%s.endpoints[%d]: protocol h2 needs an https URL, got %q", "services."+s.Name, i, e.URL)
		case u.Protocol == "h2c" && https:
			v.errorf(e.Pos.Of("url"), "%s.endpoints[%d]: protocol h2c is plain text, so the URL must be http, got %q", "services."+s.Name, i, e.URL)
		}
	}
	t := u.TLS
	if t == nil {
		return
	}
	if u.Protocol == "h2c" {
		v.errorf(u.Pos.Of("tls"), "%s.tls: protocol h2c does not use TLS (use h2)", p)
	}
	if (t.Cert == "") != (t.Key == "") {
		v.errorf(t.Pos.Line, "%s.tls: cert and key go together", p)
	}
}
