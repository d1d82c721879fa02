package config

// Service is a named set of upstream instances that routes send traffic to.
// Instances come from static endpoints, from the local runtime (run), from
// the registry API, from DNS or Kubernetes EndpointSlices, or from several.
type Service struct {
	// Name is the key under services.
	Name string `yaml:"-"`
	// Fixed instances. Each item is a URL ("http://127.0.0.1:9001") or a
	// mapping {url, weight}.
	Endpoints []Endpoint `yaml:"endpoints"`
	// How a request picks an instance.
	Balancer Balancer `yaml:"balancer"`
	// Upstream timeouts; unset ones come from defaults.timeouts.
	Timeouts Timeouts `yaml:"timeouts"`
	// Instances found by DNS, re-resolved periodically. Optional.
	DNS *DNS `yaml:"dns"`
	// Instances found in the EndpointSlices of a Kubernetes Service, and
	// the workload that scale resizes. Needs the top-level kubernetes
	// block. Optional.
	Kubernetes *ServiceKubernetes `yaml:"kubernetes"`
	// Active health checks. Optional: without them every instance that is
	// listed (or started and ready) gets traffic.
	Health *Health `yaml:"health"`
	// Panic threshold in percent, as in Envoy: when fewer than this share of
	// the instances are healthy, health verdicts are ignored and load
	// spreads over every instance that is not draining, so the survivors
	// are not overwhelmed and a broken check cannot take the service down.
	// 0 turns panic mode off.
	PanicThreshold float64 `yaml:"panic_threshold" default:"50"`
	// Passive outlier detection on real traffic. Optional.
	Outlier *Outlier `yaml:"outlier"`
	// Circuit breaker over the whole service. Optional.
	CircuitBreaker *CircuitBreaker `yaml:"circuit_breaker"`
	// Circuit breaker for each instance. Optional.
	EndpointCircuitBreaker *CircuitBreaker `yaml:"endpoint_circuit_breaker"`
	// Limit on requests in flight to the service. Optional.
	Bulkhead *Bulkhead `yaml:"bulkhead"`
	// Cap on retries, as a share of first tries.
	RetryBudget RetryBudget `yaml:"retry_budget"`
	// Limit on requests in flight learnt from latency (load shedding). Optional.
	AdaptiveConcurrency *AdaptiveConcurrency `yaml:"adaptive_concurrency"`
	// Start instances as local processes. Optional.
	Run *Run `yaml:"run"`
	// Autoscaling bounds and policy for instances Shoal starts. Optional.
	Scale *Scale `yaml:"scale"`
	// Protocol and TLS towards the instances. Default: HTTP/1.1.
	Upstream *Upstream `yaml:"upstream"`
	// Largest request body accepted, in bytes; a bigger one is answered
	// with 413. 0 means no limit.
	MaxRequestBody int64 `yaml:"max_request_body"`
	// A WebSocket (or other Upgrade tunnel) with no byte in either
	// direction for this long is closed on both sides. 0 means never.
	TunnelIdleTimeout Duration `yaml:"tunnel_idle_timeout" default:"10m"`

	Pos Pos `yaml:"-"`
}

// Endpoint is one fixed upstream instance. In the file it is either a URL or
// a mapping {url, weight}.
type Endpoint struct {
	// Base URL of the instance: http or https, a host and an optional port,
	// no path, query or fragment.
	URL string `yaml:"url" required:"true"`
	// Relative share of traffic for weighted policies (1 to 10000).
	Weight int `yaml:"weight" default:"1"`

	Pos Pos `yaml:"-"`
}

// Balancer chooses the instance for each request.
type Balancer struct {
	// round_robin: each instance in turn. weighted_round_robin: smooth
	// weighted round robin on endpoint weights. least_request: the less busy
	// of two random instances (in-flight requests). peak_ewma: like
	// least_request, scored by in-flight times peak-EWMA latency. ring_hash
	// and maglev: consistent hashing on hash_key, so one key keeps going to
	// the same instance (session affinity, sharding by key).
	Policy string `yaml:"policy" default:"round_robin" enum:"round_robin,weighted_round_robin,least_request,peak_ewma,ring_hash,maglev"`
	// What ring_hash and maglev hash. Required by them, rejected by the others.
	HashKey *HashKey `yaml:"hash_key"`

	Pos Pos `yaml:"-"`
}

// HashKey names the part of a request that consistent hashing uses.
// A request that lacks the key goes to a random ready instance.
type HashKey struct {
	// Where the key comes from: a header, a cookie, a query parameter, a
	// segment of the path, or the client IP address.
	Source string `yaml:"source" required:"true" enum:"header,cookie,query,path_segment,client_ip"`
	// Header, cookie or query parameter name. Required by those sources only.
	Name string `yaml:"name"`
	// Path segment number, counting from 0: in /users/42/orders segment 1 is
	// "42". Used by path_segment only.
	Index int `yaml:"index"`

	Pos Pos `yaml:"-"`
}

