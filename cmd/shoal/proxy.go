package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/shoal-gw/shoal/internal/app"
	"github.com/shoal-gw/shoal/internal/sim"
)

func proxyCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("shoal proxy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "address to accept clients on")
	to := fs.String("to", "", "upstream URL(s), comma-separated (http://127.0.0.1:9001,http://127.0.0.1:9002)")
	lb := fs.String("balancer", "round_robin", "load-balancing policy: round_robin, weighted_round_robin, least_request, peak_ewma")
	h2c := fs.Bool("h2c", false, "also accept HTTP/2 without TLS (prior knowledge)")
	cert := fs.String("tls-cert", "", "serve TLS (and HTTP/2) with this certificate file")
	key := fs.String("tls-key", "", "private key for --tls-cert")
	accessLog := fs.Bool("access-log", false, "write an access log line per request to stdout")
	quiet := fs.Bool("quiet", false, "log only warnings and errors")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: shoal proxy --listen ADDR --to URL[,URL...]\n\nA reverse proxy with no config file, like 'caddy reverse-proxy'.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	level := slog.LevelInfo
	if *quiet {
		level = slog.LevelWarn
	}
	opts := app.ProxyOptions{
		Listen: *listen, Balancer: *lb, H2C: *h2c, TLSCert: *cert, TLSKey: *key,
		Log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})),
	}
	if *to != "" {
		opts.To = strings.Split(*to, ",")
	}
	if *accessLog {
		opts.AccessLog = stdout
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := app.RunProxy(ctx, opts); err != nil {
		fmt.Fprintln(stderr, "shoal proxy:", err)
		return 1
	}
	return 0
}

func simCmd(args []string, stdout, stderr io.Writer) int {
	return sim.Main(args, stdout, stderr)
}
