// Command goproxy is the baseline of the proxy benchmark: Go's httputil.ReverseProxy
// with nothing added, in front of one or more upstreams chosen round robin.
//
//	goproxy -listen 127.0.0.1:8081 -to http://127.0.0.1:9001
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	if err := run(); err != nil {
		slog.Error("goproxy failed", "err", err)
		os.Exit(1)
	}
}

func run() error {
	listen := flag.String("listen", "127.0.0.1:8081", "address to accept clients on")
	to := flag.String("to", "", "upstream URL(s), comma-separated")
	idle := flag.Int("max-idle-per-host", 256, "idle upstream connections kept per host (Go's default is 2)")
	flag.Parse()

	proxy, err := newProxy(*to, *idle)
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: *listen, Handler: proxy, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving on %s: %w", *listen, err)
	}
	return nil
}

func newProxy(to string, idlePerHost int) (*httputil.ReverseProxy, error) {
	var targets []*url.URL
	for _, s := range strings.Split(to, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		u, err := url.Parse(s)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("bad upstream URL %q", s)
		}
		targets = append(targets, u)
	}
	if len(targets) == 0 {
		return nil, errors.New("need at least one upstream: -to URL[,URL...]")
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConns = 0
	transport.MaxIdleConnsPerHost = idlePerHost
	var next atomic.Uint64
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(targets[next.Add(1)%uint64(len(targets))])
			pr.SetXForwarded()
		},
		Transport: transport,
		// The default logger writes every upstream error; keep it but tag it.
		ErrorLog: log.New(os.Stderr, "goproxy: ", log.LstdFlags),
	}, nil
}
