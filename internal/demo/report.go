package demo

import (
	"slices"
	"sync"
	"time"
)

// Report is what a run did, per phase and in total. In each part,
// Requests == OK + Failed; Dropped arrivals were never sent.
type Report struct {
	// Wall time from start until the last request finished.
	Duration time.Duration
	// The context was cancelled before the scenario ended.
	Cancelled bool
	// The scenario's MaxRequests stopped sending before the end.
	LimitReached bool
	Phases       []PhaseReport
	Total        PhaseReport
	// The failure injections and their outcome, in order.
	Events []Event
}

// PhaseReport counts the requests sent during one phase (a request belongs
// to the phase it was sent in, even if it finished in the next).
type PhaseReport struct {
	Name string
	// Planned position on the run's clock.
	Start, End time.Duration
	// Requests sent; OK got a 2xx or 3xx answer, Failed got anything else
	// (4xx, 5xx, timeout, connection error).
	Requests, OK, Failed int
	// Arrivals not sent because MaxInFlight requests were already waiting.
	Dropped int
	// Latency percentiles of the OK requests; 0 when there were none.
	P50, P99 time.Duration
	// Storefront pages (home and album) answered OK, and how many of them
	// were rendered without comments (X-Album-Comments: omitted).
	Pages, CommentsOmitted int
	// Requests and failures by kind.
	ByKind map[Kind]KindCount
}

// KindCount is one kind's share of a phase.
type KindCount struct {
	Requests, OK, Failed int
}

// Event is a call the generator made to change the system (the comments
// failure), not a load request.
type Event struct {
	At    time.Duration // since the run started
	Phase string
	What  string // "comments fail for 12s"
	Err   string // empty when the call succeeded
}

// outcome is one finished request.
type outcome struct {
	phase    int
	kind     Kind
	ok       bool
	page     bool
	omitted  bool
	duration time.Duration
}

// recorder gathers outcomes from request goroutines.
type recorder struct {
	mu        sync.Mutex
	phases    []PhaseReport
	latencies [][]time.Duration
	events    []Event
}

func newRecorder(spans []span) *recorder {
	r := &recorder{phases: make([]PhaseReport, len(spans)), latencies: make([][]time.Duration, len(spans))}
	for i, s := range spans {
		r.phases[i] = PhaseReport{Name: s.Name, Start: s.start, End: s.end, ByKind: map[Kind]KindCount{}}
	}
	return r
}

func (r *recorder) add(o outcome) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := &r.phases[o.phase]
	k := p.ByKind[o.kind]
	p.Requests++
	k.Requests++
	if o.ok {
		p.OK++
		k.OK++
		r.latencies[o.phase] = append(r.latencies[o.phase], o.duration)
	} else {
		p.Failed++
		k.Failed++
	}
	if o.page {
		p.Pages++
		if o.omitted {
			p.CommentsOmitted++
		}
	}
	p.ByKind[o.kind] = k
}

func (r *recorder) drop(phase int) {
	r.mu.Lock()
	r.phases[phase].Dropped++
	r.mu.Unlock()
}

func (r *recorder) event(e Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

// report sums the phases; call it once every request has finished.
func (r *recorder) report() Report {
	r.mu.Lock()
	defer r.mu.Unlock()
	rep := Report{Phases: make([]PhaseReport, len(r.phases)), Events: slices.Clone(r.events)}
	total := PhaseReport{Name: "total", ByKind: map[Kind]KindCount{}}
	var all []time.Duration
	for i, p := range r.phases {
		lat := slices.Clone(r.latencies[i])
		slices.Sort(lat)
		p.P50, p.P99 = percentile(lat, 0.50), percentile(lat, 0.99)
		rep.Phases[i] = p
		all = append(all, lat...)
		total.Requests += p.Requests
		total.OK += p.OK
		total.Failed += p.Failed
		total.Dropped += p.Dropped
		total.Pages += p.Pages
		total.CommentsOmitted += p.CommentsOmitted
		for k, c := range p.ByKind {
			t := total.ByKind[k]
			t.Requests += c.Requests
			t.OK += c.OK
			t.Failed += c.Failed
			total.ByKind[k] = t
		}
	}
	if n := len(r.phases); n > 0 {
		total.Start, total.End = r.phases[0].Start, r.phases[n-1].End
	}
	slices.Sort(all)
	total.P50, total.P99 = percentile(all, 0.50), percentile(all, 0.99)
	rep.Total = total
	return rep
}

// percentile is the nearest-rank percentile of sorted values.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
