package config

import (
	"fmt"
	"strconv"
)

// routeResilience checks a route's timeouts, retry, bulkhead, fallback and
// fault blocks.
func (v *validator) routeResilience(r *Route, p string) {
	forwards := r.Service != "" || r.ReadService != "" || r.WriteService != ""
	for _, k := range []string{"retry", "bulkhead", "timeouts", "idempotency"} {
		if r.Pos.Has(k) && !forwards {
			v.errorf(r.Pos.Of(k), "%s.%s: only routes that send to a service use it", p, k)
		}
	}
	t := &r.Timeouts
	if t.Pos.Has("per_try") && t.PerTry <= 0 {
		v.errorf(t.Pos.Of("per_try"), "%s.timeouts.per_try: must be positive", p)
	}
	if t.Request > 0 && t.PerTry > t.Request {
		v.errorf(t.Pos.Of("per_try"), "%s.timeouts.per_try: %s is longer than timeouts.request %s", p, t.PerTry, t.Request)
	}
	if rt := r.Retry; rt != nil {
		v.retry(rt, p+".retry")
	}
	if b := r.Bulkhead; b != nil {
		v.bulkhead(b, p+".bulkhead")
	}
	if f := r.Fallback; f != nil {
		v.fallback(f, p+".fallback")
	}
	if f := r.Fault; f != nil {
		v.fault(f, p+".fault")
	}
	if i := r.Idempotency; i != nil {
		v.idempotency(i, p+".idempotency")
	}
}

func (v *validator) idempotency(i *Idempotency, p string) {
	if i.TTL <= 0 {
		v.errorf(i.Pos.Of("ttl"), "%s.ttl: must be positive", p)
	}
	if i.MaxEntries < 1 {
		v.errorf(i.Pos.Of("max_entries"), "%s.max_entries: must be at least 1", p)
	}
	if i.MaxBodyBytes < 1 {
		v.errorf(i.Pos.Of("max_body_bytes"), "%s.max_body_bytes: must be at least 1", p)
	}
	if !validToken(i.Header) {
		v.errorf(i.Pos.Of("header"), "%s.header: %q is not a valid header name", p, i.Header)
	}
}

func (v *validator) retry(rt *Retry, p string) {
	if rt.Attempts < 0 || rt.Attempts > 10 {
		v.errorf(rt.Pos.Of("attempts"), "%s.attempts: %d is outside 0 to 10", p, rt.Attempts)
	}
	for i, on := range rt.On {
		switch on {
		case "connect_failure", "reset", "timeout":
			continue
		}
		if n, err := strconv.Atoi(on); err != nil || n < 500 || n > 599 {
			v.errorf(rt.Pos.Of(fmt.Sprintf("on[%d]", i)), "%s.on[%d]: %q is not connect_failure, reset, timeout or a 5xx status", p, i, on)
		}
	}
	if rt.BaseBackoff <= 0 {
		v.errorf(rt.Pos.Of("base_backoff"), "%s.base_backoff: must be positive", p)
	} else if rt.MaxBackoff < rt.BaseBackoff {
		v.errorf(rt.Pos.Of("max_backoff"), "%s.max_backoff: %s is below base_backoff %s", p, rt.MaxBackoff, rt.BaseBackoff)
	}
	if rt.MaxBodyBytes < 0 {
		v.errorf(rt.Pos.Of("max_body_bytes"), "%s.max_body_bytes: must not be negative", p)
	}
	if h := rt.Hedge; h != nil {
		v.hedge(h, p+".hedge")
	}
}

func (v *validator) hedge(h *Hedge, p string) {
	if h.MaxHedges < 1 || h.MaxHedges > 5 {
		v.errorf(h.Pos.Of("max_hedges"), "%s.max_hedges: %d is outside 1 to 5", p, h.MaxHedges)
	}
	if h.Percentile <= 0 || h.Percentile >= 100 {
		v.errorf(h.Pos.Of("percentile"), "%s.percentile: %g is outside (0, 100)", p, h.Percentile)
	}
	if h.MinDelay <= 0 {
		v.errorf(h.Pos.Of("min_delay"), "%s.min_delay: must be positive", p)
	} else if h.MaxDelay < h.MinDelay {
		v.errorf(h.Pos.Of("max_delay"), "%s.max_delay: %s is below min_delay %s", p, h.MaxDelay, h.MinDelay)
	}
}

func (v *validator) bulkhead(b *Bulkhead, p string) {
	if b.Pos.Has("max_concurrent") && b.MaxConcurrent < 1 {
		v.errorf(b.Pos.Of("max_concurrent"), "%s.max_concurrent: must be at least 1", p)
	}
	if b.MaxPending < 0 {
		v.errorf(b.Pos.Of("max_pending"), "%s.max_pending: must not be negative", p)
	}
	if b.QueueTimeout <= 0 {
		v.errorf(b.Pos.Of("queue_timeout"), "%s.queue_timeout: must be positive", p)
	}
}

