// Package admin serves Shoal's admin API on its own listener: health and
// readiness probes, Prometheus metrics and the JSON API under /api/.
//
// It knows the running gateway only through the Controller interface, so it
// imports no request-path package and can be tested with a fake controller.
package admin

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/shoal-gw/shoal/internal/api"
)

// MaxConfigBytes bounds a config pushed through POST /api/config.
const MaxConfigBytes = 8 << 20

// Controller is what the admin API needs from the running gateway.
type Controller interface {
	// ApplyConfig validates and applies a complete config document. On
	// error nothing changes and the error lists every problem.
	ApplyConfig(ctx context.Context, data []byte) error
	// ConfigSource returns the active config document.
	ConfigSource() []byte
	ReloadStatus() api.ReloadStatus
	Routes() []api.RouteInfo
	Services() []api.ServiceInfo
	Service(name string) (api.ServiceDetail, bool)
	// Ready is false until the first config is serving and while draining.
	Ready() bool
}

// Options configure the admin handler.
type Options struct {
	// Token, when set, must be presented as "Authorization: Bearer TOKEN"
	// on every endpoint except the /healthz and /readyz probes.
	Token    string
	Gatherer prometheus.Gatherer
	Log      *slog.Logger
	// Extra lets later subsystems (registry, autoscaler, logs) add routes
	// without this package knowing them.
	Extra func(mux *http.ServeMux)
	// Traces, when set, serves GET /api/traces and /api/traces/{trace_id}.
	Traces TraceSource
}

// Handler returns the admin API.
func Handler(c Controller, opts Options) http.Handler {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	a := &adminAPI{c: c, log: opts.Log}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", a.readyz)
	if opts.Gatherer != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(opts.Gatherer, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(opts.Log.Handler(), slog.LevelWarn)}))
	}
	mux.HandleFunc("GET /api/config", a.getConfig)
	mux.HandleFunc("POST /api/config", a.postConfig)
	mux.HandleFunc("GET /api/config/status", a.configStatus)
	mux.HandleFunc("GET /api/routes", a.routes)
	mux.HandleFunc("GET /api/services", a.services)
	mux.HandleFunc("GET /api/services/{service}", a.service)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		WriteJSONError(w, http.StatusNotFound, "no such admin endpoint: "+r.Method+" "+r.URL.Path)
	})
	if opts.Traces != nil {
		mountTraces(mux, opts.Traces)
	}
	if opts.Extra != nil {
		opts.Extra(mux)
	}
	if opts.Token == "" {
		return mux
	}
	return requireToken(opts.Token, mux)
}

// tokenCookie lets a browser use the dashboard when a token is set: a
// browser cannot add an Authorization header to a page load or an
// EventSource. Opening /?token=TOKEN once sets it.
const tokenCookie = "shoal_admin_token"

func requireToken(token string, next http.Handler) http.Handler {
	want := []byte("Bearer " + token)
	ok := func(r *http.Request) bool {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) == 1 {
			return true
		}
		c, err := r.Cookie(tokenCookie)
		return err == nil && subtle.ConstantTimeCompare([]byte(c.Value), []byte(token)) == 1
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			next.ServeHTTP(w, r)
			return
		}
		if q := r.URL.Query().Get("token"); q != "" && r.URL.Path == "/" {
			if subtle.ConstantTimeCompare([]byte(q), []byte(token)) == 1 {
				http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
				// Drop the token from the address bar and the history.
				http.Redirect(w, r, "/", http.StatusSeeOther)
				return
			}
		}
		if !ok(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="shoal-admin"`)
			WriteJSONError(w, http.StatusUnauthorized, "admin API requires a bearer token (browsers: open /?token=TOKEN once)")
			return
		}
		next.ServeHTTP(w, r)
	})
}

type adminAPI struct {
	c   Controller
	log *slog.Logger
}

func (a *adminAPI) readyz(w http.ResponseWriter, _ *http.Request) {
	if !a.c.Ready() {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "not ready\n")
		return
	}
	_, _ = io.WriteString(w, "ready\n")
}

func (a *adminAPI) getConfig(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	_, _ = w.Write(a.c.ConfigSource())
}

func (a *adminAPI) postConfig(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxConfigBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			WriteJSONError(w, http.StatusRequestEntityTooLarge, "config larger than 8 MiB")
			return
		}
		WriteJSONError(w, http.StatusBadRequest, "reading config: "+err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	if err := a.c.ApplyConfig(ctx, data); err != nil {
		WriteJSON(w, http.StatusBadRequest, map[string]any{
			"error":  "config rejected; the previous config keeps serving",
			"errors": splitLines(err.Error()),
		})
		return
	}
	WriteJSON(w, http.StatusOK, a.c.ReloadStatus())
}

func (a *adminAPI) configStatus(w http.ResponseWriter, _ *http.Request) {
	WriteJSON(w, http.StatusOK, a.c.ReloadStatus())
}

func (a *adminAPI) routes(w http.ResponseWriter, _ *http.Request) {
	WriteJSON(w, http.StatusOK, a.c.Routes())
}

func (a *adminAPI) services(w http.ResponseWriter, _ *http.Request) {
	WriteJSON(w, http.StatusOK, a.c.Services())
}

func (a *adminAPI) service(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("service")
	d, ok := a.c.Service(name)
	if !ok {
		WriteJSONError(w, http.StatusNotFound, "no service named "+quote(name))
		return
	}
	WriteJSON(w, http.StatusOK, d)
}

func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// WriteJSONError answers {"error": msg} with status.
func WriteJSONError(w http.ResponseWriter, status int, msg string) {
	WriteJSON(w, status, map[string]string{"error": msg})
}

// WriteJSON answers status with v as indented JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
