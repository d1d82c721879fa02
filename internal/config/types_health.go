package config

// Health configures active health checks of a service's instances. Only
// instances that pass get traffic.
type Health struct {
	// Kind of probe: http (GET path, expect a status), tcp (a connection
	// opens) or grpc (grpc.health.v1.Health/Check answers SERVING).
	Type string `yaml:"type" default:"http" enum:"http,tcp,grpc"`
	// HTTP path to GET, with an optional query.
	Path string `yaml:"path" default:"/healthz"`
	// Accepted HTTP statuses, as codes or ranges ("200", "200-299").
	// Default: 200-399.
	ExpectStatus []string `yaml:"expect_status"`
	// Host header to send with HTTP probes. Default: the instance's address.
	Host string `yaml:"host"`
	// gRPC service name to ask about; empty asks about the server as a whole.
	GRPCService string `yaml:"grpc_service"`
	// Time between two probes of one instance.
	Interval Duration `yaml:"interval" default:"5s"`
	// Time one probe may take; at most interval.
	Timeout Duration `yaml:"timeout" default:"2s"`
	// Share of the interval by which each wait varies at random (0 to 0.5),
	// so that probes of many instances do not arrive together.
	Jitter float64 `yaml:"jitter" default:"0.1"`
	// Consecutive passing probes that make an unhealthy instance healthy.
	HealthyThreshold int `yaml:"healthy_threshold" default:"2"`
	// Consecutive failing probes that take a healthy instance out.
	UnhealthyThreshold int `yaml:"unhealthy_threshold" default:"3"`
	// Let a new instance take traffic before its first probe passes. By
	// default it waits for one passing probe.
	InitiallyHealthy bool `yaml:"initially_healthy"`

	Pos Pos `yaml:"-"`
}

// Outlier configures passive outlier detection: instances that keep failing
// real requests are ejected for a while, longer each time.
type Outlier struct {
	// Eject after this many failed requests in a row (5xx or gateway
	// errors). 0 turns this rule off.
	Consecutive5xx int `yaml:"consecutive_5xx" default:"5"`
	// Eject after this many gateway errors in a row (connect failure,
	// reset, timeout). 0 turns this rule off.
	ConsecutiveGatewayFailure int `yaml:"consecutive_gateway_failure" default:"5"`
	// First ejection length; the n-th ejection lasts n times this.
	BaseEjectionTime Duration `yaml:"base_ejection_time" default:"30s"`
	// Longest ejection.
	MaxEjectionTime Duration `yaml:"max_ejection_time" default:"300s"`
	// Never eject more than this share (percent) of the service's
	// instances at once; at least one may always be ejected.
	MaxEjectionPercent int `yaml:"max_ejection_percent" default:"50"`

	Pos Pos `yaml:"-"`
}