func (v *validator) fallback(f *Fallback, p string) {
	for i, on := range f.On {
		switch on {
		case "circuit_open", "no_endpoint", "bulkhead_full", "timeout", "gateway_error", "5xx":
		default:
			v.errorf(f.Pos.Of(fmt.Sprintf("on[%d]", i)), "%s.on[%d]: %q is not circuit_open, no_endpoint, bulkhead_full, timeout, gateway_error or 5xx", p, i, on)
		}
	}
	if f.Pos.Has("service") {
		v.serviceExists(f.Pos.Of("service"), p+".service", f.Service)
		for _, k := range []string{"status", "body", "headers"} {
			if f.Pos.Has(k) {
				v.errorf(f.Pos.Of(k), "%s.%s: a fallback sends to service or answers a fixed response, not both", p, k)
			}
		}
	}
	if f.Status < 200 || f.Status > 599 {
		v.errorf(f.Pos.Of("status"), "%s.status: %d is not a final HTTP status (200-599)", p, f.Status)
	}
	v.headerList(f.Headers, p+".headers")
}

func (v *validator) fault(f *Fault, p string) {
	if f.Delay == nil && f.Abort == nil {
		v.errorf(f.Pos.Line, "%s: set delay, abort or both", p)
	}
	if d := f.Delay; d != nil {
		if d.Pos.Has("duration") && d.Duration <= 0 {
			v.errorf(d.Pos.Of("duration"), "%s.delay.duration: must be positive", p)
		}
		v.faultRule(d.Pos, d.Percent, d.Header, p+".delay")
	}
	if a := f.Abort; a != nil {
		if a.Status < 400 || a.Status > 599 {
			v.errorf(a.Pos.Of("status"), "%s.abort.status: %d is not an error status (400-599)", p, a.Status)
		}
		v.faultRule(a.Pos, a.Percent, a.Header, p+".abort")
	}
}

func (v *validator) faultRule(pos Pos, pct float64, header, p string) {
	if pct < 0 || pct > 100 {
		v.errorf(pos.Of("percent"), "%s.percent: %g is outside 0 to 100", p, pct)
	}
	if pos.Has("header") && !validToken(header) {
		v.errorf(pos.Of("header"), "%s.header: %q is not a valid header name", p, header)
	}
	if pct == 0 && header == "" {
		v.errorf(pos.Line, "%s: set percent, header or both; as written it never applies", p)
	}
}

// serviceResilience checks a service's breakers, bulkhead and retry budget.
func (v *validator) serviceResilience(s *Service, p string) {
	if b := s.CircuitBreaker; b != nil {
		v.breaker(b, p+".circuit_breaker")
	}
	if b := s.EndpointCircuitBreaker; b != nil {
		v.breaker(b, p+".endpoint_circuit_breaker")
	}
	if b := s.Bulkhead; b != nil {
		v.bulkhead(b, p+".bulkhead")
	}
	if a := s.AdaptiveConcurrency; a != nil {
		v.adaptive(a, p+".adaptive_concurrency")
	}
	rb := &s.RetryBudget
	if rb.Ratio < 0 || rb.Ratio > 10 {
		v.errorf(rb.Pos.Of("ratio"), "%s.retry_budget.ratio: %g is outside 0 to 10", p, rb.Ratio)
	}
	if rb.MinPerSecond < 0 {
		v.errorf(rb.Pos.Of("min_per_second"), "%s.retry_budget.min_per_second: must not be negative", p)
	}
}

func (v *validator) breaker(b *CircuitBreaker, p string) {
	if b.ConsecutiveFailures < 0 {
		v.errorf(b.Pos.Of("consecutive_failures"), "%s.consecutive_failures: must not be negative (0 turns the rule off)", p)
	}
	if b.FailurePercent < 0 || b.FailurePercent > 100 {
		v.errorf(b.Pos.Of("failure_percent"), "%s.failure_percent: %g is outside 0 to 100", p, b.FailurePercent)
	}
	if b.ConsecutiveFailures == 0 && b.FailurePercent == 0 {
		v.errorf(b.Pos.Line, "%s: consecutive_failures and failure_percent are both 0, so it never opens", p)
	}
	if b.MinRequests < 1 {
		v.errorf(b.Pos.Of("min_requests"), "%s.min_requests: must be at least 1", p)
	}
	if b.Window <= 0 {
		v.errorf(b.Pos.Of("window"), "%s.window: must be positive", p)
	}
	if b.OpenFor <= 0 {
		v.errorf(b.Pos.Of("open_for"), "%s.open_for: must be positive", p)
	}
	if b.HalfOpenRequests < 1 {
		v.errorf(b.Pos.Of("half_open_requests"), "%s.half_open_requests: must be at least 1", p)
	}
}

func (v *validator) adaptive(a *AdaptiveConcurrency, p string) {
	if a.MinLimit < 1 {
		v.errorf(a.Pos.Of("min_limit"), "%s.min_limit: must be at least 1", p)
	}
	if a.MaxLimit < a.MinLimit {
		v.errorf(a.Pos.Of("max_limit"), "%s.max_limit: %d is below min_limit %d", p, a.MaxLimit, a.MinLimit)
	}
	if a.InitialLimit < a.MinLimit || a.InitialLimit > a.MaxLimit {
		v.errorf(a.Pos.Of("initial_limit"), "%s.initial_limit: %d is outside min_limit to max_limit", p, a.InitialLimit)
	}
	if a.Smoothing <= 0 || a.Smoothing > 1 {
		v.errorf(a.Pos.Of("smoothing"), "%s.smoothing: %g is outside (0, 1]", p, a.Smoothing)
	}
	if a.BackoffRatio <= 0 || a.BackoffRatio >= 1 {
		v.errorf(a.Pos.Of("backoff_ratio"), "%s.backoff_ratio: %g is outside (0, 1)", p, a.BackoffRatio)
	}
}
