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
}
