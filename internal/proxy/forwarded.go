package proxy

import (
	"context"
	"net"
	"net/http"
	"net/http/httputil"
	"strings"
)

type trustedKey struct{}

// WithTrustedForwarding marks a request as coming from a trusted proxy:
// its X-Forwarded-* and Forwarded headers are kept and extended instead of
// replaced. The listener decides this from the connection's address.
func WithTrustedForwarding(ctx context.Context) context.Context {
	return context.WithValue(ctx, trustedKey{}, true)
}

func trustedForwarding(ctx context.Context) bool {
	v, _ := ctx.Value(trustedKey{}).(bool)
	return v
}

// setForwarded writes X-Forwarded-For/Host/Proto and Forwarded (RFC 7239)
// on the outbound request. ReverseProxy has already removed the X-Forwarded
// headers from it; Forwarded is ours to drop when the client is not
// trusted, or a client could claim any origin address.
func setForwarded(pr *httputil.ProxyRequest) {
	in, out := pr.In, pr.Out
	trusted := trustedForwarding(in.Context())
	clientIP, _, err := net.SplitHostPort(in.RemoteAddr)
	if err != nil {
		clientIP = ""
	}
	proto := "http"
	if in.TLS != nil {
		proto = "https"
	}
	xff := ""
	if trusted {
		xff = strings.Join(in.Header.Values("X-Forwarded-For"), ", ")
	}
	if clientIP != "" {
		if xff != "" {
			xff += ", "
		}
		xff += clientIP
	}
	setOrDel(out.Header, "X-Forwarded-For", xff)
	host, xproto := in.Host, proto
	if trusted {
		// The first proxy saw the client's own host and scheme.
		if v := in.Header.Get("X-Forwarded-Host"); v != "" {
			host = v
		}
		if v := in.Header.Get("X-Forwarded-Proto"); v != "" {
			xproto = v
		}
	}
	out.Header.Set("X-Forwarded-Host", host)
	out.Header.Set("X-Forwarded-Proto", xproto)

	elem := forwardedElement(clientIP, in.Host, proto)
	if prior := in.Header.Values("Forwarded"); trusted && len(prior) > 0 {
		elem = strings.Join(prior, ", ") + ", " + elem
	}
	out.Header.Set("Forwarded", elem)
}

func setOrDel(h http.Header, k, v string) {
	if v == "" {
		h.Del(k)
		return
	}
	h.Set(k, v)
}

// forwardedElement formats one Forwarded element. IPv6 addresses and
// hosts with characters outside a token are quoted, as RFC 7239 requires.
func forwardedElement(ip, host, proto string) string {
	var b strings.Builder
	if ip != "" {
		b.WriteString("for=")
		if strings.Contains(ip, ":") {
			b.WriteString(`"[` + ip + `]"`)
		} else {
			b.WriteString(ip)
		}
		b.WriteByte(';')
	}
	if host != "" {
		b.WriteString("host=")
		b.WriteString(quoteIfNeeded(host))
		b.WriteByte(';')
	}
	b.WriteString("proto=")
	b.WriteString(proto)
	return b.String()
}

func quoteIfNeeded(s string) string {
	for i := 0; i < len(s); i++ {
		if !isTokenByte(s[i]) {
			return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
		}
	}
	return s
}

func isTokenByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
