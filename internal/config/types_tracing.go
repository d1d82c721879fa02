package config

// Tracing records OpenTelemetry traces: a server span per request
// (continuing the client's W3C traceparent) and a client span per upstream
// attempt, retries included. Sampled traces are kept in memory for the
// dashboard's trace view and, when endpoint is set, exported over OTLP.
// With no endpoint and keep: 0, tracing is off and costs nothing per request.
type Tracing struct {
	// OTLP receiver, host:port (a collector, Jaeger, Tempo ...).
	Endpoint string `yaml:"endpoint"`
	// OTLP transport: grpc (usually port 4317) or http (4318).
	Protocol string `yaml:"protocol" default:"grpc" enum:"grpc,http"`
	// Send without TLS, as to a collector on loopback or a sidecar.
	Insecure bool `yaml:"insecure" default:"true"`
	// Share of new traces recorded, 0 to 1. A request whose caller sampled
	// its trace is always recorded (parent-based sampling).
	SampleRatio float64 `yaml:"sample_ratio" default:"0.1"`
	// Sampled traces kept in memory for the trace view (GET /api/traces and
	// the dashboard), newest first; 0 keeps none.
	Keep int `yaml:"keep" default:"1000"`
	// service.name of the spans.
	ServiceName string `yaml:"service_name" default:"shoal"`

	Pos Pos `yaml:"-"`
}
