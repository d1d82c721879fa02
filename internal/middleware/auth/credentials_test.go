package auth

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

func TestAPIKeysAndBasic(t *testing.T) {
	hash, _ := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	basic, err := NewBasicUsers("shoal", map[string][]byte{"bob": hash})
	if err != nil {
		t.Fatal(err)
	}
	var who string
	h := New(Options{
		APIKeys: &APIKeys{Header: "X-Api-Key", ByHash: map[string]string{HashKey("k-123"): "ci"}},
		Basic:   basic, ClaimHeaders: map[string]string{"X-User": "sub"},
	})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { who = r.Header.Get("X-User") }))
	cases := []struct {
		set  func(*http.Request)
		code int
		user string
	}{
		{func(r *http.Request) { r.Header.Set("X-Api-Key", "k-123") }, 200, "ci"},
		{func(r *http.Request) { r.Header.Set("X-Api-Key", "nope") }, 401, ""},
		{func(r *http.Request) { r.SetBasicAuth("bob", "pw") }, 200, "bob"},
		{func(r *http.Request) { r.SetBasicAuth("bob", "bad") }, 401, ""},
		{func(r *http.Request) { r.SetBasicAuth("eve", "pw") }, 401, ""},
		{func(r *http.Request) {}, 401, ""},
	}
	for i, c := range cases {
		who = ""
		r := httptest.NewRequest("GET", "/", nil)
		c.set(r)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != c.code || who != c.user {
			t.Errorf("case %d: %d user %q, want %d %q", i, w.Code, who, c.code, c.user)
		}
		if w.Code == 401 && !strings.Contains(w.Header().Get("WWW-Authenticate"), `Basic realm="shoal"`) {
			t.Errorf("case %d: challenge %q", i, w.Header().Get("WWW-Authenticate"))
		}
	}
}

func TestCORSAndSecurityHeaders(t *testing.T) {
	called := false
	h := SecurityHeaders(time.Hour, "")(CORS(CORSOptions{Origins: []string{"https://app.test"}, Methods: []string{"GET", "PUT"},
		Headers: []string{"Authorization"}, Credentials: true, MaxAge: time.Minute})(
		New(Options{APIKeys: &APIKeys{Header: "X-Api-Key"}})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))))
	r := httptest.NewRequest("OPTIONS", "/", nil)
	r.Header.Set("Origin", "https://app.test")
	r.Header.Set("Access-Control-Request-Method", "PUT")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 204 || called || w.Header().Get("Access-Control-Allow-Origin") != "https://app.test" ||
		w.Header().Get("Access-Control-Allow-Methods") != "GET, PUT" || w.Header().Get("Access-Control-Max-Age") != "60" ||
		w.Header().Get("Access-Control-Allow-Credentials") != "true" {
		t.Fatalf("preflight: %d called=%v %v", w.Code, called, w.Header())
	}
	if w.Header().Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(w.Header().Get("Strict-Transport-Security"), "max-age=3600") {
		t.Fatalf("security headers missing: %v", w.Header())
	}
	r = httptest.NewRequest("OPTIONS", "/", nil)
	r.Header.Set("Origin", "https://evil.test")
	r.Header.Set("Access-Control-Request-Method", "PUT")
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 403 || w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("preflight from an unknown origin: %d %v", w.Code, w.Header())
	}
}
