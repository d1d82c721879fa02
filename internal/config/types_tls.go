package config

// ListenerTLS makes every public listener TLS, with HTTP/2 offered through
// ALPN next to HTTP/1.1.
type ListenerTLS struct {
	// Certificate and key files in PEM. With several, the one whose names
	// match the client's SNI server name is chosen (an exact name over a
	// wildcard); a client without SNI, or with a name no certificate has,
	// gets the first. The files are watched: a renewed certificate is used
	// for new connections without a restart.
	Certificates []CertKey `yaml:"certificates" required:"true"`
	// Oldest TLS version accepted: "1.2" or "1.3".
	MinVersion string `yaml:"min_version" default:"1.2" enum:"1.2,1.3"`

	Pos Pos `yaml:"-"`
}

// CertKey is one certificate chain and its private key, both PEM files.
type CertKey struct {
	// Certificate chain file (leaf first).
	Cert string `yaml:"cert" required:"true"`
	// Private key file.
	Key string `yaml:"key" required:"true"`

	Pos Pos `yaml:"-"`
}

// Upstream says how the gateway talks to a service's instances.
type Upstream struct {
	// http1: HTTP/1.1 (https endpoints use TLS). h2c: HTTP/2 without TLS,
	// with prior knowledge, as gRPC servers speak it. h2: HTTP/2 over TLS
	// (endpoints must be https).
	Protocol string `yaml:"protocol" default:"http1" enum:"http1,h2c,h2"`
	// TLS settings for https endpoints. Optional.
	TLS *UpstreamTLS `yaml:"tls"`
	// Most idle connections kept per instance. 0 keeps Shoal's default (512).
	MaxIdleConns int `yaml:"max_idle_conns"`

	Pos Pos `yaml:"-"`
}

// UpstreamTLS verifies instances and, for mutual TLS, presents a client
// certificate to them.
type UpstreamTLS struct {
	// PEM file with the CA certificates that sign the instances'
	// certificates. Default: the system roots.
	CA string `yaml:"ca"`
	// Client certificate file (PEM) for mutual TLS. Needs key.
	Cert string `yaml:"cert"`
	// Client private key file (PEM). Needs cert.
	Key string `yaml:"key"`
	// Name checked against the instance's certificate and sent as SNI.
	// Default: the endpoint's host.
	ServerName string `yaml:"server_name"`
	// Accept any instance certificate. Only for tests; never in production.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`

	Pos Pos `yaml:"-"`
}
