package tracing

import (
	"context"
	"sync"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Recent is a span processor that keeps the spans of the last traces in
// memory, for the admin API's trace view. It sees the same spans an OTLP
// exporter would: only sampled ones, so the sample ratio bounds its cost as
// it bounds the exporter's. It works with no exporter configured at all.
//
// Memory is bounded twice: at most maxTraces traces (the oldest trace is
// forgotten when a new one arrives) and at most maxSpans spans per trace
// (a client that reuses one traceparent for every request would otherwise
// grow one trace for ever).
type Recent struct {
	maxTraces int
	maxSpans  int

	mu     sync.Mutex
	traces map[trace.TraceID]*keptTrace
	order  []trace.TraceID // ring of trace ids in arrival order
	next   int             // slot of order the next new trace takes
	filled bool            // order has wrapped: order[next] is the oldest
}

type keptTrace struct {
	spans   []sdktrace.ReadOnlySpan
	dropped int
}

// Default bounds of NewRecent's arguments when they are not positive.
const (
	DefaultRecentTraces  = 1000
	DefaultSpansPerTrace = 64
)

// NewRecent keeps up to maxTraces traces of up to spansPerTrace spans each.
func NewRecent(maxTraces, spansPerTrace int) *Recent {
	if maxTraces <= 0 {
		maxTraces = DefaultRecentTraces
	}
	if spansPerTrace <= 0 {
		spansPerTrace = DefaultSpansPerTrace
	}
	return &Recent{
		maxTraces: maxTraces, maxSpans: spansPerTrace,
		traces: make(map[trace.TraceID]*keptTrace, maxTraces),
		order:  make([]trace.TraceID, maxTraces),
	}
}

// OnStart implements sdktrace.SpanProcessor; spans are kept when they end.
func (r *Recent) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// OnEnd keeps a finished span. It runs on the request path, inside
// span.End: a map lookup and an append under one lock.
func (r *Recent) OnEnd(s sdktrace.ReadOnlySpan) {
	sc := s.SpanContext()
	if !sc.IsSampled() {
		// A span recorded but not sampled (a RecordOnly sampler) is not
		// exported either; the view follows the same rule.
		return
	}
	id := sc.TraceID()
	r.mu.Lock()
	defer r.mu.Unlock()
	kt, ok := r.traces[id]
	if !ok {
		if r.filled {
			delete(r.traces, r.order[r.next])
		}
		kt = &keptTrace{}
		r.traces[id] = kt
		r.order[r.next] = id
		r.next++
		if r.next == len(r.order) {
			r.next, r.filled = 0, true
		}
	}
	if len(kt.spans) >= r.maxSpans {
		kt.dropped++
		return
	}
	kt.spans = append(kt.spans, s)
}

// Shutdown implements sdktrace.SpanProcessor. The kept traces stay readable.
func (r *Recent) Shutdown(context.Context) error { return nil }

// ForceFlush implements sdktrace.SpanProcessor; nothing is buffered.
func (r *Recent) ForceFlush(context.Context) error { return nil }

// Len reports how many traces are kept.
func (r *Recent) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.traces)
}

// kept is one trace as read out of the store.
type kept struct {
	spans   []sdktrace.ReadOnlySpan
	dropped int
}

// newestFirst copies out every kept trace, newest first. Only slice headers
// are copied under the lock: later appends write past their length, and the
// spans themselves are immutable snapshots, so the caller reads them
// without holding up the request path.
func (r *Recent) newestFirst() []kept {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.next
	if r.filled {
		n = len(r.order)
	}
	out := make([]kept, 0, n)
	for i := 1; i <= n; i++ {
		id := r.order[(r.next-i+len(r.order))%len(r.order)]
		if kt, ok := r.traces[id]; ok {
			out = append(out, kept{spans: kt.spans[:len(kt.spans):len(kt.spans)], dropped: kt.dropped})
		}
	}
	return out
}

// lookup copies out one trace.
func (r *Recent) lookup(id trace.TraceID) (kept, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	kt, ok := r.traces[id]
	if !ok {
		return kept{}, false
	}
	return kept{spans: append([]sdktrace.ReadOnlySpan(nil), kt.spans...), dropped: kt.dropped}, true
}
