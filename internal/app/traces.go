package app

import (
	"context"

	"github.com/shoal-gw/shoal/internal/admin"
	"github.com/shoal-gw/shoal/internal/config"
	"github.com/shoal-gw/shoal/internal/telemetry/tracing"
)

// startTracing builds the tracer. Sampled requests are kept for the
// dashboard's trace view (GET /api/traces) even when no OTLP endpoint is
// configured (tracing.keep traces, each up to tracing.DefaultSpansPerTrace
// spans: a few kilobytes a trace), and tracing.sample_ratio (default 0.1)
// decides which requests are sampled, for the view and the exporter alike.
// With neither an endpoint nor a trace view there is no tracer at all, so
// requests pay nothing for tracing.
func (a *App) startTracing(tc config.Tracing) error {
	if tc.Endpoint == "" && tc.Keep <= 0 {
		return nil
	}
	opts := tracing.Options{
		Endpoint: tc.Endpoint, Protocol: tc.Protocol, Insecure: tc.Insecure,
		SampleRatio: tc.SampleRatio, ServiceName: tc.ServiceName,
	}
	if tc.Keep > 0 {
		a.traces = tracing.NewRecent(tc.Keep, 0)
		opts.Recent = a.traces
	}
	tr, err := tracing.New(context.Background(), opts)
	if err != nil {
		return err
	}
	a.tracer = tr
	return nil
}

// traceSource is the admin API's view of the kept traces; nil (no
// /api/traces) when none are kept. A nil *Recent must not become a non-nil
// interface.
func (a *App) traceSource() admin.TraceSource {
	if a.traces == nil {
		return nil
	}
	return a.traces
}
