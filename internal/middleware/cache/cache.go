package cache

import (
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Stats counts what the cache did; the gateway exports them as metrics.
type Stats struct {
	Hits, Misses, Stale, Revalidated, Coalesced, Stored, Invalidated, Bypassed atomic.Int64
}

// Options configure one route's cache.
type Options struct {
	Store Store
	// MaxObjectBytes is the largest body stored; larger responses pass.
	MaxObjectBytes int
	// StaleIfError lets the cache answer with a stale response for up to
	// this long past its freshness when the origin fails (5xx or no
	// answer), even if the response did not say stale-if-error.
	StaleIfError time.Duration
	// KeyPrefix starts every key, to keep routes apart if they share a
	// store and the same URLs mean different things.
	KeyPrefix string
	// Authenticated reports a request whose caller the gateway itself
	// authenticated (API key, basic, JWT): such answers are stored only
	// when they say they may be shared, as with Authorization. Optional.
	Authenticated func(*http.Request) bool
	Stats         *Stats
	Log           *slog.Logger
	Now           func() time.Time
}

// Cache is the middleware of one route.
type Cache struct {
	opts    Options
	next    http.Handler
	flights flights
	// revalidating dedupes background revalidations by key.
	revalidating sync.Map
}

// New returns the middleware constructor.
func New(o Options) func(http.Handler) http.Handler {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Stats == nil {
		o.Stats = &Stats{}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.MaxObjectBytes <= 0 {
		o.MaxObjectBytes = 1 << 20
	}
	return func(next http.Handler) http.Handler {
		return &Cache{opts: o, next: next, flights: flights{m: map[string]chan struct{}{}}}
	}
}

// key is the primary cache key: scheme, host and request target.
func (c *Cache) key(r *http.Request) string {
	return c.opts.KeyPrefix + schemeOf(r) + r.Host + r.URL.RequestURI()
}

// flights coalesces concurrent misses: the first request of a key goes to
// the origin, the others wait for it and then look in the store again.
type flights struct {
	mu sync.Mutex
	m  map[string]chan struct{}
}

// join returns a done function when the caller leads, or a channel that
// closes when the leader is done.
func (f *flights) join(key string) (done func(), wait <-chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ch, ok := f.m[key]; ok {
		return nil, ch
	}
	ch := make(chan struct{})
	f.m[key] = ch
	return func() {
		f.mu.Lock()
		delete(f.m, key)
		f.mu.Unlock()
		close(ch)
	}, nil
}

// ServeHTTP answers from the store when it may, or asks the origin.
func (c *Cache) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Protocol upgrades (WebSocket) hijack the connection: never cached.
	if (r.Method != http.MethodGet && r.Method != http.MethodHead) || r.Header.Get("Upgrade") != "" {
		c.passThrough(w, r)
		return
	}
	reqCC := parseCC(r.Header)
	key := c.key(r)
	now := c.opts.Now()
	e := c.pick(key, r)
	if e != nil {
		switch c.assess(e, r, reqCC, now) {
		case useFresh:
			c.opts.Stats.Hits.Add(1)
			serve(w, r, e, now, "hit")
			return
		case useStale:
			c.opts.Stats.Stale.Add(1)
			serve(w, r, e, now, "fwd=stale")
			return
		case useStaleRevalidate:
			c.opts.Stats.Stale.Add(1)
			serve(w, r, e, now, "fwd=stale; detail=revalidating")
			c.background(key, r, e)
			return
		}
	}
	if reqCC.has("only-if-cached") {
		w.Header().Set("Cache-Status", "shoal; fwd=miss; detail=only-if-cached")
		http.Error(w, "not in cache", http.StatusGatewayTimeout)
		return
	}
	if coalescable(r, reqCC) && !c.authed(r) {
		done, wait := c.flights.join(key)
		if done != nil {
			defer done()
		} else {
			select {
			case <-wait:
			case <-r.Context().Done():
				return
			}
			now = c.opts.Now()
			if e2 := c.pick(key, r); e2 != nil && c.assess(e2, r, reqCC, now) == useFresh {
				c.opts.Stats.Coalesced.Add(1)
				serve(w, r, e2, now, "hit; detail=coalesced")
				return
			}
		}
	}
	c.fetch(w, r, key, e, reqCC)
}

// coalescable: a plain read whose answer other readers could share.
func coalescable(r *http.Request, reqCC directives) bool {
	return r.Method == http.MethodGet && reqCC == nil &&
		r.Header.Get("If-None-Match") == "" && r.Header.Get("If-Modified-Since") == "" && r.Header.Get("Range") == ""
}

// authed reports a request with credentials (see Options.Authenticated).
func (c *Cache) authed(r *http.Request) bool {
	return r.Header.Get("Authorization") != "" || (c.opts.Authenticated != nil && c.opts.Authenticated(r))
}

// pick returns the most recent stored variant that matches r.
func (c *Cache) pick(key string, r *http.Request) *Entry {
	if c.opts.Store == nil {
		return nil
	}
	var best *Entry
	for _, e := range c.opts.Store.Get(key) {
		if e.matches(r) && (best == nil || e.ResponseTime.After(best.ResponseTime)) {
			best = e
		}
	}
	return best
}
