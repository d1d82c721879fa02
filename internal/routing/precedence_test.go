package routing

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestPrecedenceTotalOrder lists routes that all match one request, best first,
// as docs/routing.md states the order. Whatever order they are configured in,
// Lookup must pick the first; without it, the second; and so on down the list.
func TestPrecedenceTotalOrder(t *testing.T) {
	one := []HeaderMatch{{Name: "X-A", Value: "1"}}
	two := []HeaderMatch{{Name: "X-A", Value: "1"}, {Name: "X-B", Kind: HeaderPresent}}
	get := []string{"GET"}
	exactHost := []string{"x.api.example.com"}
	ordered := []Route{
		// 1. exact host before wildcard host before no host
		rt("exact-host/exact-path/method/2hdr", Match{Hosts: exactHost, PathExact: "/api/v1/users", Methods: get, Headers: two}),
		rt("exact-host/exact-path/method/1hdr", Match{Hosts: exactHost, PathExact: "/api/v1/users", Methods: get, Headers: one}),
		rt("exact-host/exact-path/method", Match{Hosts: exactHost, PathExact: "/api/v1/users", Methods: get}),
		rt("exact-host/exact-path/2hdr", Match{Hosts: exactHost, PathExact: "/api/v1/users", Headers: two}),
		rt("exact-host/exact-path", Match{Hosts: exactHost, PathExact: "/api/v1/users"}),
		rt("exact-host/prefix-full", Match{Hosts: exactHost, PathPrefix: "/api/v1/users"}),
		rt("exact-host/prefix-2seg/method", Match{Hosts: exactHost, PathPrefix: "/api/v1", Methods: get}),
		rt("exact-host/prefix-2seg", Match{Hosts: exactHost, PathPrefix: "/api/v1/"}),
		rt("exact-host/prefix-1seg", Match{Hosts: exactHost, PathPrefix: "/api"}),
		rt("exact-host/regex/1hdr", Match{Hosts: exactHost, PathRegex: "/api/.*", Headers: one}),
		rt("exact-host/regex-a", Match{Hosts: exactHost, PathRegex: "/.*"}),
		rt("exact-host/regex-b", Match{Hosts: exactHost, PathRegex: "/api/v1/.*"}),
		rt("exact-host/root-prefix", Match{Hosts: exactHost, PathPrefix: "/"}),
		rt("exact-host/no-path", Match{Hosts: exactHost}),
		// 2. wildcards, longest suffix first
		rt("wild-long/no-path", Match{Hosts: []string{"*.api.example.com"}}),
		rt("wild-mid/exact-path", Match{Hosts: []string{"*.example.com"}, PathExact: "/api/v1/users"}),
		rt("wild-mid/prefix", Match{Hosts: []string{"*.EXAMPLE.com"}, PathPrefix: "/api"}),
		rt("wild-short/regex", Match{Hosts: []string{"*.com"}, PathRegex: ".*"}),
		rt("wild-short/no-path", Match{Hosts: []string{"*.com"}}),
		// 3. no host
		rt("any/exact-path", Match{PathExact: "/api/v1/users"}),
		rt("any/prefix", Match{PathPrefix: "/api/v1"}),
		rt("any/regex", Match{PathRegex: "/api/v[0-9]+/users"}),
		rt("any/method", Match{Methods: []string{"POST", "GET"}}),
		rt("any/2hdr", Match{Headers: two}),
		rt("any/1hdr", Match{Headers: one}),
		rt("any/first", Match{}),
		rt("any/second", Match{PathPrefix: "/"}),
	}
	req := func() *testingReq {
		return &testingReq{method: "GET", target: "http://X.Api.Example.com:8080/api/v1/users", hdr: []string{"X-A", "1", "X-B", ""}}
	}
	// Config order is the last tie-breaker; keep the pairs that tie on
	// everything else in their relative order when shuffling.
	tied := map[string]string{"exact-host/regex-b": "exact-host/regex-a", "exact-host/no-path": "exact-host/root-prefix", "any/second": "any/first"}

	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 20 {
		config := slices.Clone(ordered)
		if round > 0 {
			rng.Shuffle(len(config), func(i, j int) { config[i], config[j] = config[j], config[i] })
			config = keepTiedOrder(config, tied)
		}
		for want := range ordered {
			tab := mustBuild(t, config)
			got := lookupName(tab, req().build())
			if got != ordered[want].Name {
				t.Fatalf("round %d, step %d: got %q, want %q (config %v)", round, want, got, ordered[want].Name, names(config))
			}
			config = slices.DeleteFunc(config, func(r Route) bool { return r.Name == got })
		}
	}
}

