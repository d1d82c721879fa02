package gateway

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/shoal-gw/shoal/internal/middleware/breaker"
	"github.com/shoal-gw/shoal/internal/middleware/hedge"
	"github.com/shoal-gw/shoal/internal/middleware/retry"
	"github.com/shoal-gw/shoal/internal/proxy"
	"github.com/shoal-gw/shoal/internal/upstream"
)

// hedgePolicy is a route's hedging: how many hedges a request may send and
// the tracker that learns when to send them. The tracker belongs to the
// gateway's resilience state so it outlives reloads.
type hedgePolicy struct {
	max     int
	tracker *hedge.Tracker
}

// hedgeable reports whether r is a read that may go to two endpoints at
// once: RFC 9110 safe methods only (a PUT or DELETE is idempotent but
// racing two of them can still reorder writes), and no upgrade.
func hedgeable(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return r.Header.Get("Upgrade") == ""
	}
	return false
}

// race is the state the tries of one hedged request share. Each try asks
// it once, when its answer's status (or failure) is known, whether that
// answer goes to the client: the first answer the retry policy would not
// retry wins and the other tries are cancelled; a failure is held back
// while another try may still win, and the last failure either asks for a
// retry or goes to the client.
type race struct {
	mu      sync.Mutex
	done    bool // an answer is going to the client
	retry   bool // the last failure was swallowed for a retry
	pending int  // tries launched that have not decided
	retries int  // retries left
	cancels []context.CancelFunc
}

// tryResult is what one try's goroutine reports when it ends.
type tryResult struct {
	ok, final bool
	panicked  any
}

// hedged runs one request as a race between a first try and up to
// hp.max hedges, each sent after the route's hedge delay to an endpoint
// not yet tried, and paid from the retry budget. Failures the retry policy
// covers are retried as in serve once no try is left running. It reports
// whether the answer counts as a success for the service's breaker.
func (s *service) hedged(w http.ResponseWriter, r *http.Request, pol *routePolicy, sr *svcResilience, rp *retryPolicy, body []byte) bool {
	hp := rp.hedge
	rc := &race{retries: rp.attempts}
	results := make(chan tryResult, 1+hp.max+rp.attempts)
	rec := findRecorder(w)
	var tried []*upstream.Endpoint
	launched, finished, hedges, retries := 0, 0, 0, 0
	launch := func(ep *upstream.Endpoint, eb *breaker.Breaker, isHedge bool) {
		ctx, cancel := context.WithCancel(r.Context())
		rc.mu.Lock()
		rc.pending++
		idx := len(rc.cancels)
		rc.cancels = append(rc.cancels, cancel)
		rc.mu.Unlock()
		tried = append(tried, ep)
		launched++
		rt := r.WithContext(ctx)
		// Tries run side by side: each needs its own body reader and
		// header map, since forwarding may edit them.
		rt.Header = r.Header.Clone()
		retry.Replay(rt, body)
		start := time.Now()
		decide := func(kind proxy.ErrorKind, status int) bool {
			return rc.decide(rp, sr, hp, r.Context(), idx, kind, status, isHedge, time.Since(start), func() {
				if rec != nil {
					rec.upstream = ep.Address()
				}
			})
		}
		go func() {
			var res tryResult
			tw := newTryWriter(w, decide)
			tw.hedged = true
			defer func() {
				res.panicked = recover()
				if !tw.decided {
					// It ended without an answer or an error (a panic):
					// it no longer runs, and it did not win.
					rc.abandon()
				}
				res.final = tw.decided && !tw.swallow
				cancel()
				results <- res
			}()
			res.ok = s.try(tw, rt, ep, eb, pol)
		}()
	}

	ep, eb, open := s.pick(r, nil, sr)
	if ep == nil {
		return s.noEndpoint503(w, open)
	}
	launch(ep, eb, false)
	delay := hp.tracker.Delay()
	timer := time.NewTimer(delay)
	defer timer.Stop()
	timerC := timer.C
	var final tryResult
	var repanic any
	for finished < launched {
		select {
		case <-timerC:
			timerC = nil
			if hedges < hp.max && s.sendHedge(r, sr, rc, tried, launch) {
				hedges++
				if hedges < hp.max {
					timer.Reset(delay)
					timerC = timer.C
				}
			}
		case res := <-results:
			finished++
			if res.final {
				final = res
			}
			if res.panicked != nil && (res.final || res.panicked != http.ErrAbortHandler) {
				repanic = res.panicked
			}
			if finished < launched || !rc.takeRetry() {
				continue
			}
			if !sleepCtx(r.Context(), rp.backoff.Delay(retries)) {
				proxy.WriteError(w, http.StatusGatewayTimeout, "upstream-timeout")
				return false
			}
			retries++
			ep, eb, open := s.pick(r, tried, sr)
			if ep == nil {
				return s.noEndpoint503(w, open)
			}
			launch(ep, eb, false)
			if hedges < hp.max && timerC == nil {
				timer.Reset(delay)
				timerC = timer.C
			}
		}
	}
	if repanic != nil {
		// The try that was answering the client broke mid-body: let
		// net/http abort the connection as it would without hedging.
		panic(repanic)
	}
	if !final.final {
		// Every try ended without an answer it could give.
		proxy.WriteError(w, http.StatusBadGateway, proxy.ErrProtocol.Reason())
		return false
	}
	return final.ok
}

