package health

import (
	"context"
	"fmt"
	"net"
)

// ProbeSpec describes one kind of active check for a service. The Checker
// asks it for one Probe per target, so per-target resources (an HTTP
// connection, a gRPC channel) live exactly as long as the target does.
type ProbeSpec interface {
	// NewProbe prepares a probe of addr ("host:port"). It must not do I/O:
	// connection problems are the probe's verdict, not a setup error.
	NewProbe(addr string) (Probe, error)
	// Kind names the check in events and logs ("http", "tcp", "grpc").
	Kind() string
}

// Probe checks one target. Check returns nil when the target is healthy and
// an error saying why not otherwise; ctx carries the per-probe timeout.
// Close releases what the probe holds; Check is never called after it.
type Probe interface {
	Check(ctx context.Context) error
	Close() error
}

// TCPCheck passes when a TCP connection to the target can be opened; the
// connection is closed at once.
type TCPCheck struct{}

// Kind is "tcp".
func (TCPCheck) Kind() string { return "tcp" }

// NewProbe returns a connect probe for addr.
func (TCPCheck) NewProbe(addr string) (Probe, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("tcp check of %q: %w", addr, err)
	}
	return &tcpProbe{addr: addr}, nil
}

type tcpProbe struct {
	addr   string
	dialer net.Dialer
}

func (p *tcpProbe) Check(ctx context.Context) error {
	conn, err := p.dialer.DialContext(ctx, "tcp", p.addr)
	if err != nil {
		return fmt.Errorf("tcp connect: %w", err)
	}
	// Closing promptly keeps a frequent check from holding sockets open on
	// the instance; the close error says nothing about its health.
	_ = conn.Close()
	return nil
}

func (p *tcpProbe) Close() error { return nil }
