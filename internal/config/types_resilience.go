package config

// RouteTimeouts bound the time a route spends on one request. They come on
// top of the service's timeouts (connect, response_header), which each try
// also obeys.
type RouteTimeouts struct {
	// Time for the whole request: every try, the waits between them and the
	// response body. 0 means the service's timeouts.request. A gRPC
	// request's grpc-timeout shortens it further.
	Request Duration `yaml:"request"`
	// Time for each try, body included. 0 means no limit of its own.
	PerTry Duration `yaml:"per_try"`
	// Longest silence while the answer's body streams: an origin that sends
	// headers and then stalls is cut off after this. 0 turns it off (for
	// event streams that may stay quiet longer). Upgraded connections
	// (WebSocket) are not affected. The longest idle of the routes to a
	// service (the default, when none sets one) is enforced on the
	// service's HTTP/1.1 connections at no cost per request: nothing moving
	// either way, and never sooner than its response_header timeout.
	Idle Duration `yaml:"idle" default:"5m"`

	Pos Pos `yaml:"-"`
}

// Retry sends a failed request again, to another instance when there is
// one. Only requests that are safe to repeat are retried: GET, HEAD,
// OPTIONS, TRACE, PUT and DELETE, requests that carry an Idempotency-Key
// header, or any request when unsafe is set. Retries are capped by the
// service's retry_budget.
type Retry struct {
	// Tries after the first one.
	Attempts int `yaml:"attempts" default:"2"`
	// What failures are retried: connect_failure (nothing was sent), reset
	// (the connection broke), timeout (a try ran past timeouts.per_try or
	// response_header), and HTTP status codes as numbers.
	On []string `yaml:"on" default:"[connect_failure, reset, \"502\", \"503\", \"504\"]"`
	// First wait between tries; each next wait doubles, up to max_backoff.
	// Each wait is a random share of that (full jitter).
	BaseBackoff Duration `yaml:"base_backoff" default:"25ms"`
	// Longest wait between tries.
	MaxBackoff Duration `yaml:"max_backoff" default:"250ms"`
	// Largest request body kept in memory so it can be sent again; a request
	// with a larger body is sent once.
	MaxBodyBytes int64 `yaml:"max_body_bytes" default:"65536"`
	// Retry every method, even a POST without Idempotency-Key. Only for
	// routes whose service deduplicates requests itself.
	Unsafe bool `yaml:"unsafe"`
	// Hedged requests for reads. Optional: without it a try is only
	// repeated after it failed. Set attempts to 0 to hedge without
	// retrying failures.
	Hedge *Hedge `yaml:"hedge"`

	Pos Pos `yaml:"-"`
}

// Hedge sends another try of a read (GET, HEAD or OPTIONS) to a different
// instance when the first has not answered within this route's recent
// latency percentile, and answers with whichever try answers first; the
// others are cancelled. A try that fails in a way retry.on covers does not
// win: the hedge still may. Hedges are paid from the service's
// retry_budget like retries, so during an outage they add no more load
// than retries could. Requests that are not reads, upgrades, and bodies
// larger than max_body_bytes are never hedged.
type Hedge struct {
	// Most hedges sent for one request, each after one more delay.
	MaxHedges int `yaml:"max_hedges" default:"1"`
	// Percentile of the route's recent time to response headers (measured
	// over the last 20 to 40 seconds) after which a hedge is sent.
	Percentile float64 `yaml:"percentile" default:"95"`
	// Shortest wait before a hedge, whatever the percentile says.
	MinDelay Duration `yaml:"min_delay" default:"5ms"`
	// Longest wait before a hedge, and the wait used until enough answers
	// were measured. Set min_delay and max_delay equal for a fixed delay.
	MaxDelay Duration `yaml:"max_delay" default:"1s"`

	Pos Pos `yaml:"-"`
}

// RetryBudget caps a service's retries, across all its routes, at a share
// of first tries over the last 10 seconds plus a small floor, so that
// retries never multiply the load on a failing service.
type RetryBudget struct {
	// Retries allowed per first try (0.2: at most 20% more requests).
	Ratio float64 `yaml:"ratio" default:"0.2"`
	// Retries per second that are always allowed, so a quiet service can
	// still retry.
	MinPerSecond float64 `yaml:"min_per_second" default:"5"`

	Pos Pos `yaml:"-"`
}

// CircuitBreaker stops sending to a failing target for a while and answers
// 503 with Shoal-Error: circuit-open at once. Failures are gateway errors
// (connect, reset, timeout) and 5xx answers.
type CircuitBreaker struct {
	// Open after this many failures in a row. 0 turns this rule off.
	ConsecutiveFailures int `yaml:"consecutive_failures" default:"5"`
	// Open when at least this percent of the requests in window failed.
	// 0 turns this rule off.
	FailurePercent float64 `yaml:"failure_percent" default:"50"`
	// Requests needed in window before failure_percent applies.
	MinRequests int `yaml:"min_requests" default:"20"`
	// Length of the window failure_percent is measured over.
	Window Duration `yaml:"window" default:"10s"`
	// Time an open breaker refuses requests before it lets probes through.
	OpenFor Duration `yaml:"open_for" default:"5s"`
	// Probe requests let through when half-open; all must succeed to close.
	HalfOpenRequests int `yaml:"half_open_requests" default:"3"`

	Pos Pos `yaml:"-"`
}

