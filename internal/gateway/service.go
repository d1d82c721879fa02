package gateway

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/shoal-gw/shoal/internal/proxy"
	"github.com/shoal-gw/shoal/internal/upstream"
)

// backend is the long-lived part of a service: its pool (whose endpoint
// states outlive reloads) and its own connection pool. It is reused by every
// compiled config that keeps the service with the same transport options.
type backend struct {
	name      string
	pool      *upstream.Pool
	transport *http.Transport
	topts     proxy.TransportOptions
	fwd       proxy.Forwarder
	policy    string
}

func (b *backend) close() {
	b.pool.Close()
	b.transport.CloseIdleConnections()
}

// service is the terminal handler of routes that send to one service. It is
// rebuilt on every reload (so its settings never change under a request),
// while its backend is shared.
type service struct {
	*backend
	requestTimeout time.Duration
	observer       *observerSlot
	noEndpoint     prometheus.Counter
	errCounters    [proxy.ErrClientGone + 1]prometheus.Counter
}

func (s *service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ep := s.pool.Pick(r)
	if ep == nil {
		s.noEndpoint.Inc()
		w.Header().Set("Retry-After", "1")
		proxy.WriteError(w, http.StatusServiceUnavailable, "no-healthy-endpoint")
		return
	}
	rec := findRecorder(w)
	if rec != nil {
		rec.upstream = ep.Address()
	}
	if s.requestTimeout > 0 {
		ctx, cancel := context.WithTimeout(r.Context(), s.requestTimeout)
		defer cancel()
		r = r.WithContext(ctx)
	}
	start := time.Now()
	ep.Acquire()
	ok := false
	// Release in a defer: ReverseProxy aborts the handler with a panic when
	// the client or origin breaks mid-body, and the in-flight count must
	// still come down.
	defer func() { ep.Release(time.Since(start), ok) }()
	s.fwd.Forward(w, r, ep.URL())
	if rec == nil {
		ok = true
		return
	}
	obs := s.observer.load()
	if rec.errKind != proxy.ErrNone {
		if c := s.errCounters[rec.errKind]; c != nil {
			c.Inc()
		}
		// A client that gave up says nothing about the endpoint.
		ok = rec.errKind == proxy.ErrClientGone
		if obs != nil && !ok {
			obs.Observe(ep.Address(), rec.errKind, 0)
		}
		return
	}
	ok = rec.code() < 500
	if obs != nil {
		obs.Observe(ep.Address(), proxy.ErrNone, rec.code())
	}
}

// readWrite sends safe methods to one service and the rest to another
// (read replicas and a primary).
type readWrite struct {
	read, write http.Handler
}

func (h *readWrite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		h.read.ServeHTTP(w, r)
	default:
		h.write.ServeHTTP(w, r)
	}
}

// findRecorder walks the wrapper chain (header middleware wraps the
// recorder) to the gateway's recorder.
func findRecorder(w http.ResponseWriter) *recorder {
	for {
		if rec, ok := w.(*recorder); ok {
			return rec
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return nil
		}
		w = u.Unwrap()
	}
}
