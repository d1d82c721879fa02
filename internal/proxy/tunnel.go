package proxy

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"
)

// tunnelWriter hands ReverseProxy an idle-limited client connection when it
// hijacks for an Upgrade (WebSocket and the like). ReverseProxy copies a
// tunnel until one side closes, so without a limit a peer that vanished
// without a FIN holds two connections forever.
type tunnelWriter struct {
	interimWriter
	idle time.Duration
}

// Hijack is found by http.ResponseController before it unwraps.
func (w tunnelWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	ic := &idleConn{Conn: c, idle: w.idle}
	ic.lastWrite.Store(time.Now().UnixNano())
	// ReverseProxy writes the 101 through brw and then copies the tunnel
	// through the returned connection, so only that one needs the limit.
	return ic, brw, nil
}

// idleConn closes a tunnel when neither direction moved for idle: a read
// waits at most idle past the last byte in either direction.
type idleConn struct {
	net.Conn
	idle      time.Duration
	lastWrite atomic.Int64
}

func (c *idleConn) Read(p []byte) (int, error) {
	for {
		last := time.Unix(0, c.lastWrite.Load())
		start := time.Now()
		deadline := start.Add(c.idle)
		if d := last.Add(c.idle); d.After(deadline) {
			deadline = d
		}
		_ = c.Conn.SetReadDeadline(deadline)
		n, err := c.Conn.Read(p)
		if err == nil || n > 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
			return n, err
		}
		// Traffic the other way keeps the tunnel alive.
		if time.Since(time.Unix(0, c.lastWrite.Load())) < c.idle {
			continue
		}
		return 0, err
	}
}

func (c *idleConn) Write(p []byte) (int, error) {
	c.lastWrite.Store(time.Now().UnixNano())
	return c.Conn.Write(p)
}
