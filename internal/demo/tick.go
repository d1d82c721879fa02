package demo

import "time"

// Tick is the live state of a run. Counters are cumulative since the start.
type Tick struct {
	Elapsed    time.Duration
	Phase      string
	PhaseIndex int
	Phases     int
	// Requests sent, answered OK, failed, dropped (MaxInFlight) and still
	// in flight.
	Sent, OK, Failed, Dropped, InFlight int64
	// Requests sent per second since the previous tick.
	RatePerSecond float64
	// Storefront pages answered OK, and those rendered without comments.
	Pages, CommentsOmitted int64
	// The current phase is one in which the comments service fails.
	CommentsFailing bool
	// This is the last tick: the run is over.
	Done bool
}

func (g *generator) tickLoop(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	if g.opts.OnTick == nil {
		return
	}
	t := time.NewTicker(g.opts.TickEvery)
	defer t.Stop()
	prev := &tickPrev{at: g.start}
	for {
		select {
		case <-stop:
			return
		case now := <-t.C:
			g.opts.OnTick(g.tick(now, prev))
		}
	}
}

type tickPrev struct {
	at   time.Time
	sent int64
}

func (g *generator) tick(now time.Time, prev *tickPrev) Tick {
	i := int(g.phase.Load())
	t := Tick{
		Elapsed:         now.Sub(g.start),
		Phase:           g.spans[i].Name,
		PhaseIndex:      i,
		Phases:          len(g.spans),
		Sent:            g.sent.Load(),
		OK:              g.ok.Load(),
		Failed:          g.fail.Load(),
		Dropped:         g.dropped.Load(),
		InFlight:        g.inflight.Load(),
		Pages:           g.pages.Load(),
		CommentsOmitted: g.omitted.Load(),
		CommentsFailing: g.commentsFailing.Load(),
	}
	if prev != nil {
		if dt := now.Sub(prev.at).Seconds(); dt > 0 {
			t.RatePerSecond = float64(t.Sent-prev.sent) / dt
		}
		prev.at, prev.sent = now, t.Sent
	}
	return t
}
