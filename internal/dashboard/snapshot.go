package dashboard

import (
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/shoal-gw/shoal/internal/api"
)

// snapshot reads the source once: every service with its window of
// timeline and, when withEvents, the recent events.
func (h *Handler) snapshot(now time.Time, withEvents bool) api.DashboardSnapshot {
	windowStart := now.Add(-h.opts.Window)
	// A copy: the source may hand out a slice it keeps.
	infos := slices.Clone(h.src.Services())
	slices.SortFunc(infos, func(a, b api.ServiceInfo) int { return strings.Compare(a.Name, b.Name) })
	breakers, _ := h.src.(BreakerSource)
	forecasts, _ := h.src.(ForecastSource)

	snap := api.DashboardSnapshot{
		Time:          now.UTC(),
		WindowSeconds: int(h.opts.Window / time.Second),
		Services:      make([]api.DashboardService, 0, len(infos)),
	}
	for _, info := range infos {
		svc := api.DashboardService{ServiceInfo: info, Endpoints: []api.EndpointInfo{}}
		if d, ok := h.src.Service(info.Name); ok {
			svc.Endpoints = append(svc.Endpoints, d.Endpoints...)
		}
		svc.Timeline = finitePoints(h.src.Timeline(info.Name, windowStart))
		if n := len(svc.Timeline); n > 0 {
			svc.Now = svc.Timeline[n-1]
		}
		if breakers != nil {
			svc.Breakers = breakers.Breakers(info.Name)
		}
		if forecasts != nil {
			if f, ok := forecasts.Ahead(info.Name); ok && finite(f.RPS) {
				svc.Ahead = &f
			}
		}
		snap.Services = append(snap.Services, svc)
	}
	if withEvents {
		snap.Events = h.recentEvents(windowStart)
	}
	return snap
}

// finitePoints copies pts with NaN and infinite values replaced by 0: a
// latency quantile of a second without requests is often NaN, and JSON has
// no NaN (encoding/json refuses the whole document).
func finitePoints(pts []api.DashboardPoint) []api.DashboardPoint {
	out := make([]api.DashboardPoint, len(pts))
	for i, p := range pts {
		for _, f := range []*float64{&p.RPS, &p.P50MS, &p.P99MS, &p.ErrorShare, &p.Capacity, &p.Forecast} {
			if !finite(*f) {
				*f = 0
			}
		}
		if p.Queued != nil && !finite(*p.Queued) {
			// A new value: the pointer is shared with the source's point,
			// which this must not change.
			zero := 0.0
			p.Queued = &zero
		}
		out[i] = p
	}
	return out
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// recentEvents returns the newest MaxEvents events after since, newest first.
func (h *Handler) recentEvents(since time.Time) []api.DashboardEvent {
	evs := h.src.Events(since)
	if len(evs) > h.opts.MaxEvents {
		evs = evs[len(evs)-h.opts.MaxEvents:]
	}
	out := make([]api.DashboardEvent, len(evs))
	for i, e := range evs {
		out[len(evs)-1-i] = e
	}
	return out
}

func (h *Handler) serveSnapshot(w http.ResponseWriter, _ *http.Request) {
	snap := h.snapshot(h.opts.Now(), true)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if err := json.NewEncoder(w).Encode(snap); err != nil {
		h.opts.Log.Debug("dashboard: writing snapshot", "err", err)
	}
}
