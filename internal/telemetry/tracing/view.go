package tracing

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Summary is one kept trace in GET /api/traces: the request its server span
// describes.
type Summary struct {
	TraceID    string    `json:"trace_id"`
	Start      time.Time `json:"start"`
	DurationMS float64   `json:"duration_ms"`
	// Name is the server span's name, "METHOD route".
	Name    string `json:"name"`
	Method  string `json:"method,omitempty"`
	Path    string `json:"path,omitempty"`
	Route   string `json:"route,omitempty"`
	Service string `json:"service,omitempty"`
	// Status is the HTTP status answered (0 when the server span is not
	// among the kept spans).
	Status int `json:"status"`
	// Error is true when any span of the trace ended in error (a 5xx, a
	// failed upstream attempt), even when a retry saved the request.
	Error bool `json:"error"`
	// Attempts counts the upstream tries (client spans): more than one
	// means retries or hedges.
	Attempts int `json:"attempts"`
	Spans    int `json:"spans"`
}

// Span is one span of a trace, placed on the trace's time line.
type Span struct {
	SpanID   string `json:"span_id"`
	ParentID string `json:"parent_span_id,omitempty"`
	Name     string `json:"name"`
	// Kind is server, client or internal.
	Kind  string    `json:"kind"`
	Start time.Time `json:"start"`
	// OffsetMS is the start relative to the trace's first span.
	OffsetMS   float64 `json:"offset_ms"`
	DurationMS float64 `json:"duration_ms"`
	// Status is ok, error or unset (OpenTelemetry's span status).
	Status        string            `json:"status"`
	StatusMessage string            `json:"status_message,omitempty"`
	Attributes    map[string]string `json:"attributes,omitempty"`
	Events        []SpanEvent       `json:"events,omitempty"`
}

// SpanEvent is something recorded during a span, such as an upstream
// error.
type SpanEvent struct {
	Name       string            `json:"name"`
	OffsetMS   float64           `json:"offset_ms"`
	Attributes map[string]string `json:"attributes,omitempty"`
}

// Trace is GET /api/traces/{trace_id}: the summary and every kept span,
// in start order.
type Trace struct {
	Summary
	SpanList []Span `json:"span_list"`
	// DroppedSpans counts spans past the per-trace bound.
	DroppedSpans int `json:"dropped_spans,omitempty"`
}

// Get returns one kept trace by its 32-hex-digit id.
func (r *Recent) Get(id string) (Trace, bool) {
	tid, err := ParseTraceID(id)
	if err != nil {
		return Trace{}, false
	}
	kt, ok := r.lookup(tid)
	if !ok || len(kt.spans) == 0 {
		return Trace{}, false
	}
	spans := slices.Clone(kt.spans)
	slices.SortStableFunc(spans, func(a, b sdktrace.ReadOnlySpan) int { return a.StartTime().Compare(b.StartTime()) })
	sum, _ := summarize(spans)
	t := Trace{Summary: sum, SpanList: make([]Span, len(spans)), DroppedSpans: kt.dropped}
	origin := spans[0].StartTime()
	for i, s := range spans {
		t.SpanList[i] = spanView(s, origin)
	}
	return t, true
}

// ParseTraceID reads a W3C trace id (32 lowercase or uppercase hex digits,
// not all zero).
func ParseTraceID(s string) (trace.TraceID, error) {
	var id trace.TraceID
	if len(s) != 32 {
		return id, fmt.Errorf("trace id %q: want 32 hex digits", s)
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return id, fmt.Errorf("trace id %q: %w", s, err)
	}
	if !id.IsValid() {
		return id, fmt.Errorf("trace id %q is all zeros", s)
	}
	return id, nil
}

// summarize describes a trace by its server span: the first one in the
// trace whose parent is not itself kept (the gateway's entry span, whether
// the client sent a traceparent or not). complete is false while no server
// span has ended.
func summarize(spans []sdktrace.ReadOnlySpan) (Summary, bool) {
	ids := make(map[trace.SpanID]bool, len(spans))
	for _, s := range spans {
		ids[s.SpanContext().SpanID()] = true
	}
	var root sdktrace.ReadOnlySpan
	var sum Summary
	var start, end time.Time
	for _, s := range spans {
		if start.IsZero() || s.StartTime().Before(start) {
			start = s.StartTime()
		}
		if s.EndTime().After(end) {
			end = s.EndTime()
		}
		if s.Status().Code == codes.Error {
			sum.Error = true
		}
		switch s.SpanKind() {
		case trace.SpanKindClient:
			sum.Attempts++
		case trace.SpanKindServer:
			if better(s, root, ids) {
				root = s
			}
		}
	}
	sum.TraceID = spans[0].SpanContext().TraceID().String()
	sum.Spans = len(spans)
	sum.Start = start.UTC()
	sum.DurationMS = ms(end.Sub(start))
	if root == nil {
		return sum, false
	}
	sum.Name = root.Name()
	for _, kv := range root.Attributes() {
		switch kv.Key {
		case "http.request.method":
			sum.Method = kv.Value.Emit()
		case "url.path":
			sum.Path = kv.Value.Emit()
		case "http.route":
			sum.Route = kv.Value.Emit()
		case "shoal.service":
			sum.Service = kv.Value.Emit()
		case "http.response.status_code":
			sum.Status = int(kv.Value.AsInt64())
		}
	}
	return sum, true
}

// better reports whether server span s is a better root than cur: one whose
// parent is not kept wins over one whose parent is, then the earlier one.
func better(s, cur sdktrace.ReadOnlySpan, kept map[trace.SpanID]bool) bool {
	if cur == nil {
		return true
	}
	sTop, curTop := !kept[s.Parent().SpanID()], !kept[cur.Parent().SpanID()]
	if sTop != curTop {
		return sTop
	}
	return s.StartTime().Before(cur.StartTime())
}

func spanView(s sdktrace.ReadOnlySpan, origin time.Time) Span {
	v := Span{
		SpanID: s.SpanContext().SpanID().String(),
		Name:   s.Name(), Kind: s.SpanKind().String(),
		Start:    s.StartTime().UTC(),
		OffsetMS: ms(s.StartTime().Sub(origin)), DurationMS: ms(s.EndTime().Sub(s.StartTime())),
		Status: strings.ToLower(s.Status().Code.String()), StatusMessage: s.Status().Description,
		Attributes: attrMap(s.Attributes()),
	}
	if p := s.Parent(); p.HasSpanID() {
		v.ParentID = p.SpanID().String()
	}
	for _, e := range s.Events() {
		v.Events = append(v.Events, SpanEvent{Name: e.Name, OffsetMS: ms(e.Time.Sub(origin)), Attributes: attrMap(e.Attributes)})
	}
	return v
}

func attrMap(kvs []attribute.KeyValue) map[string]string {
	if len(kvs) == 0 {
		return nil
	}
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value.Emit()
	}
	return m
}

// ms is a duration in milliseconds, to the microsecond.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
