// Package dashboardtest provides a dashboard.Source whose numbers are a pure
// function of the clock: they change every second, yet two readers asking
// about the same second always see the same values. Tests (and the browser
// test) use it to compare what the page shows with the snapshot JSON.
package dashboardtest

import (
	"fmt"
	"math"
	"time"

	"github.com/shoal-gw/shoal/internal/api"
)

// maxHistory bounds how far back the fake computes, so a zero "since" stays cheap.
const maxHistory = time.Hour

type profile struct {
	name      string
	balancer  string
	base      float64 // mean request rate
	swing     float64 // share of base the daily wave adds or removes
	period    float64 // seconds per wave
	perInst   float64 // request rate one instance serves at target
	latency   float64 // p50 at rest, ms
	errorRate float64
	port      int
}

// Fake is the clock-driven Source. Its zero value is not usable; call New.
type Fake struct {
	now      func() time.Time
	profiles []profile
}

// New returns a Fake reading the given clock (time.Now when nil) with three
// services: web, api and images.
func New(now func() time.Time) *Fake {
	if now == nil {
		now = time.Now
	}
	return &Fake{now: now, profiles: []profile{
		{name: "web", balancer: "p2c", base: 180, swing: 0.45, period: 150, perInst: 50, latency: 12, errorRate: 0.002, port: 9100},
		{name: "api", balancer: "least_request", base: 90, swing: 0.6, period: 110, perInst: 40, latency: 24, errorRate: 0.015, port: 9200},
		{name: "images", balancer: "round_robin", base: 30, swing: 0.8, period: 90, perInst: 8, latency: 140, errorRate: 0, port: 9300},
	}}
}

func (f *Fake) profile(name string) (profile, bool) {
	for _, p := range f.profiles {
		if p.name == name {
			return p, true
		}
	}
	return profile{}, false
}

// lastComplete is the start of the newest second that has ended.
func (f *Fake) lastComplete() int64 { return f.now().Unix() - 1 }

// noise is a deterministic value in [0, 1) for a second and a salt.
func noise(sec int64, salt int) float64 {
	x := uint64(sec)*0x9E3779B97F4A7C15 ^ uint64(salt)*0xBF58476D1CE4E5B9
	x ^= x >> 31
	x *= 0x94D049BB133111EB
	x ^= x >> 29
	return float64(x%10000) / 10000
}

func (p profile) rps(sec int64) float64 {
	wave := math.Sin(2 * math.Pi * float64(sec) / p.period)
	return p.base * (1 + p.swing*wave) * (0.95 + 0.1*noise(sec, p.port))
}

// forecast is what a predictive scaler expects for second sec: the smooth
// wave without the noise. The scaler acts on forecast(sec+lead).
func (p profile) forecast(sec int64) float64 {
	wave := math.Sin(2 * math.Pi * float64(sec) / p.period)
	return p.base * (1 + p.swing*wave)
}

// lead is how far ahead the fake scaler looks: about a cold start and a half.
const lead = 8

// desired follows the smooth wave (now or lead seconds ahead, whichever is higher),
// not the noisy rate, so it changes a few times a wave as a real scaler does.
func (p profile) desired(sec int64) int {
	n := int(math.Ceil(1.1 * math.Max(p.forecast(sec), p.forecast(sec+lead)) / p.perInst))
	return min(max(n, 1), 12)
}

// ready lags desired by a cold start of 4 seconds on the way up.
func (p profile) ready(sec int64) int {
	return min(p.desired(sec), p.desired(sec-4))
}

func (p profile) point(sec int64) api.DashboardPoint {
	rps := p.rps(sec)
	ready, desired := p.ready(sec), p.desired(sec)
	load := rps / (float64(ready) * p.perInst)
	p50 := p.latency * (1 + 0.6*load) * (0.95 + 0.1*noise(sec, p.port+1))
	errShare := p.errorRate * (0.5 + noise(sec, p.port+2))
	return api.DashboardPoint{
		Time:       time.Unix(sec, 0).UTC(),
		RPS:        round(rps, 2),
		P50MS:      round(p50, 2),
		P99MS:      round(p50*(2.5+noise(sec, p.port+3)), 2),
		ErrorShare: round(errShare, 5),
		Ready:      ready,
		Starting:   desired - ready,
		Draining:   max(0, p.ready(sec-3)-ready),
		Desired:    desired,
		Capacity:   float64(ready) * p.perInst,
		Forecast:   round(p.forecast(sec), 2),
	}
}

func round(v float64, digits int) float64 {
	m := math.Pow(10, float64(digits))
	return math.Round(v*m) / m
}

