package config

// RateLimit throttles the requests of each key (a client address, an API
// key, a user ...) on a route. Every limit must admit a request; a refused
// request gets 429 with Retry-After and uses up nothing.
type RateLimit struct {
	// What a request is counted under; several parts are combined:
	// client_ip (the peer, or the last untrusted X-Forwarded-For hop),
	// route, header:NAME, claim:NAME (a claim of the caller's JWT, needs
	// auth). A request missing a part is not limited by this policy.
	Key []string `yaml:"key" default:"[client_ip]"`
	// The limits, such as 10 per 1s and 10000 per 24h.
	Limits []*RateLimitRule `yaml:"limits" required:"true"`
	// Where the counts live: local (each gateway on its own) or redis
	// (shared by every gateway using the redis section).
	Store string `yaml:"store" default:"local" enum:"local,redis"`
	// When Redis cannot be reached within redis.timeout: local (go on with
	// this gateway's own count) or deny (answer 503).
	OnStoreError string `yaml:"on_store_error" default:"local" enum:"local,deny"`
	// Add RateLimit and RateLimit-Policy headers (IETF draft) to responses.
	Headers *bool `yaml:"headers" default:"true"`

	Pos Pos `yaml:"-"`
}

// RateLimitRule admits requests per period with a burst allowance (GCRA).
type RateLimitRule struct {
	// Name shown in the RateLimit headers. Default: "per-" and the period.
	Name string `yaml:"name"`
	// Requests admitted per period.
	Requests int64 `yaml:"requests" required:"true"`
	// Length of the period.
	Per Duration `yaml:"per" required:"true"`
	// Requests a key that was idle may send at once. Default: requests.
	Burst int64 `yaml:"burst"`

	Pos Pos `yaml:"-"`
}

// LimitName is the rule's name, or "per-" and its period when unnamed.
func (l *RateLimitRule) LimitName() string {
	if l.Name != "" {
		return l.Name
	}
	return "per-" + l.Per.String()
}

// Redis is a Redis server shared by several gateways, for rate limits with
// store: redis.
type Redis struct {
	// host:port of the server.
	Address string `yaml:"address" required:"true"`
	// Password (AUTH), if the server needs one.
	Password string `yaml:"password"`
	// Database number.
	DB int `yaml:"db"`
	// Longest wait for one decision, connection included. Past it the
	// rate limit's on_store_error applies.
	Timeout Duration `yaml:"timeout" default:"50ms"`

	Pos Pos `yaml:"-"`
}

// RouteCache turns on the shared HTTP cache (RFC 9111) for a route:
// responses are stored and reused as their Cache-Control, Expires and
// validators allow.
type RouteCache struct {
	// Keep answering with a stale response for this long when the origin
	// fails (5xx or unreachable), even if it did not say stale-if-error.
	StaleIfError Duration `yaml:"stale_if_error" default:"0s"`
	// Largest response body stored, in bytes; larger ones pass through.
	MaxObjectBytes int `yaml:"max_object_bytes" default:"1048576"`

	Pos Pos `yaml:"-"`
}

// CacheStore sizes the memory that every cached route shares.
type CacheStore struct {
	// Bytes of responses kept; the least recently used go first.
	MaxBytes int64 `yaml:"max_bytes" default:"67108864"`

	Pos Pos `yaml:"-"`
}
