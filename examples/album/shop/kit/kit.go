// Package kit is what the album shop's services share: the listener on
// 127.0.0.1:$PORT, /healthz, a per-instance concurrency limit, JSON helpers
// and a graceful stop on SIGTERM. It keeps each service's main.go about its
// own job.
package kit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// Config describes one service process.
type Config struct {
	// Name is the service name used in logs ("catalog").
	Name string
	// Handler serves every path but /healthz.
	Handler http.Handler
	// MaxInFlight caps requests served at once by this instance; more wait
	// up to QueueTimeout, then get 503. It is small on purpose, so that one
	// instance saturates and scaling out is visible. Overridden by the
	// MAX_IN_FLIGHT environment variable. Default 8.
	MaxInFlight int
	// QueueTimeout bounds the wait for a slot. Default 2s.
	QueueTimeout time.Duration
}

// Run serves cfg on 127.0.0.1:$PORT until SIGTERM or SIGINT, then stops
// gracefully. It returns an error when it cannot listen.
func Run(cfg Config) error {
	return run(cfg, Logger(cfg.Name))
}

// Logger returns a text logger on stderr tagged with the service and, when
// Shoal started the process, the instance id.
func Logger(service string) *slog.Logger {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("service", service)
	if id := os.Getenv("SHOAL_INSTANCE"); id != "" {
		log = log.With("instance", id)
	}
	return log
}

func run(cfg Config, log *slog.Logger) error {
	port := os.Getenv("PORT")
	if port == "" {
		return errors.New("PORT is not set: the service listens on 127.0.0.1:$PORT")
	}
	limit := cfg.MaxInFlight
	if v, err := strconv.Atoi(os.Getenv("MAX_IN_FLIGHT")); err == nil && v > 0 {
		limit = v
	}
	if limit <= 0 {
		limit = 8
	}
	wait := cfg.QueueTimeout
	if wait <= 0 {
		wait = 2 * time.Second
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("/", Limit(limit, wait, cfg.Handler))

	addr := "127.0.0.1:" + port
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("listening", "addr", addr, "max_in_flight", limit)
	select {
	case err := <-errc:
		return fmt.Errorf("listening on %s: %w", addr, err)
	case <-ctx.Done():
	}
	// Shoal drains an instance before it signals it, so little is left in
	// flight here; the bound only keeps a stuck request from holding exit.
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	log.Info("stopped")
	return nil
}

// Limit lets at most n requests through h at once. Others wait for a slot
// up to wait (or until the client goes away) and then get 503, the way a
// busy server with a small worker pool behaves.
func Limit(n int, wait time.Duration, h http.Handler) http.Handler {
	slots := make(chan struct{}, n)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case slots <- struct{}{}:
		default:
			t := time.NewTimer(wait)
			select {
			case slots <- struct{}{}:
				t.Stop()
			case <-t.C:
				http.Error(w, "busy: every worker is taken", http.StatusServiceUnavailable)
				return
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		defer func() { <-slots }()
		h.ServeHTTP(w, r)
	})
}

// JSON writes v as a JSON answer with the given status.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Env returns the environment variable name, or def when it is empty.
func Env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
