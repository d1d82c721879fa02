package gateway

import (
	"net/http"
	"strconv"

	"github.com/shoal-gw/shoal/internal/config"
	"github.com/shoal-gw/shoal/internal/middleware/retry"
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
}

// fallbackBodyLimit bounds the request body kept so a fallback service can
// receive it.
const fallbackBodyLimit = 64 << 10

func buildFallback(g *Gateway, _ string, rc *config.Route, _ *config.Dynamic) (func(http.Handler) http.Handler, error) {
	c := rc.Fallback
	if c == nil {
		return nil, nil
	}
	on := make(map[string]bool, len(c.On))
	for _, o := range c.On {
		on[o] = true
	}
	return func(next http.Handler) http.Handler {
		return &fallback{g: g, next: next, on: on, status: c.Status, body: c.Body, headers: c.Headers, service: c.Service}
	}, nil
}

// reason names why an answer qualifies for the fallback, or "".
func (f *fallback) reason(status int, shoalErr string) string {
	switch {
	case status == http.StatusServiceUnavailable && shoalErr == "circuit-open" && f.on["circuit_open"]:
		return shoalErr
	case status == http.StatusServiceUnavailable && shoalErr == "no-healthy-endpoint" && f.on["no_endpoint"]:
		return shoalErr
	case status == http.StatusServiceUnavailable && (shoalErr == "bulkhead-full" || shoalErr == "concurrency-limit") && f.on["bulkhead_full"]:
		return shoalErr
	case status == http.StatusGatewayTimeout && shoalErr != "" && f.on["timeout"]:
		return shoalErr
	case status == http.StatusBadGateway && shoalErr != "" && f.on["gateway_error"]:
		return shoalErr
	case status >= 500 && f.on["5xx"]:
		return "status-" + strconv.Itoa(status)
	}
	return ""
}

func (f *fallback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body []byte
	if f.service != "" {
		r = r.WithContext(r.Context())
		buf, ok, err := retry.BufferBody(r, fallbackBodyLimit)
		if err != nil {
			proxy.WriteError(w, http.StatusBadRequest, "request-body-unreadable")
			return
		}
		if !ok {
			// Too large to keep for a second service: no fallback.
			f.next.ServeHTTP(w, r)
			return
		}
		body = buf
		retry.Replay(r, body)
	}
	fw := &fallbackWriter{f: f, w: w, h: make(http.Header)}
	f.next.ServeHTTP(fw, r)
	if fw.why == "" {
		if !fw.committed && fw.status == 0 {
			// The inner handler wrote nothing: net/http's implicit 200.
			fw.commit(http.StatusOK)
		}
		return
	}
	w.Header().Set("Shoal-Fallback", fw.why)
	if f.service != "" {
		if h := f.g.current.Load().services[f.service]; h != nil {
			retry.Replay(r, body)
			h.ServeHTTP(w, r)
			return
		}
	}
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
	if fw.why = fw.f.reason(code, fw.h.Get("Shoal-Error")); fw.why != "" {
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
	if fw.f.reason(kind.Status(), kind.Reason()) != "" {
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
