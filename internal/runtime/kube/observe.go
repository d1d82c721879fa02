package kube

import (
	"fmt"
	"time"

	"github.com/shoal-gw/shoal/internal/autoscaler"
)

// observe records a read: it notices counts set outside Shoal and times
// raises until the ready count reaches them.
func (t *target) observe(obs autoscaler.Observed, now time.Time) {
	t.mu.Lock()
	var outside string
	if t.seen >= 0 && obs.Desired != t.seen && obs.Desired != t.expect {
		outside = fmt.Sprintf("replicas of %s changed outside this gateway: %d → %d (by a person, another gateway or another controller; taken as the current count)", t.workloadName(), t.seen, obs.Desired)
		if obs.Desired > t.seen && t.raiseTo == 0 {
			t.raiseTo, t.raiseAt = obs.Desired, now
		}
	}
	if obs.Desired == t.expect {
		t.expect = -1
	}
	t.seen = obs.Desired
	switch {
	case t.raiseTo == 0:
	case obs.Desired < t.raiseTo:
		// Lowered before it was reached: nothing to time.
		t.raiseTo = 0
	case obs.Ready >= t.raiseTo:
		t.cold.Add(now.Sub(t.raiseAt))
		t.raiseTo = 0
	}
	obs.ColdStart, obs.ColdStartSpread = t.cold.Mean, t.cold.Dev
	t.obs, t.known, t.lastErr = obs, true, ""
	t.mu.Unlock()
	if outside != "" {
		t.s.opts.Log.Info("kube scaler: "+outside, "service", t.service)
		t.s.opts.OnEvent(t.service, outside)
	}
}

// workloadName is the workload for messages; call with t.mu held.
func (t *target) workloadName() string {
	if t.w != nil {
		return t.w.String()
	}
	return t.ref.resource + "/" + t.ref.name
}

// expectChange notes, before the PATCH is sent, that spec.replicas will
// read n because we set it. The watch can deliver the change before the
// PATCH call returns; noted only afterwards, our own change read as an
// outside edit. It returns what was expected before, for dropExpect.
func (t *target) expectChange(n int) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	prev := t.expect
	t.expect = n
	return prev
}

// dropExpect undoes expectChange(n) after a PATCH that failed, unless a
// read already consumed it or another change replaced it.
func (t *target) dropExpect(n, prev int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.expect == n {
		t.expect = prev
	}
}

// patched records our own change of spec.replicas from → to (expected
// with expectChange before it was sent).
func (t *target) patched(from, to int, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.obs.Desired = to
	t.obs.Starting = max(to-t.obs.Ready, 0)
	if to > from && (t.raiseTo == 0 || to > t.raiseTo) {
		if t.raiseTo == 0 {
			t.raiseAt = now
		}
		t.raiseTo = to
	}
}

// sawDesired notes a Scale that found the count already set.
func (t *target) sawDesired(n int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.known {
		t.obs.Desired = n
	}
}

func (t *target) status() (autoscaler.Observed, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.obs, t.known
}
