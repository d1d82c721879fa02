// Package cache is an RFC 9111 shared HTTP cache in front of a route's
// upstream: freshness, validation, Vary, request and response directives,
// invalidation by unsafe methods, stale-while-revalidate, stale-if-error and
// coalescing of concurrent misses. Entries live in a Store (Memory: LRU
// bounded by bytes) that the gateway keeps across reloads.
package cache

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// directives is a parsed Cache-Control field: lower-case names to values
// ("" for directives without an argument). The first occurrence of a
// directive wins; a duplicate with another value makes it unusable (RFC
// 9111 §4.2.1 lets a cache treat conflicting freshness as stale).
type directives map[string]string

func parseCC(h http.Header) directives { return parseDirectives(h.Values("Cache-Control")) }

// surrogateID is the device token this gateway announces in
// Surrogate-Capability and answers to in targeted Surrogate-Control.
const surrogateID = "shoal"

// surrogateCapability is appended to requests sent to the origin, so it
// knows a surrogate cache (W3C Edge Architecture) is in front of it.
const surrogateCapability = surrogateID + `="Surrogate/1.0"`

// parseSurrogate reads Surrogate-Control, which a reverse proxy obeys
// before Cache-Control. Directives targeted at this gateway
// ("max-age=60;shoal") or at nobody count; others are for other devices.
func parseSurrogate(h http.Header) directives {
	var own []string
	for _, line := range h.Values("Surrogate-Control") {
		for _, part := range splitList(line) {
			d, target, targeted := strings.Cut(part, ";")
			if !targeted || strings.TrimSpace(target) == surrogateID {
				own = append(own, strings.TrimSpace(d))
			}
		}
	}
	return parseDirectives(own)
}

func parseDirectives(vals []string) directives {
	if len(vals) == 0 {
		return nil
	}
	d := directives{}
	for _, line := range vals {
		for _, part := range splitList(line) {
			name, val, _ := strings.Cut(part, "=")
			name = strings.ToLower(strings.TrimSpace(name))
			if name == "" {
				continue
			}
			val = strings.TrimSpace(val)
			if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
				val = val[1 : len(val)-1]
			}
			if old, seen := d[name]; seen && old != val {
				d[name] = "\x00conflict"
				continue
			}
			d[name] = val
		}
	}
	return d
}

// splitList splits a comma-separated field, keeping commas inside quotes.
func splitList(s string) []string {
	var out []string
	inQuote, start := false, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			inQuote = !inQuote
		case ',':
			if !inQuote {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

func (d directives) has(name string) bool {
	_, ok := d[name]
	return ok
}

// seconds reads a delta-seconds argument. ok is false when the directive is
// absent or its argument is not a non-negative integer. Values beyond what
// a Duration holds are clamped, as RFC 9111 §1.2.2 asks (2^31 is "forever").
func (d directives) seconds(name string) (time.Duration, bool) {
	v, ok := d[name]
	if !ok || v == "" {
		return 0, false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n > 1<<31 {
		n = 1 << 31
	}
	return time.Duration(n) * time.Second, true
}

// invalid reports a directive that is present but unusable: a conflicting
// duplicate or an argument that is not delta-seconds.
func (d directives) invalid(name string) bool {
	if !d.has(name) {
		return false
	}
	_, ok := d.seconds(name)
	return !ok
}
