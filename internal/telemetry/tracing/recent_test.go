package tracing

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// gatewayLike sends one request through a server span and, when the
// origin answers 503 on the first try, a second attempt: the spans the
// gateway makes for a retried request.
func gatewayLike(t *testing.T, tr *Tracer, originURL, path string, retries int) string {
	t.Helper()
	client := &http.Client{Transport: tr.Transport(http.DefaultTransport)}
	var traceID string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, span := tr.StartServer(r, "/")
		traceID = TraceID(r.Context())
		status := 0
		for i := 0; i <= retries; i++ {
			req, _ := http.NewRequestWithContext(r.Context(), "GET", originURL+path, nil)
			resp, err := client.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			status = resp.StatusCode
			if status < 500 {
				break
			}
		}
		w.WriteHeader(status)
		EndServer(span, status, "svc")
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "http://gw"+path, nil))
	return traceID
}

func newTestTracer(t *testing.T, ratio float64, keep int) (*Tracer, *Recent) {
	t.Helper()
	rc := NewRecent(keep, 8)
	tr, err := New(context.Background(), Options{SampleRatio: ratio, Recent: rc})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
	return tr, rc
}

func TestRecentKeepsRetriedRequestWithoutExporter(t *testing.T) {
	var calls atomic.Int32
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/flaky" && calls.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if r.URL.Path == "/slow" {
			time.Sleep(30 * time.Millisecond)
		}
		io.WriteString(w, "ok")
	}))
	defer origin.Close()
	tr, rc := newTestTracer(t, 1, 10)

	okID := gatewayLike(t, tr, origin.URL, "/fine", 0)
	flakyID := gatewayLike(t, tr, origin.URL, "/flaky", 1)
	slowID := gatewayLike(t, tr, origin.URL, "/slow", 0)

	all, err := rc.List(Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 || all[0].TraceID != slowID || all[2].TraceID != okID {
		t.Fatalf("want 3 traces newest first (%s ... %s), got %+v", slowID, okID, all)
	}
	got, ok := rc.Get(flakyID)
	if !ok {
		t.Fatalf("trace %s not kept", flakyID)
	}
	if got.Attempts != 2 || !got.Error || got.Status != 200 || got.Service != "svc" || got.Path != "/flaky" {
		t.Errorf("summary of the retried request: %+v", got.Summary)
	}
	if len(got.SpanList) != 3 || got.SpanList[0].Kind != "server" {
		t.Fatalf("want the server span then two client spans, got %+v", got.SpanList)
	}
	server := got.SpanList[0]
	for i, s := range got.SpanList[1:] {
		if s.Kind != "client" || s.ParentID != server.SpanID {
			t.Errorf("attempt %d: kind %s parent %s, want a client span under %s", i+1, s.Kind, s.ParentID, server.SpanID)
		}
		if s.OffsetMS < 0 || s.OffsetMS+s.DurationMS > server.DurationMS+0.001 {
			t.Errorf("attempt %d at %.3f+%.3f ms lies outside the server span (%.3f ms)", i+1, s.OffsetMS, s.DurationMS, server.DurationMS)
		}
		if s.Attributes["server.port"] == "" {
			t.Errorf("attempt %d has no server.port: %v", i+1, s.Attributes)
		}
	}
	if got.SpanList[1].Status != "error" || got.SpanList[2].Status == "error" {
		t.Errorf("first attempt (503) should be the failed one: %s, %s", got.SpanList[1].Status, got.SpanList[2].Status)
	}

	check := func(q Query, want ...string) {
		t.Helper()
		list, err := rc.List(q)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, s := range list {
			ids = append(ids, s.TraceID)
		}
		if strings.Join(ids, ",") != strings.Join(want, ",") {
			t.Errorf("List(%+v) = %v, want %v", q, ids, want)
		}
	}
	check(Query{Status: "error"}, flakyID)
	check(Query{Status: "ok"}, slowID, okID)
	check(Query{Status: "2xx", Limit: 1}, slowID)
	check(Query{Status: "503"})
	check(Query{MinDuration: 25 * time.Millisecond}, slowID)
	check(Query{Service: "other"})
	if list, _ := rc.List(Query{Sort: "slowest"}); len(list) != 3 || list[0].TraceID != slowID {
		t.Errorf("slowest first: %+v", list)
	}
	for _, bad := range []Query{{Sort: "fastest"}, {Status: "6xx"}, {Status: "teapot"}, {MinDuration: -1}} {
		if _, err := rc.List(bad); err == nil {
			t.Errorf("List(%+v) accepted", bad)
		}
	}
	if _, ok := rc.Get("not-a-trace-id"); ok {
		t.Error("Get accepted a malformed id")
	}
	// The answers are JSON for the admin API.
	if _, err := json.Marshal(got); err != nil {
		t.Fatal(err)
	}
}

