package routing

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestLookupMatching(t *testing.T) {
	tests := []struct {
		name  string
		match Match
		req   *http.Request
		want  bool
	}{
		{"zero match takes everything", Match{}, newReq("GET", "http://x.test/any/thing"), true},
		{"exact host", Match{Hosts: []string{"api.example.com"}}, newReq("GET", "http://api.example.com/"), true},
		{"exact host ignores case", Match{Hosts: []string{"API.example.com"}}, newReq("GET", "http://Api.EXAMPLE.com/"), true},
		{"exact host ignores port", Match{Hosts: []string{"api.example.com"}}, newReq("GET", "http://api.example.com:8443/"), true},
		{"exact host ignores trailing dot", Match{Hosts: []string{"api.example.com"}}, newReq("GET", "http://api.example.com./"), true},
		{"exact host differs", Match{Hosts: []string{"api.example.com"}}, newReq("GET", "http://www.example.com/"), false},
		{"exact host is not a suffix match", Match{Hosts: []string{"example.com"}}, newReq("GET", "http://a.example.com/"), false},
		{"one of several hosts", Match{Hosts: []string{"a.test", "b.test"}}, newReq("GET", "http://b.test/"), true},
		{"ipv6 host", Match{Hosts: []string{"[::1]"}}, newReq("GET", "http://[::1]:8080/"), true},
		{"ipv4 host", Match{Hosts: []string{"127.0.0.1"}}, newReq("GET", "http://127.0.0.1:8080/"), true},
		{"wildcard one level", Match{Hosts: []string{"*.example.com"}}, newReq("GET", "http://a.example.com/"), true},
		{"wildcard two levels", Match{Hosts: []string{"*.example.com"}}, newReq("GET", "http://a.b.example.com/"), true},
		{"wildcard ignores case and port", Match{Hosts: []string{"*.Example.com"}}, newReq("GET", "http://A.EXAMPLE.COM:80/"), true},
		{"wildcard not apex", Match{Hosts: []string{"*.example.com"}}, newReq("GET", "http://example.com/"), false},
		{"wildcard needs a label", Match{Hosts: []string{"*.example.com"}}, newReq("GET", "http://.example.com/"), false},
		{"wildcard not lookalike", Match{Hosts: []string{"*.example.com"}}, newReq("GET", "http://a.badexample.com/"), false},
		{"host route, empty host", Match{Hosts: []string{"a.test"}}, newReq("GET", "/"), false},
		{"path exact", Match{PathExact: "/api"}, newReq("GET", "/api"), true},
		{"path exact not prefix", Match{PathExact: "/api"}, newReq("GET", "/api/"), false},
		{"path exact case-sensitive", Match{PathExact: "/api"}, newReq("GET", "/API"), false},
		{"prefix itself", Match{PathPrefix: "/api"}, newReq("GET", "/api"), true},
		{"prefix trailing slash", Match{PathPrefix: "/api"}, newReq("GET", "/api/"), true},
		{"prefix deeper", Match{PathPrefix: "/api"}, newReq("GET", "/api/v1/x"), true},
		{"prefix segment only", Match{PathPrefix: "/api"}, newReq("GET", "/apix"), false},
		{"prefix with slash is segment prefix", Match{PathPrefix: "/api/"}, newReq("GET", "/api"), true},
		{"prefix with slash not partial", Match{PathPrefix: "/api/"}, newReq("GET", "/apix"), false},
		{"multi-segment prefix", Match{PathPrefix: "/api/v1"}, newReq("GET", "/api/v1/users"), true},
		{"multi-segment prefix partial", Match{PathPrefix: "/api/v1"}, newReq("GET", "/api/v10"), false},
		{"root prefix", Match{PathPrefix: "/"}, newReq("GET", "/anything"), true},
		{"regex full match", Match{PathRegex: `/users/[0-9]+`}, newReq("GET", "/users/42"), true},
		{"regex anchored end", Match{PathRegex: `/users/[0-9]+`}, newReq("GET", "/users/42/x"), false},
		{"regex anchored start", Match{PathRegex: `/users/[0-9]+`}, newReq("GET", "/v1/users/42"), false},
		{"regex alternation anchored", Match{PathRegex: `/a|/b`}, newReq("GET", "/b/c"), false},
		{"method in set", Match{Methods: []string{"get", "HEAD"}}, newReq("GET", "/"), true},
		{"method not in set", Match{Methods: []string{"GET"}}, newReq("POST", "/"), false},
		{"header exact", Match{Headers: []HeaderMatch{{Name: "x-version", Value: "2"}}}, newReq("GET", "/", "X-Version", "2"), true},
		{"header exact differs", Match{Headers: []HeaderMatch{{Name: "X-Version", Value: "2"}}}, newReq("GET", "/", "X-Version", "20"), false},
		{"header exact any value", Match{Headers: []HeaderMatch{{Name: "X-Version", Value: "2"}}}, newReq("GET", "/", "X-Version", "1", "X-Version", "2"), true},
		{"header missing", Match{Headers: []HeaderMatch{{Name: "X-Version", Value: "2"}}}, newReq("GET", "/"), false},
		{"header regex", Match{Headers: []HeaderMatch{{Name: "X-Id", Kind: HeaderRegex, Value: "[a-f]+"}}}, newReq("GET", "/", "X-Id", "beef"), true},
		{"header regex full", Match{Headers: []HeaderMatch{{Name: "X-Id", Kind: HeaderRegex, Value: "[a-f]+"}}}, newReq("GET", "/", "X-Id", "beefy"), false},
		{"header present empty value", Match{Headers: []HeaderMatch{{Name: "X-Debug", Kind: HeaderPresent}}}, newReq("GET", "/", "X-Debug", ""), true},
		{"header absent when missing", Match{Headers: []HeaderMatch{{Name: "x-debug", Kind: HeaderAbsent}}}, newReq("GET", "/", "X-Other", "1"), true},
		{"header absent fails when sent", Match{Headers: []HeaderMatch{{Name: "X-Debug", Kind: HeaderAbsent}}}, newReq("GET", "/", "X-Debug", "1"), false},
		{"header absent fails on empty value", Match{Headers: []HeaderMatch{{Name: "X-Debug", Kind: HeaderAbsent}}}, newReq("GET", "/", "X-Debug", ""), false},
		{"header absent ignores Value", Match{Headers: []HeaderMatch{{Name: "X-Debug", Kind: HeaderAbsent, Value: "1"}}}, newReq("GET", "/", "X-Debug", "2"), false},
		{"header absent with another header", Match{Headers: []HeaderMatch{{Name: "A", Value: "1"}, {Name: "B", Kind: HeaderAbsent}}}, newReq("GET", "/", "A", "1"), true},
		{"header absent and present of one name never match", Match{Headers: []HeaderMatch{{Name: "A", Kind: HeaderPresent}, {Name: "A", Kind: HeaderAbsent}}}, newReq("GET", "/", "A", "1"), false},
		{"all headers must match", Match{Headers: []HeaderMatch{{Name: "A", Value: "1"}, {Name: "B", Value: "2"}}}, newReq("GET", "/", "A", "1"), false},
		{"everything", Match{Hosts: []string{"*.test"}, PathPrefix: "/api", Methods: []string{"PUT"}, Headers: []HeaderMatch{{Name: "A", Kind: HeaderPresent}}},
			newReq("PUT", "http://x.test/api/1", "A", "y"), true},
		{"connect refused by catch-all", Match{}, connectReq("example.com:443"), false},
		{"connect allowed when named", Match{Methods: []string{"CONNECT"}}, connectReq("example.com:443"), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tab := mustBuild(t, []Route{rt("r", tc.match)})
			if got := tab.Lookup(tc.req) != nil; got != tc.want {
				t.Fatalf("Lookup(%s %s%s) matched=%v, want %v", tc.req.Method, tc.req.Host, tc.req.URL.Path, got, tc.want)
			}
		})
	}
}

