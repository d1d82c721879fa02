package cache

import (
	"net/http"
	"strconv"
	"time"
)

// heuristicStatus lists the status codes that are cacheable by default
// (RFC 9110 §15.1): without explicit freshness a cache may guess a lifetime.
var heuristicStatus = [600]bool{200: true, 203: true, 204: true, 300: true, 301: true, 308: true,
	404: true, 405: true, 410: true, 414: true, 501: true}

// understoodStatus are the statuses this cache knows how to store: every
// final status except 206 (ranges are not stored) and 304.
func understoodStatus(code int) bool {
	return code >= 200 && code < 600 && code != 206 && code != 304
}

// maxHeuristic caps a heuristic lifetime, as most caches do.
const maxHeuristic = 24 * time.Hour

// lifetime is the freshness lifetime of a stored response for a shared
// cache (RFC 9111 §4.2.1).
func lifetime(e *Entry) time.Duration {
	cc := e.cc
	if e.sc.has("max-age") {
		d, _ := e.sc.seconds("max-age")
		return d
	}
	if cc.has("s-maxage") {
		d, _ := cc.seconds("s-maxage")
		return d
	}
	if cc.has("max-age") {
		d, _ := cc.seconds("max-age")
		return d
	}
	if exp := e.Header.Values("Expires"); len(exp) > 0 {
		t, err := http.ParseTime(exp[0])
		if err != nil || len(exp) > 1 {
			return 0 // an invalid Expires means "already expired"
		}
		return max(0, t.Sub(e.date()))
	}
	// A heuristic is allowed for statuses cacheable by default, and for any
	// status the origin marked public (RFC 9111 §4.2.2).
	if lm, err := http.ParseTime(e.Header.Get("Last-Modified")); err == nil && (heuristicStatus[e.Status] || cc.has("public")) {
		if d := e.date().Sub(lm); d > 0 {
			return min(d/10, maxHeuristic)
		}
	}
	return 0
}

// date is the origin's Date, or when it is missing or unusable the time
// the response arrived.
func (e *Entry) date() time.Time {
	if t, err := http.ParseTime(e.Header.Get("Date")); err == nil {
		return t
	}
	return e.ResponseTime
}

// age is the current age of a stored response (RFC 9111 §4.2.3).
func age(e *Entry, now time.Time) time.Duration {
	apparent := max(0, e.ResponseTime.Sub(e.date()))
	ageValue, ok := ageField(e.Header)
	if !ok {
		// An Age the cache cannot read could hide any age: assume the worst.
		return 1 << 31 * time.Second
	}
	corrected := ageValue + e.ResponseTime.Sub(e.RequestTime)
	initial := max(apparent, corrected)
	return initial + now.Sub(e.ResponseTime)
}

// ageField reads the Age header: one line of digits. ok is false for any
// other form (negative, fractional, a list, several lines, parameters).
func ageField(h http.Header) (time.Duration, bool) {
	vals := h.Values("Age")
	if len(vals) == 0 {
		return 0, true
	}
	if len(vals) > 1 || vals[0] == "" {
		return 0, false
	}
	for i := 0; i < len(vals[0]); i++ {
		if vals[0][i] < '0' || vals[0][i] > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseInt(vals[0], 10, 64)
	if err != nil || v > 1<<31 {
		v = 1 << 31
	}
	return time.Duration(v) * time.Second, true
}

// knownStatus lists the status codes defined by RFC 9110, which the
// must-understand directive is about.
func knownStatus(code int) bool {
	switch {
	case code >= 200 && code <= 206, code >= 300 && code <= 308 && code != 306,
		code >= 400 && code <= 417, code >= 421 && code <= 426 && code != 424 && code != 425,
		code == 428, code == 429, code == 431, code == 451, code >= 500 && code <= 505, code == 511:
		return true
	}
	return false
}
