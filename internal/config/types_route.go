package config

// Route sends matching requests to one action: a service, a read/write pair
// of services, a redirect or a fixed response.
type Route struct {
	// Unique name shown in metrics, logs and the admin API. Default:
	// "route-N", N being the route's position in the list counting from 0.
	Name string `yaml:"name"`
	// Conditions a request must meet. Empty: every request.
	Match Match `yaml:"match"`

	// Action: send to this service.
	Service string `yaml:"service"`
	// Action (with write_service): send safe methods (GET, HEAD, OPTIONS) to
	// this service, for example read replicas.
	ReadService string `yaml:"read_service"`
	// Action (with read_service): send every other method to this service.
	WriteService string `yaml:"write_service"`
	// Action: answer with a redirect.
	Redirect *Redirect `yaml:"redirect"`
	// Action: answer with a fixed response.
	DirectResponse *DirectResponse `yaml:"direct_response"`

	// Remove the matched path_prefix before forwarding ("/api/users" with
	// path_prefix /api is sent as "/users"). Needs match.path_prefix.
	StripPrefix bool `yaml:"strip_prefix"`
	// Put this in front of the path before forwarding, after strip_prefix:
	// with strip_prefix it replaces one prefix by another ("/api/users"
	// with path_prefix /api and add_prefix /v2 is sent as "/v2/users"), as
	// the Gateway API's ReplacePrefixMatch does. Not with rewrite_path.
	AddPrefix string `yaml:"add_prefix"`
	// Replace the whole path before forwarding. The query string is kept.
	RewritePath string `yaml:"rewrite_path"`
	// Header changes made to the request before it is forwarded.
	RequestHeaders HeaderOps `yaml:"request_headers"`
	// Header changes made to the response before it is sent to the client.
	ResponseHeaders HeaderOps `yaml:"response_headers"`
	// Let in only callers that authenticate, and hold what the route needs.
	Auth *Auth `yaml:"auth"`
	// Cross-origin access for browser scripts.
	CORS *CORS `yaml:"cors"`
	// Hardening response headers.
	SecurityHeaders *SecurityHeaders `yaml:"security_headers"`
	// Throttle each client (or API key, user ...) of this route.
	RateLimit *RateLimit `yaml:"rate_limit"`
	// Store and reuse responses as HTTP caching rules allow.
	Cache *RouteCache `yaml:"cache"`
	// Time limits for the whole request and for each try.
	Timeouts RouteTimeouts `yaml:"timeouts"`
	// Send failed requests again. Optional: without it nothing is retried.
	Retry *Retry `yaml:"retry"`
	// Limit on requests in flight on this route. Optional.
	Bulkhead *Bulkhead `yaml:"bulkhead"`
	// Answer to send when the service is unavailable. Optional.
	Fallback *Fallback `yaml:"fallback"`
	// Injected delays and errors, for chaos testing. Optional.
	Fault *Fault `yaml:"fault"`
	// Replay answers to repeats of a request with the same idempotency key. Optional.
	Idempotency *Idempotency `yaml:"idempotency"`

	Pos Pos `yaml:"-"`
}

// Match lists the conditions of a route; all that are set must hold.
type Match struct {
	// Host name, compared without port and ignoring case: exact
	// ("api.example.com", or an IP address such as 127.0.0.1 or [::1]) or
	// a wildcard ("*.example.com", any subdomain, not example.com itself).
	// Set host or hosts, not both.
	Host string `yaml:"host"`
	// Several host names, each as in host; a request matches when any of
	// them does.
	Hosts []string `yaml:"hosts"`
	// The path equals this, byte for byte.
	PathExact string `yaml:"path_exact"`
	// The path starts with these whole segments: /api matches /api and
	// /api/x but not /apix. At most one of path_exact, path_prefix and
	// path_regex; none means every path.
	PathPrefix string `yaml:"path_prefix"`
	// The whole path matches this RE2 regular expression.
	PathRegex string `yaml:"path_regex"`
	// The request method is one of these (GET, POST ...).
	Methods []string `yaml:"methods"`
	// Every one of these header conditions holds.
	Headers []HeaderMatch `yaml:"headers"`
	// Every one of these query parameter conditions holds. Among routes
	// that tie on host, path, methods and headers, more of them win.
	Query []QueryMatch `yaml:"query"`

	Pos Pos `yaml:"-"`
}

// QueryMatch is one condition on a query parameter of the request URL.
// Set exactly one of value and regex.
type QueryMatch struct {
	// Parameter name, case-sensitive, compared after percent-decoding. When
	// the request repeats it, only the first occurrence counts.
	Name string `yaml:"name" required:"true"`
	// The parameter's (decoded) value equals this.
	Value string `yaml:"value"`
	// The parameter's value matches this RE2 regular expression (whole value).
	Regex string `yaml:"regex"`

	Pos Pos `yaml:"-"`
}

// HeaderMatch is one condition on a request header. Set exactly one of
// value, regex and present.
type HeaderMatch struct {
	// Header name, case-insensitive.
	Name string `yaml:"name" required:"true"`
	// The header's value equals this.
	Value string `yaml:"value"`
	// The header's value matches this RE2 regular expression (whole value).
	Regex string `yaml:"regex"`
	// true: the header is present, with any value. false: it is absent.
	Present *bool `yaml:"present"`

	Pos Pos `yaml:"-"`
}

// Redirect answers with a redirect built from the request URL; fields left
// empty keep the request's value. The query string is kept.
type Redirect struct {
	// New scheme: http or https.
	Scheme string `yaml:"scheme" enum:"http,https"`
	// New host name, without port.
	Host string `yaml:"host"`
	// New port. Default: the scheme's well-known port when scheme is set,
	// else the request's port. Ports 80 for http and 443 for https are left
	// out of the URL.
	Port int `yaml:"port"`
	// New path. When unset the redirect keeps the request's path, after the
	// route's strip_prefix, add_prefix or rewrite_path if it has any.
	Path string `yaml:"path"`
	// 301, 302, 303, 307 or 308. 307 and 308 keep the method and body.
	Status int `yaml:"status" default:"302" enum:"301,302,303,307,308"`

	Pos Pos `yaml:"-"`
}

// DirectResponse answers without contacting any service.
type DirectResponse struct {
	// HTTP status code (200-599). 204 and 304 take no body.
	Status int `yaml:"status" default:"200"`
	// Response body.
	Body string `yaml:"body"`
	// Response headers, name: value.
	Headers HeaderList `yaml:"headers"`

	Pos Pos `yaml:"-"`
}

// HeaderOps changes a set of headers. They run in the order remove, set,
// add; a name may not be both removed and set or added.
type HeaderOps struct {
	// Replace every value of each header with this one.
	Set HeaderList `yaml:"set"`
	// Append a value, keeping the ones already there.
	Add HeaderList `yaml:"add"`
	// Delete these headers.
	Remove []string `yaml:"remove"`

	Pos Pos `yaml:"-"`
}

// HeaderList is a mapping of header name to value, kept in file order.
type HeaderList []Header

// Header is one header name and value.
type Header struct {
	Name  string
	Value string
	Line  int // where it appears in the file
}
