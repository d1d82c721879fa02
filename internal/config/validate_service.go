package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (v *validator) service(s *Service) {
	p := "services." + s.Name
	if !validName(s.Name) {
		v.errorf(s.Pos.Line, "%s: service names use letters, digits, '-', '_' and '.'", p)
	}
	seen := make(map[string]int)
	for i := range s.Endpoints {
		e := &s.Endpoints[i]
		ep := fmt.Sprintf("%s.endpoints[%d]", p, i)
		if !e.Pos.Has("url") {
			// Reported as a missing required key by the decoder.
		} else if err := checkEndpointURL(e.URL); err != nil {
			v.errorf(e.Pos.Of("url"), "%s: %v", ep, err)
		} else if first, dup := seen[e.URL]; dup {
			v.errorf(e.Pos.Of("url"), "%s: %q is already listed (line %d)", ep, e.URL, first)
		} else {
			seen[e.URL] = e.Pos.Of("url")
		}
		if e.Weight < 1 || e.Weight > 10000 {
			v.errorf(e.Pos.Of("weight"), "%s.weight: %d is out of range: want 1 to 10000", ep, e.Weight)
		}
	}
	v.balancer(&s.Balancer, p+".balancer")
	if s.PanicThreshold < 0 || s.PanicThreshold > 100 {
		v.errorf(s.Pos.Of("panic_threshold"), "%s.panic_threshold: %g is outside 0 to 100", p, s.PanicThreshold)
	}
	if s.Run != nil {
		v.run(s.Run, p+".run")
	}
	if s.Scale != nil {
		v.scale(s.Scale, p+".scale")
	}
	if s.Health != nil {
		v.health(s.Health, p+".health")
	}
	if s.DNS != nil {
		v.dns(s.DNS, p+".dns")
	}
	if s.Outlier != nil {
		v.outlier(s.Outlier, p+".outlier")
	}
	if s.Kubernetes != nil {
		v.serviceKube(s, p)
	}
	v.serviceResilience(s, p)
	v.upstream(s, p)
}

func (v *validator) health(h *Health, p string) {
	if h.Type == "http" && !strings.HasPrefix(h.Path, "/") {
		v.errorf(h.Pos.Of("path"), "%s.path: %q must start with /", p, h.Path)
	}
	if h.Type != "http" {
		for _, k := range []string{"path", "expect_status", "host"} {
			if h.Pos.Has(k) {
				v.errorf(h.Pos.Of(k), "%s.%s: only http checks use it, not %s", p, k, h.Type)
			}
		}
	}
	if h.Type != "grpc" && h.Pos.Has("grpc_service") {
		v.errorf(h.Pos.Of("grpc_service"), "%s.grpc_service: only grpc checks use it", p)
	}
	for i, s := range h.ExpectStatus {
		if _, _, err := ParseStatusRange(s); err != nil {
			v.errorf(h.Pos.Of(fmt.Sprintf("expect_status[%d]", i)), "%s.expect_status[%d]: %v", p, i, err)
		}
	}
	if h.Interval <= 0 {
		v.errorf(h.Pos.Of("interval"), "%s.interval: must be positive", p)
	}
	if h.Timeout <= 0 || h.Timeout > h.Interval {
		v.errorf(h.Pos.Of("timeout"), "%s.timeout: %s must be positive and at most interval %s", p, h.Timeout, h.Interval)
	}
	if h.Jitter < 0 || h.Jitter > 0.5 {
		v.errorf(h.Pos.Of("jitter"), "%s.jitter: %g is outside 0 to 0.5", p, h.Jitter)
	}
	if h.HealthyThreshold < 1 {
		v.errorf(h.Pos.Of("healthy_threshold"), "%s.healthy_threshold: must be at least 1", p)
	}
	if h.UnhealthyThreshold < 1 {
		v.errorf(h.Pos.Of("unhealthy_threshold"), "%s.unhealthy_threshold: must be at least 1", p)
	}
}

