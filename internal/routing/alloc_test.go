package routing

import (
	"net/http"
	"testing"
)

// Lookup runs on every request, so it must not allocate, whatever index serves it.
func TestLookupDoesNotAllocate(t *testing.T) {
	routes := append(genRoutes(1000),
		rt("regex", Match{PathRegex: `/users/[0-9]+`}),
		rt("hdr", Match{PathPrefix: "/h", Headers: []HeaderMatch{{Name: "X-V", Kind: HeaderRegex, Value: "v[0-9]"}}}),
		rt("absent", Match{PathPrefix: "/h", Headers: []HeaderMatch{{Name: "X-V", Kind: HeaderAbsent}}}),
		rt("upper", Match{Hosts: []string{"upper.example.com"}}),
	)
	tab := mustBuild(t, routes)
	cases := []struct {
		name string
		req  *http.Request
		want string
	}{
		{"exact host and prefix", genRequest(4), "route-4"},
		{"wildcard host", genRequest(5), "route-5"},
		{"exact path", genRequest(6), "route-6"},
		{"prefix with method", genRequest(7), "route-7"},
		{"regex", newReq("GET", "http://unknown.test/users/7"), "regex"},
		{"header regex", newReq("GET", "http://unknown.test/h/x", "X-V", "v2"), "hdr"},
		{"header absent", newReq("GET", "http://unknown.test/h/x"), "absent"},
		{"mixed-case host with port", newReq("GET", "http://UPPER.Example.COM:8080/"), "upper"},
		{"miss", newReq("GET", "http://unknown.test/nothing"), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := lookupName(tab, tc.req); got != tc.want {
				t.Fatalf("matched %q, want %q", got, tc.want)
			}
			allocs := testing.AllocsPerRun(200, func() { tab.Lookup(tc.req) })
			if allocs != 0 {
				t.Fatalf("Lookup allocated %.1f times per call", allocs)
			}
		})
	}
}
