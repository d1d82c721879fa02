package upstream

import (
	"strings"
	"testing"
)

func TestParseTarget(t *testing.T) {
	good := []struct {
		in, addr, url string
	}{
		{"127.0.0.1:9001", "127.0.0.1:9001", "http://127.0.0.1:9001"},
		{"http://127.0.0.1:9001", "127.0.0.1:9001", "http://127.0.0.1:9001"},
		{"http://127.0.0.1:9001/", "127.0.0.1:9001", "http://127.0.0.1:9001"},
		{"https://api.internal", "api.internal:443", "https://api.internal:443"},
		{"http://api.internal", "api.internal:80", "http://api.internal:80"},
		{"[::1]:8080", "[::1]:8080", "http://[::1]:8080"},
		{"http://[::1]", "[::1]:80", "http://[::1]:80"},
	}
	for _, g := range good {
		addr, u, err := ParseTarget(Target{Address: g.in})
		if err != nil {
			t.Errorf("ParseTarget(%q): %v", g.in, err)
			continue
		}
		if addr != g.addr || u.String() != g.url {
			t.Errorf("ParseTarget(%q) = %q, %q; want %q, %q", g.in, addr, u, g.addr, g.url)
		}
	}
	bad := []struct {
		t    Target
		want string
	}{
		{Target{Address: ""}, "empty"},
		{Target{Address: "127.0.0.1"}, "missing port"},
		{Target{Address: "ftp://x:21"}, "scheme"},
		{Target{Address: "http://x:80/api"}, "only scheme://host:port"},
		{Target{Address: "http://x:80?a=b"}, "only scheme://host:port"},
		{Target{Address: ":80"}, "missing host"},
		{Target{Address: "x:99999"}, "bad port"},
		{Target{Address: "x:80", Weight: -1}, "weight"},
		{Target{Address: "x:80", Weight: MaxWeight + 1}, "weight"},
	}
	for _, b := range bad {
		_, _, err := ParseTarget(b.t)
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("ParseTarget(%+v) error = %v, want it to mention %q", b.t, err, b.want)
		}
	}
}

func TestSameAndIn(t *testing.T) {
	s := NewStates(0)
	p1 := NewPool("a", s, first)
	p2 := NewPool("b", s, first)
	mustUpdate(t, p1, "10.0.0.1:80", "10.0.0.2:80")
	mustUpdate(t, p2, "10.0.0.1:80")
	a1, b1, a2 := p1.Endpoints()[0], p1.Endpoints()[1], p2.Endpoints()[0]
	if a1 == a2 || !a1.Same(a2) {
		t.Fatal("endpoints of one address in two pools should be distinct values sharing state")
	}
	if a1.Same(b1) || a1.Same(nil) {
		t.Fatal("different addresses must not be Same")
	}
	if !a2.In([]*Endpoint{b1, a1}) || b1.In([]*Endpoint{a2}) {
		t.Fatal("In must compare by shared state")
	}
}
