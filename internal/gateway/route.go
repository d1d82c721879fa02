package gateway

import (
	"net"
	"net/http"
	"time"

	"github.com/shoal-gw/shoal/internal/telemetry"
	"github.com/shoal-gw/shoal/internal/telemetry/tracing"
)

// routeHandler is the outermost wrapper of every route: it measures the
// request and writes the access log entry. Its collectors are resolved when
// the table is built, so the request path does no label lookups.
type routeHandler struct {
	name    string
	service string
	metrics *telemetry.RouteMetrics
	access  *telemetry.AccessLog
	tracer  *tracing.Tracer
	next    http.Handler
}

func (h *routeHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := getRecorder(w)
	h.metrics.Begin()
	r, span := h.tracer.StartServer(r, h.name)
	defer func() {
		d := time.Since(start)
		code := rec.code()
		if rec.errKind != 0 {
			code = rec.errKind.Status()
		}
		h.metrics.End(code, d.Seconds())
		tracing.EndServer(span, code, h.service)
		if h.access != nil {
			h.access.Log(telemetry.AccessEntry{
				Time: start, Remote: remoteIP(r), Method: r.Method, Host: r.Host,
				Path: r.URL.Path, Proto: r.Proto, Status: code, Bytes: rec.bytes,
				Duration: d, Route: h.name, Service: h.service, Upstream: rec.upstream,
				Error: rec.errKind.Reason(), TraceID: tracing.TraceID(r.Context()),
			})
		}
		putRecorder(rec)
	}()
	h.next.ServeHTTP(rec, r)
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
