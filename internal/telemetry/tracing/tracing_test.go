package tracing

import (
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// receiver is an OTLP/HTTP trace receiver on loopback.
type receiver struct {
	mu    sync.Mutex
	spans []*tracepb.Span
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req coltrace.ExportTraceServiceRequest
	if err := proto.Unmarshal(body, &req); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	rc.mu.Lock()
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			rc.spans = append(rc.spans, ss.Spans...)
		}
	}
	rc.mu.Unlock()
	out, _ := proto.Marshal(&coltrace.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

func TestServerAndClientSpansReachOTLP(t *testing.T) {
	rc := &receiver{}
	collector := httptest.NewServer(rc)
	defer collector.Close()
	tr, err := New(context.Background(), Options{
		Endpoint: strings.TrimPrefix(collector.URL, "http://"), Protocol: "http", Insecure: true, SampleRatio: 0,
	})
	if err != nil {
		t.Fatal(err)
	}

	var originTraceparent string
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		originTraceparent = r.Header.Get("Traceparent")
		io.WriteString(w, "ok")
	}))
	defer origin.Close()
	client := &http.Client{Transport: tr.Transport(http.DefaultTransport)}

	// The client sends a sampled traceparent: parent-based sampling must
	// record it even though the ratio for new traces is 0.
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	const parentID = "00f067aa0ba902b7"
	in := httptest.NewRequest("GET", "/cart/1", nil)
	in.Header.Set("Traceparent", "00-"+traceID+"-"+parentID+"-01")
	r, span := tr.StartServer(in, "cart")
	if TraceID(r.Context()) != traceID {
		t.Fatalf("server span did not continue the client's trace: %q", TraceID(r.Context()))
	}
	out, _ := http.NewRequestWithContext(r.Context(), "GET", origin.URL+"/cart/1", nil)
	resp, err := client.Do(out)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	EndServer(span, 200, "carts")

	// A request without traceparent at ratio 0 is not recorded.
	r2, span2 := tr.StartServer(httptest.NewRequest("GET", "/x", nil), "other")
	EndServer(span2, 200, "carts")
	if TraceID(r2.Context()) == traceID {
		t.Fatal("unrelated request joined the trace")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tr.Shutdown(ctx); err != nil {
		t.Fatalf("flush: %v", err)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.spans) != 2 {
		t.Fatalf("got %d spans, want server + client of the sampled trace only", len(rc.spans))
	}
	var server, clientSpan *tracepb.Span
	for _, s := range rc.spans {
		switch s.Kind {
		case tracepb.Span_SPAN_KIND_SERVER:
			server = s
		case tracepb.Span_SPAN_KIND_CLIENT:
			clientSpan = s
		}
	}
	if server == nil || clientSpan == nil {
		t.Fatalf("spans: %v", rc.spans)
	}
	if hex.EncodeToString(server.TraceId) != traceID || hex.EncodeToString(server.ParentSpanId) != parentID {
		t.Errorf("server span trace/parent = %x/%x", server.TraceId, server.ParentSpanId)
	}
	if hex.EncodeToString(clientSpan.ParentSpanId) != hex.EncodeToString(server.SpanId) {
		t.Errorf("client span is not a child of the server span")
	}
	if server.Name != "GET cart" {
		t.Errorf("server span name %q", server.Name)
	}
	if !strings.Contains(originTraceparent, traceID) || !strings.Contains(originTraceparent, hex.EncodeToString(clientSpan.SpanId)) {
		t.Errorf("origin got traceparent %q, want the client span's context", originTraceparent)
	}
	attrs := map[string]bool{}
	for _, a := range server.Attributes {
		attrs[a.Key] = true
	}
	for _, k := range []string{"http.request.method", "http.route", "http.response.status_code", "url.path"} {
		if !attrs[k] {
			t.Errorf("server span lacks semantic-convention attribute %s", k)
		}
	}
}

func TestNilTracerIsFree(t *testing.T) {
	var tr *Tracer
	r := httptest.NewRequest("GET", "/", nil)
	allocs := testing.AllocsPerRun(100, func() {
		r2, span := tr.StartServer(r, "x")
		EndServer(span, 200, "s")
		_ = r2
	})
	if allocs != 0 {
		t.Errorf("disabled tracing allocates %v per request", allocs)
	}
	if tr.Transport(http.DefaultTransport) != http.DefaultTransport {
		t.Error("disabled tracing must not wrap the transport")
	}
}
