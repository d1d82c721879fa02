package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// keyServer is a JWKS endpoint on loopback whose key set the test changes.
type keyServer struct {
	mu      sync.Mutex
	keys    []map[string]string
	fetches atomic.Int64
	srv     *httptest.Server
}

func newKeyServer(t *testing.T) *keyServer {
	ks := &keyServer{}
	ks.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ks.fetches.Add(1)
		ks.mu.Lock()
		defer ks.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": ks.keys})
	}))
	t.Cleanup(ks.srv.Close)
	return ks
}

func enc(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func (ks *keyServer) set(keys map[string]crypto.PublicKey) {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	ks.keys = nil
	for kid, k := range keys {
		j := map[string]string{"kid": kid, "use": "sig"}
		switch pk := k.(type) {
		case *rsa.PublicKey:
			j["kty"], j["n"], j["e"] = "RSA", enc(pk.N.Bytes()), enc(big.NewInt(int64(pk.E)).Bytes())
		case *ecdsa.PublicKey:
			b, _ := pk.Bytes()
			j["kty"], j["crv"], j["x"], j["y"] = "EC", "P-256", enc(b[1:33]), enc(b[33:])
		case ed25519.PublicKey:
			j["kty"], j["crv"], j["x"] = "OKP", "Ed25519", enc(pk)
		}
		ks.keys = append(ks.keys, j)
	}
}

type signer struct {
	kid    string
	method jwt.SigningMethod
	key    any
}

func (s signer) sign(t *testing.T, claims jwt.MapClaims) string {
	tok := jwt.NewWithClaims(s.method, claims)
	if s.kid != "" {
		tok.Header["kid"] = s.kid
	}
	out, err := tok.SignedString(s.key)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func claims(extra map[string]any) jwt.MapClaims {
	c := jwt.MapClaims{"iss": "https://idp.test", "aud": "shoal", "sub": "alice",
		"exp": time.Now().Add(time.Hour).Unix(), "scope": "read write", "roles": []string{"admin"}}
	for k, v := range extra {
		c[k] = v
	}
	return c
}

type setup struct {
	h       http.Handler
	ks      *keyServer
	seen    *http.Header
	signers map[string]signer
}

func newSetup(t *testing.T, o Options, jo JWTOptions) *setup {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	edPub, edKey, _ := ed25519.GenerateKey(rand.Reader)
	ks := newKeyServer(t)
	ks.set(map[string]crypto.PublicKey{"r1": &rsaKey.PublicKey, "e1": &ecKey.PublicKey, "d1": edPub})
	jo.JWKS = NewJWKS(ks.srv.URL, nil, time.Hour, time.Millisecond)
	jo.Issuer, jo.Audience = "https://idp.test", []string{"shoal"}
	v, err := NewVerifier(jo)
	if err != nil {
		t.Fatal(err)
	}
	o.JWT = v
	seen := &http.Header{}
	h := New(o)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { *seen = r.Header.Clone() }))
	return &setup{h: h, ks: ks, seen: seen, signers: map[string]signer{
		"RS256": {"r1", jwt.SigningMethodRS256, rsaKey},
		"ES256": {"e1", jwt.SigningMethodES256, ecKey},
		"EdDSA": {"d1", jwt.SigningMethodEdDSA, edKey},
	}}
}

func (s *setup) do(method, token string, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "/", nil)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, r)
	return w
}

func TestJWTAlgorithmsAndClaimHeaders(t *testing.T) {
	s := newSetup(t, Options{ClaimHeaders: map[string]string{"X-User": "sub", "X-Scope": "scope"}}, JWTOptions{})
	for alg, sg := range s.signers {
		w := s.do("GET", sg.sign(t, claims(nil)), "X-User", "mallory")
		if w.Code != 200 {
			t.Fatalf("%s: %d %s", alg, w.Code, w.Header().Get("WWW-Authenticate"))
		}
		if s.seen.Get("X-User") != "alice" || s.seen.Get("X-Scope") != "read write" {
			t.Fatalf("%s: upstream saw X-User %q X-Scope %q", alg, s.seen.Get("X-User"), s.seen.Get("X-Scope"))
		}
	}
}

