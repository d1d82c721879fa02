package gateway

// gRPC requests are recognised and their grpc-timeout read by the proxy
// package (proxy.IsGRPC, proxy.ParseGRPCTimeout); this file only writes the
// timeout the gateway passes on.

import (
	"strconv"
	"time"
)

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
