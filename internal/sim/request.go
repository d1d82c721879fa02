package sim

import (
	"container/heap"
	"math/rand/v2"
	"slices"

	"github.com/shoal-gw/shoal/internal/autoscale"
)

// reqEngine is the request-level discrete-event engine: Poisson arrivals
// within each second, one service time drawn per request, a FIFO gateway
// queue with a timeout and a limit, dispatch to the least busy ready
// instance. It is exact for the model but slow, so it is meant for slices
// of a few hours and for checking the fluid engine.
type reqEngine struct {
	rng     *rand.Rand
	svc     service
	slots   int
	slo     float64
	timeout float64
	limit   int

	queue []float64 // arrival times, FIFO
	qhead int
	done  doneHeap

	now      float64
	inFlight int
	area     float64 // ∫ in-flight dt over the current second
	qarea    float64 // ∫ queue length dt over the current second
	arrTimes []float64
}

type doneEv struct {
	at float64
	in *inst
}

type doneHeap []doneEv

func (h doneHeap) Len() int           { return len(h) }
func (h doneHeap) Less(i, j int) bool { return h[i].at < h[j].at }
func (h doneHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *doneHeap) Push(x any)        { *h = append(*h, x.(doneEv)) }
func (h *doneHeap) Pop() any {
	old := *h
	ev := old[len(old)-1]
	*h = old[:len(old)-1]
	return ev
}

func newRequestEngine(m Model) *reqEngine {
	return &reqEngine{
		rng:     rand.New(rand.NewPCG(m.Seed, 0x5ea1)),
		svc:     newService(m),
		slots:   m.Slots,
		slo:     m.SLO.Seconds(),
		timeout: m.QueueTimeout.Seconds(),
		limit:   m.QueueLimit,
	}
}

func (e *reqEngine) clock(to float64) {
	e.area += float64(e.inFlight) * (to - e.now)
	e.qarea += float64(len(e.queue)-e.qhead) * (to - e.now)
	e.now = to
}

// freeInstance is the least busy ready instance with a free slot, or nil.
func (e *reqEngine) freeInstance(cl *cluster) *inst {
	var best *inst
	for _, in := range cl.ready {
		if in.busy < e.slots && (best == nil || in.busy < best.busy) {
			best = in
		}
	}
	return best
}

// start begins serving a request that arrived at arr on in, and settles its
// outcome now: its latency is fixed once its service time is drawn.
func (e *reqEngine) start(arr float64, in *inst, a *accum, s *autoscale.Sample) {
	svc := e.svc.sample(e.rng)
	lat := e.now - arr + svc
	if lat > e.slo {
		a.late++
	} else {
		a.ok++
	}
	a.latency(lat, 1)
	in.busy++
	heap.Push(&e.done, doneEv{at: e.now + svc, in: in})
	s.Completions++
}

// dispatch moves queued requests to free slots, timing out expired ones.
func (e *reqEngine) dispatch(cl *cluster, a *accum, s *autoscale.Sample) {
	for e.qhead < len(e.queue) {
		arr := e.queue[e.qhead]
		if e.now-arr >= e.timeout {
			e.expire(a, s)
			continue
		}
		in := e.freeInstance(cl)
		if in == nil {
			return
		}
		e.qhead++
		e.start(arr, in, a, s)
	}
	e.queue, e.qhead = e.queue[:0], 0
}

func (e *reqEngine) expire(a *accum, s *autoscale.Sample) {
	e.qhead++
	e.inFlight--
	a.timedOut++
	a.latency(e.timeout, 1)
	s.Errors++
}

// run processes events up to end, with the given sorted arrival times.
func (e *reqEngine) run(end float64, arrivals []float64, cl *cluster, a *accum, s *autoscale.Sample) {
	i := 0
	for {
		next, isArr := end, false
		if i < len(arrivals) {
			next, isArr = arrivals[i], true
		}
		if len(e.done) > 0 && e.done[0].at < next {
			next, isArr = e.done[0].at, false
		}
		// The head of the queue may expire before any event.
		if e.qhead < len(e.queue) && e.queue[e.qhead]+e.timeout < next {
			e.clock(e.queue[e.qhead] + e.timeout)
			e.expire(a, s)
			continue
		}
		if next >= end && !isArr {
			e.clock(end)
			return
		}
		e.clock(next)
		if isArr {
			i++
			a.requests++
			if e.limit > 0 && len(e.queue)-e.qhead >= e.limit {
				a.rejected++
				s.Errors++
				continue
			}
			e.inFlight++
			e.queue = append(e.queue, next)
			e.dispatch(cl, a, s)
			continue
		}
		ev := heap.Pop(&e.done).(doneEv)
		ev.in.busy--
		e.inFlight--
		e.dispatch(cl, a, s)
	}
}

func (e *reqEngine) second(t int64, rate float64, cl *cluster, a *accum) autoscale.Sample {
	s := autoscale.Sample{QueueMeasured: true}
	e.area, e.qarea = 0, 0
	e.now = float64(t)
	e.dispatch(cl, a, &s) // instances that became ready this second
	n := poisson(e.rng, rate)
	e.arrTimes = e.arrTimes[:0]
	for range n {
		e.arrTimes = append(e.arrTimes, float64(t)+e.rng.Float64())
	}
	slices.Sort(e.arrTimes)
	e.run(float64(t+1), e.arrTimes, cl, a, &s)
	s.Arrivals = float64(n)
	s.InFlight = e.area
	s.Queued = e.qarea
	return s
}

func (e *reqEngine) finish(t int64, cl *cluster, a *accum) {
	var s autoscale.Sample
	for ; e.qhead < len(e.queue) || len(e.done) > 0; t++ {
		cl.advance(t)
		e.now = float64(t)
		e.dispatch(cl, a, &s)
		e.run(float64(t+1), nil, cl, a, &s)
	}
}
