package app

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/config"
	"github.com/shoal-gw/shoal/internal/telemetry/tracing"
)

// A request whose upstream refuses the connection: its access record, the
// gateway's debug line about the failure and its kept trace share one
// trace id, found through /api/logs?trace_id= and /api/traces/{id}.
func TestTraceLinksLogLinesAndTraceView(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there any more: connect refused

	path := filepath.Join(t.TempDir(), "shoal.yaml")
	writeConfig(t, path, dead, "log: {level: debug}\ntracing: {sample_ratio: 1}\n")
	a := startApp(t, path)
	front, admin := "http://"+a.PublicAddrs()[0], "http://"+a.AdminAddr()
	if code, _ := get(t, front+"/broken"); code != http.StatusBadGateway {
		t.Fatalf("request to a dead upstream: %d, want 502", code)
	}

	var list []tracing.Summary
	decode(t, admin+"/api/traces?status=error", &list)
	if len(list) != 1 || list[0].Path != "/broken" || list[0].Status != 502 || list[0].Service != "s" {
		t.Fatalf("failed traces: %+v", list)
	}
	id := list[0].TraceID
	var tr tracing.Trace
	decode(t, admin+"/api/traces/"+id, &tr)
	if tr.Attempts != 1 || len(tr.SpanList) != 2 || tr.SpanList[1].Kind != "client" || tr.SpanList[1].Status != "error" {
		t.Errorf("trace %s: %+v", id, tr)
	}

	// The access record is written by a background goroutine: poll.
	var recs []LogRecord
	deadline := time.Now().Add(3 * time.Second)
	for {
		decode(t, admin+"/api/logs?trace_id="+id, &recs)
		if len(recs) >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	sources := map[string]string{}
	for _, r := range recs {
		sources[r.Source] = r.Text
	}
	if len(recs) != 2 || sources["access"] == "" || sources["gateway"] == "" {
		t.Fatalf("records with trace id %s: %+v; want the access line and the gateway's upstream failure", id, recs)
	}
	if !strings.Contains(sources["gateway"], "upstream request failed") {
		t.Errorf("gateway record: %q", sources["gateway"])
	}
	for _, r := range recs {
		if r.TraceURL != "/#trace="+id {
			t.Errorf("%s record links to %q", r.Source, r.TraceURL)
		}
	}
}

func decode(t *testing.T, url string, v any) {
	t.Helper()
	code, body := get(t, url)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, code, body)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("GET %s: %v in %s", url, err, body)
	}
}

// The tracing example of docs/observability.md is a valid config.
func TestObservabilityDocExample(t *testing.T) {
	data, err := os.ReadFile("../../docs/observability.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	start := strings.Index(doc, "```yaml\ntracing:")
	if start < 0 {
		t.Fatal("docs/observability.md has no tracing example")
	}
	block := doc[start+len("```yaml\n"):]
	block = block[:strings.Index(block, "```")]
	cfg := "listen: [127.0.0.1:8080]\nservices:\n  web: {endpoints: [http://127.0.0.1:9001]}\nroutes:\n  - {service: web}\n" + block
	c, err := config.Parse("observability.md", []byte(cfg))
	if err != nil {
		t.Fatalf("the example is refused: %v\n%s", err, block)
	}
	if tr := c.Static.Tracing; tr.SampleRatio != 0.1 || tr.Endpoint != "127.0.0.1:4317" || tr.Protocol != "grpc" {
		t.Errorf("the example reads as %+v", tr)
	}
}

// With no exporter and keep: 0 nothing records traces: no tracer on the
// request path (no traceparent reaches the upstream) and no /api/traces.
func TestTracingOffWithoutKeepOrEndpoint(t *testing.T) {
	seen := make(chan string, 1)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case seen <- r.Header.Get("Traceparent"):
		default:
		}
	}))
	defer up.Close()
	path := filepath.Join(t.TempDir(), "shoal.yaml")
	writeConfig(t, path, up.URL, "tracing: {keep: 0, sample_ratio: 1}\n")
	a := startApp(t, path)
	if code, _ := get(t, "http://"+a.PublicAddrs()[0]+"/x"); code != http.StatusOK {
		t.Fatalf("request: %d", code)
	}
	if tp := <-seen; tp != "" {
		t.Errorf("upstream got traceparent %q with tracing off", tp)
	}
	if a.tracer != nil {
		t.Error("a tracer was built with no endpoint and keep: 0")
	}
	if code, _ := get(t, "http://"+a.AdminAddr()+"/api/traces"); code != http.StatusNotFound {
		t.Errorf("GET /api/traces with keep: 0: %d, want 404", code)
	}
}
