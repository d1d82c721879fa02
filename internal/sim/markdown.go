package sim

import (
	"fmt"
	"io"
	"math"
)

// cheapEnough is the excess violation share (points above the service-time
// floor) a policy's row in the summary table may have at most.
const cheapEnough = 0.01

// PolicyRows picks one sweep point per policy, in the order the policies
// first appear: its cheapest point with at most 0.01 % of requests violating
// above the floor, or, when it never gets there, its cheapest point within
// 10 % of its lowest excess (reached false). This is the row the per-trace
// tables of docs/autoscaling.md show.
func PolicyRows(rs []Result) (rows []Result, reached []bool) {
	var order []string
	by := map[string][]Result{}
	for _, r := range rs {
		if _, ok := by[r.Policy]; !ok {
			order = append(order, r.Policy)
		}
		by[r.Policy] = append(by[r.Policy], r)
	}
	for _, p := range order {
		best, ok := cheapestWithin(by[p], cheapEnough)
		if !ok {
			low := math.Inf(1)
			for _, r := range by[p] {
				low = math.Min(low, r.ExcessViolPct)
			}
			best, _ = cheapestWithin(by[p], low*1.1+1e-12)
		}
		rows, reached = append(rows, best), append(reached, ok)
	}
	return rows, reached
}

func cheapestWithin(rs []Result, maxExcess float64) (Result, bool) {
	var best Result
	found := false
	for _, r := range rs {
		if r.ExcessViolPct <= maxExcess && (!found || r.InstanceSeconds < best.InstanceSeconds) {
			best, found = r, true
		}
	}
	return best, found
}

// WriteMarkdown prints the per-policy summary table of a sweep as markdown.
func WriteMarkdown(w io.Writer, rs []Result) {
	rows, reached := PolicyRows(rs)
	fmt.Fprintln(w, "| policy | target | instance-hours | violating % | above floor % | p99 ms | actions | cold starts | under-prov. % | over-prov. % | forecast err % |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for i, r := range rows {
		name, target, fc := r.Policy, "—", "—"
		if !reached[i] {
			name += " ¹"
		}
		if r.Policy != "static" {
			target = fmt.Sprintf("%g", math.Round(r.Target*1000)/1000)
		}
		if r.ForecastPoints > 0 {
			fc = fmt.Sprintf("%.1f", r.ForecastErrPct)
		}
		fmt.Fprintf(w, "| %s | %s | %.0f | %.4f | %.4f | %.0f | %d | %d | %.2f | %.1f | %s |\n",
			name, target, r.InstanceHours, r.SLOViolationPct, r.ExcessViolPct, r.P99LatencyMs,
			r.ScalingActions, r.ColdStarts, r.UnderProvisionedTimePct, r.OverProvisionedTimePct, fc)
	}
}
