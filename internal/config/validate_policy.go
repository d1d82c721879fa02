package config

import (
	"fmt"
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
	if rl.Limits != nil && len(rl.Limits) == 0 {
		v.errorf(rl.Pos.Of("limits"), "%s.limits: at least one limit is needed", p)
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
}
