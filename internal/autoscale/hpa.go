package autoscale

import (
	"fmt"
	"math"
	"time"
)

// HPAParams are the Kubernetes Horizontal Pod Autoscaler knobs. Zero values
// take the Kubernetes defaults given on each field.
type HPAParams struct {
	// SyncPeriod is --horizontal-pod-autoscaler-sync-period. Default 15 s.
	SyncPeriod time.Duration
	// Tolerance is --horizontal-pod-autoscaler-tolerance: no change while
	// |1 - metric/target| ≤ Tolerance. Default 0.1; negative means 0.
	Tolerance float64
	// MetricWindow is the averaging window of the per-pod metric (what a
	// metrics pipeline scraping every 15 s and averaging two scrapes gives).
	// Default 30 s.
	MetricWindow time.Duration
	// ScaleDownStabilization is behavior.scaleDown.stabilizationWindowSeconds:
	// the max of the recommendations in this window is used. Default 300 s.
	ScaleDownStabilization time.Duration
	// ScaleUpStabilization is behavior.scaleUp.stabilizationWindowSeconds
	// (min of the recommendations in the window). Default 0: none.
	ScaleUpStabilization time.Duration
	// Default scale-up policies: 100 % or 4 pods per 15 s, whichever is
	// more (selectPolicy Max).
	ScaleUpPercent int
	ScaleUpPods    int
	ScaleUpPeriod  time.Duration
	// Default scale-down policy: 100 % per 15 s.
	ScaleDownPercent int
	ScaleDownPeriod  time.Duration
}

func (h HPAParams) withDefaults() HPAParams {
	if h.SyncPeriod <= 0 {
		h.SyncPeriod = 15 * time.Second
	}
	if h.Tolerance == 0 {
		h.Tolerance = 0.1
	}
	if h.Tolerance < 0 {
		h.Tolerance = 0
	}
	if h.MetricWindow <= 0 {
		h.MetricWindow = 30 * time.Second
	}
	if h.ScaleDownStabilization == 0 {
		h.ScaleDownStabilization = 300 * time.Second
	}
	if h.ScaleUpPercent == 0 {
		h.ScaleUpPercent = 100
	}
	if h.ScaleUpPods == 0 {
		h.ScaleUpPods = 4
	}
	if h.ScaleUpPeriod <= 0 {
		h.ScaleUpPeriod = 15 * time.Second
	}
	if h.ScaleDownPercent == 0 {
		h.ScaleDownPercent = 100
	}
	if h.ScaleDownPeriod <= 0 {
		h.ScaleDownPeriod = 15 * time.Second
	}
	return h
}

// HPA re-implements the Kubernetes HPA control loop for one pods metric
// (mean in-flight, or request rate, per ready pod).
//
// Kept from Kubernetes: the usage ratio and ceil(ratio × ready pods); the
// tolerance band returning the current spec replicas; pending (our
// Starting) pods ignored, and on a scale-up counted as using 0 with the
// "no change if the recomputed ratio is within tolerance or flips direction"
// rule; stabilisation windows over unstabilised recommendations; the
// behaviour rate limits computed from the replicas at the start of each
// period (scale events are recorded as Kubernetes does); min/max. Extra
// metrics (weekago's external metric) are combined by taking the max.
//
// Dropped or changed, because our signals cannot express them: missing-pod
// metrics (every ready instance reports); CPU initialisation periods; the
// rule that spec replicas 0 disables autoscaling (the simulator may start
// at 0, so 0 is treated as below min and raised to min); and minReplicas 0
// (HPAScaleToZero is alpha and needs object metrics), so min is at least 1.
type HPA struct {
	p     Params
	h     HPAParams
	name  string
	win   *secWindow
	recs  *timedLog
	ups   *timedLog
	downs *timedLog
	// extra proposes replicas from an additional metric (weekago); ok=false
	// means the metric has no value.
	extra func(now time.Time, current int) (replicas int, forecast float64, ok bool)
}

// NewHPA builds the hpa policy.
func NewHPA(p Params) (*HPA, error) {
	p, err := p.withDefaults()
	if err != nil {
		return nil, err
	}
	if p.Min < 1 {
		p.Min = 1
	}
	if p.Max > 0 && p.Max < p.Min {
		return nil, fmt.Errorf("max %d is below hpa's min of 1", p.Max)
	}
	h := p.HPA.withDefaults()
	keep := h.ScaleDownStabilization
	if h.ScaleUpStabilization > keep {
		keep = h.ScaleUpStabilization
	}
	period := h.ScaleUpPeriod
	if h.ScaleDownPeriod > period {
		period = h.ScaleDownPeriod
	}
	n := int(keep/h.SyncPeriod) + 2
	return &HPA{
		p: p, h: h, name: "hpa",
		win:   newSecWindow(h.MetricWindow),
		recs:  newTimedLog(keep, n),
		ups:   newTimedLog(period, 4),
		downs: newTimedLog(period, 4),
	}, nil
}

