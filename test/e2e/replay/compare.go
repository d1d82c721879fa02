package replay

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// How two policies are compared. The primary metric is the share of
// requests that violate the SLO; where that is a tie, instance-seconds
// decide. A tie is a difference within the noise of one run: the range the
// simulator's own results span over its seeds (arrival and service times
// drawn afresh) on this trace, for the wider of the two policies, and at
// least AbsViolTol points of violations or RelCostTol of the cost. One
// live run is one draw of that noise, so a difference inside it says
// nothing about the policies.
const (
	AbsViolTol = 0.1
	RelCostTol = 0.03
)

// simOrder orders two simulated policies on one metric: -1 or 1 when their
// ranges over the seeds do not overlap, 0 otherwise.
func simOrder(aMin, aMax, bMin, bMax float64) int {
	switch {
	case aMax < bMin:
		return -1
	case aMin > bMax:
		return 1
	}
	return 0
}

// liveOrder orders two live values: -1 or 1 when they differ by more than
// tol, 0 otherwise.
func liveOrder(a, b, tol float64) int {
	switch d := a - b; {
	case d < -tol:
		return -1
	case d > tol:
		return 1
	}
	return 0
}

// pairOrder is the order of two policies by violations then cost, for the
// live run (given the simulated spreads as its tolerance) or the
// simulation (sim true).
func pairOrder(la, lb Outcome, sa, sb Spread, sim bool) (viol, cost int) {
	if sim {
		return simOrder(sa.ViolMin, sa.ViolMax, sb.ViolMin, sb.ViolMax), simOrder(sa.CostMin, sa.CostMax, sb.CostMin, sb.CostMax)
	}
	vt := math.Max(AbsViolTol, math.Max(sa.ViolMax-sa.ViolMin, sb.ViolMax-sb.ViolMin))
	ct := math.Max(RelCostTol*math.Max(la.InstanceSeconds, lb.InstanceSeconds), math.Max(sa.CostMax-sa.CostMin, sb.CostMax-sb.CostMin))
	return liveOrder(la.ViolationPct, lb.ViolationPct, vt), liveOrder(la.InstanceSeconds, lb.InstanceSeconds, ct)
}

// Disagreements lists the pairs of policies that the live run and the
// simulation order differently: by violations, and where both call the
// violations a tie, by cost. A tie on one side agrees with any order on
// the other.
func Disagreements(live []Outcome, simulated []Spread) []string {
	spread := map[string]Spread{}
	for _, s := range simulated {
		spread[s.Mean.Policy] = s
	}
	var out []string
	for i := range live {
		for j := i + 1; j < len(live); j++ {
			a, b := live[i], live[j]
			sa, oka := spread[a.Policy]
			sb, okb := spread[b.Policy]
			if !oka || !okb {
				out = append(out, fmt.Sprintf("%s or %s was not simulated", a.Policy, b.Policy))
				continue
			}
			lv, lc := pairOrder(a, b, sa, sb, false)
			sv, sc := pairOrder(a, b, sa, sb, true)
			switch {
			case lv != 0 && sv != 0 && lv != sv:
				out = append(out, fmt.Sprintf("violations: live %s %.2f%% vs %s %.2f%%; simulated %s %.2f..%.2f%% vs %.2f..%.2f%%",
					a.Policy, a.ViolationPct, b.Policy, b.ViolationPct, a.Policy, sa.ViolMin, sa.ViolMax, sb.ViolMin, sb.ViolMax))
			case lv == 0 && sv == 0 && lc != 0 && sc != 0 && lc != sc:
				out = append(out, fmt.Sprintf("cost at tied violations: live %s %.0f vs %s %.0f inst-s; simulated %.0f..%.0f vs %.0f..%.0f",
					a.Policy, a.InstanceSeconds, b.Policy, b.InstanceSeconds, sa.CostMin, sa.CostMax, sb.CostMin, sb.CostMax))
			}
		}
	}
	return out
}

// verdict says how a pair compares: "a < b (violations)", "a < b (cost)"
// or "a ~ b" for a tie on both.
func verdict(a, b string, viol, cost int) string {
	switch {
	case viol != 0:
		if viol > 0 {
			a, b = b, a
		}
		return a + " < " + b + " (violations)"
	case cost != 0:
		if cost > 0 {
			a, b = b, a
		}
		return a + " < " + b + " (cost)"
	}
	return a + " ~ " + b
}

// Rankings states, pair by pair, how the live run and the simulation order
// the policies ("kpa < shoal (cost)", "hpa ~ kpa"): the order is partial,
// since a tie within the noise is not transitive.
func Rankings(live []Outcome, simulated []Spread) (liveRank, simRank string) {
	spread := map[string]Spread{}
	for _, s := range simulated {
		spread[s.Mean.Policy] = s
	}
	var lv, sv []string
	for i := range simulated {
		for j := i + 1; j < len(simulated); j++ {
			a, b := simulated[i], simulated[j]
			v, c := pairOrder(Outcome{}, Outcome{}, a, b, true)
			sv = append(sv, verdict(a.Mean.Policy, b.Mean.Policy, v, c))
		}
	}
	for i := range live {
		for j := i + 1; j < len(live); j++ {
			a, b := live[i], live[j]
			v, c := pairOrder(a, b, spread[a.Policy], spread[b.Policy], false)
			lv = append(lv, verdict(a.Policy, b.Policy, v, c))
		}
	}
	return strings.Join(lv, "; "), strings.Join(sv, "; ")
}

// WriteTable prints single runs (live, or one simulation) as a Markdown table.
func WriteTable(w io.Writer, outs []Outcome) {
	fmt.Fprintf(w, "| policy | requests | SLO violations | violating %% | instance-seconds | max ready |\n|---|---:|---:|---:|---:|---:|\n")
	for _, o := range outs {
		fmt.Fprintf(w, "| %s | %.0f | %.0f | %.2f | %.1f | %d |\n", o.Policy, o.Requests, o.Violations, o.ViolationPct, o.InstanceSeconds, o.MaxInstances)
	}
	fmt.Fprintln(w)
}

// WriteSimTable prints the simulated spreads as a Markdown table.
func WriteSimTable(w io.Writer, simulated []Spread) {
	seeds := 0
	if len(simulated) > 0 {
		seeds = simulated[0].Seeds
	}
	fmt.Fprintf(w, "| policy | requests | violating %% (mean, range over %d seeds) | instance-seconds (mean, range) | max ready |\n|---|---:|---:|---:|---:|\n", seeds)
	for _, s := range simulated {
		m := s.Mean
		fmt.Fprintf(w, "| %s | %.0f | %.2f (%.2f–%.2f) | %.1f (%.0f–%.0f) | %d |\n",
			m.Policy, m.Requests, m.ViolationPct, s.ViolMin, s.ViolMax, m.InstanceSeconds, s.CostMin, s.CostMax, m.MaxInstances)
	}
	fmt.Fprintln(w)
}
