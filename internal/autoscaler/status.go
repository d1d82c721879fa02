package autoscaler

import "time"

// ServiceStatus is what metrics and the admin API show of one service.
type ServiceStatus struct {
	Policy string  `json:"policy"`
	Metric string  `json:"metric"`
	Target float64 `json:"target"`
	Min    int     `json:"min"`
	Max    int     `json:"max"`
	// Counts as last reported by the scaler (Desired also after our own
	// scale requests).
	Desired  int `json:"desired"`
	Ready    int `json:"ready"`
	Starting int `json:"starting"`
	Draining int `json:"draining"`
	// ColdStart is the one the policy uses: the measured mean plus two
	// mean deviations, or the hint before a start was measured.
	ColdStart time.Duration `json:"cold_start"`
	// ColdStartMeasured and ColdStartSpread are what the scaler measured:
	// the moving mean (what the cold-start gauge shows) and the moving
	// mean deviation; 0 until an instance has started.
	ColdStartMeasured time.Duration `json:"cold_start_measured"`
	ColdStartSpread   time.Duration `json:"cold_start_spread"`
	// Forecast is the last predicted demand at now + Lead (metric units).
	Forecast float64       `json:"forecast"`
	Lead     time.Duration `json:"lead"`
	// LastDecision is the last decision (or wake), even one that kept the
	// count.
	LastDecision Event `json:"last_decision"`
	// RestoredFrom is when the learned state the policy started from was
	// saved; nil when it learned from scratch.
	RestoredFrom *time.Time `json:"restored_from,omitempty"`
}

// Wake asks the scaler for an instance at once for a service at zero (the
// activator calls it when a request arrives and no instance is ready) and
// keeps that instance for at least a cold start plus the scale-to-zero
// grace. Unknown services are ignored.
func (c *Controller) Wake(service string) {
	if s := c.lookup(service); s != nil {
		s.wake(c.opts.Clock())
	}
}

// Status reports a service; ok is false when it is not autoscaled.
func (c *Controller) Status(service string) (ServiceStatus, bool) {
	s := c.lookup(service)
	if s == nil {
		return ServiceStatus{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var restored *time.Time
	if !s.restoredFrom.IsZero() {
		t := s.restoredFrom
		restored = &t
	}
	return ServiceStatus{
		RestoredFrom: restored,
		Policy:       s.spec.Policy, Metric: s.spec.Metric, Target: s.spec.Target,
		Min: s.spec.Min, Max: s.spec.Max,
		Desired: s.obs.Desired, Ready: s.obs.Ready, Starting: s.obs.Starting, Draining: s.obs.Draining,
		ColdStart: s.coldStart, Forecast: s.forecast, Lead: s.leadLocked(),
		ColdStartMeasured: s.obs.ColdStart, ColdStartSpread: s.obs.ColdStartSpread,
		LastDecision: s.last,
	}, true
}

// Events returns the service's recent events (the last Options.EventLimit),
// oldest first.
func (c *Controller) Events(service string) []Event {
	s := c.lookup(service)
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Event, 0, len(s.events.buf))
	s.events.each(func(e Event) { out = append(out, e) })
	return out
}

// Timeline returns the service's seconds strictly after since, oldest first.
func (c *Controller) Timeline(service string, since time.Time) []TimelinePoint {
	s := c.lookup(service)
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]TimelinePoint, 0, len(s.timeline.buf))
	s.timeline.each(func(p TimelinePoint) {
		if p.T.After(since) {
			out = append(out, p)
		}
	})
	return out
}
