package config

// Tracing exports OpenTelemetry traces over OTLP: a server span per request
// (continuing the client's W3C traceparent) and a client span per upstream
// attempt, retries included. Off while endpoint is empty.
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
	// service.name of the spans.
	ServiceName string `yaml:"service_name" default:"shoal"`

	Pos Pos `yaml:"-"`
}
