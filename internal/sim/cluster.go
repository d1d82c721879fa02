package sim

// inst is one simulated instance. busy is only used by the request engine.
type inst struct {
	readyAt  int64
	goneAt   int64 // earliest second a draining instance may disappear
	busy     int
	draining bool
}

// cluster is the instance lifecycle shared by both engines, in whole
// seconds: a decision asks for instances, they are created after the
// actuation delay (cost starts), ready after the cold start, and on scale-in
// they drain (no new requests) for at least Drain and until idle.
type cluster struct {
	actuation, coldStart, drain int64

	pending  []int64 // creation times, FIFO (delays are constant so times are ordered)
	phead    int
	starting []*inst // FIFO by readyAt
	shead    int
	ready    []*inst
	draining []*inst

	desired    int
	coldStarts int
}

func newCluster(m Model, initial int) *cluster {
	c := &cluster{
		actuation: secs(m.Actuation),
		coldStart: secs(m.ColdStart),
		drain:     secs(m.Drain),
		desired:   initial,
	}
	for range initial {
		c.ready = append(c.ready, &inst{})
	}
	return c
}

func (c *cluster) nPending() int  { return len(c.pending) - c.phead }
func (c *cluster) nStarting() int { return len(c.starting) - c.shead }

// existing is the number of instances that cost money this second.
func (c *cluster) existing() int { return c.nStarting() + len(c.ready) + len(c.draining) }

// advance moves instances through their lifecycle at the start of second t.
// onReady lets the request engine dispatch queued work to new capacity.
func (c *cluster) advance(t int64) {
	for c.phead < len(c.pending) && c.pending[c.phead] <= t {
		created := c.pending[c.phead]
		c.phead++
		c.coldStarts++
		c.starting = append(c.starting, &inst{readyAt: created + c.coldStart})
	}
	if c.phead > 1024 && c.phead*2 > len(c.pending) {
		c.pending = append(c.pending[:0], c.pending[c.phead:]...)
		c.phead = 0
	}
	for c.shead < len(c.starting) && c.starting[c.shead].readyAt <= t {
		c.ready = append(c.ready, c.starting[c.shead])
		c.starting[c.shead] = nil
		c.shead++
	}
	if c.shead > 1024 && c.shead*2 > len(c.starting) {
		c.starting = append(c.starting[:0], c.starting[c.shead:]...)
		c.shead = 0
	}
	if len(c.draining) > 0 {
		keep := c.draining[:0]
		for _, in := range c.draining {
			if in.goneAt > t || in.busy > 0 {
				keep = append(keep, in)
			}
		}
		clear(c.draining[len(keep):])
		c.draining = keep
	}
}

// setDesired applies a decision taken at time t and reports whether it
// changed the count (a scaling action).
func (c *cluster) setDesired(t int64, want int) bool {
	if want < 0 {
		want = 0
	}
	changed := want != c.desired
	c.desired = want
	have := c.nPending() + c.nStarting() + len(c.ready)
	for ; have < want; have++ {
		c.pending = append(c.pending, t+c.actuation)
	}
	for ; have > want; have-- {
		switch {
		case c.nPending() > 0:
			c.pending = c.pending[:len(c.pending)-1]
		case c.nStarting() > 0:
			// A starting instance is torn down at once; its cost so far
			// has been paid.
			c.starting[len(c.starting)-1] = nil
			c.starting = c.starting[:len(c.starting)-1]
		default:
			c.retireReady(t)
		}
	}
	return changed
}

// retireReady drains the least busy ready instance.
func (c *cluster) retireReady(t int64) {
	best := 0
	for i, in := range c.ready {
		if in.busy < c.ready[best].busy {
			best = i
		}
	}
	in := c.ready[best]
	last := len(c.ready) - 1
	c.ready[best] = c.ready[last]
	c.ready[last] = nil
	c.ready = c.ready[:last]
	in.draining = true
	in.goneAt = t + c.drain
	c.draining = append(c.draining, in)
}
