package routing

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// nop is the handler of every test route; routes are told apart by name.
var nop = http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})

func rt(name string, m Match) Route { return Route{Name: name, Match: m, Handler: nop} }

// newReq builds a server-side request; target may be absolute to set the host.
// hdr holds name/value pairs.
func newReq(method, target string, hdr ...string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Add(hdr[i], hdr[i+1])
	}
	return r
}

func mustBuild(t testing.TB, routes []Route) *Table {
	t.Helper()
	tab, err := Build(routes)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return tab
}

func lookupName(tab *Table, r *http.Request) string {
	if rt := tab.Lookup(r); rt != nil {
		return rt.Name
	}
	return ""
}