// sendHedge launches one hedge when the request is still waiting for its
// first answer, an endpoint not yet tried is available (and its breaker
// lets it through) and the retry budget pays for it.
func (s *service) sendHedge(r *http.Request, sr *svcResilience, rc *race, tried []*upstream.Endpoint, launch func(*upstream.Endpoint, *breaker.Breaker, bool)) bool {
	rc.mu.Lock()
	waiting := !rc.done && !rc.retry && rc.pending > 0
	rc.mu.Unlock()
	if !waiting || r.Context().Err() != nil {
		return false
	}
	ep := s.pool.PickExcluding(r, tried)
	if ep == nil || ep.In(tried) {
		return false
	}
	var eb *breaker.Breaker
	if sr.epOpts != nil {
		// Hedges go only to endpoints whose breaker is closed: a
		// half-open one's few probes are for real tries.
		if eb = sr.endpointBreaker(ep.Address()); eb.Stats().State != breaker.Closed {
			return false
		}
	}
	if !sr.budget.TryHedge() {
		return false
	}
	if eb != nil && !eb.Allow() {
		return false
	}
	sr.hedges.Add(1)
	launch(ep, eb, true)
	return true
}

// decide is the race's answer for one try; see race. onFinal runs, under
// the lock, for the one try whose answer goes to the client.
func (rc *race) decide(rp *retryPolicy, sr *svcResilience, hp *hedgePolicy, ctx context.Context, self int, kind proxy.ErrorKind, status int, isHedge bool, took time.Duration, onFinal func()) (swallow bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.pending--
	if rc.done {
		return true // another try already answered
	}
	if !rp.covers(kind, status) {
		rc.done = true
		for i, c := range rc.cancels {
			if i != self {
				c() // the losers stop at once
			}
		}
		if kind == proxy.ErrNone {
			hp.tracker.Observe(took)
		}
		if isHedge {
			sr.hedgeWins.Add(1)
		}
		onFinal()
		return false
	}
	if rc.pending > 0 {
		return true // a try still running may do better
	}
	if rc.retries > 0 && ctx.Err() == nil && sr.budget.TryRetry() {
		rc.retries--
		rc.retry = true
		return true
	}
	rc.done = true
	onFinal()
	return false
}

// abandon counts a try that ended without deciding as no longer pending.
func (rc *race) abandon() {
	rc.mu.Lock()
	rc.pending--
	rc.mu.Unlock()
}

// takeRetry reports, once, that the last failure asked for a retry.
func (rc *race) takeRetry() bool {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if !rc.retry {
		return false
	}
	rc.retry = false
	rc.pending = 0
	return true
}
