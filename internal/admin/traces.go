package admin

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/shoal-gw/shoal/internal/telemetry/tracing"
)

// TraceSource is what GET /api/traces reads: the recent traces the gateway
// kept in memory (tracing.Recent implements it).
type TraceSource interface {
	List(q tracing.Query) ([]tracing.Summary, error)
	Get(id string) (tracing.Trace, bool)
}

// maxTraceList bounds one answer of GET /api/traces.
const maxTraceList = 1000

// mountTraces adds:
//
//	GET /api/traces?service=&status=&min_duration=&sort=&limit=
//	GET /api/traces/{trace_id}
func mountTraces(mux *http.ServeMux, src TraceSource) {
	mux.HandleFunc("GET /api/traces", func(w http.ResponseWriter, r *http.Request) {
		q, err := traceQuery(r)
		if err == nil {
			var list []tracing.Summary
			if list, err = src.List(q); err == nil {
				WriteJSON(w, http.StatusOK, list)
				return
			}
		}
		WriteJSONError(w, http.StatusBadRequest, err.Error())
	})
	mux.HandleFunc("GET /api/traces/{trace_id}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("trace_id")
		if _, err := tracing.ParseTraceID(id); err != nil {
			WriteJSONError(w, http.StatusBadRequest, err.Error())
			return
		}
		t, ok := src.Get(id)
		if !ok {
			WriteJSONError(w, http.StatusNotFound, "trace "+id+" is not kept: it was not sampled (tracing.sample_ratio) or newer traces replaced it")
			return
		}
		WriteJSON(w, http.StatusOK, t)
	})
}

func traceQuery(r *http.Request) (tracing.Query, error) {
	v := r.URL.Query()
	q := tracing.Query{Service: v.Get("service"), Status: v.Get("status"), Sort: v.Get("sort"), Limit: 100}
	if s := v.Get("min_duration"); s != "" {
		d, err := parseMinDuration(s)
		if err != nil {
			return q, err
		}
		q.MinDuration = d
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxTraceList {
			return q, fmt.Errorf("limit %q: want 1 to %d", s, maxTraceList)
		}
		q.Limit = n
	}
	return q, q.Validate()
}

// parseMinDuration takes a Go duration ("250ms", "1.5s") or a bare number
// of milliseconds ("250").
func parseMinDuration(s string) (time.Duration, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 0 {
		return time.Duration(f * float64(time.Millisecond)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("min_duration %q: want a duration such as 250ms, or milliseconds", s)
	}
	return d, nil
}
