package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/shoal-gw/shoal/internal/config"
	"github.com/shoal-gw/shoal/internal/gateway"
	"github.com/shoal-gw/shoal/internal/telemetry"
)

// ProxyOptions are the flags of `shoal proxy`.
type ProxyOptions struct {
	Listen    string
	To        []string
	Balancer  string
	H2C       bool
	TLSCert   string
	TLSKey    string
	AccessLog io.Writer // nil: no access log
	Log       *slog.Logger
	// Started, when set, receives the bound address once serving.
	Started func(addr string)
}

// quickConfig builds the dynamic config of `shoal proxy` through the same
// parser as a file, so flags get the same validation and defaults.
func quickConfig(o ProxyOptions) (*config.Config, error) {
	var b strings.Builder
	b.WriteString("services:\n  upstream:\n    endpoints:\n")
	for _, to := range o.To {
		fmt.Fprintf(&b, "      - %q\n", strings.TrimSpace(to))
	}
	if o.Balancer != "" {
		fmt.Fprintf(&b, "    balancer: {policy: %q}\n", o.Balancer)
	}
	b.WriteString("routes:\n  - name: proxy\n    service: upstream\n")
	return config.Parse("shoal proxy flags", []byte(b.String()))
}

// RunProxy serves a config-free reverse proxy until ctx ends.
func RunProxy(ctx context.Context, o ProxyOptions) error {
	if len(o.To) == 0 {
		return fmt.Errorf("--to is required: one or more upstream URLs, comma-separated")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	cfg, err := quickConfig(o)
	if err != nil {
		return err
	}
	var access *telemetry.AccessLog
	if o.AccessLog != nil {
		access = telemetry.NewAccessLog(o.AccessLog, 8192)
		defer access.Close()
	}
	gw := gateway.New(gateway.Options{Log: o.Log, AccessLog: access})
	defer gw.Close()
	if err := gw.Apply(cfg.File, &cfg.Dynamic); err != nil {
		return err
	}
	srv, err := gateway.Listen([]string{o.Listen}, gw, gateway.ServerOptions{
		Log: o.Log, H2C: o.H2C, TLSCertFile: o.TLSCert, TLSKeyFile: o.TLSKey,
	})
	if err != nil {
		return err
	}
	srv.Start()
	o.Log.Info("shoal proxy is serving", "listen", srv.Addrs()[0], "to", o.To)
	if o.Started != nil {
		o.Started(srv.Addrs()[0])
	}
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-srv.Err():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && runErr == nil {
		runErr = err
	}
	return runErr
}
