package app

import (
	"sort"
	"strings"
	"time"

	"github.com/shoal-gw/shoal/internal/api"
)

// dashSource is what the dashboard reads: the admin view of services plus
// the timeline and the event log.
type dashSource struct{ a *App }

func (s dashSource) Services() []api.ServiceInfo                   { return s.a.Services() }
func (s dashSource) Service(name string) (api.ServiceDetail, bool) { return s.a.Service(name) }
func (s dashSource) Events(since time.Time) []api.DashboardEvent {
	out := append(s.a.events.since(since), s.a.scaleEvents(since)...)
	sort.Slice(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}
func (s dashSource) Timeline(service string, since time.Time) []api.DashboardPoint {
	return s.a.timeline(service, since)
}

// timeline turns the gateway's per-second signals of a service into the
// dashboard's points. Instance counts come from the autoscaler's timeline
// when it runs the service, else from the current state.
func (a *App) timeline(service string, since time.Time) []api.DashboardPoint {
	pts := a.gw.Signals(service).Recent(since)
	if len(pts) == 0 {
		return nil
	}
	// One service's lookup, not a listing of all: the stream asks for
	// every service's timeline each second.
	info, _ := a.serviceInfo(service)
	scaled := a.scaleTimeline(service, since)
	out := make([]api.DashboardPoint, len(pts))
	for i, p := range pts {
		dp := api.DashboardPoint{
			Time: p.T, RPS: p.Arrivals, P50MS: p.P50MS, P99MS: p.P99MS,
			Ready: info.Instances.Ready, Starting: info.Instances.Starting,
			Draining: info.Instances.Draining, Desired: info.Desired,
		}
		if p.Completions > 0 {
			dp.ErrorShare = p.Errors / p.Completions
		}
		if p.QueueMeasured {
			q := p.Queued
			dp.Queued = &q
		}
		if sp, ok := scaled[p.T.Unix()]; ok {
			dp.Ready, dp.Starting, dp.Desired = sp.Ready, sp.Starting, sp.Desired
			dp.Capacity, dp.Forecast = sp.Capacity, sp.Forecast
		}
		out[i] = dp
	}
	return out
}

// serviceInfo is one service's counts as Services shows them, without
// listing every service.
func (a *App) serviceInfo(name string) (api.ServiceInfo, bool) {
	d, ok := a.gw.Service(name)
	if !ok {
		return api.ServiceInfo{Name: name}, false
	}
	a.overlay(&d.ServiceInfo)
	return d.ServiceInfo, true
}

// Ahead is the autoscaler's newest forecast for the chart's part past "now":
// the demand it expects one lead after its last decision, in requests per
// second.
func (s dashSource) Ahead(service string) (api.DashboardForecast, bool) {
	c := s.a.scaler
	if c == nil {
		return api.DashboardForecast{}, false
	}
	st, ok := c.Status(service)
	// No lead, no decision yet or no forecast in it (a forecaster still
	// learning says 0): nothing to draw.
	if !ok || st.Lead <= 0 || st.LastDecision.Time.IsZero() || st.Forecast <= 0 {
		return api.DashboardForecast{}, false
	}
	rps := st.Forecast
	if st.Metric != "rps" {
		// Concurrency units to requests per second by Little's law, on
		// the newest second with traffic (as the timeline converts).
		pts := c.Timeline(service, st.LastDecision.Time.Add(-time.Minute))
		perReq := 0.0
		for i := len(pts) - 1; i >= 0 && perReq == 0; i-- {
			if pts[i].InFlight > 0 {
				perReq = pts[i].Arrivals / pts[i].InFlight
			}
		}
		rps *= perReq
	}
	return api.DashboardForecast{
		Time: st.LastDecision.Time.Add(st.Lead).UTC(), RPS: rps, LeadSeconds: st.Lead.Seconds(),
	}, true
}

// Breakers lists a service's circuit breakers for its dashboard card.
func (s dashSource) Breakers(service string) []api.DashboardBreaker {
	rs, ok := s.a.gw.Resilience(service)
	if !ok {
		return nil
	}
	var out []api.DashboardBreaker
	if b := rs.Breaker; b != nil {
		db := api.DashboardBreaker{Name: service, State: strings.ReplaceAll(b.State, "_", "-")}
		if b.OpenedAt != nil {
			db.Since = *b.OpenedAt
		}
		out = append(out, db)
	}
	for _, e := range rs.EndpointBreakers {
		db := api.DashboardBreaker{Name: e.Address, State: strings.ReplaceAll(e.State, "_", "-")}
		if e.OpenedAt != nil {
			db.Since = *e.OpenedAt
		}
		out = append(out, db)
	}
	return out
}
