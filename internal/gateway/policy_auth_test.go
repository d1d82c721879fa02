package gateway

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TestAuthRouteChain checks auth runs before the rate limit, whose key is
// the caller's subject claim, and that claims reach the upstream.
func TestAuthRouteChain(t *testing.T) {
	var seenUser string
	up := origin(t, "web", func(w http.ResponseWriter, r *http.Request) { seenUser = r.Header.Get("X-User") })
	const secret = "0123456789abcdef0123456789abcdef"
	g, _ := newGateway(t, fmt.Sprintf(`
services:
  web: {endpoints: [%s]}
routes:
  - match: {path_prefix: /}
    service: web
    security_headers: {}
    auth:
      jwt: {hs256_secret: %q, issuer: idp}
      claim_headers: {X-User: sub}
    rate_limit:
      key: ["claim:sub"]
      limits: [{requests: 2, per: 1h}]
`, up.URL, secret))
	token := func(sub string) string {
		s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": "idp", "sub": sub,
			"exp": time.Now().Add(time.Hour).Unix()}).SignedString([]byte(secret))
		if err != nil {
			t.Fatal(err)
		}
		return "Bearer " + s
	}
	if w := serve(g, "GET", "http://example.com/", map[string]string{"X-User": "forged"}); w.Code != 401 || w.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("no token: %d %v", w.Code, w.Header())
	}
	for i, want := range []int{200, 200, 429} {
		w := serve(g, "GET", "http://example.com/", map[string]string{"Authorization": token("alice"), "X-User": "forged"})
		if w.Code != want {
			t.Fatalf("alice request %d: %d, want %d", i, w.Code, want)
		}
	}
	if seenUser != "alice" {
		t.Fatalf("upstream saw X-User %q, want alice", seenUser)
	}
	// Another subject has its own bucket.
	if w := serve(g, "GET", "http://example.com/", map[string]string{"Authorization": token("bob")}); w.Code != 200 {
		t.Fatalf("bob: %d", w.Code)
	}
}
