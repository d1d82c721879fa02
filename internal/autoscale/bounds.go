package autoscale

import (
	"errors"
	"time"
)

// Static always asks for Params.Peak instances: the cost/SLO bound of
// provisioning for the peak.
type Static struct{ peak int }

// NewStatic builds the static policy; Params.Peak must be positive.
func NewStatic(p Params) (*Static, error) {
	if p.Peak <= 0 {
		return nil, errors.New("static needs Params.Peak > 0 (instances for the trace's peak)")
	}
	return &Static{peak: p.Peak}, nil
}

func (s *Static) Name() string            { return "static" }
func (s *Static) Interval() time.Duration { return time.Minute }
func (s *Static) Observe(Sample)          {}
func (s *Static) Decide(State) Decision {
	return Decision{Desired: s.peak, Reason: "static: peak capacity"}
}

// Oracle knows the future through Params.Oracle. Every second it asks for
// enough instances for the largest demand in [now, now+lead], lead = cold
// start + actuation delay: an instance is started exactly when it must be
// to be ready for the demand, and kept while demand before it can come up
// still needs it. A monotonic deque makes this O(1) per second.
type Oracle struct {
	p    Params
	src  OracleSource
	lead int64
	// deque of (second, demand), demands strictly decreasing from head.
	secs    []int64
	vals    []float64
	head, n int
	next    int64
	started bool
}

// NewOracle builds the oracle policy; Params.Oracle must be set.
func NewOracle(p Params) (*Oracle, error) {
	p, err := p.withDefaults()
	if err != nil {
		return nil, err
	}
	if p.Oracle == nil {
		return nil, errors.New("oracle needs Params.Oracle (future demand source)")
	}
	lead := int64((p.ColdStart + p.ActuationDelay + time.Second - 1) / time.Second)
	c := int(lead) + 2
	return &Oracle{p: p, src: p.Oracle, lead: lead, secs: make([]int64, c), vals: make([]float64, c)}, nil
}

func (o *Oracle) Name() string            { return "oracle" }
func (o *Oracle) Interval() time.Duration { return time.Second }
func (o *Oracle) Observe(Sample)          {}

// Decide looks ahead over [now, now+lead].
func (o *Oracle) Decide(st State) Decision {
	now := st.Now.Unix()
	if !o.started || o.next < now {
		o.started, o.n, o.next = true, 0, now
	}
	for o.n > 0 && o.secs[o.head] < now {
		o.pop()
	}
	for ; o.next <= now+o.lead; o.next++ {
		o.push(o.next, o.src(time.Unix(o.next, 0)))
	}
	peak := 0.0
	if o.n > 0 {
		peak = o.vals[o.head]
	}
	return Decision{
		Desired:  o.p.clamp(ceilDiv(peak, o.p.Target)),
		Reason:   "oracle: peak demand over the cold-start horizon",
		Forecast: peak,
	}
}

func (o *Oracle) pop() {
	o.head = (o.head + 1) % len(o.secs)
	o.n--
}

// push drops tail entries that can never be the maximum again.
func (o *Oracle) push(sec int64, v float64) {
	c := len(o.secs)
	for o.n > 0 {
		tail := (o.head + o.n - 1) % c
		if o.vals[tail] > v {
			break
		}
		o.n--
	}
	i := (o.head + o.n) % c
	o.secs[i], o.vals[i] = sec, v
	o.n++
}
