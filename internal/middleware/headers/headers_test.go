package headers

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

func TestRequestOps(t *testing.T) {
	tests := []struct {
		name     string
		ops      Ops
		in       http.Header
		want     http.Header // exact expected request header
		wantHost string
	}{
		{"remove", Ops{Remove: []string{"x-debug", "Cookie"}},
			http.Header{"X-Debug": {"1"}, "Cookie": {"a=b"}, "Keep": {"k"}}, http.Header{"Keep": {"k"}}, "in.test"},
		{"set replaces all values", Ops{Set: []Header{{"x-tenant", "blue"}}},
			http.Header{"X-Tenant": {"red", "green"}}, http.Header{"X-Tenant": {"blue"}}, "in.test"},
		{"add appends", Ops{Add: []Header{{"Via", "shoal"}}},
			http.Header{"Via": {"1.1 lb"}}, http.Header{"Via": {"1.1 lb", "shoal"}}, "in.test"},
		{"set then add", Ops{Set: []Header{{"A", "1"}}, Add: []Header{{"a", "2"}}},
			http.Header{"A": {"0"}}, http.Header{"A": {"1", "2"}}, "in.test"},
		{"set host", Ops{Set: []Header{{"host", "backend.internal"}}},
			http.Header{}, http.Header{}, "backend.internal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mw, err := New(Options{Request: tc.ops})
			if err != nil {
				t.Fatal(err)
			}
			var seen *http.Request
			h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = r }))
			r := httptest.NewRequest("GET", "http://in.test/", nil)
			r.Header = tc.in
			h.ServeHTTP(httptest.NewRecorder(), r)
			if !equalHeader(seen.Header, tc.want) {
				t.Errorf("request header = %v, want %v", seen.Header, tc.want)
			}
			if seen.Host != tc.wantHost {
				t.Errorf("host = %q, want %q", seen.Host, tc.wantHost)
			}
		})
	}
}

// The response changes must land whichever way the inner handler produces its
// header: WriteHeader, a bare Write, Flush, ReadFrom, or nothing at all.
func TestResponseOps(t *testing.T) {
	ops := Ops{
		Remove: []string{"Server", "x-internal"},
		Set:    []Header{{"Cache-Control", "no-store"}},
		Add:    []Header{{"Vary", "X-Tenant"}},
	}
	inners := map[string]http.HandlerFunc{
		"WriteHeader": func(w http.ResponseWriter, r *http.Request) {
			upstreamHeaders(w)
			w.WriteHeader(http.StatusCreated)
			w.Header().Set("X-Late", "ignored") // after the header is sent
		},
		"Write only": func(w http.ResponseWriter, r *http.Request) {
			upstreamHeaders(w)
			w.Write([]byte("body"))
		},
		"nothing written": func(w http.ResponseWriter, r *http.Request) {
			upstreamHeaders(w)
		},
		"Flush first": func(w http.ResponseWriter, r *http.Request) {
			upstreamHeaders(w)
			w.(http.Flusher).Flush()
		},
		"ResponseController Flush": func(w http.ResponseWriter, r *http.Request) {
			upstreamHeaders(w)
			if err := http.NewResponseController(w).Flush(); err != nil {
				t.Errorf("flush: %v", err)
			}
		},
		"ReadFrom": func(w http.ResponseWriter, r *http.Request) {
			upstreamHeaders(w)
			if _, err := w.(io.ReaderFrom).ReadFrom(strings.NewReader("copied")); err != nil {
				t.Errorf("ReadFrom: %v", err)
			}
		},
		"early hints then final": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Link", "</app.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			upstreamHeaders(w)
			w.WriteHeader(http.StatusOK)
		},
	}
	mw, err := New(Options{Response: ops})
	if err != nil {
		t.Fatal(err)
	}
	for name, inner := range inners {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(mw(inner))
			defer srv.Close()
			resp, err := srv.Client().Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			h := resp.Header
			if h.Get("Server") != "" || h.Get("X-Internal") != "" {
				t.Errorf("removed headers still sent: %v", h)
			}
			if got := h.Values("Cache-Control"); !slices.Equal(got, []string{"no-store"}) {
				t.Errorf("Cache-Control = %q, want [no-store]", got)
			}
			if got := h.Values("Vary"); !slices.Equal(got, []string{"Accept-Encoding", "X-Tenant"}) {
				t.Errorf("Vary = %q, want [Accept-Encoding X-Tenant]", got)
			}
			if h.Get("X-Kept") != "yes" {
				t.Errorf("untouched header lost: %v", h)
			}
		})
	}
}

func upstreamHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Server", "origin/1.0")
	h.Set("X-Internal", "secret")
	h.Set("Cache-Control", "max-age=60")
	h.Add("Cache-Control", "public")
	h.Set("Vary", "Accept-Encoding")
	h.Set("X-Kept", "yes")
}

func TestResponseOpsAppliedOnce(t *testing.T) {
	mw, err := New(Options{Response: Ops{Add: []Header{{"X-Hop", "shoal"}}}})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("a"))
		w.(http.Flusher).Flush()
		w.Write([]byte("b"))
	})).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if got := rec.Header().Values("X-Hop"); len(got) != 1 {
		t.Fatalf("X-Hop = %q, want one value", got)
	}
	if !rec.Flushed || rec.Body.String() != "ab" {
		t.Fatalf("flushed=%v body=%q", rec.Flushed, rec.Body.String())
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"bad name", Options{Request: Ops{Set: []Header{{"a b", "x"}}}}, "invalid header name"},
		{"bad remove name", Options{Response: Ops{Remove: []string{""}}}, "invalid header name"},
		{"newline in value", Options{Response: Ops{Add: []Header{{"X", "a\r\nEvil: 1"}}}}, "control character"},
		{"removed and set", Options{Request: Ops{Remove: []string{"x-a"}, Set: []Header{{"X-A", "1"}}}}, "also removed"},
		{"removed and added", Options{Response: Ops{Remove: []string{"X-A"}, Add: []Header{{"x-a", "1"}}}}, "also removed"},
		{"remove host", Options{Request: Ops{Remove: []string{"host"}}}, "Host can only be set"},
		{"add host", Options{Request: Ops{Add: []Header{{"Host", "x"}}}}, "Host can only be set"},
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

func equalHeader(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}
