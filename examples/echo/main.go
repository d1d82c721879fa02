// Command echo is a tiny example service: it answers every request with a
// JSON description of what it received and which instance answered. Shoal's
// examples and end-to-end tests run it as an upstream.
//
//	echo -addr 127.0.0.1:9001 -name web-1
//	PORT=9001 echo            (the local runtime passes the port this way)
//	echo -startup-delay 3s    (listens only after 3 s: a slow cold start)
//
// Query parameters shape the answer, for experiments: ?delay=200ms waits,
// ?status=503 answers with that status, ?bytes=1024 pads the body.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "", "listen address (default 127.0.0.1:$PORT, or 127.0.0.1:9001)")
	name := flag.String("name", "", "instance name shown in answers (default: the address)")
	startup := flag.Duration("startup-delay", 0, "wait this long before listening, like a service that loads for a while")
	flag.Parse()
	if *addr == "" {
		port := os.Getenv("PORT")
		if port == "" {
			port = "9001"
		}
		*addr = "127.0.0.1:" + port
	}
	if *name == "" {
		*name = *addr
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	srv := &http.Server{Addr: *addr, Handler: handler(*name), ReadHeaderTimeout: 10 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *startup > 0 {
		select {
		case <-time.After(*startup):
		case <-ctx.Done():
			return
		}
	}
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()
	log.Info("echo listening", "addr", *addr, "name", *name)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("echo stopped", "err", err)
		os.Exit(1)
	}
}

type answer struct {
	Instance string              `json:"instance"`
	Method   string              `json:"method"`
	Host     string              `json:"host"`
	Path     string              `json:"path"`
	Query    string              `json:"query,omitempty"`
	Headers  map[string][]string `json:"headers"`
	Padding  string              `json:"padding,omitempty"`
}

func handler(name string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if d, err := time.ParseDuration(q.Get("delay")); err == nil && d > 0 {
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				return
			}
		}
		status := http.StatusOK
		if s, err := strconv.Atoi(q.Get("status")); err == nil && s >= 200 && s <= 599 {
			status = s
		}
		a := answer{Instance: name, Method: r.Method, Host: r.Host, Path: r.URL.Path, Query: r.URL.RawQuery, Headers: r.Header}
		if n, err := strconv.Atoi(q.Get("bytes")); err == nil && n > 0 && n <= 10<<20 {
			a.Padding = strings.Repeat("x", n)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Instance", name)
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(a)
	})
	return mux
}