// Bulkhead limits how many requests run at once; more wait in a bounded
// queue, and the rest get 503 with Shoal-Error: bulkhead-full.
type Bulkhead struct {
	// Requests forwarded at the same time.
	MaxConcurrent int `yaml:"max_concurrent" required:"true"`
	// Requests that may wait for a free slot. 0: refuse at once.
	MaxPending int `yaml:"max_pending"`
	// Longest wait in the queue.
	QueueTimeout Duration `yaml:"queue_timeout" default:"1s"`

	Pos Pos `yaml:"-"`
}

// Fallback answers for a route whose service is unavailable, so that a page
// can render without an optional part. The answer carries a Shoal-Fallback
// header naming why. Set either the static response or service.
type Fallback struct {
	// When to fall back: circuit_open, no_endpoint, bulkhead_full (a
	// bulkhead or the adaptive concurrency limit refused), timeout,
	// gateway_error (502 from the gateway: connect failure, reset) and 5xx
	// (any 5xx, the service's own included).
	On []string `yaml:"on" default:"[circuit_open, no_endpoint, bulkhead_full, timeout, gateway_error]"`
	// Fixed answer: status code.
	Status int `yaml:"status" default:"200"`
	// Fixed answer: body.
	Body string `yaml:"body"`
	// Fixed answer: headers.
	Headers HeaderList `yaml:"headers"`
	// Send the request to this service instead of answering a fixed
	// response. The request body goes along whatever its size: up to
	// 1 MiB is kept in memory, more in a temporary file.
	Service string `yaml:"service"`

	Pos Pos `yaml:"-"`
}

// Fault injects failures into a route, for chaos testing.
type Fault struct {
	// Make requests wait before they go on.
	Delay *FaultDelay `yaml:"delay"`
	// Answer requests with an error status at once.
	Abort *FaultAbort `yaml:"abort"`

	Pos Pos `yaml:"-"`
}

// FaultDelay delays a share of requests.
type FaultDelay struct {
	// How long.
	Duration Duration `yaml:"duration" required:"true"`
	// Percent of requests delayed (0-100).
	Percent float64 `yaml:"percent"`
	// Requests that carry this header are always delayed.
	Header string `yaml:"header"`

	Pos Pos `yaml:"-"`
}

// FaultAbort answers a share of requests with an error.
type FaultAbort struct {
	// Status code to answer (400-599).
	Status int `yaml:"status" default:"503"`
	// Percent of requests aborted (0-100).
	Percent float64 `yaml:"percent"`
	// Requests that carry this header are always aborted.
	Header string `yaml:"header"`

	Pos Pos `yaml:"-"`
}

// Idempotency remembers the answer to a request that carries an
// idempotency key and returns it, marked Idempotent-Replayed: true, to
// repeats of that request (same method, path, query and body) for ttl. A
// repeat that arrives while the first is running waits for its answer
// instead of reaching the service. 5xx answers are not kept. The same key
// with another request gets 422.
type Idempotency struct {
	// How long an answer is kept.
	TTL Duration `yaml:"ttl" default:"24h"`
	// Most keys kept at once; requests with new keys beyond it are served
	// without being remembered.
	MaxEntries int `yaml:"max_entries" default:"10000"`
	// Largest request or response body remembered; larger ones pass
	// through without being remembered.
	MaxBodyBytes int64 `yaml:"max_body_bytes" default:"1048576"`
	// Request header that carries the key.
	Header string `yaml:"header" default:"Idempotency-Key"`

	Pos Pos `yaml:"-"`
}

// AdaptiveConcurrency sheds load before latency collapses: it learns how
// many requests the service can take at once from measured latency and
// answers the excess with 503 and Shoal-Error: concurrency-limit.
type AdaptiveConcurrency struct {
	// gradient: shrink the limit as latency rises above the lowest seen
	// (queueing), grow it while latency stays flat. aimd: grow by one per
	// round of successes, multiply by backoff_ratio on a failure or an
	// answer slower than slow_latency.
	Algorithm string `yaml:"algorithm" default:"gradient" enum:"gradient,aimd"`
	// Limit to start from.
	InitialLimit int `yaml:"initial_limit" default:"20"`
	// Lowest limit.
	MinLimit int `yaml:"min_limit" default:"1"`
	// Highest limit.
	MaxLimit int `yaml:"max_limit" default:"1000"`
	// gradient: share (0-1] of each step towards the new limit.
	Smoothing float64 `yaml:"smoothing" default:"0.2"`
	// aimd: factor (between 0 and 1) applied to the limit on a drop.
	BackoffRatio float64 `yaml:"backoff_ratio" default:"0.9"`
	// aimd: an answer slower than this counts as a drop. 0: only failures.
	SlowLatency Duration `yaml:"slow_latency"`

	Pos Pos `yaml:"-"`
}
