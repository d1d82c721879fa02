package autoscaler

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/shoal-gw/shoal/internal/autoscale"
)

// replaySeconds is how many recent samples a service keeps to refill the
// windows of a rebuilt policy (the longest window, hpa's, plus margin).
const replaySeconds = 360

// service is one autoscaled service. mu serialises the policy (which is not
// safe for concurrent use), the scaler calls for it and its records.
type service struct {
	c    *Controller
	name string
	log  *slog.Logger

	mu        sync.Mutex
	spec      Spec
	policy    autoscale.Policy
	coldStart time.Duration // the one the policy was built with
	next      time.Time     // next decision
	wakeUntil time.Time     // keep at least one instance until then
	obs       Observed      // last report of the scaler
	known     bool          // the scaler knows the service
	last      Event         // last decision
	forecast  float64
	recent    *ring[autoscale.Sample]
	events    *ring[Event]
	timeline  *ring[TimelinePoint]
	forecasts *forecastLog
	savedAt   time.Time
	// lastErr is the last scale failure recorded, so a lasting one is
	// recorded once.
	lastErr string
	// restoredFrom is when the snapshot the policy started from was saved
	// (zero: it learned from scratch).
	restoredFrom time.Time
}

func newService(c *Controller, name string, spec Spec) (*service, error) {
	s := &service{
		c: c, name: name, spec: spec,
		log:       c.opts.Log.With("service", name),
		coldStart: spec.ColdStartHint,
		recent:    newRing[autoscale.Sample](replaySeconds),
		events:    newRing[Event](c.opts.EventLimit),
		timeline:  newRing[TimelinePoint](int(c.opts.TimelineLength / time.Second)),
		forecasts: newForecastLog(),
		savedAt:   c.opts.Clock(),
	}
	if obs, ok := c.opts.Scaler.Status(name); ok && obs.ColdStart > 0 {
		s.coldStart = plannedColdStart(obs)
	}
	p, err := spec.build(s.coldStart)
	if err != nil {
		return nil, fmt.Errorf("autoscaler %s: %w", name, err)
	}
	s.policy = p
	s.load(p, spec)
	return s, nil
}

// reconfigure applies a new spec, keeping learned state when the policy
// stays the same.
func (s *service) reconfigure(spec Spec, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if spec == s.spec {
		return nil
	}
	// A measured cold start beats the hint; before one, the hint counts.
	cold := s.coldStart
	if s.obs.ColdStart <= 0 {
		cold = spec.ColdStartHint
	}
	if err := s.rebuildLocked(spec, cold, now, "new scale settings"); err != nil {
		return fmt.Errorf("autoscaler %s: %w", s.name, err)
	}
	return nil
}

// rebuildLocked replaces the policy: it refills the new one's windows with
// the recent samples and carries the learned state over when both are the
// same persistent policy.
func (s *service) rebuildLocked(spec Spec, coldStart time.Duration, now time.Time, why string) error {
	p, err := spec.build(coldStart)
	if err != nil {
		return err
	}
	s.recent.each(p.Observe)
	old, oldOK := s.policy.(autoscale.Persistent)
	nw, newOK := p.(autoscale.Persistent)
	units := otherUnits(s.spec.Metric, timeScaleOf(s.spec), spec)
	switch {
	case newOK && !(oldOK && s.policy.Name() == p.Name()):
		// Another policy before: start from what this one saved, if any.
		s.load(p, spec)
	case newOK && units != "":
		// The same policy in other units: what it learned would mislead
		// it (see snapshotFile), so the new one learns afresh.
		why += "; learned state dropped (" + units + ")"
	case newOK:
		// Restore after the replay: the snapshot already holds what the
		// replayed seconds taught the old policy.
		data, err := old.Snapshot()
		if err == nil {
			err = nw.Restore(data)
		}
		if err != nil {
			s.log.Warn("autoscaler: learned state not carried over", "error", err)
		}
	}
	s.policy, s.spec, s.coldStart, s.next = p, spec, coldStart, time.Time{}
	s.events.push(Event{Time: now, Kind: KindConfig, From: s.obs.Desired, To: s.obs.Desired,
		Reason: fmt.Sprintf("%s policy %s (cold start %v): %s", spec.Policy, spec.Metric, coldStart.Round(time.Millisecond), why)})
	return nil
}

// restore rebuilds the policy from the stored snapshot, its windows refilled
// with the recent samples; with nothing stored the policy is kept.
func (s *service) restore(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.spec.build(s.coldStart)
	if err != nil {
		s.log.Warn("autoscaler: rebuilding the policy", "error", err)
		return
	}
	s.recent.each(p.Observe)
	if !s.load(p, s.spec) {
		return
	}
	s.policy, s.next = p, time.Time{}
	s.events.push(Event{Time: now, Kind: KindConfig, From: s.obs.Desired, To: s.obs.Desired,
		Reason: fmt.Sprintf("learned state restored (saved %s)", s.restoredFrom.UTC().Format(time.RFC3339))})
}

