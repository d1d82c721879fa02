package autoscale

// secJitter estimates how far the per-second demand scatters around its
// level, from the stable window's samples.
//
// Why: a trace recorded per second at low counts (an access log: a few
// requests a second, Poisson), rescaled to a busy service, scatters by half
// its level from one second to the next. The minute means are smooth, so
// the scatter floor sees nothing, while the panic window reads every busy
// second as a burst: shoal ordered and dropped instances all day and met
// the next busy second with too few (ten times hpa's violations at equal
// cost on such a trace). The scatter is robustScatter of the last minute's
// seconds; demand that is constant within minutes has none.
type secJitter struct {
	sigma   float64
	n       int
	scratch []float64
}

// jitterCovered is the relative per-second scatter the target's headroom
// and the gateway queue absorb: Poisson arrivals at 100 requests a second
// scatter by 10 %. Smoother seconds get no floor.
const jitterCovered = 0.1

// floor is the demand to hold for the scatter of the seconds around the
// level (the stable window's mean): level × (1 + z × the relative scatter
// beyond jitterCovered). 0 when z ≤ 0 or the seconds are smooth.
func (j *secJitter) floor(level, z float64) float64 {
	if z <= 0 || j.sigma == 0 || level <= 0 {
		return 0
	}
	excess := j.sigma/level - jitterCovered
	if excess <= 0 {
		return 0
	}
	return level * (1 + z*excess)
}

// jitterEvery: the estimate is refreshed this often (seconds); a sort of
// the stable window's samples is cheap but not every second.
const jitterEvery = 10

func newSecJitter(w *secWindow) *secJitter {
	return &secJitter{scratch: make([]float64, 0, len(w.buf))}
}

// observe is called once per second after w took the second's sample.
func (j *secJitter) observe(w *secWindow) {
	if j.n++; j.n < jitterEvery {
		return
	}
	j.n = 0
	if w.count < len(w.buf) || len(w.buf) < 10 {
		j.sigma = 0
		return
	}
	// The window's samples oldest first (a full ring starts at next).
	at := func(i int) float64 { return w.buf[(w.next+i)%len(w.buf)] }
	j.sigma = robustScatter(len(w.buf), at, j.scratch)
}
