package gateway

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/shoal-gw/shoal/internal/middleware/breaker"
	"github.com/shoal-gw/shoal/internal/middleware/bulkhead"
	"github.com/shoal-gw/shoal/internal/middleware/retry"
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
	observer       *serviceSlot
	noEndpoint     prometheus.Counter
	errCounters    [proxy.ErrClientGone + 1]prometheus.Counter
}

func (s *service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	pol := policyFrom(r.Context())
	var sr *svcResilience
	if pol != nil {
		sr = pol.services[s.name]
	}
	if d := s.deadline(pol, r); d > 0 {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		r = r.WithContext(ctx)
	}
	if sr != nil && sr.bulkhead != nil {
		if err := sr.bulkhead.Acquire(r.Context()); err != nil {
			bulkhead.Reject(w)
			return
		}
		defer sr.bulkhead.Release()
	}
	if sr != nil && sr.adaptive != nil {
		if !sr.adaptive.Acquire() {
			w.Header().Set("Retry-After", "1")
			proxy.WriteError(w, http.StatusServiceUnavailable, "concurrency-limit")
			return
		}
		start, ok := time.Now(), false
		defer func() { sr.adaptive.Release(time.Since(start), !ok) }()
		ok = s.guarded(w, r, pol, sr)
		return
	}
	s.guarded(w, r, pol, sr)
}

// guarded runs the request under the service's circuit breaker, if any.
func (s *service) guarded(w http.ResponseWriter, r *http.Request, pol *routePolicy, sr *svcResilience) bool {
	if sr != nil && sr.breaker != nil {
		if !sr.breaker.Allow() {
			writeCircuitOpen(w)
			return false
		}
		ok := false
		defer func() { sr.breaker.Done(ok) }()
		ok = s.serve(w, r, pol, sr)
		return ok
	}
	return s.serve(w, r, pol, sr)
}

// deadline is the time the whole request may take: the route's timeout or
// else the service's, shortened by a gRPC client's grpc-timeout.
func (s *service) deadline(pol *routePolicy, r *http.Request) time.Duration {
	d := s.requestTimeout
	if pol != nil && pol.requestTimeout > 0 {
		d = pol.requestTimeout
	}
	if v := r.Header.Get("Grpc-Timeout"); v != "" {
		if g, ok := proxy.ParseGRPCTimeout(v); ok && (d <= 0 || g < d) {
			d = g
		}
	}
	return d
}

// serve runs the first try and, when the route's policy allows, retries:
// each to another endpoint when there is one, after a jittered backoff,
// within the service's retry budget. It reports whether the final answer
// counts as a success for the service's circuit breaker.
func (s *service) serve(w http.ResponseWriter, r *http.Request, pol *routePolicy, sr *svcResilience) bool {
	var rp *retryPolicy
	if pol != nil && pol.retry != nil && r.Header.Get("Upgrade") == "" && retry.Safe(r, pol.retry.unsafe) {
		rp = pol.retry
	}
	var body []byte
	if rp != nil {
		// A shallow copy: each try gets a fresh body without touching the
		// server's request.
		r = r.WithContext(r.Context())
		buf, ok, err := retry.BufferBody(r, rp.maxBody)
		switch {
		case err != nil:
			// The client's body broke before anything was sent.
			proxy.WriteError(w, http.StatusBadRequest, "request-body-unreadable")
			return true
		case !ok:
			rp = nil // too large to keep: one try only
		default:
			body = buf
		}
	}
	if sr != nil {
		sr.budget.First()
		if rp != nil && rp.hedge != nil && hedgeable(r) {
			return s.hedged(w, r, pol, sr, rp, body)
		}
	}
	var tried []*upstream.Endpoint
	for n := 0; ; n++ {
		ep, eb, open := s.pick(r, tried, sr)
		if ep == nil {
			return s.noEndpoint503(w, open)
		}
		var decide func(proxy.ErrorKind, int) bool
		if rp != nil {
			tried = append(tried, ep)
			retry.Replay(r, body)
			if n < rp.attempts {
				decide = func(kind proxy.ErrorKind, status int) bool {
					return rp.covers(kind, status) && r.Context().Err() == nil && (sr == nil || sr.budget.TryRetry())
				}
			}
		}
		tw := newTryWriter(w, decide)
		ok := s.try(tw, r, ep, eb, pol)
		if !tw.swallow {
			return ok
		}
		if !sleepCtx(r.Context(), rp.backoff.Delay(n)) {
			proxy.WriteError(w, http.StatusGatewayTimeout, "upstream-timeout")
			return false
		}
	}
}

// noEndpoint503 answers a request no endpoint can take: every candidate's
// breaker is open, or none is ready.
func (s *service) noEndpoint503(w http.ResponseWriter, open bool) bool {
	if open {
		writeCircuitOpen(w)
		return false
	}
	s.noEndpoint.Inc()
	w.Header().Set("Retry-After", "1")
	proxy.WriteError(w, http.StatusServiceUnavailable, "no-healthy-endpoint")
	return false
}

// try forwards one attempt to ep and records its outcome for passive
// health, the endpoint's breaker and the error counters. It reports
// whether the endpoint did its job (a client that left counts as yes).
func (s *service) try(tw *tryWriter, r *http.Request, ep *upstream.Endpoint, eb *breaker.Breaker, pol *routePolicy) (ok bool) {
	if rec := findRecorder(tw.w); rec != nil && !tw.hedged {
		// Hedged tries run side by side; the race names the one that
		// answered.
		rec.upstream = ep.Address()
	}
	if pol != nil && pol.perTry > 0 {
		ctx, cancel := context.WithTimeout(r.Context(), pol.perTry)
		defer cancel()
		r = r.WithContext(ctx)
	}
	if pol != nil && pol.idle > 0 {
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		r = r.WithContext(ctx)
		tw.watchIdle(pol.idle, cancel)
		defer tw.stopIdle()
	}
	if proxy.IsGRPC(r) {
		if dl, ok := r.Context().Deadline(); ok {
			// Tell the origin how long it has, as gRPC clients do.
			r = r.Clone(r.Context())
			r.Header.Set("Grpc-Timeout", formatGRPCTimeout(time.Until(dl)))
		}
	}
	start := time.Now()
	ep.Acquire()
	// Release in a defer: ReverseProxy aborts the handler with a panic when
	// the client or origin breaks mid-body, and the in-flight count must
	// still come down.
	defer func() {
		if tw.kind == proxy.ErrClientGone {
			ep.ReleaseCancelled(time.Since(start))
		} else {
			ep.Release(time.Since(start), ok)
		}
		if eb != nil {
			eb.Done(ok)
		}
	}()
	s.fwd.Forward(tw, r, ep.URL())
	obs := s.observer.load()
	if tw.kind != proxy.ErrNone {
		if c := s.errCounters[tw.kind]; c != nil {
			c.Inc()
		}
		// A client that gave up says nothing about the endpoint.
		ok = tw.kind == proxy.ErrClientGone
		if obs != nil && !ok {
			obs.Observe(ep.Address(), tw.kind, 0)
		}
		return ok
	}
	code := tw.status
	if code == 0 {
		code = http.StatusOK
	}
	ok = code < 500
	if obs != nil {
		obs.Observe(ep.Address(), proxy.ErrNone, code)
	}
	return ok
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
