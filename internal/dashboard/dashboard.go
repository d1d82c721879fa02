// Package dashboard serves Shoal's live web dashboard: one page with its
// embedded assets (no CDN, no JavaScript dependency: the charts are SVG drawn
// by our own script), a JSON snapshot of every service and a Server-Sent
// Events stream that pushes a snapshot every second and events as they come.
//
// It reads the running system only through the Source interface, so it can be
// tested, and shown in a browser test, over a fake.
package dashboard

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/shoal-gw/shoal/internal/api"
)

// Source is what the dashboard reads. Every method must be safe for
// concurrent use and cheap: the stream calls them once a second per viewer.
type Source interface {
	// Services lists the services (any order; the dashboard sorts by name).
	Services() []api.ServiceInfo
	// Service adds the endpoint list of one service.
	Service(name string) (api.ServiceDetail, bool)
	// Timeline returns the complete seconds of a service strictly after
	// since, oldest first. The second still being counted is left out, so
	// a point never changes once returned.
	Timeline(service string, since time.Time) []api.DashboardPoint
	// Events returns the events strictly after since, oldest first.
	Events(since time.Time) []api.DashboardEvent
}

// BreakerSource may also be implemented by a Source whose services have
// circuit breakers; their states are shown on each service's card.
type BreakerSource interface {
	Breakers(service string) []api.DashboardBreaker
}

// ForecastSource may also be implemented by a Source whose services are
// autoscaled by a forecasting policy: the chart draws the newest forecast
// ahead of "now".
type ForecastSource interface {
	Ahead(service string) (api.DashboardForecast, bool)
}

// Options configure the dashboard.
type Options struct {
	// Window is how much history the charts show (default 5 minutes).
	Window time.Duration
	// Interval is how often the stream sends a snapshot (default 1 second).
	Interval time.Duration
	// MaxEvents bounds the events a snapshot lists (default 50).
	MaxEvents int
	// Title is shown in the page header (default "Shoal").
	Title string
	Log   *slog.Logger
	// Now is the clock (default time.Now); tests set it.
	Now func() time.Time
}

func (o *Options) setDefaults() {
	if o.Window <= 0 {
		o.Window = 5 * time.Minute
	}
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	if o.MaxEvents <= 0 {
		o.MaxEvents = 50
	}
	if o.Title == "" {
		o.Title = "Shoal"
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Handler serves the dashboard. It answers:
//
//	GET /                        the page
//	GET /assets/{name}           embedded script, style sheet and icon
//	GET /api/dashboard/snapshot  api.DashboardSnapshot as JSON
//	GET /api/dashboard/stream    text/event-stream of snapshots and events
type Handler struct {
	src    Source
	opts   Options
	assets *assetSet
	mux    *http.ServeMux

	closeOnce sync.Once
	closed    chan struct{}
}

// New returns the dashboard over src.
func New(src Source, opts Options) (*Handler, error) {
	opts.setDefaults()
	assets, err := loadAssets(opts.Title)
	if err != nil {
		return nil, err
	}
	h := &Handler{src: src, opts: opts, assets: assets, closed: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", h.servePage)
	mux.HandleFunc("GET /assets/{name}", h.serveAsset)
	mux.HandleFunc("GET /api/dashboard/snapshot", h.serveSnapshot)
	mux.HandleFunc("GET /api/dashboard/stream", h.serveStream)
	h.mux = mux
	return h, nil
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mux.ServeHTTP(w, r)
}

// Register adds the dashboard's routes to mux, for example from
// admin.Options.Extra. The patterns are more specific than a catch-all
// "/api/" route, so they coexist with one.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.Handle("GET /{$}", h)
	mux.Handle("GET /assets/", h)
	mux.Handle("GET /api/dashboard/", h)
}

// Close ends every open stream and makes new ones end at once. An
// http.Server's Shutdown waits for handlers to return, and a stream never
// would on its own: call Close first (or pass it to RegisterOnShutdown).
func (h *Handler) Close() {
	h.closeOnce.Do(func() { close(h.closed) })
}
