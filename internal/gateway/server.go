package gateway

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// ServerOptions are the static settings of the public listeners. The app
// builds them from the static config with StaticServerOptions.
type ServerOptions struct {
	ReadHeaderTimeout time.Duration
	IdleTimeout       time.Duration
	// MaxHeaderBytes bounds a request's header block (default 64 KiB);
	// larger ones get 431.
	MaxHeaderBytes int
	Log            *slog.Logger
	// H2C also accepts HTTP/2 with prior knowledge on plain-text listeners.
	H2C bool
	// TLSCertFile and TLSKeyFile are one certificate; shorthand for a
	// single entry in TLS.Certificates.
	TLSCertFile, TLSKeyFile string
	// TLS, when set, makes every listener TLS with HTTP/2 offered through
	// ALPN.
	TLS *TLSOptions
	// RedirectHTTP is an extra plain-text address whose every request is
	// redirected (308) to https on the same host. Needs TLS.
	RedirectHTTP string
	// TrustedProxies are the client networks whose X-Forwarded-* and
	// Forwarded headers are believed and extended; from anyone else they
	// are replaced.
	TrustedProxies []netip.Prefix
	// MaxConcurrentStreams per HTTP/2 connection (default 250).
	MaxConcurrentStreams int
}

// TLSOptions configure the listeners' certificates.
type TLSOptions struct {
	// Certificates, chosen by SNI; the first is the default.
	Certificates []CertFiles
	// MinVersion is tls.VersionTLS12 (the default) or tls.VersionTLS13.
	MinVersion uint16
	// ReloadEvery is how often the files are checked for changes
	// (default 5s).
	ReloadEvery time.Duration
}

func (o *ServerOptions) defaults() {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.ReadHeaderTimeout <= 0 {
		o.ReadHeaderTimeout = 10 * time.Second
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 120 * time.Second
	}
	if o.MaxHeaderBytes <= 0 {
		o.MaxHeaderBytes = 64 << 10
	}
	if o.MaxConcurrentStreams <= 0 {
		o.MaxConcurrentStreams = 250
	}
	if o.TLS == nil && (o.TLSCertFile != "" || o.TLSKeyFile != "") {
		o.TLS = &TLSOptions{Certificates: []CertFiles{{Cert: o.TLSCertFile, Key: o.TLSKeyFile}}}
	}
	if o.TLS != nil {
		if o.TLS.MinVersion < tls.VersionTLS12 {
			o.TLS.MinVersion = tls.VersionTLS12
		}
		if o.TLS.ReloadEvery <= 0 {
			o.TLS.ReloadEvery = 5 * time.Second
		}
	}
}

// Server runs one http.Server per listen address over a shared handler.
type Server struct {
	servers   []*http.Server
	listeners []net.Listener
	log       *slog.Logger
	errs      chan error
	wg        sync.WaitGroup
	stopWatch context.CancelFunc
	certs     *certStore
}

// Listen binds every address or none: a half-started gateway that serves
// some ports but not others is worse than a clear failure.
func Listen(addrs []string, h http.Handler, opts ServerOptions) (*Server, error) {
	opts.defaults()
	s := &Server{log: opts.Log, errs: make(chan error, len(addrs)+1), stopWatch: func() {}}
	var tlsConf *tls.Config
	if opts.TLS != nil {
		certs, err := newCertStore(opts.TLS.Certificates, opts.TLS.ReloadEvery, opts.Log)
		if err != nil {
			return nil, fmt.Errorf("loading TLS certificates: %w", err)
		}
		s.certs = certs
		tlsConf = &tls.Config{
			MinVersion:     opts.TLS.MinVersion,
			GetCertificate: certs.getCertificate,
			NextProtos:     []string{"h2", "http/1.1"},
		}
	}
	handler := newHardening(h, opts.TrustedProxies)
	protos := new(http.Protocols)
	protos.SetHTTP1(true)
	protos.SetHTTP2(tlsConf != nil)
	protos.SetUnencryptedHTTP2(opts.H2C && tlsConf == nil)
	closeAll := func() {
		for _, l := range s.listeners {
			_ = l.Close()
		}
	}
	for _, a := range addrs {
		ln, err := net.Listen("tcp", a)
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("listening on %s: %w", a, err)
		}
		if tlsConf != nil {
			ln = newTLSListener(ln, tlsConf, opts.ReadHeaderTimeout, opts.MaxHeaderBytes)
		} else {
			ln = &framingListener{Listener: ln, maxHeader: opts.MaxHeaderBytes}
		}
		s.listeners = append(s.listeners, ln)
		s.servers = append(s.servers, s.httpServer(handler, protos, tlsConf, opts))
	}
	if opts.RedirectHTTP != "" {
		if tlsConf == nil {
			closeAll()
			return nil, errors.New("redirect_http needs TLS listeners to redirect to")
		}
		ln, err := net.Listen("tcp", opts.RedirectHTTP)
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("listening on %s: %w", opts.RedirectHTTP, err)
		}
		plain := new(http.Protocols)
		plain.SetHTTP1(true)
		s.listeners = append(s.listeners, &framingListener{Listener: ln, maxHeader: opts.MaxHeaderBytes})
		s.servers = append(s.servers, s.httpServer(httpsRedirect(s.listeners[0].Addr().String()), plain, nil, opts))
	}
	return s, nil
}

func (s *Server) httpServer(h http.Handler, protos *http.Protocols, tlsConf *tls.Config, opts ServerOptions) *http.Server {
	return &http.Server{
		Protocols:         protos,
		TLSConfig:         tlsConf,
		Handler:           h,
		ReadHeaderTimeout: opts.ReadHeaderTimeout,
		IdleTimeout:       opts.IdleTimeout,
		MaxHeaderBytes:    opts.MaxHeaderBytes,
		HTTP2: &http.HTTP2Config{
			MaxConcurrentStreams: opts.MaxConcurrentStreams,
		},
		ConnContext: connContext,
		ErrorLog:    slog.NewLogLogger(opts.Log.Handler(), slog.LevelDebug),
	}
}

// Addrs reports the bound addresses (useful with port 0); the redirect
// listener, when there is one, is last.
func (s *Server) Addrs() []string {
	out := make([]string, len(s.listeners))
	for i, l := range s.listeners {
		out[i] = l.Addr().String()
	}
	return out
}

// Start serves in the background. Err reports the first serving failure.
func (s *Server) Start() {
	if s.certs != nil {
		ctx, cancel := context.WithCancel(context.Background())
		s.stopWatch = cancel
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.certs.watch(ctx, s.certs.every)
		}()
	}
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
	s.stopWatch()
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
