package app

import (
	"time"

	"github.com/shoal-gw/shoal/internal/api"
)

// eventLog keeps the most recent gateway events (reloads, health,
// ejections) for the dashboard and the API. Bounded: old events fall off.
type eventLog struct{ r *ring[api.DashboardEvent] }

const eventLogSize = 1000

func newEventLog() eventLog { return eventLog{r: newRing[api.DashboardEvent](eventLogSize)} }

func (l eventLog) add(service, kind, text string) {
	l.r.add(api.DashboardEvent{Time: time.Now(), Service: service, Kind: kind, Text: text})
}

// since returns events strictly after t, oldest first.
func (l eventLog) since(t time.Time) []api.DashboardEvent {
	var out []api.DashboardEvent
	for _, e := range l.r.all() {
		if e.Time.After(t) {
			out = append(out, e)
		}
	}
	return out
}
