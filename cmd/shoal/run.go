package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/shoal-gw/shoal/internal/app"
	"github.com/shoal-gw/shoal/internal/config"
)

func runCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("shoal run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("c", "shoal.yaml", "config file to serve (reloaded on change and on SIGHUP)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: shoal run -c FILE\n\nRuns the gateway from a config file. SIGHUP, a change to the file, or\nPOST /api/config on the admin API reloads it; SIGTERM or SIGINT drains and stops.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	reload := make(chan struct{}, 1)
	go func() {
		for range hup {
			select {
			case reload <- struct{}{}:
			default: // a reload is already pending; it will read the latest file
			}
		}
	}()
	err := app.Run(ctx, app.Options{ConfigPath: *path, LogOutput: stderr, AccessOutput: stdout}, reload)
	if err != nil {
		var list config.ErrorList
		if errors.As(err, &list) {
			fmt.Fprintln(stderr, err)
			fmt.Fprintf(stderr, "shoal: %s is invalid; nothing was started\n", *path)
			return 1
		}
		fmt.Fprintln(stderr, "shoal:", err)
		return 1
	}
	return 0
}

func validateCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("shoal validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("c", "shoal.yaml", "config file to check")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: shoal validate -c FILE\n\nChecks a config file without starting anything. Exit 0 when valid (settings\nthat will not do what they seem to are printed as file:line: warning: ...);\nexit 1 with every problem printed as file:line: message.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	warnings, err := app.Validate(*path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	for _, w := range warnings {
		fmt.Fprintf(stderr, "%s: warning: %s\n", w.Place(), w.Msg)
	}
	fmt.Fprintf(stdout, "%s: ok\n", *path)
	return 0
}

func flagExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return 2
}
