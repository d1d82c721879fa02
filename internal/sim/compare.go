package sim

import (
	"fmt"
	"io"
	"math"
	"sort"
	"time"
)

// The bar of issue 8, evaluated on one trace's sweep: shoal against the
// best of hpa, kpa and weekago at equal cost (and at equal violations), and
// against oracle at ≤ 1% violations. Violations are compared above the
// floor that the service time alone causes (excess_violation_pct): no
// autoscaler can remove the floor, and leaving it in would make a 50%
// reduction impossible whenever a baseline is near it.

// point is one sweep result on the cost/violation plane.
type point struct {
	cost, viol, target float64
	policy             string
}

// frontier keeps a policy's Pareto-optimal points, sorted by cost.
func frontier(rs []Result, policy string, viol func(Result) float64) []point {
	var pts []point
	for _, r := range rs {
		if r.Policy == policy {
			pts = append(pts, point{r.InstanceSeconds, viol(r), r.Target, policy})
		}
	}
	sort.Slice(pts, func(i, j int) bool {
		if pts[i].cost != pts[j].cost {
			return pts[i].cost < pts[j].cost
		}
		return pts[i].viol < pts[j].viol
	})
	var out []point
	for i, on := range paretoMask(len(pts), func(i int) float64 { return pts[i].viol }) {
		if on {
			out = append(out, pts[i])
		}
	}
	return out
}

// paretoMask marks, in n points sorted by cost, those with fewer
// violations than every cheaper point: the others are dominated (no
// cheaper and no better than a point before them).
func paretoMask(n int, viol func(i int) float64) []bool {
	out := make([]bool, n)
	best := math.Inf(1)
	for i := range n {
		if v := viol(i); v < best {
			out[i], best = true, v
		}
	}
	return out
}

// violAt is the violation share a frontier reaches at a cost, linearly
// interpolated. Below its cheapest point it is that point's share: the
// policy is then credited with more money than the one it is compared
// with, which can only flatter it.
func violAt(f []point, cost float64) float64 {
	if len(f) == 0 {
		return math.NaN()
	}
	if cost < f[0].cost {
		return f[0].viol
	}
	for i := 1; i < len(f); i++ {
		if cost <= f[i].cost {
			a, b := f[i-1], f[i]
			return a.viol + (b.viol-a.viol)*(cost-a.cost)/(b.cost-a.cost)
		}
	}
	return f[len(f)-1].viol
}

// costAt is the least cost at which a frontier reaches a violation share,
// interpolated; NaN if it never gets that low.
func costAt(f []point, viol float64) float64 {
	if len(f) == 0 || viol < f[len(f)-1].viol {
		return math.NaN()
	}
	if viol >= f[0].viol {
		return f[0].cost
	}
	for i := 1; i < len(f); i++ {
		if viol >= f[i].viol {
			a, b := f[i-1], f[i]
			return a.cost + (b.cost-a.cost)*(a.viol-viol)/(a.viol-b.viol)
		}
	}
	return math.NaN()
}

// BarRow is the comparison at one of shoal's sweep points.
type BarRow struct {
	Target, Cost, Excess float64
	// BaseExcess is the lowest excess violation any baseline reaches at
	// the same cost, and BaseCost the least cost at which any baseline
	// reaches shoal's excess (NaN: none does).
	BaseExcess, BaseCost float64
	BaseExcessBy         string
	BaseCostBy           string
	// Cheaper: shoal costs less than every baseline sweep point.
	Cheaper bool
}

// Bar is the verdict for one trace.
type Bar struct {
	Rows []BarRow
	// BestViolRatio is the lowest shoal/baseline excess ratio at equal cost
	// over points where the baseline's excess is at least minExcess.
	BestViolRatio float64
	// BestCostSaving is the largest 1 - shoal cost / baseline cost at
	// equal excess violations.
	BestCostSaving float64
	// OracleCost and ShoalCost are each policy's least cost with total
	// violations ≤ 1%.
	OracleCost, ShoalCost float64
	ViolMet, CostMet      bool
	OracleMet             bool
	// Scatter is the trace's unforeseeable scatter and what it costs any
	// policy but oracle (set by the caller, which has the trace).
	Scatter Scatter
}

// minExcess ignores equal-cost ratios where the baseline is within
// rounding of the floor: 0/0 says nothing.
const minExcess = 0.001