// Timeouts bound the calls to one service's instances. A slow instance
// yields 504 to the client.
type Timeouts struct {
	// Time to open a TCP connection to an instance.
	Connect Duration `yaml:"connect"`
	// Time from sending the request to receiving the response headers.
	ResponseHeader Duration `yaml:"response_header"`
	// Time for the whole exchange, body included. 0 means no limit.
	Request Duration `yaml:"request"`

	Pos Pos `yaml:"-"`
}

// Run starts the service's instances as local processes. Each instance gets
// a free loopback port in the environment variable port_env.
type Run struct {
	// Program to start (looked up in PATH when it has no slash).
	Command string `yaml:"command" required:"true"`
	// Arguments passed to the program.
	Args []string `yaml:"args"`
	// Extra environment variables, added to Shoal's own environment.
	Env map[string]string `yaml:"env"`
	// Working directory of the process. Default: Shoal's working directory.
	Dir string `yaml:"dir"`
	// Name of the environment variable that carries the port to listen on.
	PortEnv string `yaml:"port_env" default:"PORT"`
	// How Shoal decides that a new instance is ready for traffic.
	Ready Probe `yaml:"ready"`
	// Signal sent to stop an instance, before the grace period.
	StopSignal string `yaml:"stop_signal" default:"SIGTERM" enum:"SIGTERM,SIGINT,SIGQUIT,SIGHUP,SIGKILL"`
	// Time between stop_signal and SIGKILL.
	Grace Duration `yaml:"grace" default:"10s"`

	Pos Pos `yaml:"-"`
}

// Probe checks whether a starting instance is ready.
type Probe struct {
	// HTTP path to GET; any 2xx or 3xx means ready. Empty: a successful TCP
	// connect means ready.
	Path string `yaml:"path"`
	// Time between checks.
	Interval Duration `yaml:"interval" default:"200ms"`
	// Time after which a starting instance that is still not ready is killed
	// and replaced.
	Timeout Duration `yaml:"timeout" default:"60s"`

	Pos Pos `yaml:"-"`
}

// Scale sets how many instances Shoal keeps and how it chooses that number.
type Scale struct {
	// Autoscaling policy. shoal: reactive plus predictive (learns the daily
	// and weekly pattern). hpa: Kubernetes HPA rules. kpa: Knative's
	// autoscaler (stable and panic windows). weekago: hpa, but never below
	// last week's demand. static: always max instances.
	Policy string `yaml:"policy" default:"shoal" enum:"shoal,hpa,kpa,weekago,static"`
	// What target measures: concurrency (requests in flight per instance) or
	// rps (requests per second per instance).
	Metric string `yaml:"metric" default:"concurrency" enum:"concurrency,rps"`
	// Wanted load per instance, in metric units. Must be positive. With
	// the concurrency metric and container_concurrency set, the default is
	// a share of that limit: 75% for shoal (its target is a ceiling it keeps
	// each instance under), 70% for hpa and weekago, all of it for kpa
	// (which aims at 70% of its target itself); and a target above the
	// limit is lowered to it, as Knative does.
	Target float64 `yaml:"target" default:"10"`
	// Fewest instances. 0 allows scale to zero (not with hpa or weekago):
	// requests then wait while an instance starts.
	Min int `yaml:"min" default:"1"`
	// Most instances, at least 1. When max is not written and min is above
	// 10, max is min.
	Max int `yaml:"max" default:"10"`
	// Expected time for a new instance to become ready; predictive policies
	// scale this far ahead of demand.
	ColdStart Duration `yaml:"cold_start" default:"30s"`
	// How long the last instance stays after traffic stops, when min is 0.
	ScaleToZeroGrace Duration `yaml:"scale_to_zero_grace" default:"30s"`
	// Requests that may wait at the gateway while the service has no
	// capacity (at zero, or every instance starting or busy); more get 503
	// with Retry-After at once.
	QueueLimit int `yaml:"queue_limit" default:"1000"`
	// Longest wait for capacity before a held request gets 503.
	WaitTimeout Duration `yaml:"wait_timeout" default:"30s"`
	// Answer browsers (GET with Accept: text/html) at once with a small
	// self-refreshing "starting up" page instead of holding them.
	StartingPage bool `yaml:"starting_page"`
	// Requests one instance serves at once; beyond ready × this, requests
	// wait at the gateway. 0: no limit (requests wait only while no
	// instance is ready).
	ContainerConcurrency int `yaml:"container_concurrency"`

	Pos Pos `yaml:"-"`
}

// DNS finds a service's instances by name. A host:port name gives one
// instance per A/AAAA address; an SRV name (_service._proto.domain) gives
// its targets and ports.
type DNS struct {
	// Names to resolve: "api.internal:8080" or "_api._tcp.internal".
	Names []string `yaml:"names" required:"true"`
	// Time between two resolutions. If a lookup fails the previous
	// addresses are kept.
	Interval Duration `yaml:"interval" default:"30s"`

	Pos Pos `yaml:"-"`
}
