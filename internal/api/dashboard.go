package api

import "time"

// DashboardPoint is one second of a service's timeline, as the dashboard
// charts it. Rates are per second over that second; latencies are those of
// the requests that finished in it.
type DashboardPoint struct {
	Time       time.Time `json:"t"`
	RPS        float64   `json:"rps"`         // demand: requests that arrived
	P50MS      float64   `json:"p50_ms"`      // median latency
	P99MS      float64   `json:"p99_ms"`      // 99th percentile latency
	ErrorShare float64   `json:"error_share"` // 0..1, answers counted as errors
	Ready      int       `json:"ready"`
	Starting   int       `json:"starting"`
	Draining   int       `json:"draining"`
	Desired    int       `json:"desired"`
	// Capacity is the request rate the ready instances serve at the
	// autoscaler's target, so demand and capacity share one axis.
	Capacity float64 `json:"capacity"`
	// Forecast is the autoscaler's predicted request rate for this second
	// (0 when no forecaster runs).
	Forecast float64 `json:"forecast"`
	// Queued is the time-averaged number of requests waiting in the
	// gateway's queue (the activator) in this second. Absent when no queue
	// is measured (a service without a scale: block); 0 when nothing waited.
	Queued *float64 `json:"queued,omitempty"`
}

// Dashboard event kinds.
const (
	EventScale    = "scale"
	EventEjection = "ejection"
	EventReload   = "reload"
	EventHealth   = "health"
	EventBreaker  = "breaker"
	EventRollout  = "rollout"
)

// DashboardEvent is one thing that happened, for the dashboard's event list.
type DashboardEvent struct {
	Time    time.Time `json:"t"`
	Service string    `json:"service,omitempty"` // empty for gateway-wide events (reload)
	Kind    string    `json:"kind"`              // one of the Event* kinds
	Text    string    `json:"text"`
}

// DashboardBreaker is the state of one circuit breaker of a service.
type DashboardBreaker struct {
	Name  string    `json:"name"`  // what it guards: a route, an endpoint address
	State string    `json:"state"` // closed, open, half-open
	Since time.Time `json:"since,omitzero"`
}

// DashboardService is one service in a dashboard snapshot.
type DashboardService struct {
	ServiceInfo
	// Now is the newest complete second of the timeline (zero when none).
	Now DashboardPoint `json:"now"`
	// Timeline holds the points of the snapshot's window, oldest first. In
	// the stream's "update" messages it holds only the points newer than the
	// previous message.
	Timeline  []DashboardPoint   `json:"timeline"`
	Endpoints []EndpointInfo     `json:"endpoints"`
	Breakers  []DashboardBreaker `json:"breakers,omitempty"`
	// Ahead is the autoscaler's newest forecast, which lies ahead of the
	// timeline (absent when no forecasting policy runs the service).
	Ahead *DashboardForecast `json:"ahead,omitempty"`
}

// DashboardForecast is what the autoscaler expects: RPS requests per second
// at time T, which is when it decided plus its lead (so usually after the
// snapshot's time). The chart draws it past "now".
type DashboardForecast struct {
	Time        time.Time `json:"t"`
	RPS         float64   `json:"rps"`
	LeadSeconds float64   `json:"lead_seconds"`
}

// DashboardSnapshot is GET /api/dashboard/snapshot and every message of the
// dashboard's event stream.
type DashboardSnapshot struct {
	Time          time.Time          `json:"time"`
	WindowSeconds int                `json:"window_seconds"`
	Services      []DashboardService `json:"services"`
	// Events are the recent events, newest first (omitted in "update"
	// messages: the stream sends new events as their own messages).
	Events []DashboardEvent `json:"events,omitempty"`
}
