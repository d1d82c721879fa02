package app

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/shoal-gw/shoal/internal/admin"
	"github.com/shoal-gw/shoal/internal/api"
	"github.com/shoal-gw/shoal/internal/registry"
	"github.com/shoal-gw/shoal/internal/runtime/local"
)

// The gateway knows pools; the runtime knows processes. The admin API shows
// a service as both: these methods overlay the runtime's view.

func (a *App) Services() []api.ServiceInfo {
	out := a.gw.Services()
	for i := range out {
		a.overlay(&out[i])
	}
	return out
}

func (a *App) Service(name string) (api.ServiceDetail, bool) {
	d, ok := a.gw.Service(name)
	if !ok {
		return d, false
	}
	a.overlay(&d.ServiceInfo)
	if rs, ok := a.gw.Resilience(name); ok {
		d.Resilience = rs
	}
	if as, ok := a.gw.ActivatorStats(name); ok {
		d.Activator = as
	}
	if a.rt == nil {
		return d, true
	}
	st, ok := a.rt.Status(name)
	if !ok {
		return d, true
	}
	ri := &api.RuntimeInfo{
		Desired: st.Desired, Failed: st.Failed, LastError: st.LastError,
		ColdStartMS: float64(st.ColdStartAvg.Microseconds()) / 1000,
		Processes:   []api.ProcessInfo{},
	}
	for _, in := range a.rt.Instances(name) {
		ri.Processes = append(ri.Processes, api.ProcessInfo{
			ID: in.ID, Address: in.Address, PID: in.PID, State: string(in.State),
			StartedAt: in.StartedAt, ReadyAt: in.ReadyAt, Restarts: in.Restarts,
			LastExit: in.LastExit, LastExitAt: in.LastExitAt,
		})
	}
	d.Runtime = ri
	return d, true
}

func (a *App) overlay(s *api.ServiceInfo) {
	// Discovery alone (no workload to scale) has draining endpoints too.
	s.Instances.Draining += a.kubeDraining(s.Name)
	if a.kubeOverlay(s) {
		return
	}
	if a.rt == nil {
		return
	}
	st, ok := a.rt.Status(s.Name)
	if !ok {
		return
	}
	// Static endpoints count too: a service may have both.
	static := s.Desired - st.Ready
	if static < 0 {
		static = 0
	}
	s.Desired = static + st.Desired
	s.Instances.Starting += st.Starting + st.Failed
	s.Instances.Draining += st.Draining
}

// mountAPI adds the registry's and the runtime's admin endpoints.
func (a *App) mountAPI(mux *http.ServeMux) {
	registry.Mount(mux, listingRegistry{Registry: a.reg, a: a}, a.log.With("component", "registry"))
	mux.HandleFunc("PUT /api/services/{service}/scale", a.scaleHandler)
	mux.HandleFunc("POST /api/services/{service}/scale", a.scaleHandler)
	mux.HandleFunc("GET /api/services/{service}/logs", a.logsHandler)
	mux.HandleFunc("GET /api/services/{service}/scaling", a.scalingHandler)
	mux.HandleFunc("GET /api/logs", a.logsHandlerAll)
	mux.HandleFunc("GET /api/events", func(w http.ResponseWriter, r *http.Request) {
		admin.WriteJSON(w, http.StatusOK, dashSource{a}.Events(time.Time{}))
	})
	mux.Handle("POST /api/cache/purge", a.gw.CachePurgeHandler())
	mux.Handle("DELETE /api/cache", a.gw.CachePurgeHandler())
	a.mountKubeAPI(mux)
	a.dash.Register(mux)
}

func (a *App) scaleHandler(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("service")
	var req api.ScaleRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&req); err != nil {
		admin.WriteJSONError(w, http.StatusBadRequest, `body must be {"instances": N}: `+err.Error())
		return
	}
	if req.Instances < 0 {
		admin.WriteJSONError(w, http.StatusBadRequest, "instances must be ≥ 0")
		return
	}
	if a.kubeScale(w, name, req.Instances) {
		return
	}
	if _, ok := a.rt.Status(name); !ok {
		admin.WriteJSONError(w, http.StatusNotFound, "service "+strconv.Quote(name)+" is not run by Shoal (it has no run: block)")
		return
	}
	if max := a.scaleMax(name); max > 0 && req.Instances > max {
		admin.WriteJSONError(w, http.StatusBadRequest, "instances "+strconv.Itoa(req.Instances)+" is above the service's scale.max of "+strconv.Itoa(max))
		return
	}
	if err := a.rt.Scale(name, req.Instances); err != nil {
		status := http.StatusInternalServerError
		if errors.Is(err, local.ErrClosed) {
			status = http.StatusServiceUnavailable
		}
		admin.WriteJSONError(w, status, err.Error())
		return
	}
	a.log.Info("scaled by the admin API", "service", name, "instances", req.Instances)
	for _, s := range a.Services() {
		if s.Name == name {
			admin.WriteJSON(w, http.StatusOK, s)
			return
		}
	}
	admin.WriteJSON(w, http.StatusOK, api.ServiceInfo{Name: name, Desired: req.Instances})
}

func (a *App) scaleMax(name string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	if svc := a.cfg.Dynamic.Services[name]; svc != nil && svc.Scale != nil {
		return svc.Scale.Max
	}
	return 0
}

func (a *App) logsHandler(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("service")
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	lines, err := a.rt.Logs(name, q.Get("instance"), q.Get("contains"), limit)
	if err != nil {
		admin.WriteJSONError(w, http.StatusNotFound, err.Error())
		return
	}
	out := make([]api.LogLine, len(lines))
	for i, l := range lines {
		out[i] = api.LogLine{Time: l.Time, Instance: l.Instance, Stream: l.Stream, Text: l.Text}
	}
	admin.WriteJSON(w, http.StatusOK, out)
}
