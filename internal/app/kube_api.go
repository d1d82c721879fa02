package app

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/shoal-gw/shoal/internal/admin"
	"github.com/shoal-gw/shoal/internal/api"
	"github.com/shoal-gw/shoal/internal/autoscale"
	"github.com/shoal-gw/shoal/internal/kube/peers"
	kuberuntime "github.com/shoal-gw/shoal/internal/runtime/kube"
)

// kubeOverlay puts a Kubernetes workload's desired count into a service's
// summary (ready instances are the endpoints the gateway routes to) and
// reports whether the service is one.
func (a *App) kubeOverlay(s *api.ServiceInfo) bool {
	ks := a.kube.Load()
	if ks == nil {
		return false
	}
	o, ok := ks.scaler.Status(s.Name)
	if !ok {
		return ks.scaler.Has(s.Name)
	}
	s.Desired = o.Desired
	s.Instances.Starting = max(o.Desired-s.Instances.Ready, 0)
	return true
}

// kubeScale serves PUT/POST /api/services/{s}/scale for a Kubernetes
// workload (shoal scale): the count is patched like any other change, HPA
// refusal included. It reports whether the service is one.
func (a *App) kubeScale(w http.ResponseWriter, name string, n int) bool {
	ks := a.kube.Load()
	if ks == nil || !ks.scaler.Has(name) {
		return false
	}
	if limit := a.scaleMax(name); limit > 0 && n > limit {
		admin.WriteJSONError(w, http.StatusBadRequest, fmt.Sprintf("instances %d is above the service's scale.max of %d", n, limit))
		return true
	}
	if err := ks.scaler.Scale(name, n); err != nil {
		status := http.StatusBadGateway
		var conflict *kuberuntime.HPAConflictError
		if errors.As(err, &conflict) {
			status = http.StatusConflict
		}
		admin.WriteJSONError(w, status, err.Error())
		return true
	}
	a.log.Info("scaled by the admin API", "service", name, "instances", n)
	info := api.ServiceInfo{Name: name, Desired: n}
	for _, s := range a.Services() {
		if s.Name == name {
			info = s
		}
	}
	admin.WriteJSON(w, http.StatusOK, info)
	return true
}

// isLeader reports whether this gateway runs the autoscaler's decisions:
// always outside Kubernetes mode, while it holds the Lease in it.
func (a *App) isLeader() bool {
	ks := a.kube.Load()
	return ks == nil || ks.elector.IsLeader()
}

// leaderMetric is shoal_autoscaler_leader.
func (a *App) leaderMetric() prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "shoal_autoscaler_leader",
		Help: "1 while this gateway runs the autoscaler (holds the Lease in Kubernetes mode), else 0.",
	}, func() float64 {
		if a.scaler != nil && a.isLeader() {
			return 1
		}
		return 0
	})
}

// mountKubeAPI adds GET /api/autoscaler (who leads) and POST
// /api/signals/drain (the leader reads this gateway's signals).
func (a *App) mountKubeAPI(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/autoscaler", a.autoscalerHandler)
	mux.HandleFunc("POST "+peers.DrainPath, func(w http.ResponseWriter, r *http.Request) {
		ks := a.kube.Load()
		if ks == nil {
			admin.WriteJSONError(w, http.StatusNotFound, "signals are read by peers only in Kubernetes mode (kubernetes: block)")
			return
		}
		peers.Handler(ks.elector.Identity(), autoscaledSignals{a}, nil).ServeHTTP(w, r)
	})
}

// autoscaledSignals drains only the services this gateway autoscales, so
// a drain request naming anything else creates no recorder.
type autoscaledSignals struct{ a *App }

func (s autoscaledSignals) Drain(service string, now time.Time) []autoscale.Sample {
	if s.a.scaler == nil {
		return nil
	}
	if _, ok := s.a.scaler.Status(service); !ok {
		return nil
	}
	return signalSource(s).Drain(service, now)
}

// AutoscalerInfo is the body of GET /api/autoscaler.
type AutoscalerInfo struct {
	// Leader is whether this gateway runs the autoscaler's decisions.
	Leader bool `json:"leader"`
	// Election is false outside Kubernetes mode (the only gateway leads).
	Election bool   `json:"election"`
	Identity string `json:"identity,omitempty"`
	// Holder is the identity of the gateway that holds the Lease.
	Holder string `json:"holder,omitempty"`
	Lease  string `json:"lease,omitempty"`
	// Peers are the gateways whose signals the leader reads.
	Peers    []string `json:"peers,omitempty"`
	History  string   `json:"history,omitempty"`
	Services []string `json:"services"`
}

// autoscalerHandler serves GET /api/autoscaler.
func (a *App) autoscalerHandler(w http.ResponseWriter, _ *http.Request) {
	info := AutoscalerInfo{Leader: a.isLeader(), Services: []string{}}
	if a.scaler != nil {
		info.Services = a.scaler.Services()
	}
	if ks := a.kube.Load(); ks != nil {
		info.Election, info.History = true, ks.history
		info.Identity, info.Holder, info.Lease = ks.elector.Identity(), ks.elector.Leader(), ks.elector.LeaseName()
		if ks.finder != nil {
			info.Peers = ks.finder.URLs()
		}
	}
	admin.WriteJSON(w, http.StatusOK, info)
}
