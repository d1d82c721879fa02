package config

import (
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// policies checks a route's rate limit and cache sections.
func (v *validator) policies(r *Route, p string) {
	if rl := r.RateLimit; rl != nil {
		v.rateLimit(rl, p+".rate_limit")
	}
	if c := r.Cache; c != nil {
		if c.StaleIfError < 0 {
			v.errorf(c.Pos.Of("stale_if_error"), "%s.cache.stale_if_error: must not be negative", p)
		}
		if c.MaxObjectBytes <= 0 {
			v.errorf(c.Pos.Of("max_object_bytes"), "%s.cache.max_object_bytes: must be positive", p)
		}
	}
}

func (v *validator) rateLimit(rl *RateLimit, p string) {
	if len(rl.Key) == 0 {
		v.errorf(rl.Pos.Of("key"), "%s.key: at least one part is needed", p)
	}
	for i, k := range rl.Key {
		kind, arg, hasArg := strings.Cut(k, ":")
		ok := false
		switch kind {
		case "client_ip", "route":
			ok = !hasArg
		case "header":
			ok = validToken(arg)
		case "claim":
			ok = arg != ""
		}
		if !ok {
			v.errorf(rl.Pos.Of(fmt.Sprintf("key[%d]", i)), "%s.key[%d]: %q: use client_ip, route, header:NAME or claim:NAME", p, i, k)
		}
	}
	if len(rl.Limits) == 0 && rl.Concurrency <= 0 {
		v.errorf(rl.Pos.Line, "%s: set limits, concurrency or both", p)
	}
	if rl.Concurrency < 0 {
		v.errorf(rl.Pos.Of("concurrency"), "%s.concurrency: must not be negative", p)
	}
	names := map[string]bool{}
	for i, l := range rl.Limits {
		lp := fmt.Sprintf("%s.limits[%d]", p, i)
		if l == nil {
			v.errorf(rl.Pos.Of(fmt.Sprintf("limits[%d]", i)), "%s: empty limit", lp)
			continue
		}
		if l.Requests <= 0 {
			v.errorf(l.Pos.Of("requests"), "%s.requests: must be positive", lp)
		}
		if l.Per <= 0 {
			v.errorf(l.Pos.Of("per"), "%s.per: must be positive", lp)
		} else if l.Requests > 0 && l.Per.D()/time.Duration(l.Requests) < time.Microsecond {
			v.errorf(l.Pos.Of("requests"), "%s: %d per %s is more than one request per microsecond", lp, l.Requests, l.Per)
		}
		if l.Burst < 0 {
			v.errorf(l.Pos.Of("burst"), "%s.burst: must not be negative", lp)
		}
		if n := l.LimitName(); names[n] {
			v.errorf(l.Pos.Of("name"), "%s.name: %q is used by another limit of this route", lp, n)
		} else {
			names[n] = true
		}
	}
	if rl.Store == "redis" && v.cfg.Dynamic.Redis == nil {
		v.errorf(rl.Pos.Of("store"), "%s.store: redis needs a top-level redis section with its address", p)
	}
	if rl.Store != "redis" && rl.Pos.Has("on_store_error") {
		v.errorf(rl.Pos.Of("on_store_error"), "%s.on_store_error: only store: redis can fail", p)
	}
}

// policyStores checks the shared redis and cache sections.
func (v *validator) policyStores(d *Dynamic) {
	if r := d.Redis; r != nil {
		if err := checkAddress(r.Address); err != nil {
			v.errorf(r.Pos.Of("address"), "redis.address: %v", err)
		}
		if r.Timeout <= 0 {
			v.errorf(r.Pos.Of("timeout"), "redis.timeout: must be positive")
		}
		if r.DB < 0 {
			v.errorf(r.Pos.Of("db"), "redis.db: must not be negative")
		}
	}
	if d.Cache.MaxBytes <= 0 {
		v.errorf(d.Cache.Pos.Of("max_bytes"), "cache.max_bytes: must be positive")
	}
	if d.Cache.Store == "redis" && d.Redis == nil {
		v.errorf(d.Cache.Pos.Of("store"), "cache.store: redis needs a top-level redis section with its address")
	}
	if d.Cache.KeepStale <= 0 {
		v.errorf(d.Cache.Pos.Of("keep_stale"), "cache.keep_stale: must be positive")
	}
}

// authPolicies checks a route's auth, cors and security_headers sections.
func (v *validator) authPolicies(r *Route, p string) {
	if a := r.Auth; a != nil {
		v.auth(a, p+".auth")
	}
	if c := r.CORS; c != nil {
		for i, o := range c.Origins {
			if o == "*" {
				continue
			}
			if u, err := url.Parse(o); err != nil || u.Scheme == "" || u.Host == "" || u.Path != "" {
				v.errorf(c.Pos.Of(fmt.Sprintf("origins[%d]", i)), "%s.cors.origins[%d]: %q: use scheme://host[:port] or *", p, i, o)
			}
		}
	}
	if s := r.SecurityHeaders; s != nil && s.HSTS < 0 {
		v.errorf(s.Pos.Of("hsts"), "%s.security_headers.hsts: must not be negative", p)
	}
}

func (v *validator) auth(a *Auth, p string) {
	if a.JWT == nil && a.APIKeys == nil && a.Basic == nil {
		v.errorf(a.Pos.Line, "%s: set at least one of jwt, api_keys and basic", p)
	}
	if j := a.JWT; j != nil {
		if j.JWKSURL == "" && j.HS256Secret == "" {
			v.errorf(j.Pos.Line, "%s.jwt: set jwks_url or hs256_secret", p)
		}
		if j.JWKSURL != "" {
			if u, err := url.Parse(j.JWKSURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				v.errorf(j.Pos.Of("jwks_url"), "%s.jwt.jwks_url: %q is not an http(s) URL", p, j.JWKSURL)
			}
		}
		if j.HS256Secret != "" && len(j.HS256Secret) < 32 {
			v.errorf(j.Pos.Of("hs256_secret"), "%s.jwt.hs256_secret: use at least 32 bytes", p)
		}
		for i, alg := range j.Algorithms {
			switch alg {
			case "RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA":
			case "HS256":
				if j.HS256Secret == "" {
					v.errorf(j.Pos.Of(fmt.Sprintf("algorithms[%d]", i)), "%s.jwt.algorithms[%d]: HS256 needs hs256_secret", p, i)
				}
			default:
				v.errorf(j.Pos.Of(fmt.Sprintf("algorithms[%d]", i)), "%s.jwt.algorithms[%d]: %q is not supported", p, i, alg)
			}
		}
		if j.ClockSkew < 0 || j.JWKSRefresh <= 0 {
			v.errorf(j.Pos.Line, "%s.jwt: clock_skew must not be negative and jwks_refresh must be positive", p)
		}
	}
	if k := a.APIKeys; k != nil {
		if !validToken(k.Header) {
			v.errorf(k.Pos.Of("header"), "%s.api_keys.header: %q is not a valid header name", p, k.Header)
		}
		for i, key := range k.Keys {
			if b, err := hex.DecodeString(key.SHA256); err != nil || len(b) != 32 {
				v.errorf(key.Pos.Of("sha256"), "%s.api_keys.keys[%d].sha256: want 64 hex digits (the SHA-256 of the key)", p, i)
			}
		}
	}
	if b := a.Basic; b != nil {
		for i, u := range b.Users {
			if !strings.HasPrefix(u.Bcrypt, "$2") {
				v.errorf(u.Pos.Of("bcrypt"), "%s.basic.users[%d].bcrypt: not a bcrypt hash ($2a$/$2b$/$2y$...)", p, i)
			}
			if strings.Contains(u.Name, ":") {
				v.errorf(u.Pos.Of("name"), "%s.basic.users[%d].name: must not contain ':'", p, i)
			}
		}
	}
	for h := range a.ClaimHeaders {
		if !validToken(h) {
			v.errorf(a.Pos.Of("claim_headers"), "%s.claim_headers: %q is not a valid header name", p, h)
		}
	}
}
