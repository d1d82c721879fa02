package sim

import "math"

// Timeline is a run downsampled for plotting: one point per Step seconds,
// everything in instances so demand, capacity and forecast share an axis.
type Timeline struct {
	// MaxPoints bounds the number of points (default 1000, about one per pixel).
	MaxPoints int
	// From and For restrict the plot to a window of the run (For 0: to the
	// end); the simulation itself still covers the whole trace.
	From, For int64
	Step      int64
	// Needed is the mean instance count the demand needed; NeededMax the
	// window's maximum (bursts shorter than a step stay visible).
	Needed, NeededMax []float64
	// Ready and Existing are mean instance counts (Existing includes
	// starting and draining ones: what is paid for).
	Ready, Existing []float64
	// Forecast is the policy's forecast divided by its per-instance
	// target (NaN where the policy gave none).
	Forecast []float64
	// ViolPct is the share of the window's requests that missed the SLO.
	ViolPct []float64

	target                             float64
	sNeed, sReady, sExist, sArr, sViol float64
	mNeed, fcLast                      float64
	n                                  int64
}

func (tl *Timeline) start(seconds int64, m Model, target float64) {
	if tl.MaxPoints <= 0 {
		tl.MaxPoints = 1000
	}
	if tl.From < 0 || tl.From >= seconds {
		tl.From = 0
	}
	if tl.For <= 0 || tl.From+tl.For > seconds {
		tl.For = seconds - tl.From
	}
	tl.Step = (tl.For + int64(tl.MaxPoints) - 1) / int64(tl.MaxPoints)
	if tl.Step < 1 {
		tl.Step = 1
	}
	tl.target = target
	tl.fcLast = math.NaN()
}

func (tl *Timeline) forecast(_ int64, v float64) {
	if v > 0 && tl.target > 0 {
		tl.fcLast = v / tl.target
	}
}

func (tl *Timeline) add(t int64, _ float64, need, ready, existing int, arrivals, viol float64) {
	if t < tl.From || t >= tl.From+tl.For {
		return
	}
	tl.sNeed += float64(need)
	tl.mNeed = math.Max(tl.mNeed, float64(need))
	tl.sReady += float64(ready)
	tl.sExist += float64(existing)
	tl.sArr += arrivals
	tl.sViol += viol
	tl.n++
	if (t+1-tl.From)%tl.Step != 0 {
		return
	}
	k := float64(tl.n)
	tl.Needed = append(tl.Needed, tl.sNeed/k)
	tl.NeededMax = append(tl.NeededMax, tl.mNeed)
	tl.Ready = append(tl.Ready, tl.sReady/k)
	tl.Existing = append(tl.Existing, tl.sExist/k)
	tl.Forecast = append(tl.Forecast, tl.fcLast)
	tl.ViolPct = append(tl.ViolPct, pct(tl.sViol, tl.sArr))
	tl.sNeed, tl.mNeed, tl.sReady, tl.sExist, tl.sArr, tl.sViol, tl.n = 0, 0, 0, 0, 0, 0, 0
}