func connectReq(authority string) *http.Request {
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n")))
	if err != nil {
		panic(err)
	}
	return r
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name   string
		routes []Route
		want   []string // substrings of the error
	}{
		{"empty name", []Route{rt("", Match{})}, []string{"route 0", "name is empty"}},
		{"duplicate name", []Route{rt("a", Match{}), rt("a", Match{})}, []string{"route 1", "already used by route 0"}},
		{"nil handler", []Route{{Name: "a"}}, []string{"handler is nil"}},
		{"two path kinds", []Route{rt("a", Match{PathExact: "/a", PathPrefix: "/a"})}, []string{"at most one"}},
		{"relative exact", []Route{rt("a", Match{PathExact: "a"})}, []string{"must start with /"}},
		{"relative prefix", []Route{rt("a", Match{PathPrefix: "api"})}, []string{"must start with /"}},
		{"bad regex", []Route{rt("a", Match{PathRegex: "("})}, []string{"path_regex"}},
		{"bad method", []Route{rt("a", Match{Methods: []string{"GE T"}})}, []string{"method"}},
		{"bad header name", []Route{rt("a", Match{Headers: []HeaderMatch{{Name: "a b"}}})}, []string{"headers[0]"}},
		{"host header", []Route{rt("a", Match{Headers: []HeaderMatch{{Name: "host", Value: "x"}}})}, []string{"hosts"}},
		{"bad header regex", []Route{rt("a", Match{Headers: []HeaderMatch{{Name: "a", Kind: HeaderRegex, Value: "["}}})}, []string{"regex"}},
		{"absent header is still not Host", []Route{rt("a", Match{Headers: []HeaderMatch{{Name: "Host", Kind: HeaderAbsent}}})}, []string{"hosts"}},
		{"bad header kind", []Route{rt("a", Match{Headers: []HeaderMatch{{Name: "a", Kind: 9}}})}, []string{"unknown match kind"}},
		{"empty host", []Route{rt("a", Match{Hosts: []string{""}})}, []string{"host is empty"}},
		{"host with port", []Route{rt("a", Match{Hosts: []string{"a.test:80"}})}, []string{"port"}},
		{"inner wildcard", []Route{rt("a", Match{Hosts: []string{"a.*.test"}})}, []string{"not allowed"}},
		{"bare wildcard", []Route{rt("a", Match{Hosts: []string{"*"}})}, []string{"not allowed"}},
		{"empty label", []Route{rt("a", Match{Hosts: []string{"a..test"}})}, []string{"empty label"}},
		{"all errors reported", []Route{rt("a", Match{PathExact: "x"}), rt("b", Match{}), rt("c", Match{Hosts: []string{"*"}})},
			[]string{"route 0 (\"a\")", "route 2 (\"c\")"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tab, err := Build(tc.routes)
			if err == nil {
				t.Fatal("Build succeeded, want error")
			}
			if tab != nil {
				t.Error("Build returned a table with its error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestNilAndEmptyTable(t *testing.T) {
	var nilTab *Table
	if nilTab.Lookup(newReq("GET", "/")) != nil || nilTab.Len() != 0 || nilTab.Routes() != nil {
		t.Fatal("nil table should match nothing and list nothing")
	}
	empty := mustBuild(t, nil)
	if empty.Lookup(newReq("GET", "/")) != nil {
		t.Fatal("empty table matched")
	}
}

func TestRoutesIsACopyInConfigOrder(t *testing.T) {
	hosts := []string{"a.test"}
	in := []Route{rt("z", Match{Hosts: hosts}), rt("a", Match{PathPrefix: "/a"})}
	tab := mustBuild(t, in)
	hosts[0] = "b.test" // the caller changes its config after building
	got := tab.Routes()
	if len(got) != 2 || got[0].Name != "z" || got[1].Name != "a" || tab.Len() != 2 {
		t.Fatalf("Routes() = %v, want z, a", got)
	}
	got[0].Name = "changed"
	if tab.Routes()[0].Name != "z" || tab.Routes()[0].Match.Hosts[0] != "a.test" {
		t.Fatal("table changed through the caller's slices or Routes()")
	}
	if lookupName(tab, newReq("GET", "http://a.test/")) != "z" {
		t.Fatal("table should keep serving the host it was built with")
	}
}

// An absolute-form request line names its own host; Go puts it in r.Host, so a
// host that no route serves finds nothing and the gateway never forwards it.
func TestAbsoluteFormRequestUsesItsHost(t *testing.T) {
	tab := mustBuild(t, []Route{rt("shop", Match{Hosts: []string{"shop.example.com"}})})

	raw := "GET http://evil.example.net/steal HTTP/1.1\r\nHost: shop.example.com\r\n\r\n"
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	if got := tab.Lookup(r); got != nil {
		t.Fatalf("absolute-form request for an unserved host matched %q", got.Name)
	}
	ok := "GET http://shop.example.com/cart HTTP/1.1\r\nHost: other\r\n\r\n"
	r, err = http.ReadRequest(bufio.NewReader(strings.NewReader(ok)))
	if err != nil {
		t.Fatal(err)
	}
	if lookupName(tab, r) != "shop" {
		t.Fatal("absolute-form request for a served host should match")
	}
}

// The same check through a real server, so the test also covers how net/http
// fills r.Host on the wire.
func TestAbsoluteFormOverTheWire(t *testing.T) {
	tab := mustBuild(t, []Route{rt("shop", Match{Hosts: []string{"shop.example.com"}})})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tab.Lookup(r) == nil {
			http.Error(w, "no route", http.StatusNotFound)
			return
		}
		io.WriteString(w, "routed")
	}))
	defer srv.Close()

	status := func(raw string) int {
		t.Helper()
		c, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.WriteString(c, raw); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := status("GET http://evil.example.net/ HTTP/1.1\r\nHost: shop.example.com\r\nConnection: close\r\n\r\n"); got != http.StatusNotFound {
		t.Errorf("absolute-form to unserved host: status %d, want 404", got)
	}
	if got := status("GET / HTTP/1.1\r\nHost: shop.example.com\r\nConnection: close\r\n\r\n"); got != http.StatusOK {
		t.Errorf("origin-form to served host: status %d, want 200", got)
	}
}

func TestBuildTenThousandRoutes(t *testing.T) {
	routes := genRoutes(10000)
	tab := mustBuild(t, routes)
	if tab.Len() != 10000 {
		t.Fatalf("Len = %d", tab.Len())
	}
	// Spot-check that the index finds routes spread over the whole table.
	for _, i := range []int{0, 1, 4999, 9998, 9999} {
		r := genRequest(i)
		if got := lookupName(tab, r); got != routes[i].Name {
			t.Errorf("request %d (%s%s) matched %q, want %q", i, r.Host, r.URL.Path, got, routes[i].Name)
		}
	}
}

func TestHeaderMatchKindString(t *testing.T) {
	for k, want := range map[HeaderMatchKind]string{HeaderExact: "exact", HeaderRegex: "regex", HeaderPresent: "present", HeaderAbsent: "absent", 9: "HeaderMatchKind(9)"} {
		if got := k.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", uint8(k), got, want)
		}
	}
}
