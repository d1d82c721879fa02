// Package peers lets the gateway that runs the autoscaler read the request
// signals of the other gateways: each gateway serves its per-service
// one-second samples on its admin API (handed out once, like a local
// drain), the leader finds the gateways through the EndpointSlices of their
// own Kubernetes Service and merges everyone's samples second by second.
package peers

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/shoal-gw/shoal/internal/autoscale"
)

// DrainPath is the admin API path of the drain endpoint.
const DrainPath = "/api/signals/drain"

// wireSample is one second of one service as a peer sends it.
type wireSample struct {
	// T is the start of the second, Unix seconds.
	T           int64   `json:"t"`
	Arrivals    float64 `json:"arrivals"`
	Completions float64 `json:"completions"`
	InFlight    float64 `json:"in_flight"`
	Errors      float64 `json:"errors"`
	// Queued is the part of InFlight that waited in the gateway queue. It
	// is sent only by gateways that measure the queue: absent (as from a
	// gateway older than the field) means not measured, so a pointer
	// keeps "measured, nothing waited" (0) apart from "not measured".
	Queued *float64 `json:"queued,omitempty"`
}

// DrainResponse is the body of POST /api/signals/drain.
type DrainResponse struct {
	// Gateway names the gateway that answered.
	Gateway  string                  `json:"gateway"`
	Services map[string][]wireSample `json:"services"`
}

func toWire(x autoscale.Sample) wireSample {
	w := wireSample{T: x.T.Unix(), Arrivals: x.Arrivals, Completions: x.Completions, InFlight: x.InFlight, Errors: x.Errors}
	if x.QueueMeasured {
		w.Queued = &x.Queued
	}
	return w
}

func (w wireSample) sample() autoscale.Sample {
	x := autoscale.Sample{T: time.Unix(w.T, 0), Arrivals: w.Arrivals, Completions: w.Completions, InFlight: w.InFlight, Errors: w.Errors}
	if w.Queued != nil {
		x.Queued, x.QueueMeasured = *w.Queued, true
	}
	return x
}

// Drainer hands out a service's completed seconds since the last call
// (autoscaler.Source).
type Drainer interface {
	Drain(service string, now time.Time) []autoscale.Sample
}

// Handler serves POST /api/signals/drain?service=a&service=b: the samples
// of the named services completed since the last read, each handed out
// once. It drains the same recorders the local autoscaler would, so a
// second is counted once wherever it is read.
func Handler(gateway string, d Drainer, clock func() time.Time) http.Handler {
	if clock == nil {
		clock = time.Now
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "POST only: reading drains the samples", http.StatusMethodNotAllowed)
			return
		}
		now := clock()
		out := DrainResponse{Gateway: gateway, Services: map[string][]wireSample{}}
		for _, name := range r.URL.Query()["service"] {
			samples := d.Drain(name, now)
			ws := make([]wireSample, len(samples))
			for i, x := range samples {
				ws[i] = toWire(x)
			}
			out.Services[name] = ws
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(out)
	})
}
