package gateway

import (
	"net/http"
	"strconv"

	"github.com/shoal-gw/shoal/internal/config"
	"github.com/shoal-gw/shoal/internal/proxy"
)

// fallback answers for a route whose service is unavailable: the inner
// chain's answer is held back until its status is known, and replaced when
// it is one the route falls back on.
type fallback struct {
	g       *Gateway
	next    http.Handler
	on      map[string]bool
	status  int
	body    string
	headers config.HeaderList
	service string
	counts  *routeCounters
}

func buildFallback(g *Gateway, route string, rc *config.Route, _ *config.Dynamic) (func(http.Handler) http.Handler, error) {
	c := rc.Fallback
	if c == nil {
		return nil, nil
	}
	on := make(map[string]bool, len(c.On))
	for _, o := range c.On {
		on[o] = true
	}
	counts := g.routeCounters(route, rc)
	return func(next http.Handler) http.Handler {
		return &fallback{g: g, next: next, on: on, status: c.Status, body: c.Body, headers: c.Headers, service: c.Service, counts: counts}
	}, nil
}

// reason names why an answer qualifies for the fallback, or "", and the
// fallback.on rule that matched (an fb* index).
func (f *fallback) reason(status int, shoalErr string) (string, int) {
	switch {
	case status == http.StatusServiceUnavailable && shoalErr == "circuit-open" && f.on["circuit_open"]:
		return shoalErr, fbCircuitOpen
	case status == http.StatusServiceUnavailable && shoalErr == "no-healthy-endpoint" && f.on["no_endpoint"]:
		return shoalErr, fbNoEndpoint
	case status == http.StatusServiceUnavailable && (shoalErr == "bulkhead-full" || shoalErr == "concurrency-limit") && f.on["bulkhead_full"]:
		return shoalErr, fbBulkheadFull
	case status == http.StatusGatewayTimeout && shoalErr != "" && f.on["timeout"]:
		return shoalErr, fbTimeout
	case status == http.StatusBadGateway && shoalErr != "" && f.on["gateway_error"]:
		return shoalErr, fbGatewayError
	case status >= 500 && f.on["5xx"]:
		return "status-" + strconv.Itoa(status), fb5xx
	}
	return "", 0
}

func (f *fallback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var tee *teeBody
	if f.service != "" && r.Body != nil && r.Body != http.NoBody {
		// A shallow copy: the body is replaced without touching the
		// server's request.
		r = r.WithContext(r.Context())
		tee = newTeeBody(r.Body)
		defer tee.cleanup()
		r.Body = tee
	}
	fw := &fallbackWriter{f: f, w: w, h: make(http.Header)}
	f.next.ServeHTTP(fw, r)
	if tee != nil {
		tee.detach()
	}
	if fw.why == "" {
		if !fw.committed && fw.status == 0 {
			// The inner handler wrote nothing: net/http's implicit 200.
			fw.commit(http.StatusOK)
		}
		return
	}
	if f.service != "" {
		if h := f.g.current.Load().services[f.service]; h != nil {
			if tee != nil {
				body, err := tee.replay()
				if err != nil {
					// The body cannot be sent again: the held-back
					// failure is the answer after all.
					f.g.log.Warn("fallback skipped", "service", f.service, "err", err)
					proxy.WriteError(w, fw.status, fw.h.Get("Shoal-Error"))
					return
				}
				r.Body, r.GetBody = body, nil
			}
			f.counts.fallbacks[fw.cat].Add(1)
			w.Header().Set("Shoal-Fallback", fw.why)
			h.ServeHTTP(w, r)
			return
		}
	}
	f.counts.fallbacks[fw.cat].Add(1)
	w.Header().Set("Shoal-Fallback", fw.why)
	for _, h := range f.headers {
		w.Header().Set(h.Name, h.Value)
	}
	w.WriteHeader(f.status)
	_, _ = w.Write([]byte(f.body))
}

// fallbackWriter holds the inner answer's headers until its status says
// whether it goes to the client or is replaced.
type fallbackWriter struct {
	f         *fallback
	w         http.ResponseWriter
	h         http.Header
	status    int
	why       string
	cat       int // fb* index of why
	committed bool
}

func (fw *fallbackWriter) Header() http.Header {
	if fw.committed {
		return fw.w.Header()
	}
	return fw.h
}

func (fw *fallbackWriter) WriteHeader(code int) {
	if fw.committed || fw.why != "" {
		return
	}
	if code < 200 && code != http.StatusSwitchingProtocols {
		// Interim answers (100, 103) go through; see tryWriter.
		dst := fw.w.Header()
		for k, v := range fw.h {
			dst[k] = v
		}
		fw.w.WriteHeader(code)
		for k := range fw.h {
			dst.Del(k)
		}
		return
	}
	fw.status = code
	if fw.why, fw.cat = fw.f.reason(code, fw.h.Get("Shoal-Error")); fw.why != "" {
		return
	}
	fw.commit(code)
}

func (fw *fallbackWriter) commit(code int) {
	dst := fw.w.Header()
	for k, v := range fw.h {
		dst[k] = v
	}
	fw.committed = true
	fw.w.WriteHeader(code)
}

func (fw *fallbackWriter) Write(b []byte) (int, error) {
	if !fw.committed && fw.why == "" {
		fw.WriteHeader(http.StatusOK)
	}
	if fw.why != "" {
		return len(b), nil
	}
	return fw.w.Write(b)
}

// SetUpstreamError implements proxy.ErrorSink: a failure the fallback
// replaces is not reported as the route's error.
func (fw *fallbackWriter) SetUpstreamError(kind proxy.ErrorKind, err error) {
	if why, _ := fw.f.reason(kind.Status(), kind.Reason()); why != "" {
		return
	}
	if s := errorSinkOf(fw.w); s != nil {
		s.SetUpstreamError(kind, err)
	}
}

// FlushError flushes only an answer that is going to the client.
func (fw *fallbackWriter) FlushError() error {
	if !fw.committed {
		return nil
	}
	return http.NewResponseController(fw.w).Flush()
}

func (fw *fallbackWriter) Unwrap() http.ResponseWriter { return fw.w }