func (v *validator) outlier(o *Outlier, p string) {
	if o.Consecutive5xx < 0 {
		v.errorf(o.Pos.Of("consecutive_5xx"), "%s.consecutive_5xx: must not be negative (0 turns the rule off)", p)
	}
	if o.ConsecutiveGatewayFailure < 0 {
		v.errorf(o.Pos.Of("consecutive_gateway_failure"), "%s.consecutive_gateway_failure: must not be negative (0 turns the rule off)", p)
	}
	if o.BaseEjectionTime <= 0 {
		v.errorf(o.Pos.Of("base_ejection_time"), "%s.base_ejection_time: must be positive", p)
	} else if o.MaxEjectionTime < o.BaseEjectionTime {
		v.errorf(o.Pos.Of("max_ejection_time"), "%s.max_ejection_time: %s is below base_ejection_time %s", p, o.MaxEjectionTime, o.BaseEjectionTime)
	}
	if o.MaxEjectionPercent < 1 || o.MaxEjectionPercent > 100 {
		v.errorf(o.Pos.Of("max_ejection_percent"), "%s.max_ejection_percent: %d is outside 1 to 100", p, o.MaxEjectionPercent)
	}
}

// ParseStatusRange reads "200" or "200-299" into an inclusive range.
func ParseStatusRange(s string) (lo, hi int, err error) {
	a, b, isRange := strings.Cut(strings.TrimSpace(s), "-")
	lo, err = strconv.Atoi(strings.TrimSpace(a))
	if err != nil {
		return 0, 0, fmt.Errorf("%q is not a status code or range such as 200-299", s)
	}
	hi = lo
	if isRange {
		if hi, err = strconv.Atoi(strings.TrimSpace(b)); err != nil {
			return 0, 0, fmt.Errorf("%q is not a status code or range such as 200-299", s)
		}
	}
	if lo < 100 || hi > 599 || lo > hi {
		return 0, 0, fmt.Errorf("%q: want codes from 100 to 599, low to high", s)
	}
	return lo, hi, nil
}

func (v *validator) balancer(b *Balancer, p string) {
	hashing := b.Policy == "ring_hash" || b.Policy == "maglev"
	switch {
	case hashing && b.HashKey == nil:
		v.errorf(b.Pos.Of("policy"), "%s: policy %s needs hash_key (what to hash: header, cookie, query, path_segment or client_ip)", p, b.Policy)
	case !hashing && b.HashKey != nil:
		v.errorf(b.Pos.Of("hash_key"), "%s.hash_key: only ring_hash and maglev use a hash key, not %s", p, b.Policy)
	}
	if h := b.HashKey; h != nil && h.Pos.Has("source") {
		hp := p + ".hash_key"
		named := h.Source == "header" || h.Source == "cookie" || h.Source == "query"
		switch {
		case named && h.Name == "":
			v.errorf(h.Pos.Of("source"), "%s: source %s needs name", hp, h.Source)
		case named && h.Source == "header" && !validToken(h.Name):
			v.errorf(h.Pos.Of("name"), "%s.name: %q is not a valid header name", hp, h.Name)
		case !named && h.Pos.Has("name"):
			v.errorf(h.Pos.Of("name"), "%s.name: source %s takes no name", hp, h.Source)
		}
		if h.Source != "path_segment" && h.Pos.Has("index") {
			v.errorf(h.Pos.Of("index"), "%s.index: only source path_segment takes an index", hp)
		}
		if h.Index < 0 {
			v.errorf(h.Pos.Of("index"), "%s.index: must not be negative", hp)
		}
	}
}

