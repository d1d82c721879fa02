package sim

import (
	"math"
	"time"
)

// Result is one simulation's outcome. The first block of JSON names is the
// contract of DESIGN.md §4; the rest are ours.
type Result struct {
	Policy                  string  `json:"policy"`
	Target                  float64 `json:"target"`
	Requests                float64 `json:"requests"`
	SLOViolationPct         float64 `json:"slo_violation_pct"`
	InstanceSeconds         float64 `json:"instance_seconds"`
	P99LatencyMs            float64 `json:"p99_latency_ms"`
	ScalingActions          int     `json:"scaling_actions"`
	ColdStarts              int     `json:"cold_starts"`
	UnderProvisionedTimePct float64 `json:"under_provisioned_time_pct"`
	OverProvisionedTimePct  float64 `json:"over_provisioned_time_pct"`

	Engine        string  `json:"engine"`
	Trace         string  `json:"trace,omitempty"`
	Seconds       int64   `json:"seconds"`
	GapBuckets    int     `json:"gap_buckets"`
	RateScale     float64 `json:"rate_scale"`
	PeakInstances int     `json:"peak_instances"`
	Violations    float64 `json:"violations"`
	// FloorViolPct is the share of requests whose service time alone
	// exceeds the SLO: no autoscaler can avoid it. ExcessViolPct is the
	// rest, the part capacity decisions cause.
	FloorViolPct    float64 `json:"floor_violation_pct"`
	ExcessViolPct   float64 `json:"excess_violation_pct"`
	LatePct         float64 `json:"late_pct"`
	TimedOutPct     float64 `json:"timed_out_pct"`
	RejectedPct     float64 `json:"rejected_pct"`
	P50LatencyMs    float64 `json:"p50_latency_ms"`
	P90LatencyMs    float64 `json:"p90_latency_ms"`
	InstanceHours   float64 `json:"instance_hours"`
	NeededInstSecs  float64 `json:"needed_instance_seconds"`
	CostVsNeeded    float64 `json:"cost_vs_needed"`
	MaxInstances    int     `json:"max_instances"`
	ForecastLeadS   float64 `json:"forecast_lead_s"`
	ForecastErrPct  float64 `json:"forecast_error_pct"`
	ForecastUnderPc float64 `json:"forecast_under_pct"`
	ForecastPoints  int     `json:"forecast_points"`
}

// accum gathers per-second and per-request tallies during a run.
type accum struct {
	requests, ok, late, timedOut, rejected float64
	hist                                   [histBins]float64

	seconds, instSecs, neededSecs int64
	under, over                   int64
	actions, maxInst              int

	fcSumAbs, fcSumActual float64
	fcUnder, fcN          int
}

// provision tallies one second of capacity against what the load needed.
// Over-provisioned means more than 20% (and at least one instance) above
// need: a little headroom is what every sane policy keeps, so only waste
// beyond that counts.
func (a *accum) provision(ready, existing, need int) {
	a.seconds++
	a.instSecs += int64(existing)
	a.neededSecs += int64(need)
	if existing > a.maxInst {
		a.maxInst = existing
	}
	slack := int(math.Ceil(0.2 * float64(need)))
	if slack < 1 {
		slack = 1
	}
	switch {
	case ready < need:
		a.under++
	case ready > need+slack:
		a.over++
	}
}

// latency records n requests with latency x seconds.
func (a *accum) latency(x, n float64) { a.hist[histBin(x)] += n }

// forecast compares one forecast with what happened.
func (a *accum) forecast(pred, actual float64) {
	a.fcSumAbs += math.Abs(pred - actual)
	a.fcSumActual += actual
	a.fcN++
	if pred < actual {
		a.fcUnder++
	}
}

func (a *accum) quantile(p float64) float64 {
	total := 0.0
	for _, v := range a.hist {
		total += v
	}
	if total == 0 {
		return 0
	}
	goal, run := p*total, 0.0
	for k, v := range a.hist {
		if run+v >= goal && v > 0 {
			lo, hi := 0.0, histEdge(0)
			if k > 0 {
				lo = histEdge(k - 1)
				if k < histEdges {
					hi = histEdge(k)
				} else {
					hi = lo
				}
			}
			// Geometric interpolation inside a log bin.
			f := (goal - run) / v
			if lo == 0 {
				return hi * f
			}
			return lo * math.Pow(hi/lo, f)
		}
		run += v
	}
	return histEdge(histEdges - 1)
}

func pct(x, of float64) float64 {
	if of <= 0 {
		return 0
	}
	return 100 * x / of
}

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}

func (a *accum) result(policy string, coldStarts int, lead time.Duration) Result {
	viol := a.late + a.timedOut + a.rejected
	r := Result{
		Policy:                  policy,
		Requests:                math.Round(a.requests),
		SLOViolationPct:         round(pct(viol, a.requests), 4),
		InstanceSeconds:         float64(a.instSecs),
		P99LatencyMs:            round(1000*a.quantile(0.99), 1),
		ScalingActions:          a.actions,
		ColdStarts:              coldStarts,
		UnderProvisionedTimePct: round(pct(float64(a.under), float64(a.seconds)), 3),
		OverProvisionedTimePct:  round(pct(float64(a.over), float64(a.seconds)), 3),
		Seconds:                 a.seconds,
		Violations:              math.Round(viol),
		LatePct:                 round(pct(a.late, a.requests), 4),
		TimedOutPct:             round(pct(a.timedOut, a.requests), 4),
		RejectedPct:             round(pct(a.rejected, a.requests), 4),
		P50LatencyMs:            round(1000*a.quantile(0.50), 1),
		P90LatencyMs:            round(1000*a.quantile(0.90), 1),
		InstanceHours:           round(float64(a.instSecs)/3600, 2),
		NeededInstSecs:          float64(a.neededSecs),
		MaxInstances:            a.maxInst,
		ForecastPoints:          a.fcN,
	}
	if a.neededSecs > 0 {
		r.CostVsNeeded = round(float64(a.instSecs)/float64(a.neededSecs), 4)
	}
	if a.fcN > 0 {
		r.ForecastLeadS = lead.Seconds()
		r.ForecastErrPct = round(pct(a.fcSumAbs, a.fcSumActual), 2)
		r.ForecastUnderPc = round(pct(float64(a.fcUnder), float64(a.fcN)), 2)
	}
	return r
}
