package cache

import (
	"net/http"
	"time"
)

type use int

const (
	useOrigin          use = iota // validate or fetch
	useFresh                      // fresh enough for this request
	useStale                      // stale, but the client accepts it (max-stale)
	useStaleRevalidate            // stale within stale-while-revalidate
)

// assess decides how a stored response may answer r (RFC 9111 §4.2-4.3,
// RFC 5861).
func (c *Cache) assess(e *Entry, r *http.Request, reqCC directives, now time.Time) use {
	if e.cc.has("no-cache") || reqCC.has("no-cache") {
		return useOrigin
	}
	// Pragma: no-cache means no-cache only for requests without
	// Cache-Control (RFC 9111 §5.4).
	if reqCC == nil && r.Header.Get("Pragma") != "" && containsToken(r.Header.Values("Pragma"), "no-cache") {
		return useOrigin
	}
	lt, a := lifetime(e), age(e, now)
	if reqCC.has("max-age") {
		ma, ok := reqCC.seconds("max-age")
		if !ok || a > ma {
			return useOrigin
		}
	}
	if reqCC.has("min-fresh") {
		mf, ok := reqCC.seconds("min-fresh")
		if !ok || lt-a < mf {
			return useOrigin
		}
	}
	if a < lt {
		return useFresh
	}
	if e.cc.has("must-revalidate") || e.cc.has("proxy-revalidate") || e.cc.has("s-maxage") {
		return useOrigin
	}
	staleness := a - lt
	if reqCC.has("max-stale") {
		ms, ok := reqCC.seconds("max-stale")
		if reqCC["max-stale"] == "" || (ok && staleness <= ms) {
			return useStale
		}
	}
	if swr, ok := e.cc.seconds("stale-while-revalidate"); ok && staleness <= swr {
		return useStaleRevalidate
	}
	return useOrigin
}

// staleOnError reports whether e may answer when the origin failed.
func (c *Cache) staleOnError(e *Entry, reqCC directives, now time.Time) bool {
	if e.cc.has("must-revalidate") || e.cc.has("proxy-revalidate") || e.cc.has("s-maxage") || e.cc.has("no-cache") {
		return false
	}
	staleness := age(e, now) - lifetime(e)
	allowed := c.opts.StaleIfError
	if d, ok := e.cc.seconds("stale-if-error"); ok {
		allowed = max(allowed, d)
	}
	if d, ok := reqCC.seconds("stale-if-error"); ok {
		allowed = max(allowed, d)
	}
	return staleness <= allowed
}

// storable reports whether a response may be stored (RFC 9111 §3).
// authed says the request carried credentials, which makes the response
// storable only when it says so explicitly (§3.5).
func storable(r *http.Request, authed bool, reqCC directives, status int, h http.Header) bool {
	if r.Method != http.MethodGet || !understoodStatus(status) {
		return false
	}
	cc, sc := parseCC(h), parseSurrogate(h)
	if sc.has("no-store") || reqCC.has("no-store") || cc.has("private") {
		return false
	}
	// must-understand: store only statuses this cache knows, and then
	// no-store (sent for caches that do not know must-understand) is moot.
	if cc.has("must-understand") {
		if !knownStatus(status) {
			return false
		}
	} else if cc.has("no-store") && !sc.has("max-age") {
		return false
	}
	if authed && !cc.has("public") && !cc.has("s-maxage") && !cc.has("must-revalidate") {
		return false
	}
	for _, f := range varyFields(h) {
		if f == "*" {
			return false
		}
	}
	explicit := sc.has("max-age") || cc.has("public") || cc.has("max-age") || cc.has("s-maxage") || h.Get("Expires") != ""
	// A response that sets a cookie is shared only when the origin said
	// it may be: guessing a lifetime for it could hand one user's session
	// to the next.
	return explicit || (heuristicStatus[status] && h.Get("Set-Cookie") == "")
}

func containsToken(lines []string, tok string) bool {
	for _, l := range lines {
		for _, p := range splitList(l) {
			if len(p) == len(tok) && (p == tok || equalFold(p, tok)) {
				return true
			}
		}
	}
	return false
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i]|0x20, b[i]|0x20
		if x != y {
			return false
		}
	}
	return true
}
