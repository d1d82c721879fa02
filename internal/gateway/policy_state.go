package gateway

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/shoal-gw/shoal/internal/config"
	"github.com/shoal-gw/shoal/internal/middleware/auth"
	"github.com/shoal-gw/shoal/internal/middleware/cache"
	"github.com/shoal-gw/shoal/internal/middleware/ratelimit"
)

// policyState is the part of the traffic policies (rate limits, cache)
// that outlives reloads: token buckets, the Redis client, cached
// responses. It is created on first use, so a gateway without these
// policies pays nothing.
type policyState struct {
	once  sync.Once
	local *ratelimit.Local
	// inflight counts requests in progress per key (concurrency limits).
	inflight *ratelimit.Inflight
	cache    *cache.Memory
	stats    *cache.Stats
	rl       *prometheus.CounterVec
	// authCount counts auth outcomes by route.
	authCount *prometheus.CounterVec

	mu sync.Mutex // guards the Redis fields, jwks and trusted
	// trusted are the proxies whose X-Forwarded-For rate limit keys
	// believe (the static trusted_proxies); see SetTrustedProxies.
	trusted   []netip.Prefix
	jwks      map[string]*auth.JWKS
	redisKey  string
	redis     *redis.Client
	redisRate *ratelimit.Redis
	// redisCache is the shared cache store, when cache.store is redis.
	redisCache     *cache.RedisStore
	redisCacheKeep time.Duration
}

// policies returns the gateway's policy state, creating it once.
func (g *Gateway) policies() *policyState {
	p := &g.pol
	p.once.Do(func() {
		p.local = ratelimit.NewLocal(nil)
		p.inflight = ratelimit.NewInflight()
		p.cache = cache.NewMemory(64 << 20)
		p.stats = &cache.Stats{}
		p.rl = prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shoal_ratelimit_decisions_total",
			Help: "Rate limit decisions by route and outcome (allowed, limited, store_error).",
		}, []string{"route", "outcome"})
		p.authCount = prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shoal_auth_decisions_total",
			Help: "Authentication decisions by route and outcome (ok, unauthenticated, forbidden).",
		}, []string{"route", "outcome"})
		p.jwks = map[string]*auth.JWKS{}
		g.metrics.Registry.MustRegister(p.rl, p.authCount)
		for name, v := range map[string]func() int64{
			"hit": p.stats.Hits.Load, "miss": p.stats.Misses.Load, "stale": p.stats.Stale.Load,
			"revalidated": p.stats.Revalidated.Load, "coalesced": p.stats.Coalesced.Load,
			"bypass": p.stats.Bypassed.Load,
		} {
			g.metrics.Registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "shoal_cache_requests_total", Help: "Requests on cached routes by cache outcome.",
				ConstLabels: prometheus.Labels{"outcome": name},
			}, func() float64 { return float64(v()) }))
		}
		g.metrics.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "shoal_cache_bytes", Help: "Bytes of responses held by the cache.",
		}, func() float64 { return float64(p.cache.Bytes()) }))
	})
	return p
}

// redisClientLocked makes sure p.redis talks to rc, making a new client
// (and new stores over it) when the address, credentials or timeout
// changed. A replaced client is closed a while later, once no request can
// still be using it. The caller holds p.mu.
func (g *Gateway) redisClientLocked(p *policyState, rc *config.Redis) {
	key := rc.Address + "\x00" + rc.Password + "\x00" + strconv.Itoa(rc.DB) + "\x00" + rc.Timeout.String()
	if p.redis != nil && p.redisKey == key {
		return
	}
	if old := p.redis; old != nil {
		time.AfterFunc(time.Minute, func() { _ = old.Close() })
	}
	p.redis = ratelimit.NewRedisClient(rc.Address, rc.Password, rc.DB, rc.Timeout.D())
	p.redisRate = ratelimit.NewRedis(p.redis, ratelimit.RedisOptions{Timeout: rc.Timeout.D()})
	p.redisCache = nil
	p.redisKey = key
	g.log.Info("policy store", "redis", rc.Address, "timeout", rc.Timeout.D())
}

// redisRateStore returns the shared Redis rate limit store for rc.
func (g *Gateway) redisRateStore(rc *config.Redis) *ratelimit.Redis {
	p := g.policies()
	p.mu.Lock()
	defer p.mu.Unlock()
	g.redisClientLocked(p, rc)
	return p.redisRate
}

// redisCacheStore returns the shared Redis cache store for rc.
func (g *Gateway) redisCacheStore(rc *config.Redis, keep time.Duration) *cache.RedisStore {
	p := g.policies()
	p.mu.Lock()
	defer p.mu.Unlock()
	g.redisClientLocked(p, rc)
	if p.redisCache == nil || p.redisCacheKeep != keep {
		// Cache bodies are larger than rate decisions: allow a little more
		// than the decision timeout.
		p.redisCache = cache.NewRedisStore(p.redis, 2*rc.Timeout.D(), keep, g.log)
		p.redisCacheKeep = keep
	}
	return p.redisCache
}

// SetTrustedProxies tells the rate limits which peers' X-Forwarded-For to
// believe for client_ip keys: the listeners' trusted_proxies. The app
// calls it once before the first Apply; routes built later use it.
func (g *Gateway) SetTrustedProxies(nets []netip.Prefix) {
	p := g.policies()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.trusted = append([]netip.Prefix(nil), nets...)
}

func (g *Gateway) trustedProxies() []netip.Prefix {
	p := g.policies()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.trusted
}

// PurgeCache drops the cached responses whose key (scheme://host/path?query)
// starts with prefix; "" drops everything. It returns how many it dropped.
// The admin API mounts it through CachePurgeHandler.
func (g *Gateway) PurgeCache(prefix string) int {
	return g.policies().cache.Purge(prefix)
}

// CachePurgeHandler serves the admin API's cache purge:
// POST (or DELETE) with ?prefix=http://host/path drops those entries,
// without prefix everything; the answer is {"purged": N}.
func (g *Gateway) CachePurgeHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost && r.Method != http.MethodDelete {
			w.Header().Set("Allow", "POST, DELETE")
			http.Error(w, "use POST or DELETE", http.StatusMethodNotAllowed)
			return
		}
		n := g.PurgeCache(r.URL.Query().Get("prefix"))
		g.log.Info("cache purged", "prefix", r.URL.Query().Get("prefix"), "entries", n)
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, "{\"purged\": %d}\n", n)
	})
}

// closePolicies releases the Redis client; Gateway.Close calls it.
func (g *Gateway) closePolicies() {
	p := &g.pol
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.redis != nil {
		if err := p.redis.Close(); err != nil {
			g.log.Debug("closing redis client", slog.Any("error", err))
		}
		p.redis = nil
	}
}
