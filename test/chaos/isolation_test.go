package chaos

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"
)

// One of three services black-holes under load. Its bulkhead caps what it
// can hold; the other two keep answering every request. Latencies are
// logged, not asserted (speed goals belong in benchmarks).
func TestBlackHoledServiceIsolated(t *testing.T) {
	noLeaks(t)
	a := newBackend(t, ok)
	b := newBackend(t, ok)
	bad := newBackend(t, ok)
	p := tp.newProxy(t, bad.addr())
	p.toxic(t, "hole", "timeout", "downstream", map[string]any{"timeout": 0})
	g, url, c := gatewayFor(t, fmt.Sprintf(`
services:
  a: {endpoints: [%s]}
  b: {endpoints: [%s]}
  bad:
    endpoints: [%s]
    bulkhead: {max_concurrent: 4, max_pending: 2, queue_timeout: 50ms}
    timeouts: {response_header: 500ms}
routes:
  - {match: {path_prefix: /a}, service: a}
  - {match: {path_prefix: /b}, service: b}
  - {match: {path_prefix: /bad}, service: bad}
`, a.srv.URL, b.srv.URL, p.url()))
	c.Transport.(*http.Transport).MaxIdleConnsPerHost = 64

	type result struct {
		path string
		code int
		d    time.Duration
	}
	var mu sync.Mutex
	var results []result
	var maxActive int64
	stop := time.Now().Add(1500 * time.Millisecond)
	var wg sync.WaitGroup
	for w := range 24 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := []string{"/a", "/b", "/bad"}[w%3]
			for time.Now().Before(stop) {
				start := time.Now()
				resp, err := c.Get(url + path)
				code := 0
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					code = resp.StatusCode
				}
				mu.Lock()
				results = append(results, result{path, code, time.Since(start)})
				if st, ok := g.Resilience("bad"); ok && st.Bulkhead.Active > maxActive {
					maxActive = st.Bulkhead.Active
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()

	lat := map[string][]time.Duration{}
	codes := map[string]map[int]int{}
	for _, r := range results {
		lat[r.path] = append(lat[r.path], r.d)
		if codes[r.path] == nil {
			codes[r.path] = map[int]int{}
		}
		codes[r.path][r.code]++
	}
	for _, path := range []string{"/a", "/b", "/bad"} {
		ds := lat[path]
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		t.Logf("%-4s requests %5d  p50 %8s  p99 %8s  codes %v", path, len(ds), ds[len(ds)/2], ds[len(ds)*99/100], codes[path])
	}
	for _, path := range []string{"/a", "/b"} {
		if n := len(lat[path]); codes[path][200] != n || n == 0 {
			t.Errorf("%s: %v of %d requests; the healthy services must answer all", path, codes[path], n)
		}
	}
	if codes["/bad"][503] == 0 || codes["/bad"][504] == 0 {
		t.Errorf("/bad: %v; want 504s from the hole and 503s from the full bulkhead", codes["/bad"])
	}
	if maxActive > 4 {
		t.Errorf("bulkhead let %d requests in flight, max 4", maxActive)
	}
}
