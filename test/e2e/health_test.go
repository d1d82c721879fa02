package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// toggled is an origin whose health and answers the test can flip.
type toggled struct {
	*httptest.Server
	healthy atomic.Bool
	fail5xx atomic.Bool
}

func newToggled(t *testing.T, name string) *toggled {
	t.Helper()
	o := &toggled{}
	o.healthy.Store(true)
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			if !o.healthy.Load() {
				w.WriteHeader(503)
			}
			return
		}
		if o.fail5xx.Load() {
			w.WriteHeader(502)
			return
		}
		io.WriteString(w, name)
	}))
	t.Cleanup(o.Close)
	return o
}

// spread sends n requests and counts answers by body.
func spread(t *testing.T, url string, n int) map[string]int {
	t.Helper()
	seen := map[string]int{}
	for i := 0; i < n; i++ {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			seen[fmt.Sprint(resp.StatusCode)]++
			continue
		}
		seen[string(b)]++
	}
	return seen
}

func eventually(t *testing.T, within time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < within {
		if cond() {
			return time.Since(start)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s: not within %v", what, within)
	return 0
}

func TestActiveHealthAndOutlierDetection(t *testing.T) {
	a, b := newToggled(t, "a"), newToggled(t, "b")
	c, d := newToggled(t, "c"), newToggled(t, "d")
	g := runGateway(t, fmt.Sprintf(`services:
  checked:
    endpoints: [%s, %s]
    health: {path: /healthz, interval: 100ms, timeout: 50ms, jitter: 0, unhealthy_threshold: 2, healthy_threshold: 2}
  passive:
    endpoints: [%s, %s]
    outlier: {consecutive_5xx: 3, base_ejection_time: 1s, max_ejection_percent: 50}
routes:
  - {match: {path_prefix: /passive}, service: passive}
  - {service: checked}
`, a.URL, b.URL, c.URL, d.URL))
	admin, front := g.admin, "http://"+g.listen

	// Both checked endpoints come into rotation after their first probe.
	eventually(t, 3*time.Second, "both endpoints healthy", func() bool {
		s := spread(t, front+"/", 10)
		return s["a"] > 0 && s["b"] > 0
	})
	// a fails its probe: out within interval × unhealthy_threshold (+ slack).
	a.healthy.Store(false)
	took := eventually(t, 2*time.Second, "a out of rotation", func() bool {
		return spread(t, front+"/", 10)["a"] == 0
	})
	t.Logf("failing endpoint left rotation after %v", took)
	if s := spread(t, front+"/", 20); s["b"] != 20 {
		t.Errorf("with a unhealthy every request must reach b: %v", s)
	}
	_, body := get(t, "http://"+admin+"/api/services/checked")
	if !strings.Contains(body, `"state": "unhealthy"`) {
		t.Errorf("admin API does not show the unhealthy endpoint: %s", body)
	}
	a.healthy.Store(true)
	eventually(t, 2*time.Second, "a back in rotation", func() bool {
		return spread(t, front+"/", 10)["a"] > 0
	})

	// Passive: c answers 502 three times in a row and is ejected.
	c.fail5xx.Store(true)
	failures := 0
	eventually(t, 3*time.Second, "c ejected", func() bool {
		s := spread(t, front+"/passive", 10)
		failures += s["502"]
		return s["502"] == 0 && s["d"] == 10
	})
	if failures < 3 || failures > 6 {
		t.Errorf("%d failed requests reached c before ejection, want about 3", failures)
	}
	// max_ejection_percent 50 of 2 endpoints: d can never be ejected too.
	d.fail5xx.Store(true)
	if s := spread(t, front+"/passive", 10); s["502"] != 10 {
		t.Errorf("d must stay in rotation (max_ejection_percent): %v", s)
	}
	d.fail5xx.Store(false)
	c.fail5xx.Store(false)
	// After the ejection time c returns.
	eventually(t, 4*time.Second, "c returns after its ejection", func() bool {
		return spread(t, front+"/passive", 10)["c"] > 0
	})
}
