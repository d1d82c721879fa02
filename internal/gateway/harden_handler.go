package gateway

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/netip"

	"github.com/shoal-gw/shoal/internal/proxy"
)

// hardening runs in front of the gateway on every listener: it restores
// the TLS state the framing check hid, decides whether the client's
// forwarding headers are to be believed, and gives gRPC requests their
// deadline and gRPC-shaped gateway errors.
type hardening struct {
	next    http.Handler
	trusted []netip.Prefix
}

func newHardening(next http.Handler, trusted []netip.Prefix) http.Handler {
	return &hardening{next: next, trusted: trusted}
}

func (h *hardening) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.TLS == nil {
		if st, ok := r.Context().Value(tlsStateKey{}).(*tls.ConnectionState); ok {
			r.TLS = st
		}
	}
	ctx := r.Context()
	if h.isTrusted(r.RemoteAddr) {
		ctx = proxy.WithTrustedForwarding(ctx)
	}
	if proxy.IsGRPC(r) {
		w = proxy.GRPCErrors(w)
		if d, ok := proxy.ParseGRPCTimeout(r.Header.Get("Grpc-Timeout")); ok {
			// The client stops waiting then; so does the gateway, which
			// frees the upstream stream and answers DEADLINE_EXCEEDED.
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, d)
			defer cancel()
		}
	}
	if ctx != r.Context() {
		r = r.WithContext(ctx)
	}
	h.next.ServeHTTP(w, r)
}

func (h *hardening) isTrusted(remote string) bool {
	if len(h.trusted) == 0 {
		return false
	}
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return false
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range h.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
