// Package gateway is the entry point of the request path: it holds the
// current compiled config (routing table and services) behind one atomic
// pointer, answers requests no route serves, and swaps in a new compiled
// config on reload. Per-endpoint state and connection pools live across
// reloads; only the immutable table is replaced.
package gateway

import (
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/shoal-gw/shoal/internal/proxy"
	"github.com/shoal-gw/shoal/internal/routing"
	"github.com/shoal-gw/shoal/internal/telemetry"
	"github.com/shoal-gw/shoal/internal/telemetry/tracing"
	"github.com/shoal-gw/shoal/internal/upstream"
)

// Options configure a Gateway.
type Options struct {
	Metrics   *telemetry.Metrics
	Log       *slog.Logger
	AccessLog *telemetry.AccessLog
	// Tracer, when set, records a server span per request and a client
	// span per upstream attempt.
	Tracer *tracing.Tracer
}

// Gateway serves the public listeners.
type Gateway struct {
	log     *slog.Logger
	metrics *telemetry.Metrics
	access  *telemetry.AccessLog
	tracer  *tracing.Tracer
	states  *upstream.States

	current atomic.Pointer[snapshot]
	noRoute prometheus.Counter
	badReq  prometheus.Counter

	mu       sync.Mutex // serialises Apply; guards the maps below
	services map[string]*backend
	static   map[string][]upstream.Target            // config endpoints per service
	dynamic  map[string]map[string][]upstream.Target // service → source → endpoints
	// slots hold per-service hooks (observer, activator, signals) that
	// outlive reloads and backends, keyed by service name.
	slots map[string]*serviceSlot
	resil resilienceState // breakers, budgets, bulkheads; see resilience_state.go
	pol   policyState     // rate limit buckets, Redis client, cache store; see policy_state.go
}

// snapshot is one compiled config. It is never modified once published.
type snapshot struct {
	table    *routing.Table
	services map[string]*service
	routes   []routeInfo
}

// New returns a gateway with an empty table: every request gets 404 until
// Apply succeeds.
func New(opts Options) *Gateway {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Metrics == nil {
		opts.Metrics = telemetry.NewMetrics()
	}
	g := &Gateway{
		log:      opts.Log,
		metrics:  opts.Metrics,
		access:   opts.AccessLog,
		tracer:   opts.Tracer,
		states:   upstream.NewStates(10 * time.Second),
		services: make(map[string]*backend),
		noRoute:  opts.Metrics.GatewayError("no_route"),
		badReq:   opts.Metrics.GatewayError("bad_request"),
	}
	g.current.Store(&snapshot{services: map[string]*service{}})
	return g
}

// ServeHTTP routes one request.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodConnect {
		// A gateway is not a forward proxy: CONNECT would open a tunnel to
		// wherever the client asks.
		g.badReq.Inc()
		w.Header().Set("Allow", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS")
		proxy.WriteError(w, http.StatusMethodNotAllowed, "connect-not-supported")
		return
	}
	if !cleanPath(r.URL.Path) {
		// Dot-segments would let /public/../admin match a /public route
		// and then reach /admin at the origin.
		g.badReq.Inc()
		proxy.WriteError(w, http.StatusBadRequest, "path-not-normalized")
		return
	}
	snap := g.current.Load()
	rt := snap.table.Lookup(r)
	if rt == nil {
		g.noRoute.Inc()
		proxy.WriteError(w, http.StatusNotFound, "no-route")
		g.logUnrouted(r)
		return
	}
	rt.Handler.ServeHTTP(w, r)
}

func (g *Gateway) logUnrouted(r *http.Request) {
	if g.access == nil {
		return
	}
	g.access.Log(telemetry.AccessEntry{
		Time: time.Now(), Remote: remoteIP(r), Method: r.Method, Host: r.Host,
		Path: r.URL.Path, Proto: r.Proto, Status: http.StatusNotFound, Error: "no-route",
	})
}

// cleanPath reports whether p is free of "." and ".." segments. Empty and
// "*" (OPTIONS *) are allowed; the router answers them.
func cleanPath(p string) bool {
	for i := 0; i < len(p); i++ {
		if p[i] != '.' || (i > 0 && p[i-1] != '/') {
			continue
		}
		rest := p[i+1:]
		if rest == "" || rest[0] == '/' {
			return false // "/."
		}
		if rest[0] == '.' && (len(rest) == 1 || rest[1] == '/') {
			return false // "/.."
		}
	}
	return true
}

// Close releases every service's connections and endpoint references.
func (g *Gateway) Close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for name, s := range g.services {
		s.close()
		delete(g.services, name)
	}
	g.closePolicies()
}
