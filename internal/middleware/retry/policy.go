package retry

import (
	"math/rand/v2"
	"net/http"
	"time"
)

// Backoff is exponential backoff with full jitter: the n-th wait (n from 0)
// is uniform in [0, min(max, base·2^n)], which spreads the retries of many
// clients instead of synchronising them.
type Backoff struct {
	Base, Max time.Duration
}

// Delay returns the wait before retry number n (0 for the first retry).
func (b Backoff) Delay(n int) time.Duration {
	if b.Base <= 0 {
		return 0
	}
	d := b.Base
	for i := 0; i < n && d < b.Max; i++ {
		d *= 2
	}
	if b.Max > 0 && d > b.Max {
		d = b.Max
	}
	return rand.N(d + 1)
}

// IdempotencyHeader marks a request the client allows to be repeated.
const IdempotencyHeader = "Idempotency-Key"

// Safe reports whether r may be sent more than once: RFC 9110 idempotent
// methods, or any request carrying an Idempotency-Key (the client promises
// the origin deduplicates it), or any request at all when unsafe is set by
// the route.
func Safe(r *http.Request, unsafe bool) bool {
	if unsafe {
		return true
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	return r.Header.Get(IdempotencyHeader) != ""
}
