// Package registry defines how Shoal learns where a service's instances are:
// one Registry interface, the Instance type, input validation shared by every
// backend, a coalescing watch hub and the self-registration HTTP API.
//
// Backends live in sub-packages: memory (durable on disk, the embedded
// default), etcd (shared by several gateways), static (fixed lists from the
// config) and dns (names re-resolved periodically).
package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Errors every backend returns (wrapped with context); test with errors.Is.
var (
	// ErrNotFound: the service or instance is unknown (or its TTL ran out).
	ErrNotFound = errors.New("not found")
	// ErrInvalid: the input was rejected; the wrapping error says why.
	ErrInvalid = errors.New("invalid")
	// ErrReadOnly: the backend's instances come from elsewhere (config, DNS).
	ErrReadOnly = errors.New("registry is read-only")
	// ErrClosed: the registry was closed.
	ErrClosed = errors.New("registry is closed")
)

// Registry stores the instances of each service. Implementations are safe for
// concurrent use.
type Registry interface {
	// Register adds or replaces an instance. An empty ID is assigned; a TTL of
	// zero means the instance never expires. It returns the stored instance.
	Register(ctx context.Context, inst Instance) (Instance, error)
	// Deregister removes an instance; ErrNotFound when it is unknown.
	Deregister(ctx context.Context, service, id string) error
	// Heartbeat restarts the instance's TTL and returns the instance with its
	// new deadline; ErrNotFound when it is unknown or already expired.
	Heartbeat(ctx context.Context, service, id string) (Instance, error)
	// List returns the live instances of a service, sorted by ID; an unknown
	// service has none (not an error).
	List(ctx context.Context, service string) ([]Instance, error)
	// Services returns the names of the services that have instances, sorted.
	Services(ctx context.Context) ([]string, error)
	// Watch delivers the full current set of a service's instances at once and
	// after every change, until ctx ends or the registry closes (then the
	// channel is closed). Bursts coalesce: a slow reader sees only the latest
	// set, never a backlog.
	Watch(ctx context.Context, service string) (<-chan []Instance, error)
	// Close stops background work and releases files and connections.
	Close() error
}

// Instance is one registered address of a service.
type Instance struct {
	ID       string            `json:"id"`
	Service  string            `json:"service"`
	Address  string            `json:"address"` // host:port
	Metadata map[string]string `json:"metadata,omitempty"`
	// TTL is how long the instance lives without a heartbeat; 0 = forever.
	TTL time.Duration `json:"-"`
	// RegisteredAt is when the instance was (last) registered.
	RegisteredAt time.Time `json:"registered_at,omitzero"`
	// ExpiresAt is the absolute deadline (zero when TTL is 0 or when the
	// backend does not know it, as with etcd leases).
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// instanceJSON carries TTL as a Go duration string ("30s") on the wire.
type instanceJSON struct {
	instanceAlias
	TTL string `json:"ttl,omitempty"`
}

type instanceAlias Instance

// MarshalJSON writes TTL as a duration string.
func (i Instance) MarshalJSON() ([]byte, error) {
	out := instanceJSON{instanceAlias: instanceAlias(i)}
	if i.TTL > 0 {
		out.TTL = i.TTL.String()
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads TTL as a duration string.
func (i *Instance) UnmarshalJSON(data []byte) error {
	var in instanceJSON
	if err := json.Unmarshal(data, &in); err != nil {
		return err
	}
	*i = Instance(in.instanceAlias)
	i.TTL = 0
	if in.TTL != "" {
		d, err := time.ParseDuration(in.TTL)
		if err != nil {
			return fmt.Errorf("ttl: %w", err)
		}
		i.TTL = d
	}
	return nil
}

// Clone returns a copy that shares no map with i.
func (i Instance) Clone() Instance {
	if i.Metadata != nil {
		m := make(map[string]string, len(i.Metadata))
		for k, v := range i.Metadata {
			m[k] = v
		}
		i.Metadata = m
	}
	return i
}

// Expired reports whether the instance's deadline has passed at now.
func (i Instance) Expired(now time.Time) bool {
	return !i.ExpiresAt.IsZero() && !now.Before(i.ExpiresAt)
}