func (f *Fake) info(p profile) api.ServiceInfo {
	pt := p.point(f.lastComplete())
	return api.ServiceInfo{
		Name:      p.name,
		Desired:   pt.Desired,
		Balancer:  p.balancer,
		Instances: api.Instances{Ready: pt.Ready, Starting: pt.Starting, Draining: pt.Draining},
	}
}

// Services implements dashboard.Source.
func (f *Fake) Services() []api.ServiceInfo {
	out := make([]api.ServiceInfo, 0, len(f.profiles))
	for _, p := range f.profiles {
		out = append(out, f.info(p))
	}
	return out
}

// Service implements dashboard.Source: ready endpoints first, then draining
// ones; api's second endpoint is ejected during one minute in three.
func (f *Fake) Service(name string) (api.ServiceDetail, bool) {
	p, ok := f.profile(name)
	if !ok {
		return api.ServiceDetail{}, false
	}
	sec := f.lastComplete()
	pt := p.point(sec)
	d := api.ServiceDetail{ServiceInfo: f.info(p)}
	for i := range pt.Ready + pt.Draining {
		state := "ready"
		if i >= pt.Ready {
			state = "draining"
		} else if p.name == "api" && i == 1 && ejected(sec) {
			state = "ejected"
		}
		addr := fmt.Sprintf("127.0.0.1:%d", p.port+i)
		d.Endpoints = append(d.Endpoints, api.EndpointInfo{
			Address:   addr,
			URL:       "http://" + addr,
			State:     state,
			Weight:    1,
			InFlight:  int64(noise(sec, p.port+10+i) * 8),
			LatencyMS: round(pt.P50MS*(0.8+0.4*noise(sec, p.port+20+i)), 1),
		})
	}
	return d, true
}

func ejected(sec int64) bool { return sec/60%3 == 1 }

// Timeline implements dashboard.Source.
func (f *Fake) Timeline(service string, since time.Time) []api.DashboardPoint {
	p, ok := f.profile(service)
	if !ok {
		return nil
	}
	last := f.lastComplete()
	var out []api.DashboardPoint
	for sec := f.firstAfter(since); sec <= last; sec++ {
		out = append(out, p.point(sec))
	}
	return out
}

// firstAfter is the first whole second strictly after t, within maxHistory.
func (f *Fake) firstAfter(t time.Time) int64 {
	first := t.Unix() + 1
	if floor := f.now().Add(-maxHistory).Unix(); first < floor {
		first = floor
	}
	return first
}

// Events implements dashboard.Source: a scale event whenever a service's
// desired count changes, an ejection and its return for api, and a reload
// every two minutes.
func (f *Fake) Events(since time.Time) []api.DashboardEvent {
	var out []api.DashboardEvent
	last := f.lastComplete()
	for sec := f.firstAfter(since); sec <= last; sec++ {
		at := time.Unix(sec, 0).UTC()
		for _, p := range f.profiles {
			if before, now := p.desired(sec-1), p.desired(sec); before != now {
				out = append(out, api.DashboardEvent{Time: at, Service: p.name, Kind: api.EventScale,
					Text: fmt.Sprintf("desired %d → %d (forecast %.0f req/s in %ds)", before, now, p.forecast(sec+lead), lead)})
			}
		}
		if ejected(sec) != ejected(sec-1) {
			e := api.DashboardEvent{Time: at, Service: "api", Kind: api.EventEjection, Text: "127.0.0.1:9201 ejected: 5 consecutive 5xx"}
			if !ejected(sec) {
				e.Kind, e.Text = api.EventHealth, "127.0.0.1:9201 back in rotation"
			}
			out = append(out, e)
		}
		if sec%120 == 0 {
			out = append(out, api.DashboardEvent{Time: at, Kind: api.EventReload, Text: "config reloaded (file)"})
		}
	}
	return out
}

// Breakers implements dashboard.BreakerSource: api's breaker towards its
// comments dependency opens while the endpoint is ejected.
func (f *Fake) Breakers(service string) []api.DashboardBreaker {
	if service != "api" {
		return nil
	}
	state := "closed"
	if ejected(f.lastComplete()) {
		state = "open"
	}
	return []api.DashboardBreaker{{Name: "comments", State: state}}
}

// Ahead implements dashboard.ForecastSource: the smooth wave lead seconds
// after the newest complete second, as the fake scaler predicts it.
func (f *Fake) Ahead(service string) (api.DashboardForecast, bool) {
	p, ok := f.profile(service)
	if !ok {
		return api.DashboardForecast{}, false
	}
	sec := f.lastComplete() + lead
	return api.DashboardForecast{Time: time.Unix(sec, 0).UTC(), RPS: round(p.forecast(sec), 2), LeadSeconds: lead}, true
}
