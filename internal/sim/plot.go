package sim

import (
	"fmt"
	"math"
	"sort"
)

// PanelData is one policy's run for the timeline plot.
type PanelData struct {
	Title    string
	Policy   string
	Timeline *Timeline
}

// PlotTimeline draws one panel per run: the instances the demand needed
// (grey area, with its per-step maximum as a thin line), ready and paid-for
// instances, the policy's forecast converted to instances, and red marks
// along the bottom where more than 1% of a step's requests missed the SLO.
// Every panel has the same scale, so that the policies compare at a
// glance; capacity far above the busiest need (an overshoot of ten times
// the peak) runs off the top, and the panel names its highest count.
func PlotTimeline(title string, panels []PanelData) string {
	const w, ph, top, left, right, gap = 1100.0, 220.0, 70.0, 60.0, 20.0, 70.0
	h := top + float64(len(panels))*(ph+gap) + 10
	s := newSVG(w, h)
	s.text(w/2, 22, "middle", 15, "black", title)
	ymax := sharedScale(panels)
	for i, p := range panels {
		y0 := top + float64(i)*(ph+gap)
		plotPanel(s, p, ymax, left, y0, w-left-right, ph)
	}
	return s.String()
}

// timelineHeadroom is how far above the busiest need the shared scale
// reaches: room for the capacity a policy holds over the need, not for an
// overshoot to ten times it.
const timelineHeadroom = 1.6

// sharedScale is the top of every panel's y axis: the highest value any
// panel draws, but no more than timelineHeadroom × the busiest need.
func sharedScale(panels []PanelData) float64 {
	need, all := 1.0, 1.0
	for _, p := range panels {
		tl := p.Timeline
		for i := range tl.Needed {
			need = math.Max(need, tl.NeededMax[i])
			all = math.Max(all, math.Max(tl.NeededMax[i], tl.Existing[i]))
			if !math.IsNaN(tl.Forecast[i]) {
				all = math.Max(all, tl.Forecast[i])
			}
		}
	}
	return 1.08 * math.Min(all, timelineHeadroom*need)
}

func plotPanel(s *svg, p PanelData, ymax, x0, y0, pw, ph float64) {
	tl := p.Timeline
	n := len(tl.Needed)
	if n == 0 {
		return
	}
	top := 0.0 // the highest count this panel paid for
	for i := range n {
		top = math.Max(top, tl.Existing[i])
	}
	days := float64(int64(n)*tl.Step) / 86400
	offset := float64(tl.From) / 86400
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = x0 + pw*float64(i)/float64(max(1, n-1))
	}
	// Values off the scale are drawn at its top.
	yOf := func(v float64) float64 { return y0 + ph - ph*math.Min(v, ymax)/ymax }
	ys := func(v []float64) []float64 {
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = math.NaN()
			if !math.IsNaN(x) {
				out[i] = yOf(x)
			}
		}
		return out
	}
	// Axes and grid.
	for _, v := range niceTicks(0, ymax, 5) {
		y := yOf(v)
		s.line(x0, y, x0+pw, y, "#e6e6e6", 1, "")
		s.text(x0-6, y+4, "end", 11, "#444", fmtTick(v))
	}
	unit, scale := "day", 1.0
	if days < 2 {
		unit, scale = "hour", 24
	}
	lo, hi := offset*scale, (offset+days)*scale
	for _, v := range niceTicks(lo, hi, 10) {
		x := x0 + pw*(v-lo)/(hi-lo)
		s.line(x, y0+ph, x, y0+ph+4, "#444", 1, "")
		s.text(x, y0+ph+16, "middle", 11, "#444", fmtTick(v))
	}
	s.line(x0, y0+ph, x0+pw, y0+ph, "#444", 1, "")
	s.line(x0, y0, x0, y0+ph, "#444", 1, "")
	s.text(x0+pw, y0+ph+30, "end", 11, "#444", unit+"s since the trace's start")
	title := p.Title
	if top > ymax {
		title += fmt.Sprintf(" (paid for up to %.0f instances, off the scale)", top)
	}
	s.text(x0, y0-28, "start", 13, "black", title)

	s.area(xs, ys(tl.Needed), yOf(0), "#d9d9d9")
	s.polyline(xs, ys(tl.NeededMax), "#9e9e9e", 0.8, "")
	s.polyline(xs, ys(tl.Existing), "#9ecae1", 1.2, "")
	s.polyline(xs, ys(tl.Ready), palette(p.Policy), 1.4, "")
	s.polyline(xs, ys(tl.Forecast), "#ff7f0e", 1.2, "4,3")
	for i, v := range tl.ViolPct {
		if v > 1 {
			hgt := math.Min(12, 3+3*math.Log10(v))
			s.rect(xs[i]-1, y0+ph-hgt, 2, hgt, "#e31a1c")
		}
	}
	legend := []struct{ label, color string }{
		{"needed (mean / max)", "#9e9e9e"}, {"ready", palette(p.Policy)}, {"paid for (incl. starting, draining)", "#9ecae1"},
		{"forecast / target", "#ff7f0e"}, {">1% of requests violate SLO", "#e31a1c"},
	}
	lx := x0
	for _, l := range legend {
		s.rect(lx, y0-16, 10, 10, l.color)
		s.text(lx+14, y0-7, "start", 11, "#333", l.label)
		lx += 24 + 6*float64(len([]rune(l.label)))
	}
}

