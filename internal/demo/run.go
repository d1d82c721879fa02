package demo

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// CommentsFailPath is the comments service's failure switch, through the
// gateway (examples/album/shoal.yaml routes POSTs under /api/comments
// there without a fallback). It takes ?for=DURATION.
const CommentsFailPath = "/api/comments/fail"

// Options configure one run.
type Options struct {
	// Base URL of the gateway, e.g. http://127.0.0.1:8080. It must be a
	// loopback address.
	GatewayURL string
	// The day to play. Zero value: Day().
	Scenario Scenario
	// Total length of the run; phases get their share of it. Default 60s.
	Duration time.Duration
	// Multiplies every rate, for slower or faster machines. Default 1.
	Intensity float64
	// Called every TickEvery from one goroutine (never concurrently), and
	// once more with Done set after the last request finished. Keep it
	// quick: it delays the next tick, not the load.
	OnTick func(Tick)
	// Default 1s.
	TickEvery time.Duration
	// HTTP client for every request. Default: one that dials loopback
	// addresses only and follows no redirect.
	Client *http.Client
	// Seed of the arrival process; 0 picks one from the clock.
	Seed uint64
	// Default: discard.
	Logger *slog.Logger
}

// Run plays the scenario against the gateway until its duration has passed
// or ctx is cancelled, waits for the requests in flight (each bounded by
// the scenario's RequestTimeout; cancelling ctx cuts them short) and
// reports. On cancellation it returns the report so far together with
// ctx's error; otherwise the error is non-nil only for invalid options.
func Run(ctx context.Context, o Options) (Report, error) {
	base, err := loopbackBase(o.GatewayURL)
	if err != nil {
		return Report{}, err
	}
	sc := o.Scenario
	if len(sc.Phases) == 0 {
		sc.Phases = Day().Phases
	}
	if err := sc.validate(); err != nil {
		return Report{}, fmt.Errorf("demo scenario: %w", err)
	}
	sc = sc.withDefaults()
	if o.Duration <= 0 {
		o.Duration = 60 * time.Second
	}
	if o.Intensity <= 0 {
		o.Intensity = 1
	}
	if o.TickEvery <= 0 {
		o.TickEvery = time.Second
	}
	if o.Client == nil {
		o.Client = newClient(sc.MaxInFlight)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	seed := o.Seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	spans := sc.layout(o.Duration)
	g := &generator{
		opts:  o,
		sc:    sc,
		base:  base,
		spans: spans,
		rec:   newRecorder(spans),
		rng:   rand.New(rand.NewPCG(seed, seed^0x5eed)),
		pad:   make([]byte, sc.UploadBytes),
		start: time.Now(),
	}
	for i := range g.pad {
		g.pad[i] = byte(g.rng.Uint32())
	}

	stopTicks := make(chan struct{})
	ticksDone := make(chan struct{})
	go g.tickLoop(stopTicks, ticksDone)

	g.schedule(ctx)
	g.wg.Wait()
	close(stopTicks)
	<-ticksDone
	if o.OnTick != nil {
		t := g.tick(time.Now(), nil)
		t.Done = true
		o.OnTick(t)
	}

	rep := g.rec.report()
	rep.Duration = time.Since(g.start)
	rep.Cancelled = ctx.Err() != nil
	rep.LimitReached = g.limitReached
	return rep, ctx.Err()
}

// generator is the state of one run.
type generator struct {
	opts  Options
	sc    Scenario
	base  string
	spans []span
	rec   *recorder
	start time.Time
	pad   []byte

	// Used by the scheduling goroutine only.
	rng          *rand.Rand
	seq          int64
	limitReached bool

	wg sync.WaitGroup
	// Read by the tick goroutine.
	phase           atomic.Int64
	sent, ok, fail  atomic.Int64
	dropped         atomic.Int64
	inflight        atomic.Int64
	pages, omitted  atomic.Int64
	commentsFailing atomic.Bool
}

// schedule sends arrivals phase by phase until the end or cancellation.
func (g *generator) schedule(ctx context.Context) {
	// Since Go 1.23 a stopped or reset timer never delivers a stale value,
	// so one timer serves every wait without draining.
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for i, sp := range g.spans {
		if ctx.Err() != nil {
			return
		}
		g.phase.Store(int64(i))
		g.switchComments(ctx, i)
		phaseEnd := g.start.Add(sp.end)
		lambda := sp.Rates.Total() * g.opts.Intensity
		if lambda > 0 {
			next := g.start.Add(sp.start).Add(g.gap(lambda))
			for next.Before(phaseEnd) {
				if !sleepUntil(ctx, timer, next) {
					return
				}
				// A stall (a paused laptop, a starved scheduler) should
				// not turn into a burst of catch-up arrivals.
				if time.Since(next) > time.Second {
					next = time.Now()
				}
				if !g.fire(ctx, i, g.pickKind(sp.Rates)) {
					g.limitReached = true
					return
				}
				next = next.Add(g.gap(lambda))
			}
		}
		if !sleepUntil(ctx, timer, phaseEnd) {
			return
		}
	}
}

// switchComments makes the comments service fail when a failing phase
// begins. The failure carries its own expiry (the phase's length) instead
// of a recover call at the phase's end: by then the gateway's breaker on
// comments is usually open and would refuse that call, which is the point
// of the breaker.
func (g *generator) switchComments(ctx context.Context, i int) {
	sp := g.spans[i]
	switch {
	case sp.CommentsFail && !g.commentsFailing.Load():
		d := (sp.end - sp.start).Round(time.Millisecond)
		g.commentsFailing.Store(true)
		g.control(ctx, i, CommentsFailPath+"?for="+d.String(), "comments fail for "+d.String())
	case !sp.CommentsFail:
		g.commentsFailing.Store(false)
	}
}

// control makes a failure-switch call in the background, so a slow answer
// (a service waking from zero) does not delay the arrivals.
func (g *generator) control(ctx context.Context, phase int, path, what string) {
	at := time.Since(g.start)
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		err := post(ctx, g.opts.Client, g.base, path)
		e := Event{At: at, Phase: g.spans[phase].Name, What: what}
		if err != nil {
			e.Err = err.Error()
			g.opts.Logger.Warn("demo control call failed", "what", what, "err", err)
		} else {
			g.opts.Logger.Info("demo control call", "what", what)
		}
		g.rec.event(e)
	}()
}

