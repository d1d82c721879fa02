package proxy

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"
)

// StatusClientClosed is the nginx convention for "client went away before
// the answer": never sent on the wire, only logged and counted.
const StatusClientClosed = 499

// ErrorKind classifies a failed upstream attempt.
type ErrorKind uint8

const (
	ErrNone ErrorKind = iota
	// ErrConnect: the endpoint refused or could not be reached.
	ErrConnect
	// ErrTimeout: no answer in time (connect, headers or the route deadline).
	ErrTimeout
	// ErrReset: the connection broke after it was established.
	ErrReset
	// ErrProtocol: the endpoint answered something that is not HTTP.
	ErrProtocol
	// ErrClientGone: the client cancelled; not the endpoint's fault.
	ErrClientGone
)

// Status is the HTTP status the gateway answers for this kind.
func (k ErrorKind) Status() int {
	switch k {
	case ErrTimeout:
		return http.StatusGatewayTimeout
	case ErrClientGone:
		return StatusClientClosed
	default:
		return http.StatusBadGateway
	}
}

// Reason is the stable token put in the Shoal-Error header and metrics.
func (k ErrorKind) Reason() string {
	switch k {
	case ErrConnect:
		return "upstream-connect-failed"
	case ErrTimeout:
		return "upstream-timeout"
	case ErrReset:
		return "upstream-reset"
	case ErrProtocol:
		return "upstream-protocol-error"
	case ErrClientGone:
		return "client-closed"
	default:
		return ""
	}
}

// Classify maps a transport error to a kind. The request tells a client
// cancellation apart from a route deadline.
func Classify(r *http.Request, err error) ErrorKind {
	ctxErr := r.Context().Err()
	switch {
	case errors.Is(ctxErr, context.Canceled):
		return ErrClientGone
	case errors.Is(ctxErr, context.DeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return ErrTimeout
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		if opErr.Timeout() {
			// The client waited out the connect timeout: 504, as nginx
			// answers for proxy_connect_timeout.
			return ErrTimeout
		}
		return ErrConnect
	}
	var nerr net.Error
	if errors.As(err, &nerr) && nerr.Timeout() {
		return ErrTimeout
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return ErrConnect
	}
	// net.ErrClosed: the transport wrote to a pooled connection the origin
	// had already closed; a reset, and safe to retry on another endpoint.
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed) {
		return ErrReset
	}
	var uerr *url.Error
	if errors.As(err, &uerr) && errors.Is(uerr.Err, io.EOF) {
		return ErrReset
	}
	return ErrProtocol
}

// WriteError answers a request the gateway could not proxy. The Shoal-Error
// header names the reason so a client can tell a gateway 502 from an
// origin's 502.
func WriteError(w http.ResponseWriter, status int, reason string) {
	h := w.Header()
	h.Set("Shoal-Error", reason)
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Del("Content-Length")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, http.StatusText(status)+": "+reason+"\n")
}