func (v *validator) run(r *Run, p string) {
	if r.Pos.Has("command") && strings.TrimSpace(r.Command) == "" {
		v.errorf(r.Pos.Of("command"), "%s.command: must not be empty", p)
	}
	if !envNameRE.MatchString(r.PortEnv) {
		v.errorf(r.Pos.Of("port_env"), "%s.port_env: %q is not an environment variable name", p, r.PortEnv)
	}
	for _, k := range sortedKeys(r.Env) {
		if !envNameRE.MatchString(k) {
			v.errorf(r.Pos.Of("env."+k), "%s.env: %q is not an environment variable name", p, k)
		}
		if k == r.PortEnv {
			v.errorf(r.Pos.Of("env."+k), "%s.env: %s is set by Shoal to the instance's port (port_env)", p, k)
		}
	}
	if r.Ready.Path != "" && !strings.HasPrefix(r.Ready.Path, "/") {
		v.errorf(r.Ready.Pos.Of("path"), "%s.ready.path: %q must start with /", p, r.Ready.Path)
	}
	if r.Ready.Interval <= 0 {
		v.errorf(r.Ready.Pos.Of("interval"), "%s.ready.interval: must be positive", p)
	}
	if r.Ready.Timeout > 0 && r.Ready.Timeout < r.Ready.Interval {
		v.errorf(r.Ready.Pos.Of("timeout"), "%s.ready.timeout: %s is shorter than interval %s", p, r.Ready.Timeout, r.Ready.Interval)
	}
}

func (v *validator) scale(s *Scale, p string) {
	if s.Min < 0 {
		v.errorf(s.Pos.Of("min"), "%s.min: must not be negative", p)
	}
	if s.Max < 1 {
		v.errorf(s.Pos.Of("max"), "%s.max: must be at least 1", p)
	} else if s.Max < s.Min {
		v.errorf(s.Pos.Of("max"), "%s: max %d is below min %d", p, s.Max, s.Min)
	}
	if s.Target <= 0 {
		v.errorf(s.Pos.Of("target"), "%s.target: must be positive", p)
	}
	if s.Min == 0 && (s.Policy == "hpa" || s.Policy == "weekago") {
		v.errorf(s.Pos.Of("min"), "%s.min: policy %s never scales to zero; use min 1 or policy shoal or kpa", p, s.Policy)
	}
	if s.QueueLimit < 1 {
		v.errorf(s.Pos.Of("queue_limit"), "%s.queue_limit: must be at least 1", p)
	}
	if s.WaitTimeout <= 0 {
		v.errorf(s.Pos.Of("wait_timeout"), "%s.wait_timeout: must be positive", p)
	}
	if s.ContainerConcurrency < 0 {
		v.errorf(s.Pos.Of("container_concurrency"), "%s.container_concurrency: must not be negative (0 means no limit)", p)
	}
	if s.Metric == "concurrency" && s.ContainerConcurrency > 0 && s.Pos.Has("target") && s.Target > float64(s.ContainerConcurrency) {
		v.warnf(s.Pos.Of("target"), "%s.target: %g is above container_concurrency %d, and the autoscaler uses %d: an instance never holds more requests than that, so in flight per instance would pass a higher target only once requests already wait at the gateway", p, s.Target, s.ContainerConcurrency, s.ContainerConcurrency)
	}
	// Only a written cold_start is the service's: the default is a guess.
	if s.Min == 0 && s.Pos.Has("cold_start") && s.WaitTimeout > 0 && s.WaitTimeout.D() <= s.ColdStart.D() {
		v.warnf(s.Pos.Of("wait_timeout"), "%s.wait_timeout: %s is not longer than cold_start %s: with min 0, requests that arrive at zero time out while the first instance starts", p, s.WaitTimeout, s.ColdStart)
	}
	if s.Policy == "static" && s.Pos.Has("target") {
		v.errorf(s.Pos.Of("target"), "%s.target: policy static keeps max instances and has no target", p)
	}
}

func (v *validator) dns(d *DNS, p string) {
	if d.Pos.Has("names") && len(d.Names) == 0 {
		v.errorf(d.Pos.Of("names"), "%s.names: at least one name is needed", p)
	}
	for i, n := range d.Names {
		if strings.HasPrefix(n, "_") {
			continue
		}
		if err := checkAddress(n); err != nil {
			v.errorf(d.Pos.Of(fmt.Sprintf("names[%d]", i)), "%s.names[%d]: %q: want host:port or an SRV name such as _api._tcp.example.com (%v)", p, i, n, err)
		}
	}
	if d.Interval.D() < time.Second {
		v.errorf(d.Pos.Of("interval"), "%s.interval: %s is too short; at least 1s", p, d.Interval)
	}
}