func (a *HPA) Name() string            { return a.name }
func (a *HPA) Interval() time.Duration { return a.h.SyncPeriod }
func (a *HPA) Observe(s Sample)        { a.win.push(a.p.value(s)) }

// Decide runs one HPA sync.
func (a *HPA) Decide(st State) Decision {
	current := st.Desired
	maxR := a.p.Max
	if maxR <= 0 {
		maxR = math.MaxInt32
	}
	switch {
	case current > maxR:
		return a.rescale(st.Now, current, maxR, "hpa: above max", 0)
	case current < a.p.Min:
		return a.rescale(st.Now, current, a.p.Min, "hpa: below min", 0)
	}
	proposal, ok := a.replicasForMetric(st)
	reason := "hpa: metric"
	var forecast float64
	if a.extra != nil {
		if r, f, eok := a.extra(st.Now, current); eok {
			forecast = f
			if !ok || r > proposal {
				proposal, reason = r, "hpa: external metric"
			}
			ok = true
		}
	}
	if !ok {
		return Decision{Desired: current, Reason: "hpa: no metrics for ready pods", Forecast: forecast}
	}
	desired, why := a.normalize(st.Now, current, proposal, maxR)
	if why != "" {
		reason = why
	}
	return a.rescale(st.Now, current, desired, reason, forecast)
}

// rescale records the scale event as Kubernetes does (only on a change).
func (a *HPA) rescale(now time.Time, current, desired int, reason string, forecast float64) Decision {
	if desired > current {
		a.ups.add(now, desired-current)
	} else if desired < current {
		a.downs.add(now, current-desired)
	}
	return Decision{Desired: desired, Reason: reason, Forecast: forecast}
}

// replicasForMetric mirrors the replica calculator for a pods metric.
func (a *HPA) replicasForMetric(st State) (int, bool) {
	if a.win.empty() || st.Ready <= 0 {
		return 0, false
	}
	total := a.win.mean()
	ratio := total / float64(st.Ready) / a.p.Target
	if st.Starting <= 0 || ratio <= 1 {
		if math.Abs(1-ratio) <= a.h.Tolerance {
			return st.Desired, true
		}
		return ceilDiv(ratio*float64(st.Ready), 1), true
	}
	// Scale-up with pending pods: count them as using 0, then refuse to act
	// if that brings the ratio into tolerance or reverses the direction.
	pods := st.Ready + st.Starting
	newRatio := total / float64(pods) / a.p.Target
	if math.Abs(1-newRatio) <= a.h.Tolerance || newRatio < 1 {
		return st.Desired, true
	}
	return ceilDiv(newRatio*float64(pods), 1), true
}

// normalize applies the stabilisation windows and the behaviour rate limits.
func (a *HPA) normalize(now time.Time, current, proposal, maxR int) (int, string) {
	up := a.recs.minSince(now, a.h.ScaleUpStabilization, proposal)
	down := a.recs.maxSince(now, a.h.ScaleDownStabilization, proposal)
	if a.h.ScaleUpStabilization <= 0 {
		up = proposal
	}
	a.recs.add(now, proposal)
	rec := current
	why := ""
	if rec < up {
		rec = up
	}
	if rec > down {
		rec = down
	}
	if rec != proposal {
		why = "hpa: stabilised"
	}
	switch {
	case rec > current:
		limit := a.scaleUpLimit(now, current)
		if limit < current {
			limit = current
		}
		allowed := maxR
		if allowed > limit {
			allowed = limit
		}
		if rec > allowed {
			return allowed, "hpa: scale-up rate limited"
		}
	case rec < current:
		limit := a.scaleDownLimit(now, current)
		if limit > current {
			limit = current
		}
		allowed := a.p.Min
		if allowed < limit {
			allowed = limit
		}
		if rec < allowed {
			return allowed, "hpa: scale-down rate limited"
		}
	}
	return rec, why
}

// periodStart is the replica count at the start of a policy period.
func (a *HPA) periodStart(now time.Time, current int, period time.Duration) int {
	return current - a.ups.sumSince(now, period) + a.downs.sumSince(now, period)
}

// scaleUpLimit: the larger of the Percent and Pods policies (selectPolicy Max).
func (a *HPA) scaleUpLimit(now time.Time, current int) int {
	start := a.periodStart(now, current, a.h.ScaleUpPeriod)
	byPods := start + a.h.ScaleUpPods
	byPct := int(math.Ceil(float64(start) * (1 + float64(a.h.ScaleUpPercent)/100)))
	return max(byPods, byPct)
}

// scaleDownLimit: the Percent policy (truncated, as Kubernetes does).
func (a *HPA) scaleDownLimit(now time.Time, current int) int {
	start := a.periodStart(now, current, a.h.ScaleDownPeriod)
	return int(float64(start) * (1 - float64(a.h.ScaleDownPercent)/100))
}
