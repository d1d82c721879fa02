package proxy

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"time"
)

// Upstream protocols.
const (
	ProtocolHTTP1 = "http1"
	ProtocolH2C   = "h2c" // HTTP/2 with prior knowledge over plain TCP
	ProtocolH2    = "h2"  // HTTP/2 over TLS, negotiated by ALPN
)

// TransportOptions size one service's connection pool and say how it
// talks to the instances. The struct is comparable on purpose: the gateway
// keeps a service's pool across reloads while its options stay equal.
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
	// Protocol is ProtocolHTTP1 (default), ProtocolH2C or ProtocolH2.
	Protocol string
	// TLS verifies https instances and optionally presents a client
	// certificate (mutual TLS).
	TLS ClientTLS
	// MaxRequestBody is not a transport setting but travels with it so a
	// change rebuilds the forwarder; see WithTransportOptions.
	MaxRequestBody int64
	// TunnelIdleTimeout closes WebSocket and other Upgrade tunnels idle in
	// both directions for this long (0: never); forwarding, like
	// MaxRequestBody.
	TunnelIdleTimeout time.Duration
	// IdleTimeout fails a request whose connection saw nothing move in
	// either direction for this long: an origin that sends headers and
	// then stalls is cut off. Enforced with the connection's deadlines,
	// for HTTP/1.1 only (an HTTP/2 connection is shared by many streams).
	// Upgraded connections are exempt. 0: none.
	IdleTimeout time.Duration
}

// ClientTLS names the files for TLS towards instances. Files are read at
// handshake time and re-read when they change, so rotated certificates
// need no reload.
type ClientTLS struct {
	// CAFile verifies the instances (default: system roots).
	CAFile string
	// CertFile and KeyFile are the client certificate for mutual TLS.
	CertFile, KeyFile string
	// ServerName overrides the name verified and sent as SNI.
	ServerName string
	// InsecureSkipVerify accepts any certificate (tests only).
	InsecureSkipVerify bool
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
	if o.Protocol == "" {
		o.Protocol = ProtocolHTTP1
	}
	return o
}

// NewTransport returns the transport for one service. Each service gets
// its own, so one slow dependency cannot exhaust another's pool.
func NewTransport(opts TransportOptions) *http.Transport {
	opts = opts.withDefaults()
	d := &net.Dialer{Timeout: opts.ConnectTimeout, KeepAlive: 30 * time.Second}
	t := &http.Transport{
		// Never consult HTTP_PROXY: a gateway must reach its endpoints
		// directly.
		Proxy: func(*http.Request) (*url.URL, error) { return nil, nil },
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := d.DialContext(ctx, network, addr)
			if err != nil || opts.IdleTimeout <= 0 || opts.Protocol != ProtocolHTTP1 {
				return c, err
			}
			return newUpstreamIdleConn(c, opts.IdleTimeout), nil
		},
		TLSClientConfig:       newClientTLS(opts.TLS).config(),
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
	protos := new(http.Protocols)
	switch opts.Protocol {
	case ProtocolH2C:
		protos.SetUnencryptedHTTP2(true)
	case ProtocolH2:
		protos.SetHTTP2(true)
	default:
		// HTTP/1.1 only, also for https: an origin that offers h2 would
		// otherwise change the protocol under the user's feet.
		protos.SetHTTP1(true)
	}
	t.Protocols = protos
	t.HTTP2 = &http.HTTP2Config{
		// Ping idle connections so a dead origin is noticed before a
		// request is sent on it.
		SendPingTimeout: 15 * time.Second,
		PingTimeout:     5 * time.Second,
	}
	if opts.Protocol != ProtocolHTTP1 {
		t.TLSClientConfig.NextProtos = []string{"h2"}
	}
	return t
}
