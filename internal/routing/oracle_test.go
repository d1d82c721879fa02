package routing

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
)

type testingReq struct {
	method, target string
	hdr            []string
}

func (q *testingReq) build() *http.Request {
	m := q.method
	if m == "" {
		m = "GET"
	}
	return newReq(m, q.target, q.hdr...)
}

// oracle is a deliberately naive statement of the precedence in docs/routing.md:
// test every route against every host it lists, compute its sort key, take the
// smallest. Lookup's indexes must always agree with it.
func oracle(routes []Route, r *http.Request) string {
	host := strings.ToLower(r.Host)
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	var best []int
	bestName := ""
	for idx, rt := range routes {
		m := rt.Match
		if !oraclePathMethodHeaders(m, r) {
			continue
		}
		hostKeys := [][2]int{}
		if len(m.Hosts) == 0 {
			hostKeys = append(hostKeys, [2]int{2, 0})
		}
		for _, h := range m.Hosts {
			h = strings.ToLower(h)
			if suffix, ok := strings.CutPrefix(h, "*"); ok {
				if strings.HasSuffix(host, suffix) && len(host) > len(suffix) {
					hostKeys = append(hostKeys, [2]int{1, -len(suffix)})
				}
			} else if h == host {
				hostKeys = append(hostKeys, [2]int{0, 0})
			}
		}
		pathClass, pathLen := 3, 0
		switch {
		case m.PathExact != "":
			pathClass = 0
		case m.PathRegex != "":
			pathClass = 2
		case strings.TrimRight(m.PathPrefix, "/") != "":
			pathClass, pathLen = 1, -len(strings.TrimRight(m.PathPrefix, "/"))
		}
		noMethod := 0
		if len(m.Methods) == 0 {
			noMethod = 1
		}
		for _, hk := range hostKeys {
			key := []int{hk[0], hk[1], pathClass, pathLen, noMethod, -len(m.Headers), idx}
			if best == nil || slices.Compare(key, best) < 0 {
				best, bestName = key, rt.Name
			}
		}
	}
	return bestName
}

func oraclePathMethodHeaders(m Match, r *http.Request) bool {
	p := r.URL.Path
	switch {
	case m.PathExact != "" && p != m.PathExact:
		return false
	case m.PathRegex != "" && !regexp.MustCompile("^(?:"+m.PathRegex+")$").MatchString(p):
		return false
	case m.PathPrefix != "":
		pre := strings.TrimRight(m.PathPrefix, "/")
		if pre != "" && p != pre && !strings.HasPrefix(p, pre+"/") {
			return false
		}
	}
	if len(m.Methods) > 0 && !slices.Contains(m.Methods, r.Method) {
		return false
	}
	for _, h := range m.Headers {
		vals := r.Header.Values(h.Name)
		if h.Kind == HeaderAbsent {
			if len(vals) > 0 {
				return false
			}
			continue
		}
		ok := false
		for _, v := range vals {
			switch h.Kind {
			case HeaderPresent:
				ok = true
			case HeaderExact:
				ok = ok || v == h.Value
			case HeaderRegex:
				ok = ok || regexp.MustCompile("^(?:"+h.Value+")$").MatchString(v)
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func pick[T any](rng *rand.Rand, xs ...T) T { return xs[rng.IntN(len(xs))] }

func randomRoute(rng *rand.Rand, i int) Route {
	var m Match
	for range rng.IntN(3) {
		m.Hosts = append(m.Hosts, pick(rng, "a.example.com", "A.Example.com", "*.example.com", "*.a.example.com", "other.org", "*.org", "b.a.example.com"))
	}
	switch rng.IntN(5) {
	case 0:
		m.PathExact = pick(rng, "/", "/api", "/api/v1", "/api/v1/users", "/apix")
	case 1:
		m.PathPrefix = pick(rng, "/", "/api", "/api/", "/api/v1", "/ap", "/api/v1/users")
	case 2:
		m.PathRegex = pick(rng, "/api/.*", "/api/v[0-9]+/users", ".*", "/a.*")
	}
	if rng.IntN(3) == 0 {
		m.Methods = pick(rng, []string{"GET"}, []string{"POST"}, []string{"GET", "POST"})
	}
	for range rng.IntN(3) {
		m.Headers = append(m.Headers, pick(rng,
			HeaderMatch{Name: "X-A", Value: "1"},
			HeaderMatch{Name: "x-a", Kind: HeaderRegex, Value: "[0-9]+"},
			HeaderMatch{Name: "X-B", Kind: HeaderPresent},
			HeaderMatch{Name: "x-a", Kind: HeaderAbsent}))
	}
	return Route{Name: fmt.Sprintf("r%d", i), Match: m, Handler: nop}
}

func randomRequest(rng *rand.Rand) *http.Request {
	host := pick(rng, "a.example.com", "A.EXAMPLE.com:8080", "b.a.example.com", "example.com", "other.org", "x.org", "nothing.net")
	path := pick(rng, "/", "/api", "/api/", "/apix", "/api/v1", "/api/v1/users", "/api/v2/users", "/zzz")
	var hdr []string
	if rng.IntN(2) == 0 {
		hdr = append(hdr, "X-A", pick(rng, "1", "22", "x"))
	}
	if rng.IntN(2) == 0 {
		hdr = append(hdr, "X-B", "")
	}
	return newReq(pick(rng, "GET", "POST", "PUT"), "http://"+host+path, hdr...)
}

func TestLookupAgreesWithOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for table := range 300 {
		routes := make([]Route, 1+rng.IntN(25))
		for i := range routes {
			routes[i] = randomRoute(rng, i)
		}
		tab := mustBuild(t, routes)
		for range 40 {
			r := randomRequest(rng)
			want := oracle(routes, r)
			if got := lookupName(tab, r); got != want {
				t.Fatalf("table %d: %s %s%s %v: Lookup=%q oracle=%q\nroutes: %s", table, r.Method, r.Host, r.URL.Path, r.Header, got, want, describe(routes))
			}
		}
	}
}

func describe(routes []Route) string {
	var b strings.Builder
	for _, r := range slices.SortedFunc(slices.Values(routes), func(a, b Route) int { return cmp.Compare(a.Name, b.Name) }) {
		fmt.Fprintf(&b, "\n  %s %+v", r.Name, r.Match)
	}
	return b.String()
}
