package proxy

import (
	"context"
	"crypto/tls"
	"net"
	"net/http/httptrace"
	"sync/atomic"
	"time"
)

// upstreamIdleConn enforces an idle timeout on an upstream connection: each read
// or write pushes the read and write deadlines idle ahead, so a connection
// on which nothing moved either way for that long fails its pending read.
// This is the gateway's default idle timeout at no cost per request: no
// context, timer or wrapper is made for a request, only the connection's
// deadline moves, and at most once per idle/16.
//
// An upgraded connection (WebSocket) is a tunnel with its own idle timeout
// (TunnelIdleTimeout); markTunnel turns the deadlines off for it.
type upstreamIdleConn struct {
	net.Conn
	idle   time.Duration
	step   int64        // least nanoseconds between two deadline moves
	armed  atomic.Int64 // unix nanoseconds of the last move
	tunnel atomic.Bool
}

func newUpstreamIdleConn(c net.Conn, idle time.Duration) *upstreamIdleConn {
	ic := &upstreamIdleConn{Conn: c, idle: idle, step: int64(idle / 16)}
	ic.arm()
	return ic
}

// arm moves the deadlines when the last move is more than a step old, so
// the effective timeout lies between idle·15/16 and idle.
func (c *upstreamIdleConn) arm() {
	if c.tunnel.Load() {
		return
	}
	now := time.Now()
	n := now.UnixNano()
	if last := c.armed.Load(); n-last < c.step || !c.armed.CompareAndSwap(last, n) {
		return
	}
	_ = c.Conn.SetDeadline(now.Add(c.idle))
	if c.tunnel.Load() {
		// markTunnel ran meanwhile: undo, a tunnel has no deadline.
		_ = c.Conn.SetDeadline(time.Time{})
	}
}

func (c *upstreamIdleConn) Read(p []byte) (int, error) {
	c.arm()
	return c.Conn.Read(p)
}

func (c *upstreamIdleConn) Write(p []byte) (int, error) {
	c.arm()
	return c.Conn.Write(p)
}

// markTunnel stops the idle deadlines: the connection now carries an
// upgraded protocol.
func (c *upstreamIdleConn) markTunnel() {
	if c.tunnel.Swap(true) {
		return
	}
	_ = c.Conn.SetDeadline(time.Time{})
}

// markTunnelConn finds the upstreamIdleConn under c (a TLS connection wraps it).
func markTunnelConn(c net.Conn) {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	if ic, ok := c.(*upstreamIdleConn); ok {
		ic.markTunnel()
	}
}

// tunnelTrace is the client trace of upgrade requests: the connection the
// transport picks for one is exempt from the idle timeout. (Should the
// origin refuse the upgrade, that connection goes back to the pool
// without an idle timeout; the pool's IdleConnTimeout still retires it.)
var tunnelTrace = &httptrace.ClientTrace{
	GotConn: func(info httptrace.GotConnInfo) { markTunnelConn(info.Conn) },
}

func withTunnelTrace(ctx context.Context) context.Context {
	return httptrace.WithClientTrace(ctx, tunnelTrace)
}
