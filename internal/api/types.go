// Package api holds the JSON shapes of the admin API, shared by the server
// (internal/admin), the gateway that fills them and the CLI that reads them.
package api

import "time"

// ReloadStatus is the answer of GET /api/config/status.
type ReloadStatus struct {
	// Generation counts applied configs, starting at 1 for the first.
	Generation  uint64    `json:"generation"`
	Source      string    `json:"source"`
	AppliedAt   time.Time `json:"applied_at"`
	LastAttempt *Attempt  `json:"last_attempt,omitempty"`
}

// Attempt is one reload attempt, successful or not.
type Attempt struct {
	At      time.Time `json:"at"`
	Trigger string    `json:"trigger"` // file, signal, api
	OK      bool      `json:"ok"`
	Errors  []string  `json:"errors,omitempty"`
}

// RouteInfo is one route as the admin API shows it.
type RouteInfo struct {
	Name     string            `json:"name"`
	Priority int               `json:"priority"`
	Match    map[string]any    `json:"match"`
	Action   string            `json:"action"`
	Service  string            `json:"service,omitempty"`
	Services map[string]string `json:"services,omitempty"`
}

// Instances counts a service's instances by state.
type Instances struct {
	Ready    int `json:"ready"`
	Starting int `json:"starting"`
	Draining int `json:"draining"`
}

// ServiceInfo is one entry of GET /api/services.
type ServiceInfo struct {
	Name      string    `json:"name"`
	Desired   int       `json:"desired"`
	Instances Instances `json:"instances"`
	Balancer  string    `json:"balancer"`
}

// EndpointInfo is one endpoint of a service.
type EndpointInfo struct {
	Address   string  `json:"address"`
	URL       string  `json:"url"`
	State     string  `json:"state"` // ready, or why not: unhealthy, ejected, draining, disabled (comma-separated)
	Weight    int     `json:"weight"`
	InFlight  int64   `json:"in_flight"`
	LatencyMS float64 `json:"latency_ewma_ms"`
}

// ServiceDetail is GET /api/services/{s}.
type ServiceDetail struct {
	ServiceInfo
	Endpoints []EndpointInfo `json:"endpoints"`
	// Runtime is set for services Shoal runs as local processes.
	Runtime *RuntimeInfo `json:"runtime,omitempty"`
	// Resilience is the state of the service's breakers, bulkheads and
	// retry budget, when it uses any.
	Resilience any `json:"resilience,omitempty"`
	// Activator counts requests held while the service had no capacity.
	Activator any `json:"activator,omitempty"`
}

// RuntimeInfo describes the local processes Shoal runs for a service.
type RuntimeInfo struct {
	Desired     int           `json:"desired"`
	Failed      int           `json:"failed"`
	LastError   string        `json:"last_error,omitempty"`
	ColdStartMS float64       `json:"cold_start_ms"`
	Processes   []ProcessInfo `json:"processes"`
}

// ProcessInfo is one local instance.
type ProcessInfo struct {
	ID         string    `json:"id"`
	Address    string    `json:"address"`
	PID        int       `json:"pid"`
	State      string    `json:"state"`
	StartedAt  time.Time `json:"started_at"`
	ReadyAt    time.Time `json:"ready_at,omitzero"`
	Restarts   int       `json:"restarts"`
	LastExit   string    `json:"last_exit,omitempty"`
	LastExitAt time.Time `json:"last_exit_at,omitzero"`
}

// LogLine is one line of an instance's output.
type LogLine struct {
	Time     time.Time `json:"time"`
	Instance string    `json:"instance"`
	Stream   string    `json:"stream"`
	Text     string    `json:"text"`
}

// ScaleRequest is the body of PUT /api/services/{s}/scale.
type ScaleRequest struct {
	Instances int `json:"instances"`
}
