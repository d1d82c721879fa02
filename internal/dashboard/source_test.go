package dashboard_test

import (
	"github.com/shoal-gw/shoal/internal/testutil/testclock"
	"sync"
	"time"

	"github.com/shoal-gw/shoal/internal/api"
)

// stubSource has one service, "svc", whose point for second s has RPS = s
// modulo 1000, and the events the test adds.
type stubSource struct {
	clk    *testclock.Clock
	mu     sync.Mutex
	events []api.DashboardEvent
}

func (s *stubSource) AddEvent(e api.DashboardEvent) {
	s.mu.Lock()
	s.events = append(s.events, e)
	s.mu.Unlock()
}

func (s *stubSource) Services() []api.ServiceInfo {
	return []api.ServiceInfo{
		{Name: "zeta", Desired: 1, Instances: api.Instances{Ready: 1}},
		{Name: "svc", Desired: 3, Instances: api.Instances{Ready: 2, Starting: 1}},
	}
}

func (s *stubSource) Service(name string) (api.ServiceDetail, bool) {
	for _, info := range s.Services() {
		if info.Name == name {
			return api.ServiceDetail{ServiceInfo: info, Endpoints: []api.EndpointInfo{{Address: "127.0.0.1:1", State: "ready"}}}, true
		}
	}
	return api.ServiceDetail{}, false
}

func (s *stubSource) Timeline(service string, since time.Time) []api.DashboardPoint {
	if service != "svc" {
		return nil
	}
	var out []api.DashboardPoint
	last := s.clk.Now().Unix() - 1
	for sec := since.Unix() + 1; sec <= last; sec++ {
		out = append(out, api.DashboardPoint{Time: time.Unix(sec, 0).UTC(), RPS: float64(sec % 1000), Ready: 2, Desired: 3})
	}
	return out
}

func (s *stubSource) Events(since time.Time) []api.DashboardEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []api.DashboardEvent
	for _, e := range s.events {
		if e.Time.After(since) {
			out = append(out, e)
		}
	}
	return out
}
