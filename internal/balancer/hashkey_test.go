package balancer

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestParseKey(t *testing.T) {
	good := map[string]Key{
		"":                 {Kind: KeyClientIP},
		"client_ip":        {Kind: KeyClientIP},
		"header:x-user":    {Kind: KeyHeader, Name: "X-User"},
		"cookie:sid":       {Kind: KeyCookie, Name: "sid"},
		"query:tenant":     {Kind: KeyQuery, Name: "tenant"},
		"path:0":           {Kind: KeyPath, Segment: 0},
		"path:3":           {Kind: KeyPath, Segment: 3},
		"header:X-Api-Key": {Kind: KeyHeader, Name: "X-Api-Key"},
	}
	for spec, want := range good {
		got, err := ParseKey(spec)
		if err != nil {
			t.Errorf("ParseKey(%q): %v", spec, err)
			continue
		}
		if got.Kind != want.Kind || got.Name != want.Name || got.Segment != want.Segment {
			t.Errorf("ParseKey(%q) = %+v, want %+v", spec, got, want)
		}
	}
	bad := map[string]string{
		"header":        "want client_ip",
		"header:":       "not a valid header name",
		"header:a b":    "not a valid header name",
		"cookie:a;b":    "not a valid cookie name",
		"query:":        "non-empty",
		"query:a=b":     "non-empty",
		"path:-1":       "integer",
		"path:x":        "integer",
		"path:01":       "integer",
		"path:256":      "integer",
		"body:x":        "unknown source",
		"client_ip:foo": "unknown source",
	}
	for spec, want := range bad {
		if _, err := ParseKey(spec); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseKey(%q) error = %v, want it to mention %q", spec, err, want)
		}
	}
}

func TestKeyValue(t *testing.T) {
	r := httptest.NewRequest("GET", "/api/users/42/?tenant=a%20b&x=&plus=c+d&empty", nil)
	r.RemoteAddr = "192.0.2.7:51234"
	r.Header.Set("X-User", "alice")
	r.Header.Add("Cookie", `theme=dark; sid="s-123"`)
	r.Header.Add("Cookie", "other=1")
	cases := []struct {
		spec, want string
		ok         bool
	}{
		{"client_ip", "192.0.2.7", true},
		{"header:x-user", "alice", true},
		{"header:X-Missing", "", false},
		{"cookie:sid", "s-123", true},
		{"cookie:other", "1", true},
		{"cookie:them", "", false},
		{"query:tenant", "a b", true},
		{"query:plus", "c d", true},
		{"query:x", "", false},
		{"query:empty", "", false},
		{"query:nope", "", false},
		{"path:0", "api", true},
		{"path:2", "42", true},
		{"path:3", "", false},
		{"path:9", "", false},
	}
	for _, c := range cases {
		k, err := ParseKey(c.spec)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := k.Value(r)
		if got != c.want || ok != c.ok {
			t.Errorf("%s: Value = %q, %v; want %q, %v", c.spec, got, ok, c.want, c.ok)
		}
	}
}

func TestRemoteHost(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7:80":      "192.0.2.7",
		"[2001:db8::1]:443": "2001:db8::1",
		"192.0.2.7":         "192.0.2.7",
		"[2001:db8::1]":     "[2001:db8::1]",
		"":                  "",
	} {
		if got := remoteHost(in); got != want {
			t.Errorf("remoteHost(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestClientIPHook(t *testing.T) {
	f, err := New(Options{Policy: RingHash, ClientIP: func(r *http.Request) string { return r.Header.Get("X-Real-Ip") }})
	if err != nil {
		t.Fatal(err)
	}
	eps := endpoints(t, 20, nil)
	b := f(eps)
	a := httptest.NewRequest("GET", "/", nil)
	a.RemoteAddr = "10.9.9.9:1"
	a.Header.Set("X-Real-Ip", "198.51.100.1")
	c := httptest.NewRequest("GET", "/", nil)
	c.RemoteAddr = "10.9.9.9:2"
	c.Header.Set("X-Real-Ip", "198.51.100.1")
	want := b.Pick(a, nil)
	for range 10 {
		if !b.Pick(c, nil).Same(want) {
			t.Fatal("the ClientIP hook was not used for the key")
		}
	}
}

func TestMissingKeyFallsBackToRandom(t *testing.T) {
	eps := endpoints(t, 4, nil)
	for _, policy := range []string{RingHash, Maglev} {
		b := build(t, Options{Policy: policy, HashOn: "header:X-User"}, eps)
		c := counts(t, b, eps, 4000, httptest.NewRequest("GET", "/", nil))
		for i, n := range c {
			if n < 800 || n > 1200 {
				t.Errorf("%s without key: endpoint %d got %d of 4000, want about 1000", policy, i, n)
			}
		}
	}
}

// FuzzParseKey: the parser never panics, accepted specs round-trip through
// String, and extracting the key from an arbitrary request never panics.
func FuzzParseKey(f *testing.F) {
	for _, s := range []string{"", "client_ip", "header:X-User", "cookie:sid", "query:a", "path:2", "path:", "header:a:b", "query:%zz"} {
		f.Add(s, "/a/b/c?a=1&b=%41", "sid=1; x=2")
	}
	f.Fuzz(func(t *testing.T, spec, target, cookie string) {
		k, err := ParseKey(spec)
		if err != nil {
			return
		}
		again, err := ParseKey(k.String())
		if err != nil {
			t.Fatalf("ParseKey(%q) ok but its String %q fails: %v", spec, k.String(), err)
		}
		if again.Kind != k.Kind || again.Name != k.Name || again.Segment != k.Segment {
			t.Fatalf("round trip of %q: %+v != %+v", spec, again, k)
		}
		r, rerr := http.NewRequest("GET", "http://x"+"/"+strings.TrimPrefix(target, "/"), nil)
		if rerr != nil {
			return
		}
		r.Header["Cookie"] = []string{cookie}
		r.Header[k.Name] = []string{cookie}
		r.RemoteAddr = target
		if v, ok := k.Value(r); ok != (v != "") {
			t.Fatalf("Value = %q, %v: ok must mean non-empty", v, ok)
		}
	})
}
