package gateway

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// isGRPC reports whether r is a gRPC call (application/grpc, +proto, ...).
func isGRPC(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Content-Type"), "application/grpc")
}

// parseGRPCTimeout reads a grpc-timeout header value: up to 8 digits and a
// unit (H, M, S, m, u, n), as the gRPC HTTP/2 protocol defines it.
func parseGRPCTimeout(v string) (time.Duration, bool) {
	if len(v) < 2 || len(v) > 9 {
		return 0, false
	}
	n, err := strconv.ParseInt(v[:len(v)-1], 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	var unit time.Duration
	switch v[len(v)-1] {
	case 'H':
		unit = time.Hour
	case 'M':
		unit = time.Minute
	case 'S':
		unit = time.Second
	case 'm':
		unit = time.Millisecond
	case 'u':
		unit = time.Microsecond
	case 'n':
		unit = time.Nanosecond
	default:
		return 0, false
	}
	if n > int64(1<<63-1)/int64(unit) {
		return 0, false
	}
	return time.Duration(n) * unit, true
}

// formatGRPCTimeout writes d in the finest unit that keeps it within the
// 8 digits the protocol allows. It rounds up: the gateway's own deadline
// still ends the call on time.
func formatGRPCTimeout(d time.Duration) string {
	if d <= 0 {
		d = 1
	}
	const maxDigits = 99999999
	for _, u := range []struct {
		d time.Duration
		c byte
	}{{time.Nanosecond, 'n'}, {time.Microsecond, 'u'}, {time.Millisecond, 'm'}, {time.Second, 'S'}, {time.Minute, 'M'}} {
		if n := (d + u.d - 1) / u.d; n <= maxDigits {
			return strconv.FormatInt(int64(n), 10) + string(u.c)
		}
	}
	return strconv.FormatInt(int64((d+time.Hour-1)/time.Hour), 10) + "H"
}
