package app

import (
	"context"

	"github.com/shoal-gw/shoal/internal/config"
	"github.com/shoal-gw/shoal/internal/telemetry/tracing"
)

// tracesKept bounds the traces the trace view keeps in memory (each up to
// tracing.DefaultSpansPerTrace spans): at a few kilobytes a trace, a few
// megabytes at most.
const tracesKept = 1000

// startTracing builds the tracer. It always exists: sampled requests are
// kept for the dashboard's trace view (GET /api/traces) even when no OTLP
// endpoint is configured, and tracing.sample_ratio (default 0.1) decides
// which requests are sampled, for the view and the exporter alike.
func (a *App) startTracing(tc config.Tracing) error {
	a.traces = tracing.NewRecent(tracesKept, 0)
	tr, err := tracing.New(context.Background(), tracing.Options{
		Endpoint: tc.Endpoint, Protocol: tc.Protocol, Insecure: tc.Insecure,
		SampleRatio: tc.SampleRatio, ServiceName: tc.ServiceName,
		Recent: a.traces,
	})
	if err != nil {
		return err
	}
	a.tracer = tr
	return nil
}
