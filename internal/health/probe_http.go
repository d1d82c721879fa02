package health

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// StatusRange is an inclusive range of HTTP status codes.
type StatusRange struct{ Lo, Hi int }

// defaultExpectedStatus is 200–399, as Kubernetes probes: a redirect to a
// login page still proves the process answers.
var defaultExpectedStatus = []StatusRange{{200, 399}}

// maxDrain bounds how much of a probe response body is read: enough to let
// the connection be reused for ordinary health pages, without letting a huge
// body turn every probe into a download.
const maxDrain = 64 << 10

// HTTPCheck passes when GET Path on the target answers with a status in
// Expected. The body is drained (up to 64 KiB) so the connection is reused.
type HTTPCheck struct {
	// Path is the request path, "/" when empty. It may carry a query.
	Path string
	// Host replaces the Host header (virtual-hosted health pages); empty
	// means the target's host:port.
	Host string
	// Scheme is "http" (default) or "https".
	Scheme string
	// TLS configures https probes; nil means Go's defaults. Health endpoints
	// often use self-signed certificates, so set InsecureSkipVerify here
	// deliberately when needed rather than by default.
	TLS *tls.Config
	// Expected lists the accepted statuses; empty means 200–399.
	Expected []StatusRange
	// Header adds request headers (e.g. a probe marker or token).
	Header http.Header
}

// Kind is "http".
func (c HTTPCheck) Kind() string { return "http" }

// Validate reports a configuration mistake; NewProbe calls it too.
func (c HTTPCheck) Validate() error {
	switch c.Scheme {
	case "", "http", "https":
	default:
		return fmt.Errorf("http check: scheme %q is neither http nor https", c.Scheme)
	}
	if c.Path != "" && !strings.HasPrefix(c.Path, "/") {
		return fmt.Errorf("http check: path %q must start with /", c.Path)
	}
	for _, r := range c.Expected {
		if r.Lo < 100 || r.Hi > 599 || r.Lo > r.Hi {
			return fmt.Errorf("http check: expected status range %d-%d is not within 100-599", r.Lo, r.Hi)
		}
	}
	return nil
}

// NewProbe returns a probe with its own transport (one idle connection).
func (c HTTPCheck) NewProbe(addr string) (Probe, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("http check of %q: %w", addr, err)
	}
	scheme := c.Scheme
	if scheme == "" {
		scheme = "http"
	}
	path := c.Path
	if path == "" {
		path = "/"
	}
	expected := c.Expected
	if len(expected) == 0 {
		expected = defaultExpectedStatus
	}
	tr := &http.Transport{
		TLSClientConfig:     c.TLS,
		MaxIdleConnsPerHost: 1,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		// Never go through an environment proxy to reach an instance.
		Proxy: nil,
	}
	return &httpProbe{
		url:      scheme + "://" + addr + path,
		host:     c.Host,
		header:   c.Header,
		expected: expected,
		tr:       tr,
		client: &http.Client{
			Transport: tr,
			// A redirect is an answer: judge the probe by it, do not follow.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}, nil
}

type httpProbe struct {
	url      string
	host     string
	header   http.Header
	expected []StatusRange
	tr       *http.Transport
	client   *http.Client
}

func (p *httpProbe) Check(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url, nil)
	if err != nil {
		return fmt.Errorf("http probe request: %w", err)
	}
	for k, vs := range p.header {
		req.Header[k] = vs
	}
	if p.host != "" {
		req.Host = p.host
	}
	req.Header.Set("User-Agent", "shoal-health-check")
	resp, err := p.client.Do(req)
	if err != nil {
		return fmt.Errorf("http probe: %w", unwrapURLError(err))
	}
	_, drainErr := io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	_ = resp.Body.Close()
	if !statusIn(resp.StatusCode, p.expected) {
		return fmt.Errorf("http probe: status %d not expected", resp.StatusCode)
	}
	if drainErr != nil {
		return fmt.Errorf("http probe: reading body: %w", drainErr)
	}
	return nil
}

func (p *httpProbe) Close() error {
	p.tr.CloseIdleConnections()
	return nil
}

func statusIn(code int, ranges []StatusRange) bool {
	for _, r := range ranges {
		if code >= r.Lo && code <= r.Hi {
			return true
		}
	}
	return false
}

// unwrapURLError drops url.Error's "Get \"http://...\":" prefix: the event
// already names the address, and the reason reads better without repeating it.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}