// PlotCurves draws instance-hours against SLO-violating requests for every
// policy of a sweep, one line per policy through its targets: lower and
// further left is better. The violations are those above the service-time
// floor (excess_violation_pct) on a log scale: the floor is the same for
// every policy and would squash the differences; 0 is drawn at 0.0001%.
func PlotCurves(title string, results []Result) string {
	const w, h, left, right, top, bottom = 900.0, 560.0, 80.0, 160.0, 40.0, 50.0
	const curveFloor = 1e-4
	s := newSVG(w, h)
	s.text(w/2, 22, "middle", 15, "black", title)
	pw, ph := w-left-right, h-top-bottom
	byPolicy := map[string][]Result{}
	var names []string
	xmin, xmax := math.Inf(1), math.Inf(-1)
	vmin, vmax := math.Inf(1), math.Inf(-1)
	for _, r := range results {
		if _, ok := byPolicy[r.Policy]; !ok {
			names = append(names, r.Policy)
		}
		byPolicy[r.Policy] = append(byPolicy[r.Policy], r)
		xmin, xmax = math.Min(xmin, r.InstanceHours), math.Max(xmax, r.InstanceHours)
		v := math.Max(r.ExcessViolPct, curveFloor)
		vmin, vmax = math.Min(vmin, v), math.Max(vmax, v)
	}
	if len(results) == 0 {
		return s.String()
	}
	pad := (xmax - xmin) * 0.05
	xmin, xmax = math.Max(0, xmin-pad), xmax+pad+1e-9
	lmin, lmax := math.Floor(math.Log10(vmin)), math.Ceil(math.Log10(vmax))
	if lmax <= lmin {
		lmax = lmin + 1
	}
	xOf := func(v float64) float64 { return left + pw*(v-xmin)/(xmax-xmin) }
	yOf := func(v float64) float64 {
		return top + ph - ph*(math.Log10(math.Max(v, curveFloor))-lmin)/(lmax-lmin)
	}
	for e := lmin; e <= lmax; e++ {
		y := yOf(math.Pow(10, e))
		s.line(left, y, left+pw, y, "#e6e6e6", 1, "")
		s.text(left-6, y+4, "end", 11, "#444", fmtTick(math.Pow(10, e))+"%")
	}
	for _, v := range niceTicks(xmin, xmax, 8) {
		x := xOf(v)
		s.line(x, top+ph, x, top+ph+4, "#444", 1, "")
		s.text(x, top+ph+16, "middle", 11, "#444", fmtTick(v))
	}
	s.line(left, top+ph, left+pw, top+ph, "#444", 1, "")
	s.line(left, top, left, top+ph, "#444", 1, "")
	s.text(left+pw/2, h-10, "middle", 12, "#222", "cost: instance-hours")
	s.textRotated(18, top+ph/2, 12, "#222", "SLO-violating requests above the service-time floor (log)")
	sort.Strings(names)
	for i, name := range names {
		rs := byPolicy[name]
		sort.Slice(rs, func(a, b int) bool { return rs[a].InstanceHours < rs[b].InstanceHours })
		xs, ys := make([]float64, len(rs)), make([]float64, len(rs))
		for j, r := range rs {
			xs[j], ys[j] = xOf(r.InstanceHours), yOf(r.ExcessViolPct)
		}
		c := palette(name)
		// The line runs through the policy's best trade-offs only (each
		// point with fewer violations than every cheaper one): a target
		// that costs more for more violations is a dot off the line.
		front := paretoMask(len(rs), func(j int) float64 { return rs[j].ExcessViolPct })
		var fx, fy []float64
		for j, onFront := range front {
			if onFront {
				fx, fy = append(fx, xs[j]), append(fy, ys[j])
			}
		}
		dash := ""
		if name == "weekago" {
			// weekago is hpa until it has a week of history: dashed, so
			// that hpa's line shows through where they are the same.
			dash = "6,4"
		}
		s.polyline(fx, fy, c, 1.6, dash)
		first, last := -1, -1
		for j := range rs {
			r := 1.8
			if front[j] {
				r = 3.2
				if first < 0 {
					first = j
				}
				last = j
			}
			s.circle(xs[j], ys[j], r, c)
		}
		for _, j := range []int{first, last} {
			if j >= 0 && rs[j].Target > 0 {
				s.text(xs[j]+5, ys[j]-5, "start", 9, c, fmt.Sprintf("%g", rs[j].Target))
			}
		}
		ly := top + 10 + float64(i)*20
		s.rect(left+pw+20, ly-9, 12, 12, c)
		s.text(left+pw+38, ly+1, "start", 12, "#222", name)
	}
	s.text(left+pw+20, top+10+float64(len(names))*20+10, "start", 10, "#666", "lines: best trade-offs")
	s.text(left+pw+20, top+10+float64(len(names))*20+24, "start", 10, "#666", "small dots: worse targets")
	s.text(left+pw+20, top+10+float64(len(names))*20+38, "start", 10, "#666", "labels: target")
	if len(results) > 0 {
		s.text(left+pw+20, top+10+float64(len(names))*20+54, "start", 10, "#666", fmt.Sprintf("floor: %.4f%%", results[0].FloorViolPct))
	}
	return s.String()
}
