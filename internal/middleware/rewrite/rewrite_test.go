package rewrite

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRewrite(t *testing.T) {
	tests := []struct {
		name        string
		opts        Options
		target      string
		wantPath    string // decoded
		wantEscaped string // what goes on the wire
		wantQuery   string
		wantPrefix  string // X-Forwarded-Prefix
		wantOrig    string // X-Replaced-Path
	}{
		{"strip", Options{StripPrefix: "/api"}, "/api/users", "/users", "/users", "", "/api", ""},
		{"strip whole path", Options{StripPrefix: "/api"}, "/api", "/", "/", "", "/api", ""},
		{"strip trailing slash", Options{StripPrefix: "/api"}, "/api/", "/", "/", "", "/api", ""},
		{"strip option trailing slash", Options{StripPrefix: "/api/"}, "/api/users", "/users", "/users", "", "/api", ""},
		{"strip only whole segments", Options{StripPrefix: "/api"}, "/apix/users", "/apix/users", "/apix/users", "", "", ""},
		{"strip keeps query", Options{StripPrefix: "/api"}, "/api/s?q=a%20b&x=1", "/s", "/s", "q=a%20b&x=1", "/api", ""},
		{"strip multi-segment", Options{StripPrefix: "/api/v1"}, "/api/v1/users/7", "/users/7", "/users/7", "", "/api/v1", ""},
		{"strip keeps escaped slash", Options{StripPrefix: "/api"}, "/api/a%2Fb", "/a/b", "/a%2Fb", "", "/api", ""},
		{"strip escaped prefix", Options{StripPrefix: "/api"}, "/ap%69/x%2Fy", "/x/y", "/x%2Fy", "", "/api", ""},
		{"strip with space", Options{StripPrefix: "/api"}, "/api/a%20b", "/a b", "/a%20b", "", "/api", ""},
		{"replace prefix", Options{StripPrefix: "/api", AddPrefix: "/v2"}, "/api/users", "/v2/users", "/v2/users", "", "/api", ""},
		{"replace prefix whole path", Options{StripPrefix: "/api", AddPrefix: "/v2/"}, "/api", "/v2", "/v2", "", "/api", ""},
		{"replace prefix trailing slash", Options{StripPrefix: "/api", AddPrefix: "/v2"}, "/api/", "/v2/", "/v2/", "", "/api", ""},
		{"replace prefix keeps escaped slash", Options{StripPrefix: "/api", AddPrefix: "/v2"}, "/api/a%2Fb", "/v2/a/b", "/v2/a%2Fb", "", "/api", ""},
		{"add prefix", Options{AddPrefix: "/internal"}, "/users?id=1", "/internal/users", "/internal/users", "id=1", "", ""},
		{"add prefix to root", Options{AddPrefix: "/internal"}, "/", "/internal/", "/internal/", "", "", ""},
		{"replace path", Options{ReplacePath: "/health"}, "/any/where?x=1", "/health", "/health", "x=1", "", "/any/where"},
		{"replace path escapes", Options{ReplacePath: "/a b"}, "/x%2Fy", "/a b", "/a%20b", "", "", "/x%2Fy"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mw, err := New(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			var seen *http.Request
			r := httptest.NewRequest("GET", tc.target, nil)
			origURL := *r.URL
			mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = r })).ServeHTTP(httptest.NewRecorder(), r)

			if seen.URL.Path != tc.wantPath || seen.URL.EscapedPath() != tc.wantEscaped {
				t.Errorf("path = %q (escaped %q), want %q (%q)", seen.URL.Path, seen.URL.EscapedPath(), tc.wantPath, tc.wantEscaped)
			}
			if seen.URL.RawQuery != tc.wantQuery {
				t.Errorf("query = %q, want %q", seen.URL.RawQuery, tc.wantQuery)
			}
			if got := seen.Header.Get(ForwardedPrefixHeader); got != tc.wantPrefix {
				t.Errorf("X-Forwarded-Prefix = %q, want %q", got, tc.wantPrefix)
			}
			if got := seen.Header.Get(ReplacedPathHeader); got != tc.wantOrig {
				t.Errorf("X-Replaced-Path = %q, want %q", got, tc.wantOrig)
			}
			if !strings.HasPrefix(seen.URL.Path, "/") {
				t.Errorf("path %q does not start with /", seen.URL.Path)
			}
			if *r.URL != origURL {
				t.Errorf("caller's URL changed: %+v", r.URL)
			}
		})
	}
}

// The stripped request must be the one the next handler forwards: the client's
// X-Forwarded-Prefix is replaced, never trusted.
func TestStripOverridesClientPrefixHeader(t *testing.T) {
	mw, err := New(Options{StripPrefix: "/api"})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/api/x", nil)
	r.Header.Set(ForwardedPrefixHeader, "/evil")
	var got []string
	mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Values(ForwardedPrefixHeader)
	})).ServeHTTP(httptest.NewRecorder(), r)
	if len(got) != 1 || got[0] != "/api" {
		t.Fatalf("X-Forwarded-Prefix = %q, want [/api]", got)
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"nothing", Options{}, "set strip_prefix"},
		{"relative strip", Options{StripPrefix: "api"}, "must start with /"},
		{"relative add", Options{AddPrefix: "v2"}, "must start with /"},
		{"relative replace", Options{ReplacePath: "x"}, "must start with /"},
		{"root strip", Options{StripPrefix: "/"}, "strip nothing"},
		{"replace with strip", Options{ReplacePath: "/x", StripPrefix: "/a"}, "cannot be combined"},
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
