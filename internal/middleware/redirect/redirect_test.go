package redirect

import (
	"crypto/tls"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRedirect(t *testing.T) {
	tests := []struct {
		name     string
		opts     Options
		target   string
		tls      bool
		wantCode int
		wantLoc  string
	}{
		{"defaults keep everything, 302", Options{}, "http://a.test/x?q=1", false, 302, "http://a.test/x?q=1"},
		{"http to https drops port 80", Options{Scheme: "https", StatusCode: 301}, "http://a.test/p?x=y", false, 301, "https://a.test/p?x=y"},
		{"scheme change drops listener port", Options{Scheme: "https", StatusCode: 308}, "http://a.test:8080/p", false, 308, "https://a.test/p"},
		{"explicit port", Options{Scheme: "https", Port: 8443}, "http://a.test:8080/p", false, 302, "https://a.test:8443/p"},
		{"explicit well-known port omitted", Options{Scheme: "https", Port: 443}, "http://a.test/", false, 302, "https://a.test/"},
		{"same scheme keeps request port", Options{Host: "b.test"}, "http://a.test:8080/p", false, 302, "http://b.test:8080/p"},
		{"same scheme, no request port", Options{Host: "b.test"}, "http://a.test/p", false, 302, "http://b.test/p"},
		{"tls request keeps https", Options{Path: "/new"}, "https://a.test/old?k=v", true, 302, "https://a.test/new?k=v"},
		{"https to http", Options{Scheme: "http"}, "https://a.test:443/", true, 302, "http://a.test/"},
		{"path replaced, query kept", Options{Path: "/login", StatusCode: 303}, "http://a.test/x?next=%2Fa%26b", false, 303, "http://a.test/login?next=%2Fa%26b"},
		{"escaped path kept", Options{Scheme: "https"}, "http://a.test/a%2Fb", false, 302, "https://a.test/a%2Fb"},
		{"307 keeps method", Options{StatusCode: 307, Host: "b.test"}, "http://a.test/up", false, 307, "http://b.test/up"},
		{"ipv6 host", Options{Host: "::1", Port: 9000}, "http://a.test/", false, 302, "http://[::1]:9000/"},
		{"ipv6 request host", Options{Scheme: "https"}, "http://[::1]:8080/", false, 302, "https://[::1]/"},
		{"no request host gives relative location", Options{Path: "/x"}, "/y?z=1", false, 302, "/x?z=1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := New(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest("POST", tc.target, strings.NewReader("body"))
			if !strings.HasPrefix(tc.target, "http") {
				r.Host = ""
			}
			if tc.tls {
				r.TLS = &tls.ConnectionState{}
			} else {
				r.TLS = nil
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code != tc.wantCode {
				t.Errorf("status %d, want %d", rec.Code, tc.wantCode)
			}
			if got := rec.Header().Get("Location"); got != tc.wantLoc {
				t.Errorf("Location = %q, want %q", got, tc.wantLoc)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"bad scheme", Options{Scheme: "ftp"}, "scheme"},
		{"host with port", Options{Host: "a.test:80"}, "host"},
		{"host with path", Options{Host: "a.test/x"}, "host"},
		{"host with userinfo", Options{Host: "evil@a.test"}, "host"},
		{"port range", Options{Port: 70000}, "port"},
		{"relative path", Options{Path: "x"}, "must start with /"},
		{"status 200", Options{StatusCode: 200}, "status 200"},
		{"status 304", Options{StatusCode: 304}, "status 304"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}
