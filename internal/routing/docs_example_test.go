package routing

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
)

// TestDocsWorkedExample checks the "Worked example" table of docs/routing.md, so
// the documentation cannot drift from the code. Keep the two in step.
func TestDocsWorkedExample(t *testing.T) {
	writes := []string{"POST", "PUT", "PATCH", "DELETE"}
	tab := mustBuild(t, []Route{
		rt("api", Match{PathPrefix: "/api"}),
		rt("api-writes", Match{PathPrefix: "/api", Methods: writes}),
		rt("canary", Match{PathPrefix: "/api", Headers: []HeaderMatch{{Name: "X-Canary", Value: "1"}}}),
		rt("user", Match{PathRegex: "/api/users/[0-9]+"}),
		rt("login", Match{PathExact: "/api/login"}),
		rt("admin", Match{Hosts: []string{"admin.example.com"}}),
		rt("tenants", Match{Hosts: []string{"*.example.com"}, PathPrefix: "/api"}),
		rt("web", Match{PathPrefix: "/"}),
	})
	tests := []struct {
		req  *http.Request
		want string
	}{
		{newReq("GET", "http://shop.test/"), "web"},
		{newReq("GET", "http://shop.test/api/cart"), "api"},
		{newReq("POST", "http://shop.test/api/cart"), "api-writes"},
		{newReq("GET", "http://shop.test/api/cart", "X-Canary", "1"), "canary"},
		{newReq("POST", "http://shop.test/api/cart", "X-Canary", "1"), "api-writes"},
		{newReq("GET", "http://shop.test/api/users/7"), "api"},
		{newReq("GET", "http://shop.test/apix"), "web"},
		{newReq("POST", "http://shop.test/api/login"), "login"},
		{newReq("GET", "http://admin.example.com/api/login"), "admin"},
		{newReq("GET", "http://eu.example.com/api/login"), "tenants"},
		{newReq("GET", "http://example.com/api/login"), "login"},
		{rawReq(t, "GET http://evil.test/ HTTP/1.1\r\nHost: admin.example.com\r\n\r\n"), "web"},
	}
	for _, tc := range tests {
		if got := lookupName(tab, tc.req); got != tc.want {
			t.Errorf("%s %s%s %v: got %q, want %q", tc.req.Method, tc.req.Host, tc.req.URL.Path, tc.req.Header, got, tc.want)
		}
	}
}

func rawReq(t *testing.T, raw string) *http.Request {
	t.Helper()
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}
