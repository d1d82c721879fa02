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
	Limits []*RateLimitRule `yaml:"limits"`
	// Most requests of one key in progress at once on each gateway (local
	// only); 0 means no such cap. Over it: 429.
	Concurrency int64 `yaml:"concurrency"`
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

// CacheStore is where the cached routes keep responses.
type CacheStore struct {
	// memory: in this gateway, bounded by max_bytes. redis: in the redis
	// section's server, shared by every gateway using it and bounded by
	// its maxmemory policy.
	Store string `yaml:"store" default:"memory" enum:"memory,redis"`
	// Bytes of responses kept in memory; the least recently used go first.
	MaxBytes int64 `yaml:"max_bytes" default:"67108864"`
	// With store redis: how long a response is kept past its freshness,
	// for revalidation and stale answers.
	KeepStale Duration `yaml:"keep_stale" default:"24h"`

	Pos Pos `yaml:"-"`
}

// Auth admits only callers that prove who they are, with any of the
// configured methods, and that hold what the route requires.
type Auth struct {
	// Bearer tokens (JWT) in the Authorization header.
	JWT *JWTAuth `yaml:"jwt"`
	// Static API keys, kept as SHA-256 digests.
	APIKeys *APIKeyAuth `yaml:"api_keys"`
	// HTTP basic authentication with bcrypt password hashes.
	Basic *BasicAuth `yaml:"basic"`
	// Let requests without credentials through anonymously; wrong
	// credentials are still refused.
	Optional bool `yaml:"optional"`
	// OAuth scopes the caller must all hold (the token's "scope" or "scp").
	Scopes []string `yaml:"scopes"`
	// Roles of which the caller must hold at least one.
	Roles []string `yaml:"roles"`
	// Claim that lists the caller's roles.
	RolesClaim string `yaml:"roles_claim" default:"roles"`
	// Methods the caller may use on this route; empty allows every method.
	Methods []string `yaml:"methods"`
	// Upstream request headers set from the caller's claims, header name
	// to claim name ("X-User-Id: sub"). Copies sent by the client are
	// always removed first.
	ClaimHeaders map[string]string `yaml:"claim_headers"`

	Pos Pos `yaml:"-"`
}

// JWTAuth validates JSON Web Tokens.
type JWTAuth struct {
	// URL of the issuer's JSON Web Key Set. Keys are cached, refreshed
	// every jwks_refresh and at once when a token names an unknown key.
	JWKSURL string `yaml:"jwks_url"`
	// How long fetched keys are used before the set is read again.
	JWKSRefresh Duration `yaml:"jwks_refresh" default:"10m"`
	// Shared secret that enables HS256 tokens. Prefer jwks_url.
	HS256Secret string `yaml:"hs256_secret"`
	// Accepted signature algorithms. Default: RS256, ES256 and EdDSA with
	// jwks_url, plus HS256 with hs256_secret.
	Algorithms []string `yaml:"algorithms"`
	// Required "iss" claim.
	Issuer string `yaml:"issuer"`
	// The token's "aud" must contain one of these.
	Audience []string `yaml:"audience"`
	// Clock difference tolerated on exp, nbf and iat.
	ClockSkew Duration `yaml:"clock_skew" default:"30s"`

	Pos Pos `yaml:"-"`
}

// APIKeyAuth accepts static keys sent in a header.
type APIKeyAuth struct {
	// Header that carries the key.
	Header string `yaml:"header" default:"X-Api-Key"`
	// The accepted keys.
	Keys []*APIKey `yaml:"keys" required:"true"`

	Pos Pos `yaml:"-"`
}

// APIKey is one accepted key, stored as its digest
// (printf %s KEY | sha256sum).
type APIKey struct {
	// The caller's name: the "sub" claim for claim_headers and rate limits.
	Name string `yaml:"name" required:"true"`
	// Hex SHA-256 of the key.
	SHA256 string `yaml:"sha256" required:"true"`

	Pos Pos `yaml:"-"`
}

// BasicAuth checks user names and passwords (RFC 7617).
type BasicAuth struct {
	// Realm named in the challenge.
	Realm string `yaml:"realm" default:"shoal"`
	// The users.
	Users []*BasicUser `yaml:"users" required:"true"`

	Pos Pos `yaml:"-"`
}

// BasicUser is one user with a bcrypt password hash
// (htpasswd -nbB user password).
type BasicUser struct {
	// User name the client sends.
	Name string `yaml:"name" required:"true"`
	// bcrypt hash of the password (htpasswd -nbB user pass, the part after
	// the colon); the password itself is never written in the file.
	Bcrypt string `yaml:"bcrypt" required:"true"`

	Pos Pos `yaml:"-"`
}

// CORS lets browser scripts from other origins call the route. Preflight
// requests are answered by the gateway, before auth.
type CORS struct {
	// Allowed origins ("https://app.example.com"), or "*" for any.
	Origins []string `yaml:"origins" required:"true"`
	// Methods allowed in cross-origin requests.
	Methods []string `yaml:"methods" default:"[GET, HEAD, POST]"`
	// Request headers scripts may send.
	Headers []string `yaml:"headers"`
	// Response headers scripts may read.
	ExposeHeaders []string `yaml:"expose_headers"`
	// Allow cookies and credentials. Not with origins "*" in browsers'
	// eyes: the request's origin is echoed instead.
	Credentials bool `yaml:"credentials"`
	// How long browsers may cache a preflight answer.
	MaxAge Duration `yaml:"max_age" default:"10m"`

	Pos Pos `yaml:"-"`
}

// SecurityHeaders adds hardening response headers (nosniff, frame
// denial, referrer policy, opener policy) unless the upstream set them.
type SecurityHeaders struct {
	// Strict-Transport-Security max-age; 0 leaves it out.
	HSTS Duration `yaml:"hsts" default:"0s"`
	// Content-Security-Policy value; empty leaves it out.
	ContentSecurityPolicy string `yaml:"content_security_policy"`

	Pos Pos `yaml:"-"`
}
