package local

import (
	"context"
	"net"
	"net/http"
	"time"
)

// newProbeClient returns the client for HTTP readiness probes: no
// keep-alive (a probe must not hold a connection the instance has to close
// on shutdown) and no redirects (a 3xx already means ready).
func newProbeClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// probe reports whether the instance at addr is ready: an HTTP GET of
// p.Path answering 2xx or 3xx, or a TCP connect when there is no path.
func (m *Manager) probe(addr string, p Probe) bool {
	// One check may take up to the interval, within sane bounds, so a slow
	// but ready instance is not judged by a timeout shorter than its pace.
	timeout := min(max(p.Interval, 100*time.Millisecond), 2*time.Second)
	ctx, cancel := context.WithTimeout(m.killCtx, timeout)
	defer cancel()
	if p.Path == "" {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return false
		}
		_ = c.Close()
		return true
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+p.Path, nil)
	if err != nil {
		return false
	}
	req.Header.Set("User-Agent", "shoal-readiness-probe")
	resp, err := m.probeClient.Do(req)
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode >= 200 && resp.StatusCode < 400
}
