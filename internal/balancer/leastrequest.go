package balancer

import (
	"net/http"

	"github.com/shoal-gw/shoal/internal/upstream"
)

// Power of two random choices: draw two different endpoints and keep the one
// that looks less loaded. It avoids herding onto the single least-loaded
// endpoint (which every gateway would pick at once) while still steering away
// from busy ones. The two policies differ only in the load measure.

type p2c struct {
	eps []*upstream.Endpoint
	// less reports whether a should be preferred over b.
	less func(a, b *upstream.Endpoint) bool
}

func (b *p2c) Pick(_ *http.Request, exclude []*upstream.Endpoint) *upstream.Endpoint {
	n := len(b.eps)
	switch n {
	case 0:
		return nil
	case 1:
		if e := b.eps[0]; usable(e, exclude) {
			return e
		}
		return nil
	}
	i, j := twoDistinct(n)
	x, y := b.eps[i], b.eps[j]
	ux, uy := usable(x, exclude), usable(y, exclude)
	switch {
	case ux && uy:
		if b.less(y, x) {
			return y
		}
		return x
	case ux:
		return x
	case uy:
		return y
	}
	// Both draws were excluded or just went unready: fall back to a scan so
	// a retry still finds a different endpoint when one exists.
	return scanFrom(b.eps, i, exclude)
}

// least_request: in-flight requests per unit of weight. (in-flight+1) so that
// weights still count between idle endpoints; compared by cross-multiplying
// to stay in integers.
func newLeastRequest(eps []*upstream.Endpoint) Balancer {
	return &p2c{eps: eps, less: fewerRequests}
}

func fewerRequests(a, b *upstream.Endpoint) bool {
	return (a.InFlight()+1)*int64(b.Weight()) < (b.InFlight()+1)*int64(a.Weight())
}

// peak_ewma: latency estimate × (in-flight+1) per unit of weight, as in
// Finagle and Linkerd. The estimate is kept by upstream.State from Release.
func newPeakEWMA(eps []*upstream.Endpoint) Balancer {
	return &p2c{eps: eps, less: cheaper}
}

// unknownLatency stands in for the estimate of an endpoint that has requests
// in flight but has never answered: it may be hanging, so it should look
// expensive until its first response, yet stay comparable by load.
const unknownLatency = 10e9 // 10 s in nanoseconds

func ewmaCost(e *upstream.Endpoint) float64 {
	lat := e.LatencyNanos()
	inflight := float64(e.InFlight())
	if lat == 0 {
		if inflight == 0 {
			return 0 // never tried: try it
		}
		lat = unknownLatency
	}
	return lat * (inflight + 1) / float64(e.Weight())
}

func cheaper(a, b *upstream.Endpoint) bool { return ewmaCost(a) < ewmaCost(b) }
