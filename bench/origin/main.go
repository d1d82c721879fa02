// Command origin is the stub upstream for the reload-under-load check and the proxy
// benchmark: every request gets the same fixed-size body, and an X-Origin header that
// names the instance so a check can tell which upstream a proxy picked.
//
//	origin -addr 127.0.0.1:0 -name a -size 1024 -addr-file /tmp/a.addr
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

func main() {
	if err := run(); err != nil {
		slog.Error("origin failed", "err", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on (port 0 picks a free one)")
	name := flag.String("name", "origin", "value of the X-Origin response header")
	size := flag.Int("size", 1024, "response body size in bytes")
	addrFile := flag.String("addr-file", "", "write the bound host:port to this file once listening")
	flag.Parse()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", *addr, err)
	}
	if *addrFile != "" {
		// Write then rename so that a reader polling for the file never sees it half written.
		tmp := *addrFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(ln.Addr().String()), 0o644); err != nil {
			return fmt.Errorf("writing address file: %w", err)
		}
		if err := os.Rename(tmp, *addrFile); err != nil {
			return fmt.Errorf("publishing address file: %w", err)
		}
	}
	srv := &http.Server{Handler: newHandler(*name, *size), ReadHeaderTimeout: 10 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()
	slog.Info("origin listening", "addr", ln.Addr().String(), "name", *name, "size", *size)
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving: %w", err)
	}
	return nil
}

// newHandler builds the body and headers once: the origin must stay cheap so that the
// benchmark measures the proxy in front of it, not the origin.
func newHandler(name string, size int) http.Handler {
	body := bytes.Repeat([]byte("x"), size)
	length := strconv.Itoa(size)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Content-Type"] = []string{"text/plain"}
		h["Content-Length"] = []string{length}
		h["X-Origin"] = []string{name}
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(body)
	})
}
