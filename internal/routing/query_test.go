package routing

import (
	"strings"
	"testing"
)

func TestQueryMatch(t *testing.T) {
	tab := mustBuild(t, []Route{
		rt("exact", Match{PathPrefix: "/q", Query: []QueryMatch{{Name: "v", Value: "2"}}}),
		rt("regex", Match{PathPrefix: "/q", Query: []QueryMatch{{Name: "id", Kind: QueryRegex, Value: "[0-9]+"}}}),
		rt("space", Match{PathPrefix: "/s", Query: []QueryMatch{{Name: "a b", Value: "c d"}}}),
		rt("plain", Match{PathPrefix: "/"}),
	})
	for _, tc := range []struct{ target, want string }{
		{"/q?v=2", "exact"},
		{"/q?x=1&v=2&y", "exact"},
		{"/q?v=3", "plain"},
		{"/q?V=2", "plain"},     // names are case-sensitive
		{"/q?v=2x", "plain"},    // whole value
		{"/q?v=3&v=2", "plain"}, // only the first occurrence counts
		{"/q?v", "plain"},
		{"/q?id=42", "regex"},
		{"/q?id=42a", "plain"}, // the regex is anchored
		{"/q", "plain"},
		{"/s?a+b=c%20d", "space"},
		{"/s?a%2", "plain"}, // bad escape: no match, no panic
	} {
		if got := lookupName(tab, newReq("GET", tc.target)); got != tc.want {
			t.Errorf("%s: matched %q, want %q", tc.target, got, tc.want)
		}
	}
}

// Gateway API precedence: the query counts after the method and headers.
func TestQueryPrecedence(t *testing.T) {
	for _, tc := range []struct {
		name   string
		routes []Route
		target string
		hdr    []string
		want   string
	}{
		{"a query matcher beats none",
			[]Route{rt("plain", Match{PathPrefix: "/x"}), rt("q", Match{PathPrefix: "/x", Query: []QueryMatch{{Name: "a", Value: "1"}}})},
			"/x?a=1", nil, "q"},
		{"more query matchers win",
			[]Route{rt("one", Match{Query: []QueryMatch{{Name: "a", Value: "1"}}}), rt("two", Match{Query: []QueryMatch{{Name: "a", Value: "1"}, {Name: "b", Value: "2"}}})},
			"/?a=1&b=2", nil, "two"},
		{"a header outranks query matchers",
			[]Route{rt("q", Match{Query: []QueryMatch{{Name: "a", Value: "1"}, {Name: "b", Value: "2"}}}), rt("h", Match{Headers: []HeaderMatch{{Name: "X", Value: "1"}}})},
			"/?a=1&b=2", []string{"X", "1"}, "h"},
		{"a longer path outranks query matchers",
			[]Route{rt("q", Match{PathPrefix: "/x", Query: []QueryMatch{{Name: "a", Value: "1"}}}), rt("long", Match{PathPrefix: "/x/y"})},
			"/x/y?a=1", nil, "long"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := lookupName(mustBuild(t, tc.routes), newReq("GET", tc.target, tc.hdr...)); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestQueryCompileErrors(t *testing.T) {
	_, err := Build([]Route{rt("bad", Match{Query: []QueryMatch{{Name: "a", Kind: QueryRegex, Value: "("}, {Name: ""}}})})
	if err == nil || !strings.Contains(err.Error(), "query[0]") || !strings.Contains(err.Error(), "query[1]") {
		t.Fatalf("Build: %v, want both query matchers reported", err)
	}
}

// A query matcher on a plain (unencoded) query does not allocate either.
func TestQueryLookupDoesNotAllocate(t *testing.T) {
	tab := mustBuild(t, []Route{
		rt("q", Match{PathPrefix: "/q", Query: []QueryMatch{{Name: "v", Value: "2"}, {Name: "id", Kind: QueryRegex, Value: "[0-9]+"}}}),
		rt("plain", Match{}),
	})
	req := newReq("GET", "/q?x=1&v=2&id=7")
	if got := lookupName(tab, req); got != "q" {
		t.Fatalf("matched %q", got)
	}
	if allocs := testing.AllocsPerRun(200, func() { tab.Lookup(req) }); allocs != 0 {
		t.Fatalf("Lookup allocated %.1f times per call", allocs)
	}
}
