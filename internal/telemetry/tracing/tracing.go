// Package tracing gives the gateway OpenTelemetry traces: a server span per
// request (continuing a W3C traceparent when the client sent one) and a
// client span per upstream attempt, exported over OTLP and/or kept in
// memory for the admin API's trace view (Recent). A nil *Tracer is valid and
// does nothing, so the request path pays nothing when tracing is off.
package tracing

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"
)

// Options configure the exporter and sampling.
type Options struct {
	// Endpoint is the OTLP receiver, host:port. Empty: nothing is
	// exported (spans may still go to Recent).
	Endpoint string
	// Protocol is "grpc" (default, port 4317) or "http" (4318).
	Protocol string
	// Insecure sends without TLS (a collector on loopback or a sidecar).
	Insecure bool
	// SampleRatio is the share of new traces recorded; a sampled parent
	// is always followed (parent-based sampling).
	SampleRatio float64
	// ServiceName is the resource's service.name.
	ServiceName string
	// Recent, when set, also receives every sampled span (the trace view).
	Recent *Recent
}

// Tracer starts spans and owns the exporter.
type Tracer struct {
	tp   *sdktrace.TracerProvider
	tr   trace.Tracer
	prop propagation.TextMapPropagator
}

// New starts a tracer provider exporting to opts.Endpoint when set and
// keeping spans in opts.Recent when set. It does not block on the collector: export errors surface in Shutdown and the logs.
func New(ctx context.Context, opts Options) (*Tracer, error) {
	var procs []sdktrace.TracerProviderOption
	if opts.Endpoint != "" {
		exp, err := newExporter(ctx, opts)
		if err != nil {
			return nil, err
		}
		procs = append(procs, sdktrace.WithBatcher(exp))
	}
	if opts.Recent != nil {
		procs = append(procs, sdktrace.WithSpanProcessor(opts.Recent))
	}
	name := opts.ServiceName
	if name == "" {
		name = "shoal"
	}
	tp := sdktrace.NewTracerProvider(append(procs,
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(opts.SampleRatio))),
		sdktrace.WithResource(resource.NewSchemaless(semconv.ServiceName(name))),
	)...)
	return &Tracer{
		tp:   tp,
		tr:   tp.Tracer("github.com/shoal-gw/shoal"),
		prop: propagation.TraceContext{},
	}, nil
}

func newExporter(ctx context.Context, opts Options) (sdktrace.SpanExporter, error) {
	var exp sdktrace.SpanExporter
	var err error
	switch opts.Protocol {
	case "http":
		o := []otlptracehttp.Option{otlptracehttp.WithEndpoint(opts.Endpoint)}
		if opts.Insecure {
			o = append(o, otlptracehttp.WithInsecure())
		}
		exp, err = otlptracehttp.New(ctx, o...)
	case "", "grpc":
		o := []otlptracegrpc.Option{otlptracegrpc.WithEndpoint(opts.Endpoint)}
		if opts.Insecure {
			o = append(o, otlptracegrpc.WithInsecure())
		}
		exp, err = otlptracegrpc.New(ctx, o...)
	default:
		return nil, fmt.Errorf("tracing: unknown OTLP protocol %q (want grpc or http)", opts.Protocol)
	}
	if err != nil {
		return nil, fmt.Errorf("tracing: starting the OTLP exporter: %w", err)
	}
	return exp, nil
}

// Shutdown flushes pending spans and stops the exporter.
func (t *Tracer) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	return t.tp.Shutdown(ctx)
}

// StartServer continues the client's trace (traceparent) or starts one, and
// returns the request carrying the server span's context. End the span with
// EndServer.
func (t *Tracer) StartServer(r *http.Request, route string) (*http.Request, trace.Span) {
	if t == nil {
		return r, nil
	}
	ctx := t.prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
	// The ratio sampler does not read attributes, so they are built only
	// for spans that record: most requests are not sampled and should not
	// pay for them.
	ctx, span := t.tr.Start(ctx, r.Method+" "+route, serverKind)
	if span.IsRecording() {
		span.SetAttributes(
			semconv.HTTPRequestMethodKey.String(r.Method),
			semconv.HTTPRoute(route),
			semconv.URLPath(r.URL.Path),
			semconv.ServerAddress(r.Host),
			attribute.String("network.protocol.version", protoVersion(r)),
		)
	}
	return r.WithContext(ctx), span
}

var (
	serverKind = trace.WithSpanKind(trace.SpanKindServer)
	clientKind = trace.WithSpanKind(trace.SpanKindClient)
)

// EndServer records the answer's status and ends the span.
func EndServer(span trace.Span, status int, service string) {
	if span == nil {
		return
	}
	if !span.IsRecording() {
		span.End()
		return
	}
	span.SetAttributes(semconv.HTTPResponseStatusCode(status), attribute.String("shoal.service", service))
	if status >= 500 {
		span.SetStatus(codes.Error, strconv.Itoa(status))
	}
	span.End()
}

// TraceID returns the trace id of ctx's span, or "" without one.
func TraceID(ctx context.Context) string {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.HasTraceID() {
		return ""
	}
	return sc.TraceID().String()
}

// Transport wraps rt so that every upstream attempt (retries included) is a
// client span whose context goes to the endpoint in traceparent.
func (t *Tracer) Transport(rt http.RoundTripper) http.RoundTripper {
	if t == nil {
		return rt
	}
	return &transport{t: t, next: rt}
}

type transport struct {
	t    *Tracer
	next http.RoundTripper
}

func (tr *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, span := tr.t.tr.Start(req.Context(), req.Method, clientKind)
	if span.IsRecording() {
		span.SetAttributes(
			semconv.HTTPRequestMethodKey.String(req.Method),
			semconv.ServerAddress(req.URL.Hostname()),
			semconv.ServerPort(port(req.URL)),
			attribute.String("url.full", req.URL.Redacted()),
		)
	}
	// RoundTrippers must not modify the request: send a shallow copy with
	// its own header map carrying traceparent.
	out := req.WithContext(ctx)
	out.Header = req.Header.Clone()
	tr.t.prop.Inject(ctx, propagation.HeaderCarrier(out.Header))
	resp, err := tr.next.RoundTrip(out)
	if !span.IsRecording() {
		span.End()
		return resp, err
	}
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
		span.End()
		return nil, err
	}
	span.SetAttributes(semconv.HTTPResponseStatusCode(resp.StatusCode))
	if resp.StatusCode >= 500 {
		span.SetStatus(codes.Error, strconv.Itoa(resp.StatusCode))
	}
	span.End()
	return resp, nil
}

// port is the URL's port, or the scheme's default one.
func port(u *url.URL) int {
	if p, err := strconv.Atoi(u.Port()); err == nil {
		return p
	}
	if u.Scheme == "https" {
		return 443
	}
	return 80
}

func protoVersion(r *http.Request) string {
	if r.ProtoMajor == 2 {
		return "2"
	}
	return "1.1"
}
