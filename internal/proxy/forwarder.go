// Package proxy holds the leaf forwarder: the piece that sends one request to
// one chosen endpoint and copies the answer back. It knows nothing of routes,
// services or balancing; callers pick the endpoint and hand over its URL.
//
// The Forwarder is an interface so a faster HTTP/1.1 engine can replace the
// httputil.ReverseProxy-based one without touching the gateway.
package proxy

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"time"
)

// Forwarder sends a request to the endpoint at target.
type Forwarder interface {
	Forward(w http.ResponseWriter, r *http.Request, target *url.URL)
}

// ErrorSink is implemented by response writers that want to learn why the
// forwarder failed (for metrics, passive health and access logs).
type ErrorSink interface {
	SetUpstreamError(kind ErrorKind, err error)
}

// ReverseProxy is the default Forwarder, built on httputil.ReverseProxy with
// Rewrite (never Director, whose hop-by-hop handling is unsafe).
type ReverseProxy struct {
	rp             *httputil.ReverseProxy
	maxRequestBody int64
	tunnelIdle     time.Duration
}

// targetKey carries the chosen endpoint from Forward into Rewrite without a
// proxy per endpoint. A pointer key avoids an allocation for the key itself.
type targetKey struct{}

// Option adjusts a ReverseProxy.
type Option func(*ReverseProxy)

// WithMaxRequestBody answers 413 to request bodies over n bytes (0: no
// limit). Bodies are streamed and counted, never buffered.
func WithMaxRequestBody(n int64) Option {
	return func(p *ReverseProxy) { p.maxRequestBody = n }
}

// WithTunnelIdleTimeout closes an Upgrade tunnel (WebSocket) when no byte
// moved either way for d (0: never).
func WithTunnelIdleTimeout(d time.Duration) Option {
	return func(p *ReverseProxy) { p.tunnelIdle = d }
}

// WithTransportOptions applies the forwarding settings that travel with a
// service's transport options (request body limit, tunnel idle timeout).
func WithTransportOptions(o TransportOptions) Option {
	return func(p *ReverseProxy) {
		p.maxRequestBody = o.MaxRequestBody
		p.tunnelIdle = o.TunnelIdleTimeout
	}
}

// NewReverseProxy builds a forwarder over transport. log receives transport
// errors that are not the client's fault.
func NewReverseProxy(transport http.RoundTripper, log *slog.Logger, opts ...Option) *ReverseProxy {
	p := &ReverseProxy{}
	for _, o := range opts {
		o(p)
	}
	p.rp = &httputil.ReverseProxy{
		Transport:  transport,
		BufferPool: newBufferPool(),
		ErrorLog:   slog.NewLogLogger(log.Handler(), slog.LevelDebug),
		Rewrite: func(pr *httputil.ProxyRequest) {
			target, _ := pr.In.Context().Value(targetKey{}).(*url.URL)
			if target == nil {
				return
			}
			pr.SetURL(target)
			// Keep the query exactly as the client sent it: re-encoding it
			// would change what the origin's parser sees.
			pr.Out.URL.RawQuery = pr.In.URL.RawQuery
			// Services behind a gateway usually route on the public host,
			// as with Traefik's passHostHeader and Envoy's default.
			pr.Out.Host = pr.In.Host
			setForwarded(pr)
		},
		ModifyResponse: func(res *http.Response) error {
			if res.Request != nil && IsGRPC(res.Request) {
				splitTrailersOnly(res)
			}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(err, errBodyTooLarge) {
				WriteError(w, http.StatusRequestEntityTooLarge, "request-body-too-large")
				return
			}
			if errors.Is(err, errClientBody) && r.Context().Err() == nil {
				w.Header().Set("Connection", "close")
				WriteError(w, http.StatusBadRequest, "bad-request-body")
				return
			}
			kind := Classify(r, err)
			if sink := sinkOf(w); sink != nil {
				sink.SetUpstreamError(kind, err)
			}
			if kind == ErrClientGone {
				// Nobody is listening; write nothing so the status is logged
				// as the client's cancellation, not our failure.
				w.WriteHeader(StatusClientClosed)
				return
			}
			if kind != ErrTimeout {
				log.DebugContext(r.Context(), "upstream request failed", "url", r.URL.String(), "err", err)
			}
			WriteError(w, kind.Status(), kind.Reason())
		},
	}
	return p
}

// Forward implements Forwarder.
func (p *ReverseProxy) Forward(w http.ResponseWriter, r *http.Request, target *url.URL) {
	stripH2CUpgrade(r)
	tagClientBody(r)
	if !limitBody(r, p.maxRequestBody) {
		w.Header().Set("Connection", "close")
		WriteError(w, http.StatusRequestEntityTooLarge, "request-body-too-large")
		return
	}
	ctx := contextWithTarget(r.Context(), target)
	if r.Header.Get("Upgrade") != "" {
		ctx = withTunnelTrace(ctx)
	}
	if p.tunnelIdle > 0 && r.Header.Get("Upgrade") != "" {
		p.rp.ServeHTTP(tunnelWriter{interimWriter{w}, p.tunnelIdle}, r.WithContext(ctx))
		return
	}
	p.rp.ServeHTTP(interimWriter{w}, r.WithContext(ctx))
}

type bufferPool struct{ p sync.Pool }

func newBufferPool() *bufferPool {
	return &bufferPool{p: sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}}
}

func (b *bufferPool) Get() []byte { return *(b.p.Get().(*[]byte)) }
func (b *bufferPool) Put(buf []byte) {
	if cap(buf) < 32<<10 {
		return
	}
	buf = buf[:32<<10]
	b.p.Put(&buf)
}

// sinkOf finds an ErrorSink in the writer chain: middleware may wrap the
// writer that wants to know.
func sinkOf(w http.ResponseWriter) ErrorSink {
	for {
		if s, ok := w.(ErrorSink); ok {
			return s
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return nil
		}
		w = u.Unwrap()
	}
}
