package direct

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestDirect(t *testing.T) {
	tests := []struct {
		name       string
		opts       Options
		method     string
		wantCode   int
		wantBody   string
		wantHeader map[string]string
	}{
		{"defaults", Options{Body: "ok\n"}, "GET", 200, "ok\n",
			map[string]string{"Content-Type": "text/plain; charset=utf-8", "Content-Length": "3"}},
		{"status and type", Options{StatusCode: 503, Body: `{"error":"maintenance"}`, ContentType: "application/json"}, "GET", 503, `{"error":"maintenance"}`,
			map[string]string{"Content-Type": "application/json"}},
		{"extra headers", Options{StatusCode: 403, Body: "no", Headers: http.Header{"retry-after": {"120"}, "Content-Type": {"text/html"}}}, "POST", 403, "no",
			map[string]string{"Retry-After": "120", "Content-Type": "text/html"}},
		{"head sends no body", Options{Body: "hello"}, "HEAD", 200, "",
			map[string]string{"Content-Length": "5"}},
		{"no content", Options{StatusCode: 204, Headers: http.Header{"X-A": {"1"}}}, "GET", 204, "",
			map[string]string{"X-A": "1"}},
		{"empty body", Options{StatusCode: 404}, "GET", 404, "",
			map[string]string{"Content-Length": "0", "Content-Type": ""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := New(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			// Through a real server, so Content-Length and HEAD handling are
			// what a client sees on the wire.
			srv := httptest.NewServer(h)
			defer srv.Close()
			req, _ := http.NewRequest(tc.method, srv.URL+"/anything", nil)
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.wantCode || string(body) != tc.wantBody {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, body, tc.wantCode, tc.wantBody)
			}
			for k, v := range tc.wantHeader {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

// Responses share the handler's precomputed header slices. A middleware that
// appends to one (headers' response Add does) must get its own array, or
// concurrent requests would write into the same memory (the race detector
// catches that here).
func TestSharedHeadersStayUnchanged(t *testing.T) {
	// Enough values that building the slice may leave spare capacity behind.
	want := strings.Split("a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", ",")
	h, err := New(Options{Body: "x", Headers: http.Header{"X-Many": want}})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
			if got := rec.Header().Values("X-Many"); !slices.Equal(got, want) {
				t.Errorf("request %d: X-Many = %q", i, got)
			}
			rec.Header()["X-Many"] = append(rec.Header()["X-Many"], fmt.Sprint(i))
		})
	}
	wg.Wait()
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"1xx", Options{StatusCode: 101}, "200 to 599"},
		{"too big", Options{StatusCode: 600}, "200 to 599"},
		{"body on 204", Options{StatusCode: 204, Body: "x"}, "cannot carry a body"},
		{"body on 304", Options{StatusCode: 304, Body: "x"}, "cannot carry a body"},
		{"content length", Options{Headers: http.Header{"Content-Length": {"3"}}}, "set from the body"},
		{"header injection", Options{Headers: http.Header{"X": {"a\nB: c"}}}, "control character"},
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
