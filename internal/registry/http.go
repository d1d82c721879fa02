package registry

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// maxBodyBytes bounds a registration body; real ones are a few hundred bytes.
const maxBodyBytes = 64 << 10

// RegisterRequest is the body of POST /api/services/{service}/instances.
type RegisterRequest struct {
	// ID is optional: a client that re-registers after losing its
	// registration (a 404 on heartbeat) sends its old ID to keep it.
	ID       string            `json:"id,omitempty"`
	Address  string            `json:"address"`
	TTL      string            `json:"ttl,omitempty"` // Go duration, "30s"; empty or "0s" = no expiry
	Metadata map[string]string `json:"metadata,omitempty"`
}

// Mount adds the self-registration API to mux:
//
//	POST   /api/services/{service}/instances                 register → 201 {"id": ...}
//	GET    /api/services/{service}/instances                 list → 200 [instance...]
//	PUT    /api/services/{service}/instances/{id}/heartbeat  → 200 instance, 404 unknown
//	DELETE /api/services/{service}/instances/{id}            → 204, 404 unknown
//
// Errors are {"error": "..."}: 400 invalid input, 404 unknown instance,
// 405 read-only backend, 503 closed registry, 500 anything else. Auth is the
// admin API's job: mount this inside its mux.
func Mount(mux *http.ServeMux, reg Registry, log *slog.Logger) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &handler{reg: reg, log: log}
	mux.HandleFunc("POST /api/services/{service}/instances", h.register)
	mux.HandleFunc("GET /api/services/{service}/instances", h.list)
	mux.HandleFunc("PUT /api/services/{service}/instances/{id}/heartbeat", h.heartbeat)
	mux.HandleFunc("DELETE /api/services/{service}/instances/{id}", h.deregister)
}

// Handler returns a handler serving only the registration API (see Mount).
func Handler(reg Registry, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	Mount(mux, reg, log)
	return mux
}

type handler struct {
	reg Registry
	log *slog.Logger
}

func (h *handler) register(w http.ResponseWriter, r *http.Request) {
	var req RegisterRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("invalid JSON body: %v", err))
		return
	}
	inst := Instance{ID: req.ID, Service: r.PathValue("service"), Address: req.Address, Metadata: req.Metadata}
	if req.TTL != "" {
		ttl, err := time.ParseDuration(req.TTL)
		if err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("invalid ttl %q: want a duration such as \"30s\"", req.TTL))
			return
		}
		inst.TTL = ttl
	}
	got, err := h.reg.Register(r.Context(), inst)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.Info("instance registered", "service", got.Service, "id", got.ID, "address", got.Address, "ttl", got.TTL)
	w.Header().Set("Location", "/api/services/"+got.Service+"/instances/"+got.ID)
	writeJSON(w, http.StatusCreated, got)
}

func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	svc := r.PathValue("service")
	if err := ValidateName("service", svc); err != nil {
		h.fail(w, r, err)
		return
	}
	insts, err := h.reg.List(r.Context(), svc)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if insts == nil {
		insts = []Instance{}
	}
	writeJSON(w, http.StatusOK, insts)
}

func (h *handler) heartbeat(w http.ResponseWriter, r *http.Request) {
	got, err := h.reg.Heartbeat(r.Context(), r.PathValue("service"), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, got)
}

func (h *handler) deregister(w http.ResponseWriter, r *http.Request) {
	svc, id := r.PathValue("service"), r.PathValue("id")
	if err := h.reg.Deregister(r.Context(), svc, id); err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.Info("instance deregistered", "service", svc, "id", id)
	w.WriteHeader(http.StatusNoContent)
}

// fail maps registry errors to statuses; only unexpected ones are logged.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, ErrInvalid):
		writeError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, ErrReadOnly):
		w.Header().Set("Allow", http.MethodGet)
		writeError(w, http.StatusMethodNotAllowed, err.Error())
	case errors.Is(err, ErrClosed):
		writeError(w, http.StatusServiceUnavailable, err.Error())
	default:
		h.log.Error("registry request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, err.Error())
	}
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