func TestRecentIsBoundedAndRespectsSampling(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer origin.Close()

	tr, rc := newTestTracer(t, 1, 4)
	var ids []string
	for range 7 {
		ids = append(ids, gatewayLike(t, tr, origin.URL, "/", 0))
	}
	if rc.Len() != 4 {
		t.Fatalf("kept %d traces, want the bound 4", rc.Len())
	}
	if _, ok := rc.Get(ids[2]); ok {
		t.Error("an evicted trace is still readable")
	}
	if _, ok := rc.Get(ids[6]); !ok {
		t.Error("the newest trace is missing")
	}

	// A trace with more spans than the per-trace bound keeps the first ones.
	id := gatewayLike(t, tr, origin.URL, "/", 0)
	tid, _ := ParseTraceID(id)
	parent := trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: tid, SpanID: trace.SpanID{1}, TraceFlags: trace.FlagsSampled, Remote: true,
	}))
	for range 20 {
		_, s := tr.tr.Start(parent, "extra")
		s.End()
	}
	if got, _ := rc.Get(id); len(got.SpanList) != 8 || got.DroppedSpans != 14 {
		t.Errorf("per-trace bound: %d spans kept, %d dropped; want 8 and 14", len(got.SpanList), got.DroppedSpans)
	}

	off, offRecent := newTestTracer(t, 0, 4)
	for range 5 {
		gatewayLike(t, off, origin.URL, "/", 0)
	}
	if offRecent.Len() != 0 {
		t.Errorf("ratio 0 kept %d traces", offRecent.Len())
	}
	// A caller that sampled its trace is followed (parent-based).
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, span := off.StartServer(r, "/")
		EndServer(span, 200, "svc")
	})
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	h.ServeHTTP(httptest.NewRecorder(), req)
	if _, ok := offRecent.Get("4bf92f3577b34da6a3ce929d0e0e4736"); !ok {
		t.Error("a sampled parent's trace was not kept")
	}
}

func TestLogHandlerAddsTraceIDs(t *testing.T) {
	tr, _ := newTestTracer(t, 1, 4)
	var buf bytes.Buffer
	log := slog.New(LogHandler(slog.NewJSONHandler(&buf, nil))).With("component", "test")
	req := httptest.NewRequest("GET", "/", nil)
	req, span := tr.StartServer(req, "/")
	log.WarnContext(req.Context(), "in a request")
	log.Info("outside any request")
	EndServer(span, 200, "svc")

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got %q", buf.String())
	}
	var in, out map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &in); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &out); err != nil {
		t.Fatal(err)
	}
	sc := span.SpanContext()
	if in["trace_id"] != sc.TraceID().String() || in["span_id"] != sc.SpanID().String() || in["component"] != "test" {
		t.Errorf("line in a request: %v, want trace %s span %s", in, sc.TraceID(), sc.SpanID())
	}
	if _, ok := out["trace_id"]; ok {
		t.Errorf("line outside a request carries a trace id: %v", out)
	}
}
