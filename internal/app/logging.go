package app

import (
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/shoal-gw/shoal/internal/config"
	"github.com/shoal-gw/shoal/internal/telemetry/tracing"
)

// newAppLogger is Shoal's own log: written to w, kept in ring for GET
// /api/logs, and carrying trace_id and span_id when a line is logged with a
// request's context (the *Context methods).
func newAppLogger(w io.Writer, c config.Log, ring *ring[LogRecord]) *slog.Logger {
	return slog.New(tracing.LogHandler(&teeHandler{Handler: newLogger(w, c).Handler(), ring: ring}))
}

func newLogger(w io.Writer, c config.Log) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openAccessLog returns the writer for path ("-" is stdout) and a closer
// for files the app opened itself.
func openAccessLog(path string, stdout io.Writer) (io.Writer, io.Closer, error) {
	if path == "" || path == "-" {
		return stdout, nil, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("opening access log: %w", err)
	}
	return f, f, nil
}