func TestJWTBadTokens(t *testing.T) {
	s := newSetup(t, Options{}, JWTOptions{ClockSkew: 30 * time.Second})
	rs := s.signers["RS256"]
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	cases := map[string]struct {
		token string
		desc  string
	}{
		"expired":      {rs.sign(t, claims(map[string]any{"exp": time.Now().Add(-time.Minute).Unix()})), "expired"},
		"not yet":      {rs.sign(t, claims(map[string]any{"nbf": time.Now().Add(time.Hour).Unix()})), "not valid yet"},
		"issuer":       {rs.sign(t, claims(map[string]any{"iss": "https://evil.test"})), "issuer"},
		"audience":     {rs.sign(t, claims(map[string]any{"aud": "other"})), "audience"},
		"no exp":       {rs.sign(t, jwt.MapClaims{"iss": "https://idp.test", "aud": "shoal"}), "exp"},
		"signature":    {signer{"r1", jwt.SigningMethodRS256, other}.sign(t, claims(nil)), "signature"},
		"malformed":    {"abc.def", "malformed"},
		"hmac refused": {signer{"", jwt.SigningMethodHS256, []byte("secret")}.sign(t, claims(nil)), "invalid"},
		"alg none":     {strings.TrimSuffix(signer{"", jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType}.sign(t, claims(nil)), "."), "malformed"},
	}
	for name, c := range cases {
		w := s.do("GET", c.token)
		wa := w.Header().Get("WWW-Authenticate")
		if w.Code != 401 || !strings.Contains(wa, `error="invalid_token"`) || !strings.Contains(wa, c.desc) {
			t.Errorf("%s: %d %q, want 401 with invalid_token and %q", name, w.Code, wa, c.desc)
		}
	}
	// Within the clock skew an expired token still passes.
	if w := s.do("GET", rs.sign(t, claims(map[string]any{"exp": time.Now().Add(-10 * time.Second).Unix()}))); w.Code != 200 {
		t.Errorf("expired 10s ago with 30s skew: %d", w.Code)
	}
	if w := s.do("GET", ""); w.Code != 401 || strings.Contains(w.Header().Get("WWW-Authenticate"), "error=") {
		t.Errorf("no token: %d %q, want a bare challenge", w.Code, w.Header().Get("WWW-Authenticate"))
	}
}

func TestJWKSRotationFetchesOnUnknownKid(t *testing.T) {
	s := newSetup(t, Options{}, JWTOptions{})
	if w := s.do("GET", s.signers["RS256"].sign(t, claims(nil))); w.Code != 200 {
		t.Fatalf("before rotation: %d", w.Code)
	}
	before := s.ks.fetches.Load()
	newKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	s.ks.set(map[string]crypto.PublicKey{"r2": &newKey.PublicKey})
	time.Sleep(2 * time.Millisecond) // past the test's minimum refresh interval
	if w := s.do("GET", signer{"r2", jwt.SigningMethodRS256, newKey}.sign(t, claims(nil))); w.Code != 200 {
		t.Fatalf("token with the new kid: %d %s", w.Code, w.Header().Get("WWW-Authenticate"))
	}
	if s.ks.fetches.Load() != before+1 {
		t.Fatalf("JWKS fetched %d more times, want 1", s.ks.fetches.Load()-before)
	}
	// The retired key is gone from the set: its tokens now fail.
	if w := s.do("GET", s.signers["RS256"].sign(t, claims(nil))); w.Code != 401 {
		t.Fatalf("token of the retired key: %d", w.Code)
	}
}

func TestScopesRolesMethods(t *testing.T) {
	s := newSetup(t, Options{Scopes: []string{"write"}, Roles: []string{"admin", "ops"}, Methods: []string{"GET"}}, JWTOptions{})
	rs := s.signers["RS256"]
	if w := s.do("GET", rs.sign(t, claims(nil))); w.Code != 200 {
		t.Fatalf("all granted: %d", w.Code)
	}
	w := s.do("GET", rs.sign(t, claims(map[string]any{"scope": "read"})))
	if w.Code != 403 || !strings.Contains(w.Header().Get("WWW-Authenticate"), "insufficient_scope") {
		t.Fatalf("missing scope: %d %q", w.Code, w.Header().Get("WWW-Authenticate"))
	}
	if w := s.do("GET", rs.sign(t, claims(map[string]any{"roles": []string{"viewer"}}))); w.Code != 403 {
		t.Fatalf("missing role: %d", w.Code)
	}
	if w := s.do("DELETE", rs.sign(t, claims(nil))); w.Code != 403 {
		t.Fatalf("method not allowed: %d", w.Code)
	}
}

func TestHS256WhenConfigured(t *testing.T) {
	v, err := NewVerifier(JWTOptions{HMACSecret: []byte("s3cret"), Issuer: "https://idp.test"})
	if err != nil {
		t.Fatal(err)
	}
	h := New(Options{JWT: v})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	for secret, want := range map[string]int{"s3cret": 200, "wrong": 401} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", "Bearer "+signer{"", jwt.SigningMethodHS256, []byte(secret)}.sign(t, claims(nil)))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != want {
			t.Errorf("secret %q: %d, want %d", secret, w.Code, want)
		}
	}
}

func TestJWKSExpiredSetRefreshesInBackground(t *testing.T) {
	ks := newKeyServer(t)
	k1, _ := rsa.GenerateKey(rand.Reader, 2048)
	ks.set(map[string]crypto.PublicKey{"a": &k1.PublicKey})
	set := NewJWKS(ks.srv.URL, nil, time.Millisecond, time.Millisecond)
	if _, err := set.Key(t.Context(), "a"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	// The set is past its TTL: the known key still answers, and a refresh
	// happens behind it.
	if _, err := set.Key(t.Context(), "a"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for ks.fetches.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if ks.fetches.Load() < 2 {
		t.Fatal("no background refresh of an expired key set")
	}
}
