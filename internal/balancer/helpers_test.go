package balancer

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/shoal-gw/shoal/internal/upstream"
)

// endpoints makes n endpoints with the given weights (nil: all 1) through a
// real pool, so they carry real shared state.
func endpoints(t testing.TB, n int, weight func(i int) int) []*upstream.Endpoint {
	t.Helper()
	ts := make([]upstream.Target, n)
	for i := range ts {
		ts[i] = upstream.Target{Address: addr(i)}
		if weight != nil {
			ts[i].Weight = weight(i)
		}
	}
	p := upstream.NewPool("test", upstream.NewStates(0), nil)
	if err := p.Update(ts); err != nil {
		t.Fatal(err)
	}
	return p.Endpoints()
}

func addr(i int) string {
	return fmt.Sprintf("10.%d.%d.%d:8080", i>>16&255, i>>8&255, i&255)
}

func build(t testing.TB, opts Options, eps []*upstream.Endpoint) Balancer {
	t.Helper()
	f, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return f(eps)
}

func indexOf(eps []*upstream.Endpoint, e *upstream.Endpoint) int {
	for i, x := range eps {
		if x.Same(e) {
			return i
		}
	}
	return -1
}

func counts(t testing.TB, b Balancer, eps []*upstream.Endpoint, n int, r *http.Request) []int {
	t.Helper()
	pos := make(map[string]int, len(eps))
	for i, e := range eps {
		pos[e.Address()] = i
	}
	c := make([]int, len(eps))
	for range n {
		e := b.Pick(r, nil)
		if e == nil {
			t.Fatal("Pick returned nil with ready endpoints")
		}
		c[pos[e.Address()]]++
	}
	return c
}

func allPolicies() []string { return Names() }