// fire sends one arrival of kind k in phase i. It reports false once the
// scenario's request limit is reached.
func (g *generator) fire(ctx context.Context, i int, k Kind) bool {
	if g.seq >= int64(g.sc.MaxRequests) {
		return false
	}
	if g.inflight.Load() >= int64(g.sc.MaxInFlight) {
		g.dropped.Add(1)
		g.rec.drop(i)
		return true
	}
	g.seq++
	t := buildTarget(k, g.sc, g.seq, g.rng.IntN, g.pad)
	g.sent.Add(1)
	g.inflight.Add(1)
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		ok, page, omitted, d := send(ctx, g.opts.Client, g.base, t, g.sc.RequestTimeout)
		g.inflight.Add(-1)
		if ok {
			g.ok.Add(1)
		} else {
			g.fail.Add(1)
		}
		if page {
			g.pages.Add(1)
			if omitted {
				g.omitted.Add(1)
			}
		}
		g.rec.add(outcome{phase: i, kind: k, ok: ok, page: page, omitted: omitted, duration: d})
	}()
	return true
}

// gap is the time to the next arrival of a Poisson process of rate lambda.
func (g *generator) gap(lambda float64) time.Duration {
	return time.Duration(g.rng.ExpFloat64() / lambda * float64(time.Second))
}

// pickKind chooses a kind with probability proportional to its rate.
func (g *generator) pickKind(r Rates) Kind {
	u := g.rng.Float64() * r.Total()
	kinds := Kinds()
	for _, k := range kinds {
		if u < r.of(k) {
			return k
		}
		u -= r.of(k)
	}
	// Rounding left u at the very top: the last kind with a rate.
	for j := len(kinds) - 1; j >= 0; j-- {
		if r.of(kinds[j]) > 0 {
			return kinds[j]
		}
	}
	return KindHome
}

// sleepUntil waits for the deadline and reports false if ctx ended first.
func sleepUntil(ctx context.Context, timer *time.Timer, deadline time.Time) bool {
	d := time.Until(deadline)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer.Reset(d)
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		timer.Stop()
		return false
	}
}
