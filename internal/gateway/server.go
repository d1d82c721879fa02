package gateway

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// ServerOptions are the static settings of the public listeners.
type ServerOptions struct {
	ReadHeaderTimeout time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int
	Log               *slog.Logger
	// H2C also accepts HTTP/2 with prior knowledge on plain-text listeners.
	H2C bool
	// TLSCertFile and TLSKeyFile, when set, make every listener TLS with
	// HTTP/2 offered through ALPN. TLS 1.2 is the minimum.
	TLSCertFile, TLSKeyFile string
}

// Server runs one http.Server per listen address over a shared handler.
type Server struct {
	servers   []*http.Server
	listeners []net.Listener
	log       *slog.Logger
	errs      chan error
	wg        sync.WaitGroup
}

// Listen binds every address or none: a half-started gateway that serves
// some ports but not others is worse than a clear failure.
func Listen(addrs []string, h http.Handler, opts ServerOptions) (*Server, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.ReadHeaderTimeout <= 0 {
		opts.ReadHeaderTimeout = 10 * time.Second
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 120 * time.Second
	}
	s := &Server{log: opts.Log, errs: make(chan error, len(addrs))}
	var tlsConf *tls.Config
	if opts.TLSCertFile != "" || opts.TLSKeyFile != "" {
		cert, err := tls.LoadX509KeyPair(opts.TLSCertFile, opts.TLSKeyFile)
		if err != nil {
			return nil, fmt.Errorf("loading TLS certificate: %w", err)
		}
		tlsConf = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2", "http/1.1"}}
	}
	protos := new(http.Protocols)
	protos.SetHTTP1(true)
	protos.SetHTTP2(tlsConf != nil)
	protos.SetUnencryptedHTTP2(opts.H2C)
	for _, a := range addrs {
		ln, err := net.Listen("tcp", a)
		if err != nil {
			for _, l := range s.listeners {
				_ = l.Close()
			}
			return nil, fmt.Errorf("listening on %s: %w", a, err)
		}
		if tlsConf != nil {
			ln = tls.NewListener(ln, tlsConf)
		}
		s.listeners = append(s.listeners, ln)
		s.servers = append(s.servers, &http.Server{
			Protocols:         protos,
			TLSConfig:         tlsConf,
			Handler:           h,
			ReadHeaderTimeout: opts.ReadHeaderTimeout,
			IdleTimeout:       opts.IdleTimeout,
			MaxHeaderBytes:    opts.MaxHeaderBytes,
			ErrorLog:          slog.NewLogLogger(opts.Log.Handler(), slog.LevelDebug),
		})
	}
	return s, nil
}

// Addrs reports the bound addresses (useful with port 0).
func (s *Server) Addrs() []string {
	out := make([]string, len(s.listeners))
	for i, l := range s.listeners {
		out[i] = l.Addr().String()
	}
	return out
}

// Start serves in the background. Err reports the first serving failure.
func (s *Server) Start() {
	for i := range s.servers {
		srv, ln := s.servers[i], s.listeners[i]
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.errs <- fmt.Errorf("serving %s: %w", ln.Addr(), err)
			}
		}()
	}
}

// Err delivers serving failures.
func (s *Server) Err() <-chan error { return s.errs }

// Shutdown stops accepting, closes idle keep-alive connections and waits for
// in-flight requests until ctx ends; then it closes what is left.
func (s *Server) Shutdown(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make([]error, len(s.servers))
	for i, srv := range s.servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := srv.Shutdown(ctx); err != nil {
				errs[i] = err
				_ = srv.Close()
			}
		}()
	}
	wg.Wait()
	s.wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("drain did not finish: %w", err)
	}
	return nil
}
