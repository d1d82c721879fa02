package ratelimit

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Store decides requests; Local and Redis implement it.
type Store interface {
	Take(ctx context.Context, key string, limits []Limit) (Decision, error)
}

// Options configure one route's rate limit.
type Options struct {
	// Policy names this set of limits in store keys (usually the route).
	Policy string
	Limits []Limit
	Key    KeyFunc
	// Store decides; Local is the fallback when Store fails and FailOpen
	// is set, and the store itself when Store is nil.
	Store Store
	Local *Local
	// FailOpen: when Store is unreachable, decide with Local (each gateway
	// then enforces the limit on its own). Otherwise refuse with 503.
	FailOpen bool
	// Headers adds RateLimit and RateLimit-Policy to every response.
	Headers bool
	Log     *slog.Logger
	// Concurrency, when positive, caps the requests of one key in progress
	// at once on this gateway; Inflight (shared across reloads) counts them.
	Concurrency int64
	Inflight    *Inflight
	// Counters, optional: called with "allowed", "limited",
	// "concurrency_limited" or "store_error".
	Count func(outcome string)
}

// New returns the middleware.
func New(o Options) (func(http.Handler) http.Handler, error) {
	if len(o.Limits) == 0 && o.Concurrency <= 0 {
		return nil, errors.New("rate limit: no limits")
	}
	if o.Concurrency > 0 && o.Inflight == nil {
		return nil, errors.New("rate limit: a concurrency limit needs an in-flight counter")
	}
	for _, l := range o.Limits {
		if err := l.Validate(); err != nil {
			return nil, err
		}
	}
	if o.Local == nil {
		return nil, errors.New("rate limit: no local store")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Count == nil {
		o.Count = func(string) {}
	}
	policy := policyHeader(o.Limits)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			key, ok := o.Key(r)
			if !ok {
				next.ServeHTTP(w, r)
				return
			}
			key = o.Policy + "|" + key
			if o.Concurrency > 0 {
				if !o.Inflight.Acquire(key, o.Concurrency) {
					o.Count("concurrency_limited")
					w.Header().Set("Retry-After", "1")
					w.Header().Set("Shoal-Error", "concurrency-limited")
					http.Error(w, "too many requests in progress", http.StatusTooManyRequests)
					return
				}
				defer o.Inflight.Release(key)
			}
			if len(o.Limits) == 0 {
				o.Count("allowed")
				next.ServeHTTP(w, r)
				return
			}
			d, err := o.decide(r.Context(), key)
			if err != nil {
				o.Count("store_error")
				w.Header().Set("Retry-After", "1")
				w.Header().Set("Shoal-Error", "rate-limit-unavailable")
				http.Error(w, "rate limit store unavailable", http.StatusServiceUnavailable)
				return
			}
			if o.Headers {
				w.Header().Set("RateLimit-Policy", policy)
				w.Header().Set("RateLimit", o.current(d))
			}
			if !d.Allowed {
				o.Count("limited")
				w.Header().Set("Retry-After", strconv.FormatInt(ceilSeconds(d.RetryAfter), 10))
				w.Header().Set("Shoal-Error", "rate-limited")
				http.Error(w, "too many requests", http.StatusTooManyRequests)
				return
			}
			o.Count("allowed")
			next.ServeHTTP(w, r)
		})
	}, nil
}

// decide asks the store and applies the fail mode.
func (o *Options) decide(ctx context.Context, key string) (Decision, error) {
	if o.Store == nil {
		return o.Local.Take(ctx, key, o.Limits)
	}
	d, err := o.Store.Take(ctx, key, o.Limits)
	if err == nil {
		return d, nil
	}
	// The bare sentinel means the store is in back-off after a failure that
	// was already logged; only new failures are worth a line.
	if err != ErrUnavailable { //nolint:errorlint // identity is the point
		o.Log.WarnContext(ctx, "rate limit store failed", "policy", o.Policy, "fail_open", o.FailOpen, "error", err)
	}
	if !o.FailOpen {
		return Decision{}, err
	}
	return o.Local.Take(ctx, key, o.Limits)
}

// current is the RateLimit field for the limit closest to refusing.
func (o *Options) current(d Decision) string {
	best := 0
	for i, s := range d.States {
		if s.Remaining < d.States[best].Remaining {
			best = i
		}
	}
	s := d.States[best]
	return `"` + o.Limits[best].Name + `";r=` + strconv.FormatInt(s.Remaining, 10) + ";t=" + strconv.FormatInt(ceilSeconds(s.Reset), 10)
}

// policyHeader writes RateLimit-Policy (draft-ietf-httpapi-ratelimit-headers):
// one item per limit with its quota and window in seconds.
func policyHeader(ls []Limit) string {
	items := make([]string, len(ls))
	for i, l := range ls {
		items[i] = `"` + l.Name + `";q=` + strconv.FormatInt(l.Count, 10) + ";w=" + strconv.FormatInt(ceilSeconds(l.Period), 10)
	}
	return strings.Join(items, ", ")
}

func ceilSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64(math.Ceil(d.Seconds()))
}
