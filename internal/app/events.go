package app

import (
	"sync"
	"time"

	"github.com/shoal-gw/shoal/internal/api"
)

// eventLog keeps the most recent gateway events (reloads, scaling, health,
// ejections) for the dashboard and the API. Bounded: old events fall off.
type eventLog struct {
	mu   sync.Mutex
	buf  []api.DashboardEvent
	next int
	full bool
}

const eventLogSize = 1000

func (l *eventLog) add(service, kind, text string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buf == nil {
		l.buf = make([]api.DashboardEvent, eventLogSize)
	}
	l.buf[l.next] = api.DashboardEvent{Time: time.Now(), Service: service, Kind: kind, Text: text}
	l.next = (l.next + 1) % len(l.buf)
	if l.next == 0 {
		l.full = true
	}
}

// since returns events strictly after t, oldest first.
func (l *eventLog) since(t time.Time) []api.DashboardEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []api.DashboardEvent
	n := l.next
	start := 0
	if l.full {
		n = len(l.buf)
		start = l.next
	}
	for i := 0; i < n; i++ {
		e := l.buf[(start+i)%max(len(l.buf), 1)]
		if e.Time.After(t) {
			out = append(out, e)
		}
	}
	return out
}
