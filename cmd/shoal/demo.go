package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/shoal-gw/shoal/examples/album/shop"
	"github.com/shoal-gw/shoal/internal/app"
)

func demoCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("shoal demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	duration := fs.Duration("duration", 3*time.Minute, "length of the simulated day")
	stateDir := fs.String("state-dir", filepath.Join(os.TempDir(), "shoal-demo"), "where the demo keeps its config, logs and state")
	listen := fs.String("listen", "127.0.0.1:8080", "gateway address")
	adminAddr := fs.String("admin", "127.0.0.1:9901", "admin API and dashboard address")
	asJSON := fs.Bool("json", false, "print the result as JSON at the end (no live status line)")
	verbose := fs.Bool("v", false, "show the gateway's log")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: shoal demo [--duration 3m]\n\nRuns the album shop (five services in examples/album) behind a gateway, plays\na day of traffic in fast-forward and shows it on the dashboard: image workers\nscale out for the morning uploads, the storefront for evening browsing, the\ncomments service fails midway and pages render without it.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(stderr, "shoal demo:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logOut := io.Discard
	if *verbose {
		logOut = stderr
	}
	out := stdout
	if *asJSON {
		out = stderr // stdout carries only the JSON
	}
	res, err := app.RunDemo(ctx, app.DemoOptions{
		Duration: *duration, Exe: exe, StateDir: *stateDir, Listen: *listen, Admin: *adminAddr,
		Out: out, Log: logOut, Live: !*asJSON,
	})
	if err != nil && ctx.Err() == nil {
		fmt.Fprintln(stderr, "shoal demo:", err)
		return 1
	}
	if *asJSON {
		return printJSON(stdout, res)
	}
	b, _ := json.MarshalIndent(res.Peaks, "", "  ")
	fmt.Fprintf(stdout, "\nPeak ready instances per phase:\n%s\nPages rendered without comments (fallback): %d\nRequests: %d ok, %d failed\n",
		b, res.FallbackPages, res.Report.Total.OK, res.Report.Total.Failed)
	return 0
}

// albumCmd runs one album service; the demo starts instances this way so
// that the shoal binary alone is enough.
func albumCmd(args []string, _, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintf(stderr, "Usage: shoal album SERVICE (one of %v)\n", shop.Names())
		return 2
	}
	if err := shop.Run(args[0]); err != nil {
		fmt.Fprintln(stderr, "album:", err)
		return 1
	}
	return 0
}