// keepTiedOrder moves each "later" route right after its "earlier" partner when
// a shuffle put it in front.
func keepTiedOrder(config []Route, later map[string]string) []Route {
	for l, e := range later {
		li := slices.IndexFunc(config, func(r Route) bool { return r.Name == l })
		ei := slices.IndexFunc(config, func(r Route) bool { return r.Name == e })
		if li < ei {
			config[li], config[ei] = config[ei], config[li]
		}
	}
	return config
}

func names(rs []Route) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Name
	}
	return out
}

// Focused cases that the long list above does not make obvious.
func TestPrecedenceCases(t *testing.T) {
	tests := []struct {
		name   string
		routes []Route
		req    *testingReq
		want   string
	}{
		{"exact host falls through to wildcard when its paths miss",
			[]Route{rt("exact", Match{Hosts: []string{"a.example.com"}, PathPrefix: "/v1"}), rt("wild", Match{Hosts: []string{"*.example.com"}})},
			&testingReq{target: "http://a.example.com/other"}, "wild"},
		{"longer prefix wins regardless of order",
			[]Route{rt("short", Match{PathPrefix: "/api"}), rt("long", Match{PathPrefix: "/api/users"})},
			&testingReq{target: "/api/users/1"}, "long"},
		{"regex beats the catch-all prefix /",
			[]Route{rt("all", Match{PathPrefix: "/"}), rt("re", Match{PathRegex: "/users/[0-9]+"})},
			&testingReq{target: "/users/9"}, "re"},
		{"any non-root prefix beats a regex",
			[]Route{rt("re", Match{PathRegex: "/users/[0-9]+"}), rt("pre", Match{PathPrefix: "/users"})},
			&testingReq{target: "/users/9"}, "pre"},
		{"method outranks headers (Gateway API)",
			[]Route{rt("hdr", Match{Headers: []HeaderMatch{{Name: "A", Value: "1"}, {Name: "B", Value: "2"}}}), rt("meth", Match{Methods: []string{"GET"}})},
			&testingReq{target: "/", hdr: []string{"A", "1", "B", "2"}}, "meth"},
		{"an absent-header condition counts as a header matcher",
			[]Route{rt("plain", Match{PathPrefix: "/x"}), rt("no-debug", Match{PathPrefix: "/x", Headers: []HeaderMatch{{Name: "X-Debug", Kind: HeaderAbsent}}})},
			&testingReq{target: "/x"}, "no-debug"},
		{"absent plus value beats value alone",
			[]Route{rt("one", Match{Headers: []HeaderMatch{{Name: "A", Value: "1"}}}), rt("two", Match{Headers: []HeaderMatch{{Name: "A", Value: "1"}, {Name: "B", Kind: HeaderAbsent}}})},
			&testingReq{target: "/", hdr: []string{"A", "1"}}, "two"},
		{"sending the header falls through to the route without the condition",
			[]Route{rt("plain", Match{PathPrefix: "/x"}), rt("no-debug", Match{PathPrefix: "/x", Headers: []HeaderMatch{{Name: "X-Debug", Kind: HeaderAbsent}}})},
			&testingReq{target: "/x", hdr: []string{"X-Debug", ""}}, "plain"},
		{"non-matching better route is skipped",
			[]Route{rt("post", Match{PathExact: "/x", Methods: []string{"POST"}}), rt("pre", Match{PathPrefix: "/x"})},
			&testingReq{target: "/x"}, "pre"},
		{"route listing exact and wildcard hosts ranks by the host that matched",
			[]Route{rt("both", Match{Hosts: []string{"*.example.com", "b.example.com"}}), rt("exact-a", Match{Hosts: []string{"a.example.com"}})},
			&testingReq{target: "http://a.example.com/"}, "exact-a"},
		{"wildcard of a route listing both still matches other subdomains",
			[]Route{rt("both", Match{Hosts: []string{"*.example.com", "b.example.com"}}), rt("any", Match{})},
			&testingReq{target: "http://c.example.com/"}, "both"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := lookupName(mustBuild(t, tc.routes), tc.req.build()); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}
