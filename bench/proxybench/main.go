// Command proxybench measures `shoal proxy` side by side with nginx, haproxy and Go's
// httputil.ReverseProxy, all as reverse proxies in front of the same origin on
// loopback. The proxy under test is pinned to one CPU; wrk and the origin share the
// other. It prints a table and writes results.json; see bench/README.md.
//
//	go run ./bench/proxybench [--duration 10s] [--conns 64] [--quick] [--out DIR]
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"
)

// options are the settings of one invocation.
type options struct {
	duration time.Duration
	warmup   time.Duration
	conns    int
	threads  int
	size     int
	proxies  string
	origin   string
	out      string
	proxyCPU string
	loadCPU  string
	quick    bool
	noPin    bool
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "proxybench:", err)
		os.Exit(1)
	}
}

func parseFlags() options {
	var o options
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "measured load per proxy (whole seconds)")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured load per proxy before measuring (0: none)")
	flag.IntVar(&o.conns, "conns", 64, "keep-alive connections wrk holds open")
	flag.IntVar(&o.threads, "threads", 1, "wrk threads (they share the load CPU)")
	flag.IntVar(&o.size, "size", 1024, "origin response body size in bytes")
	flag.StringVar(&o.proxies, "proxies", "all", "comma-separated subset: shoal,go-reverseproxy,nginx,haproxy")
	flag.StringVar(&o.origin, "origin", "nginx", "origin every proxy forwards to: nginx (fast, from memory) or go (bench/origin)")
	flag.StringVar(&o.out, "out", "bench/results", "directory for results.json and the run's logs")
	flag.StringVar(&o.proxyCPU, "proxy-cpu", "0", "CPU (taskset list) for the proxy under test")
	flag.StringVar(&o.loadCPU, "load-cpu", "1", "CPU (taskset list) for wrk and the origin")
	flag.BoolVar(&o.quick, "quick", false, "smoke run: 1 s each, no warm-up, 16 connections")
	flag.BoolVar(&o.noPin, "no-pin", false, "do not pin with taskset (numbers then mean little)")
	flag.Parse()
	if o.quick {
		o.duration, o.warmup, o.conns = time.Second, 0, 16
	}
	if o.noPin {
		o.proxyCPU, o.loadCPU = "", ""
	}
	return o
}

func run() error {
	o := parseFlags()
	if !o.noPin && runtime.NumCPU() < 2 {
		return fmt.Errorf("need 2 CPUs to pin proxy and load apart, have %d (use --no-pin)", runtime.NumCPU())
	}
	specs, err := selectProxies(o.proxies)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", o.out, err)
	}
	work, err := os.MkdirTemp("", "shoal-bench-")
	if err != nil {
		return fmt.Errorf("creating temp dir: %w", err)
	}
	defer os.RemoveAll(work)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	rep, err := benchAll(ctx, log, o, specs, work)
	if err != nil {
		return err
	}
	if err := writeTable(os.Stdout, rep); err != nil {
		return fmt.Errorf("printing table: %w", err)
	}
	jsonPath := filepath.Join(o.out, "results.json")
	if err := writeJSON(jsonPath, rep); err != nil {
		return err
	}
	fmt.Printf("\nwrote %s\n", jsonPath)
	failed := 0
	for _, r := range rep.Results {
		if !r.Succeeded {
			failed++
		}
	}
	fmt.Printf("proxybench: %d passed, %d failed\n", len(rep.Results)-failed, failed)
	if failed > 0 {
		return fmt.Errorf("%d of %d proxies did not answer 200 under load", failed, len(rep.Results))
	}
	return nil
}