// Compare evaluates the bar on one trace's sweep results.
func Compare(rs []Result) Bar {
	excess := func(r Result) float64 { return r.ExcessViolPct }
	total := func(r Result) float64 { return r.SLOViolationPct }
	b := Bar{BestViolRatio: math.NaN(), BestCostSaving: math.NaN(), OracleCost: math.NaN(), ShoalCost: math.NaN()}
	shoal := frontier(rs, "shoal", excess)
	var bases [][]point
	for _, n := range []string{"hpa", "kpa", "weekago"} {
		if f := frontier(rs, n, excess); len(f) > 0 {
			bases = append(bases, f)
		}
	}
	for _, s := range shoal {
		row := BarRow{Target: s.target, Cost: s.cost, Excess: s.viol, BaseExcess: math.NaN(), BaseCost: math.NaN(), Cheaper: true}
		for _, f := range bases {
			row.Cheaper = row.Cheaper && s.cost < f[0].cost
			if v := violAt(f, s.cost); !math.IsNaN(v) && (math.IsNaN(row.BaseExcess) || v < row.BaseExcess) {
				row.BaseExcess, row.BaseExcessBy = v, f[0].policy
			}
			if c := costAt(f, s.viol); !math.IsNaN(c) && (math.IsNaN(row.BaseCost) || c < row.BaseCost) {
				row.BaseCost, row.BaseCostBy = c, f[0].policy
			}
		}
		if row.BaseExcess >= minExcess {
			ratio := s.viol / row.BaseExcess
			if math.IsNaN(b.BestViolRatio) || ratio < b.BestViolRatio {
				b.BestViolRatio = ratio
			}
		}
		if !math.IsNaN(row.BaseCost) {
			saving := 1 - s.cost/row.BaseCost
			if math.IsNaN(b.BestCostSaving) || saving > b.BestCostSaving {
				b.BestCostSaving = saving
			}
		}
		b.Rows = append(b.Rows, row)
	}
	least := func(policy string) float64 {
		c := math.NaN()
		for _, p := range frontier(rs, policy, total) {
			if p.viol <= 1 && (math.IsNaN(c) || p.cost < c) {
				c = p.cost
			}
		}
		return c
	}
	b.OracleCost, b.ShoalCost = least("oracle"), least("shoal")
	b.ViolMet = b.BestViolRatio <= 0.5
	b.CostMet = b.BestCostSaving >= 0.25
	b.OracleMet = b.ShoalCost <= 1.1*b.OracleCost
	return b
}

// CompareTrace is Compare with the trace's scatter estimate (see
// EstimateScatter) for a model with the given cold start.
func CompareTrace(rs []Result, tr *Trace, coldStart time.Duration) Bar {
	b := Compare(rs)
	b.Scatter = EstimateScatter(tr, coldStart)
	return b
}

// WriteBar prints the verdict as text.
func WriteBar(w io.Writer, b Bar) {
	if len(b.Rows) == 0 {
		fmt.Fprintln(w, "bar: needs a sweep with shoal and at least one of hpa, kpa, weekago")
		return
	}
	fmt.Fprintln(w, "\nbar (violations above the service-time floor; baseline = best of hpa/kpa/weekago;")
	fmt.Fprintln(w, "     * = shoal is cheaper than any baseline point, compared with the cheapest):")
	fmt.Fprintf(w, "%7s %12s %10s %18s %10s %18s\n", "target", "shoal inst-h", "shoal exc%", "base exc% @=cost", "ratio", "base inst-h @=exc")
	for _, r := range b.Rows {
		ratio := "-"
		if r.BaseExcess >= minExcess {
			ratio = fmt.Sprintf("%.2f", r.Excess/r.BaseExcess)
		}
		if r.Cheaper {
			ratio += "*"
		}
		fmt.Fprintf(w, "%7.3g %12.1f %10.4f %10.4f %-7s %10s %10.1f %-7s\n", r.Target, r.Cost/3600, r.Excess,
			r.BaseExcess, r.BaseExcessBy, ratio, r.BaseCost/3600, r.BaseCostBy)
	}
	yes := map[bool]string{true: "MET", false: "missed"}
	if math.IsNaN(b.BestViolRatio) {
		fmt.Fprintf(w, "≥50%% fewer violations at equal cost: n/a, no baseline is above the floor at shoal's costs → missed\n")
	} else {
		fmt.Fprintf(w, "≥50%% fewer violations at equal cost: best ratio %.2f → %s\n", b.BestViolRatio, yes[b.ViolMet])
	}
	fmt.Fprintf(w, "≥25%% less cost at equal violations: best saving %.1f%% → %s\n", 100*b.BestCostSaving, yes[b.CostMet])
	fmt.Fprintf(w, "within 10%% of oracle's cost at ≤1%% violations: shoal %.1f vs oracle %.1f inst-h (%+.1f%%) → %s\n",
		b.ShoalCost/3600, b.OracleCost/3600, 100*(b.ShoalCost/b.OracleCost-1), yes[b.OracleMet])
	switch sc := b.Scatter; {
	case sc.OK && sc.Cost <= 1:
		fmt.Fprintf(w, "  scatter no pattern explains: σ %.3f, too little to cost anything at 1%% violations\n", sc.Sigma)
	case sc.OK:
		fmt.Fprintf(w, "  scatter no pattern explains: σ %.3f; at 1%% violations that alone costs a policy that cannot\n"+
			"  see the next bucket %+.1f%% over oracle (estimate)%s\n", sc.Sigma, 100*(sc.Cost-1), outOfReach(sc))
	}
}

// outOfReach says so when the scatter alone puts the oracle criterion
// beyond any policy that does not know the future.
func outOfReach(sc Scatter) string {
	if sc.Cost > 1.1 {
		return ": the 10% criterion is out of reach"
	}
	return ""
}
