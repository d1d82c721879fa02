package routing

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
)

// genRoutes makes n routes that mix the index paths: exact hosts, wildcard hosts,
// exact paths and prefixes. genRequest(i) is a request that route i (and only a
// route of its own kind and number) serves.
func genRoutes(n int) []Route {
	routes := make([]Route, n)
	for i := range routes {
		var m Match
		switch i % 4 {
		case 0:
			m = Match{Hosts: []string{fmt.Sprintf("h%d.example.com", i)}, PathPrefix: fmt.Sprintf("/svc%d", i)}
		case 1:
			m = Match{Hosts: []string{fmt.Sprintf("*.w%d.example.com", i)}, PathPrefix: "/api"}
		case 2:
			m = Match{PathExact: fmt.Sprintf("/exact/%d", i)}
		case 3:
			m = Match{PathPrefix: fmt.Sprintf("/p%d/v1", i), Methods: []string{"GET"}}
		}
		routes[i] = Route{Name: "route-" + strconv.Itoa(i), Match: m, Handler: nop}
	}
	return routes
}

func genRequest(i int) *http.Request {
	switch i % 4 {
	case 0:
		return newReq("GET", fmt.Sprintf("http://h%d.example.com/svc%d/items/42", i, i))
	case 1:
		return newReq("GET", fmt.Sprintf("http://x.y.w%d.example.com/api/users", i))
	case 2:
		return newReq("GET", fmt.Sprintf("http://unknown.test/exact/%d", i))
	default:
		return newReq("GET", fmt.Sprintf("http://unknown.test/p%d/v1/things/7", i))
	}
}

func BenchmarkLookup(b *testing.B) {
	for _, n := range []int{10, 1000, 10000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			tab := mustBuild(b, genRoutes(n))
			reqs := make([]*http.Request, 64)
			for i := range reqs {
				reqs[i] = genRequest(i * n / len(reqs))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if tab.Lookup(reqs[i%len(reqs)]) == nil {
					b.Fatal("no match")
				}
			}
		})
	}
}

func BenchmarkBuild(b *testing.B) {
	b.Run("10000", func(b *testing.B) {
		routes := genRoutes(10000)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Build(routes); err != nil {
				b.Fatal(err)
			}
		}
	})
}
