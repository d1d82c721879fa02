package telemetry

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
)

// blockingWriter blocks every Write until released, like a stuck disk.
type blockingWriter struct {
	release chan struct{}
	mu      sync.Mutex
	buf     bytes.Buffer
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	<-w.release
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func TestAccessLogNeverBlocks(t *testing.T) {
	w := &blockingWriter{release: make(chan struct{})}
	l := NewAccessLog(w, 8)
	start := time.Now()
	for i := 0; i < 1000; i++ {
		l.Log(AccessEntry{Time: time.Now(), Method: "GET", Path: "/x", Status: 200})
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("logging 1000 entries to a stuck writer took %v", d)
	}
	if l.Dropped() == 0 {
		t.Fatal("a stuck writer must make the log drop entries, not wait")
	}
	close(w.release)
	l.Close()
	w.mu.Lock()
	defer w.mu.Unlock()
	lines := strings.Count(w.buf.String(), "\n")
	if lines == 0 || uint64(lines)+l.Dropped() != 1000 {
		t.Errorf("written %d + dropped %d != 1000", lines, l.Dropped())
	}
	if !strings.Contains(w.buf.String(), `method="GET" host="" path="/x"`) || !strings.Contains(w.buf.String(), "status=200") {
		t.Errorf("unexpected line format: %q", strings.SplitN(w.buf.String(), "\n", 2)[0])
	}
}

func TestRouteMetricsAndLint(t *testing.T) {
	m := NewMetrics()
	rm := m.Route("api", "users")
	rm.Begin()
	rm.End(503, 0.02)
	rm.Begin()
	rm.End(204, 0.01)
	if got := testutil.ToFloat64(m.requests.WithLabelValues("api", "users", "5xx")); got != 1 {
		t.Errorf("5xx count = %v", got)
	}
	if got := testutil.ToFloat64(m.inFlight.WithLabelValues("users")); got != 0 {
		t.Errorf("in-flight after both ended = %v", got)
	}
	m.ReloadResult(false, 0)
	m.UpstreamError("users", "upstream-timeout").Inc()
	m.SetEndpoints("users", 2, 1)
	problems, err := promlint.NewWithMetricFamilies(mustGather(t, m)).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if strings.HasPrefix(p.Metric, "shoal_") {
			t.Errorf("metric %s: %s", p.Metric, p.Text)
		}
	}
}

func mustGather(t *testing.T, m *Metrics) []*dto.MetricFamily {
	t.Helper()
	mfs, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	return mfs
}