// step is one tick: observe, maybe decide and scale, record.
func (s *service) step(now time.Time) {
	samples := s.c.opts.Source.Drain(s.name, now)
	s.mu.Lock()
	for _, x := range samples {
		s.policy.Observe(x)
		s.recent.push(x)
	}
	obs, ok := s.c.opts.Scaler.Status(s.name)
	if ok && s.known && s.obs.Desired == 0 && obs.Desired > 0 {
		// Someone else woke the service (another gateway holding a request,
		// or an operator): keep the instance as if woken here, since this
		// gateway may not see that request in its signals yet.
		s.wakeUntil = now.Add(s.coldStart + s.spec.ScaleToZeroGrace)
		s.events.push(Event{Time: now, Kind: KindWake, From: 0, To: obs.Desired, Reason: "woken from outside (another gateway or an operator)"})
	}
	s.obs, s.known = obs, ok
	if planned := plannedColdStart(obs); ok && leadSensitive(s.policy) && materialChange(s.coldStart, planned) {
		if err := s.rebuildLocked(s.spec, planned, now, "measured cold start"); err != nil {
			s.log.Warn("autoscaler: rebuilding with the measured cold start", "error", err)
		}
	}
	if ok && !now.Before(s.next) {
		s.decideLocked(now)
	}
	for _, x := range samples {
		s.timeline.push(s.pointLocked(x))
	}
	due := now.Sub(s.savedAt) >= s.c.opts.SnapshotEvery
	s.mu.Unlock()
	if due {
		_ = s.save()
	}
}

// decideLocked asks the policy and, when the count changes, the scaler.
func (s *service) decideLocked(now time.Time) {
	obs := s.obs
	d := s.policy.Decide(autoscale.State{Now: now, Desired: obs.Desired, Ready: obs.Ready, Starting: obs.Starting})
	s.next = now.Add(s.policy.Interval())
	want, reason := s.spec.clamp(d.Desired), d.Reason
	if want < 1 && now.Before(s.wakeUntil) {
		want, reason = 1, reason+" (kept: woken by a request)"
	}
	s.forecast = d.Forecast
	if lead := s.leadLocked(); lead > 0 && d.Forecast > 0 {
		s.forecasts.put(now.Add(lead), d.Forecast)
	}
	ev := Event{Time: now, Kind: KindScale, From: obs.Desired, To: want, Reason: reason, Forecast: d.Forecast, Panic: d.Panic}
	s.last = ev
	if want == obs.Desired {
		return
	}
	if err := s.c.opts.Scaler.Scale(s.name, want); err != nil {
		ev.Kind, ev.Reason = KindError, fmt.Sprintf("scale to %d failed: %v", want, err)
		if ev.Reason == s.lastErr {
			// A refusal that lasts (an HPA on the workload) is told once,
			// not at every decision.
			return
		}
		s.lastErr = ev.Reason
		s.log.Warn("autoscaler: scale failed", "to", want, "error", err)
	} else {
		s.obs.Desired, s.lastErr = want, ""
		s.log.Info("autoscaler: scale", "from", obs.Desired, "to", want, "reason", reason)
	}
	s.events.push(ev)
}

// leadLocked is how far ahead the policy's forecast looks (0: none).
func (s *service) leadLocked() time.Duration {
	if l, ok := s.policy.(interface{ Lead() time.Duration }); ok {
		return l.Lead()
	}
	return 0
}

func (s *service) pointLocked(x autoscale.Sample) TimelinePoint {
	demand := x.InFlight
	if s.spec.Metric == string(autoscale.MetricRPS) {
		demand = x.Arrivals
	}
	return TimelinePoint{
		T: x.T, Demand: demand, Arrivals: x.Arrivals, InFlight: x.InFlight,
		Capacity: float64(s.obs.Ready) * s.spec.Target,
		Ready:    s.obs.Ready, Starting: s.obs.Starting, Draining: s.obs.Draining,
		Desired:  s.obs.Desired,
		Forecast: s.forecasts.get(x.T),
	}
}

// wake asks for an instance at once when the service is at zero.
func (s *service) wake(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	obs, ok := s.c.opts.Scaler.Status(s.name)
	if !ok {
		// Nothing known of the service yet: a count made up from nothing
		// could lower a running one.
		return
	}
	s.obs, s.known = obs, true
	// The request that woke the service shows in the signals only a second
	// or two later; until then the policy still sees an idle service and
	// must not take the instance away again.
	s.wakeUntil = now.Add(s.coldStart + s.spec.ScaleToZeroGrace)
	from := s.obs.Desired
	want := s.spec.clamp(max(1, from))
	if want == from {
		return
	}
	ev := Event{Time: now, Kind: KindWake, From: from, To: want, Reason: "woken by a request"}
	var err error
	if ms, isMin := s.c.opts.Scaler.(MinScaler); isMin {
		var got int
		if got, err = ms.ScaleAtLeast(s.name, want); err == nil && got != want {
			ev.Reason = fmt.Sprintf("woken by a request (already at %d)", got)
			ev.To, want = got, got
		}
	} else {
		err = s.c.opts.Scaler.Scale(s.name, want)
	}
	if err != nil {
		ev.Kind, ev.Reason = KindError, fmt.Sprintf("wake to %d failed: %v", want, err)
		s.log.Warn("autoscaler: wake failed", "error", err)
	} else {
		s.obs.Desired = want
		s.log.Info("autoscaler: woken by a request", "to", want)
	}
	s.events.push(ev)
	s.last = ev
}
