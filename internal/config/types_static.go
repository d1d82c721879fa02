package config

// Config is one parsed, defaulted and validated configuration file.
type Config struct {
	// Static settings take effect at start; changing them needs a restart.
	Static Static `yaml:",inline"`
	// Dynamic settings are applied by a hot reload.
	Dynamic Dynamic `yaml:",inline"`
	// File is the name the config was parsed under, used in error messages.
	File string `yaml:"-"`
	// Warnings are settings that are valid but will not do what they seem
	// to, in line order; shoal validate prints them and a load logs them.
	Warnings ErrorList `yaml:"-"`
}

// Static holds the settings that need a restart to change: a hot reload that
// changes one of them is refused.
type Static struct {
	// Addresses the gateway accepts client traffic on, as host:port.
	// An empty host (":8080") listens on every interface.
	Listen []string `yaml:"listen" default:"[127.0.0.1:8080]"`
	// The admin API listener (health, metrics, config and service APIs, the
	// dashboard). Either an address such as 127.0.0.1:9901 or a mapping with
	// address and token. A non-loopback address requires a token.
	Admin Admin `yaml:"admin"`
	// Directory for durable state: the registry and the autoscaler's history.
	// Relative paths are resolved from the working directory.
	StateDir string `yaml:"state_dir" default:"./.shoal"`
	// Shoal's own log.
	Log Log `yaml:"log"`
	// One line per proxied request. Writing it never blocks a request: lines
	// are dropped (and counted) when the writer falls behind.
	AccessLog AccessLog `yaml:"access_log"`
	// How long a shutdown waits for in-flight requests before closing them.
	DrainTimeout Duration `yaml:"drain_timeout" default:"30s"`
	// How long a client may take to send the request headers.
	ReadHeaderTimeout Duration `yaml:"read_header_timeout" default:"10s"`
	// How long an idle keep-alive client connection stays open.
	IdleTimeout Duration `yaml:"idle_timeout" default:"120s"`
	// Where self-registered instances are kept.
	Registry Registry `yaml:"registry"`
	// OpenTelemetry tracing.
	Tracing Tracing `yaml:"tracing"`
	// TLS for every public listener (HTTP/2 through ALPN). Optional.
	TLS *ListenerTLS `yaml:"tls"`
	// Also accept HTTP/2 without TLS (prior knowledge) on plain listeners.
	H2C bool `yaml:"h2c"`
	// An extra plain-text address that answers every request with a
	// permanent redirect to https on the same host. Needs tls.
	RedirectHTTP string `yaml:"redirect_http"`
	// Networks (or single addresses) of proxies in front of Shoal whose
	// X-Forwarded-* and Forwarded headers are kept and extended. From any
	// other client those headers are replaced.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// Largest request header block, in bytes.
	MaxHeaderBytes int `yaml:"max_header_bytes" default:"65536"`
	// Most concurrent streams per HTTP/2 client connection.
	MaxConcurrentStreams int `yaml:"max_concurrent_streams" default:"250"`
	// Kubernetes mode: the API server to talk to and the settings shared
	// by the services that use it. Optional.
	Kubernetes *Kubernetes `yaml:"kubernetes"`

	Pos Pos `yaml:"-"`
}

// Registry chooses the store of instances that register themselves through
// the admin API (POST /api/services/NAME/instances).
type Registry struct {
	// memory: kept by this gateway, durable on disk under state_dir (a
	// restart, even after kill -9, loses nothing). etcd: shared by every
	// gateway that points at the same etcd cluster.
	Backend string `yaml:"backend" default:"memory" enum:"memory,etcd"`
	// etcd client endpoints (http://127.0.0.1:2379 ...). Required by the etcd backend.
	Endpoints []string `yaml:"endpoints"`
	// Key prefix in etcd.
	Prefix string `yaml:"prefix" default:"/shoal"`
	// Time to wait for etcd when connecting and for each request.
	DialTimeout Duration `yaml:"dial_timeout" default:"5s"`

	Pos Pos `yaml:"-"`
}

// Admin is the admin API listener. In the file it is either an address
// ("127.0.0.1:9901") or a mapping {address, token}.
type Admin struct {
	// host:port of the admin listener.
	Address string `yaml:"address" default:"127.0.0.1:9901"`
	// Bearer token that every admin request must carry
	// ("Authorization: Bearer TOKEN"). Required when the address is not loopback
	// (this or token_file).
	Token string `yaml:"token"`
	// File holding the token instead (such as a mounted Kubernetes Secret), read
	// when the config is loaded; surrounding whitespace is trimmed. Relative paths are
	// resolved from the working directory. Not together with token.
	TokenFile string `yaml:"token_file"`

	Pos Pos `yaml:"-"`
}

// Log configures Shoal's own structured log, written to standard error.
type Log struct {
	// Output format: text (key=value) or json (one object per line).
	Format string `yaml:"format" default:"text" enum:"text,json"`
	// Least severe level written.
	Level string `yaml:"level" default:"info" enum:"debug,info,warn,error"`

	Pos Pos `yaml:"-"`
}

// AccessLog configures the request log.
type AccessLog struct {
	// Write an access log line per request.
	Enabled bool `yaml:"enabled"`
	// File to append to; "-" is standard output.
	Path string `yaml:"path" default:"-"`

	Pos Pos `yaml:"-"`
}

// Dynamic holds the settings a hot reload replaces: services, routes and the
// defaults they inherit.
type Dynamic struct {
	// Values that services inherit when they do not set their own.
	Defaults Defaults `yaml:"defaults"`
	// The upstream services, by name. Names appear in routes, metrics and the
	// admin API: letters, digits, '-', '_' and '.'.
	Services map[string]*Service `yaml:"services"`
	// Routes. When several match a request the most specific one wins, as
	// in the Kubernetes Gateway API: an exact host over a wildcard over none,
	// then path_exact, the longest path_prefix, path_regex, no path; then a
	// route with methods, then more header conditions; the route written
	// first breaks remaining ties. docs/routing.md has the details.
	Routes []*Route `yaml:"routes"`
	// Redis server shared by gateways (rate limits with store: redis).
	Redis *Redis `yaml:"redis"`
	// Memory shared by the routes that cache responses.
	Cache CacheStore `yaml:"cache"`

	Pos Pos `yaml:"-"`
}

// Defaults are inherited by every service that leaves the value unset.
type Defaults struct {
	// Upstream timeouts for services that do not set their own.
	Timeouts DefaultTimeouts `yaml:"timeouts"`

	Pos Pos `yaml:"-"`
}

// DefaultTimeouts are the upstream timeouts a service inherits.
type DefaultTimeouts struct {
	// Time to open a TCP connection to an instance.
	Connect Duration `yaml:"connect" default:"5s"`
	// Time from sending the request to receiving the response headers.
	ResponseHeader Duration `yaml:"response_header" default:"30s"`
	// Time for the whole exchange, body included. 0 means no limit (streams
	// and WebSockets would otherwise be cut).
	Request Duration `yaml:"request"`

	Pos Pos `yaml:"-"`
}
