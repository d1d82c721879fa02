// Package shoalclient lets a service register itself with a Shoal gateway:
//
//	reg, err := shoalclient.Register(ctx, "http://127.0.0.1:9901", "api",
//		"127.0.0.1:9003", 30*time.Second, map[string]string{"version": "v2"},
//		shoalclient.WithToken(os.Getenv("SHOAL_ADMIN_TOKEN")))
//	if err != nil { ... }
//	defer reg.Deregister(context.Background())
//
// While registered it heartbeats every ttl/3 in the background. If the
// gateway answers a heartbeat with 404 (the instance expired, or the gateway
// lost it), the client registers again under the same ID.
package shoalclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// APIError is a non-success answer of the admin API.
type APIError struct {
	Status  int
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("shoal admin API: %d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
}

// Option changes how Register talks to the gateway.
type Option func(*options)

type options struct {
	token  string
	client *http.Client
	log    *slog.Logger
	id     string
}

// WithToken sends "Authorization: Bearer token" (the admin API's token).
func WithToken(token string) Option { return func(o *options) { o.token = token } }

// WithHTTPClient uses c instead of a client with a 10s timeout.
func WithHTTPClient(c *http.Client) Option { return func(o *options) { o.client = c } }

// WithLogger logs heartbeat failures to l (default: discarded).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithID registers under a chosen instance ID instead of one the gateway picks.
func WithID(id string) Option { return func(o *options) { o.id = id } }

// Registration is a live registration; call Deregister on shutdown.
type Registration struct {
	base    string // admin URL + /api/services/<service>/instances
	body    registerBody
	ttl     time.Duration
	opts    options
	stop    chan struct{}
	done    chan struct{}
	stopped sync.Once

	mu      sync.Mutex
	id      string
	lastErr error
}

type registerBody struct {
	ID       string            `json:"id,omitempty"`
	Address  string            `json:"address"`
	TTL      string            `json:"ttl,omitempty"`
	Metadata map[string]string `json:"metadata,omitempty"`
}

// Register registers address as an instance of service with the gateway whose
// admin API is at adminURL, and starts heartbeating at ttl/3 (ttl 0: the
// instance never expires and no heartbeats are sent). ctx bounds only this
// first request; heartbeats go on until Deregister.
func Register(ctx context.Context, adminURL, service, address string, ttl time.Duration, metadata map[string]string, opts ...Option) (*Registration, error) {
	o := options{client: &http.Client{Timeout: 10 * time.Second}, log: slog.New(slog.DiscardHandler)}
	for _, opt := range opts {
		opt(&o)
	}
	if ttl < 0 {
		return nil, fmt.Errorf("registering %s: negative ttl %s", service, ttl)
	}
	r := &Registration{
		base: strings.TrimSuffix(adminURL, "/") + "/api/services/" + url.PathEscape(service) + "/instances",
		body: registerBody{ID: o.id, Address: address, Metadata: metadata},
		ttl:  ttl,
		opts: o,
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	if ttl > 0 {
		r.body.TTL = ttl.String()
	}
	if err := r.register(ctx); err != nil {
		return nil, fmt.Errorf("registering %s at %s: %w", address, service, err)
	}
	if ttl > 0 {
		go r.heartbeatLoop()
	} else {
		close(r.done)
	}
	return r, nil
}

// ID is the instance ID the gateway holds this registration under.
func (r *Registration) ID() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.id
}

// Err returns the error of the last heartbeat, or nil when it succeeded.
func (r *Registration) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lastErr
}

func (r *Registration) register(ctx context.Context) error {
	body := r.body
	if id := r.ID(); id != "" {
		body.ID = id // keep our identity across re-registrations
	}
	data, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encoding registration: %w", err)
	}
	var out struct {
		ID string `json:"id"`
	}
	if err := r.call(ctx, http.MethodPost, r.base, data, &out); err != nil {
		return err
	}
	if out.ID == "" {
		return errors.New("gateway answered without an instance id")
	}
	r.mu.Lock()
	r.id = out.ID
	r.mu.Unlock()
	return nil
}

func (r *Registration) heartbeatLoop() {
	defer close(r.done)
	t := time.NewTicker(r.ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
		}
		// Each beat gets at most one interval, so a hung gateway cannot stall
		// the loop past the next beat.
		ctx, cancel := context.WithTimeout(context.Background(), r.ttl/3)
		err := r.beat(ctx)
		cancel()
		r.mu.Lock()
		r.lastErr = err
		r.mu.Unlock()
		if err != nil {
			r.opts.log.Warn("shoal heartbeat failed", "instance", r.ID(), "err", err)
		}
	}
}

func (r *Registration) beat(ctx context.Context) error {
	err := r.call(ctx, http.MethodPut, r.base+"/"+url.PathEscape(r.ID())+"/heartbeat", nil, nil)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound {
		// Our registration is gone (expired during a pause, or the gateway
		// lost it): come back under the same ID.
		r.opts.log.Info("shoal registration lost; registering again", "instance", r.ID())
		return r.register(ctx)
	}
	return err
}

// Deregister stops heartbeating and removes the instance from the gateway.
// An instance the gateway no longer knows counts as removed.
func (r *Registration) Deregister(ctx context.Context) error {
	r.stopped.Do(func() { close(r.stop) })
	<-r.done
	err := r.call(ctx, http.MethodDelete, r.base+"/"+url.PathEscape(r.ID()), nil, nil)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound {
		return nil
	}
	if err != nil {
		return fmt.Errorf("deregistering %s: %w", r.ID(), err)
	}
	return nil
}

// call sends one request and decodes a JSON answer into out (when non-nil).
func (r *Registration) call(ctx context.Context, method, u string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("building request: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.opts.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.opts.token)
	}
	resp, err := r.opts.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("reading answer: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(data, &e) != nil || e.Error == "" {
			e.Error = strings.TrimSpace(string(data))
		}
		return &APIError{Status: resp.StatusCode, Message: e.Error}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("decoding answer: %w", err)
		}
	}
	return nil
}
