package health

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// GRPCCheck calls grpc.health.v1.Health/Check on the target and passes only
// when the answer is SERVING.
type GRPCCheck struct {
	// Service is the service name sent in the request; empty asks about the
	// server as a whole.
	Service string
	// TLS enables TLS with this configuration; nil means plaintext (h2c).
	TLS *tls.Config
	// Authority overrides the :authority header (and TLS server name).
	Authority string
	// MaxReconnectDelay caps gRPC's reconnect backoff so that a recovered
	// instance is seen within about one interval; zero means 1s. gRPC's own
	// default (2 minutes) would hide a recovery for far too long.
	MaxReconnectDelay time.Duration
}

// Kind is "grpc".
func (GRPCCheck) Kind() string { return "grpc" }

// NewProbe makes a lazily connecting channel to addr; no I/O happens here.
func (c GRPCCheck) NewProbe(addr string) (Probe, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("grpc check of %q: %w", addr, err)
	}
	creds := insecure.NewCredentials()
	if c.TLS != nil {
		creds = credentials.NewTLS(c.TLS)
	}
	maxDelay := c.MaxReconnectDelay
	if maxDelay <= 0 {
		maxDelay = time.Second
	}
	bo := backoff.DefaultConfig
	bo.BaseDelay = 50 * time.Millisecond
	bo.MaxDelay = maxDelay
	opts := []grpc.DialOption{
		grpc.WithTransportCredentials(creds),
		grpc.WithConnectParams(grpc.ConnectParams{Backoff: bo, MinConnectTimeout: time.Second}),
	}
	if c.Authority != "" {
		opts = append(opts, grpc.WithAuthority(c.Authority))
	}
	// passthrough: the address is already host:port; no resolver goroutines
	// or service-config lookups are wanted for a health probe.
	conn, err := grpc.NewClient("passthrough:///"+addr, opts...)
	if err != nil {
		return nil, fmt.Errorf("grpc check of %q: %w", addr, err)
	}
	return &grpcProbe{conn: conn, client: healthpb.NewHealthClient(conn), service: c.Service}, nil
}

type grpcProbe struct {
	conn    *grpc.ClientConn
	client  healthpb.HealthClient
	service string
}

func (p *grpcProbe) Check(ctx context.Context) error {
	// Fail-fast (the default): an idle channel still connects within the
	// probe's timeout, but a channel in backoff after a refused connection
	// fails at once instead of waiting out the whole timeout.
	resp, err := p.client.Check(ctx, &healthpb.HealthCheckRequest{Service: p.service})
	if err != nil {
		return fmt.Errorf("grpc health check: %w", err)
	}
	if st := resp.GetStatus(); st != healthpb.HealthCheckResponse_SERVING {
		return fmt.Errorf("grpc health status %s", st)
	}
	return nil
}

func (p *grpcProbe) Close() error {
	if err := p.conn.Close(); err != nil {
		return fmt.Errorf("closing grpc health channel: %w", err)
	}
	return nil
}
