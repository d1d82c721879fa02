package signals

import (
	"sort"
	"sync"
	"time"

	"github.com/shoal-gw/shoal/internal/autoscale"
)

// Set holds the recorders of many services (or instances) by name. Its
// Drain method makes it an autoscaler.Source. The request path should keep
// the *Service it got from Service and not look it up per request.
type Set struct {
	clock Clock
	mu    sync.Mutex
	m     map[string]*Service
}

// NewSet returns an empty set; a nil clock means time.Now.
func NewSet(clock Clock) *Set {
	return &Set{clock: clock, m: map[string]*Service{}}
}

// Service returns the recorder of name, creating it on first use. The same
// name always gives the same recorder until Remove, so counts survive
// config reloads.
func (s *Set) Service(name string) *Service {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.m[name]
	if r == nil {
		r = NewService(name, s.clock)
		s.m[name] = r
	}
	return r
}

// Lookup returns the recorder of name, if there is one.
func (s *Set) Lookup(name string) (*Service, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.m[name]
	return r, ok
}

// Remove forgets name.
func (s *Set) Remove(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, name)
}

// Names lists the recorders, sorted.
func (s *Set) Names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.m))
	for n := range s.m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Drain drains the named recorder (nil for an unknown name).
func (s *Set) Drain(name string, now time.Time) []autoscale.Sample {
	if r, ok := s.Lookup(name); ok {
		return r.Drain(now)
	}
	return nil
}

// Recent returns the named recorder's history after since.
func (s *Set) Recent(name string, since time.Time) []Point {
	if r, ok := s.Lookup(name); ok {
		return r.Recent(since)
	}
	return nil
}
