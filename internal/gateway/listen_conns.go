package gateway

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"
)

// framingListener hands the server framing-checked plain connections.
type framingListener struct {
	net.Listener
	maxHeader int
}

func (l *framingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return newFramingConn(c, l.maxHeader), nil
}

// tlsListener does the TLS handshake itself, in a goroutine per
// connection so a slow handshake never holds up Accept. HTTP/2
// connections go to the server as *tls.Conn (Go's HTTP/2 server needs
// that type); HTTP/1 ones are wrapped in a framing check, which hides the
// *tls.Conn from the server, so connContext puts the TLS state back.
type tlsListener struct {
	net.Listener
	conf      *tls.Config
	timeout   time.Duration
	maxHeader int
	conns     chan net.Conn
	done      chan struct{}
	once      sync.Once
	errMu     sync.Mutex
	err       error
}

func newTLSListener(ln net.Listener, conf *tls.Config, timeout time.Duration, maxHeader int) *tlsListener {
	l := &tlsListener{Listener: ln, conf: conf, timeout: timeout, maxHeader: maxHeader,
		conns: make(chan net.Conn), done: make(chan struct{})}
	go l.acceptLoop()
	return l
}

func (l *tlsListener) acceptLoop() {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				l.fail(err)
				return
			}
			// Out of file descriptors and the like: back off, as
			// http.Server does, instead of spinning or giving up.
			select {
			case <-l.done:
				return
			case <-time.After(10 * time.Millisecond):
			}
			continue
		}
		go l.handshake(c)
	}
}

func (l *tlsListener) handshake(raw net.Conn) {
	tc := tls.Server(raw, l.conf)
	_ = raw.SetDeadline(time.Now().Add(l.timeout))
	if err := tc.Handshake(); err != nil {
		_ = raw.Close()
		return
	}
	_ = raw.SetDeadline(time.Time{})
	var out net.Conn = tc
	if tc.ConnectionState().NegotiatedProtocol != "h2" {
		out = &tlsFramingConn{framingConn: newFramingConn(tc, l.maxHeader), tls: tc}
	}
	select {
	case l.conns <- out:
	case <-l.done:
		_ = tc.Close()
	}
}

func (l *tlsListener) fail(err error) {
	l.errMu.Lock()
	if l.err == nil {
		l.err = err
	}
	l.errMu.Unlock()
	l.once.Do(func() { close(l.done) })
}

func (l *tlsListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		l.errMu.Lock()
		defer l.errMu.Unlock()
		return nil, l.err
	}
}

func (l *tlsListener) Close() error {
	err := l.Listener.Close()
	l.fail(net.ErrClosed)
	return err
}

// tlsFramingConn is an HTTP/1 connection over TLS with the framing check.
type tlsFramingConn struct {
	*framingConn
	tls *tls.Conn
}

type tlsStateKey struct{}

// connContext records the TLS state of HTTP/1 connections whose *tls.Conn
// the server cannot see.
func connContext(ctx context.Context, c net.Conn) context.Context {
	if t, ok := c.(*tlsFramingConn); ok {
		st := t.tls.ConnectionState()
		return context.WithValue(ctx, tlsStateKey{}, &st)
	}
	return ctx
}

// httpsRedirect sends every request to https on the same host, at the
// port of the TLS listener tlsAddr when that is not 443.
func httpsRedirect(tlsAddr string) http.Handler {
	_, port, _ := net.SplitHostPort(tlsAddr)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if host == "" {
			http.Error(w, "missing Host", http.StatusBadRequest)
			return
		}
		if port != "443" && port != "" {
			host = net.JoinHostPort(host, port)
		} else if ip := net.ParseIP(host); ip != nil && ip.To4() == nil {
			host = "[" + host + "]"
		}
		w.Header().Set("Connection", "close")
		http.Redirect(w, r, "https://"+host+r.URL.RequestURI(), http.StatusPermanentRedirect)
	})
}
