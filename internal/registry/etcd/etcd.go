// Package etcd keeps the registry in etcd so several gateways share it.
//
// Key layout (Prefix defaults to "/shoal"):
//
//	<prefix>/services/<service>/instances/<id>  →  JSON instance
//	   {"id", "service", "address", "metadata", "ttl", "registered_at"}
//
// An instance with a TTL is attached to its own lease of that TTL (rounded up
// to whole seconds, etcd's unit); a heartbeat is one KeepAliveOnce of the
// lease, and etcd deletes the key when the lease runs out, so every gateway
// sees the expiry through its watch. An instance without a TTL has no lease.
// Because the deadline lives in etcd, instances read back from etcd carry no
// ExpiresAt; Register and Heartbeat return the deadline they just set.
package etcd

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/shoal-gw/shoal/internal/registry"
)

// Options configure the etcd registry.
type Options struct {
	// Endpoints of the etcd cluster, such as "http://127.0.0.1:2379".
	Endpoints   []string
	DialTimeout time.Duration // default 5s
	Username    string
	Password    string
	TLS         *tls.Config
	// Prefix of every key (default "/shoal"); gateways sharing instances use
	// the same prefix.
	Prefix string
	Logger *slog.Logger
	// Client, when set, is used instead of dialing Endpoints; Close leaves it
	// open for its owner.
	Client *clientv3.Client
	// ResyncDelay is the pause before a broken watch reloads and resumes
	// (default 500ms).
	ResyncDelay time.Duration
}

// Registry is the etcd-backed registry. Create it with Open.
type Registry struct {
	cli       *clientv3.Client
	ownClient bool
	prefix    string
	log       *slog.Logger
	resync    time.Duration
	// ctx ends every watch goroutine when the registry closes.
	ctx    context.Context
	cancel context.CancelFunc
}

var _ registry.Registry = (*Registry)(nil)

// Open connects to etcd (or adopts opts.Client).
func Open(opts Options) (*Registry, error) {
	if opts.Prefix == "" {
		opts.Prefix = "/shoal"
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = 5 * time.Second
	}
	if opts.ResyncDelay <= 0 {
		opts.ResyncDelay = 500 * time.Millisecond
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Registry{
		cli:    opts.Client,
		prefix: strings.TrimSuffix(opts.Prefix, "/"),
		log:    opts.Logger.With("component", "registry", "backend", "etcd"),
		resync: opts.ResyncDelay,
	}
	if r.cli == nil {
		if len(opts.Endpoints) == 0 {
			return nil, fmt.Errorf("etcd registry: %w: no endpoints", registry.ErrInvalid)
		}
		cli, err := clientv3.New(clientv3.Config{
			Endpoints:   opts.Endpoints,
			DialTimeout: opts.DialTimeout,
			Username:    opts.Username,
			Password:    opts.Password,
			TLS:         opts.TLS,
			Logger:      zap.NewNop(), // errors reach the caller; no second log stream
		})
		if err != nil {
			return nil, fmt.Errorf("connecting to etcd %v: %w", opts.Endpoints, err)
		}
		r.cli, r.ownClient = cli, true
	}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	return r, nil
}

// closedErr reports ErrClosed once Close ran, before the closed client would
// answer with a transport error.
func (r *Registry) closedErr() error {
	if r.ctx.Err() != nil {
		return registry.ErrClosed
	}
	return nil
}

func (r *Registry) servicesPrefix() string { return r.prefix + "/services/" }

func (r *Registry) instancesPrefix(service string) string {
	return r.servicesPrefix() + service + "/instances/"
}

func (r *Registry) key(service, id string) string { return r.instancesPrefix(service) + id }

// stored is the JSON value of a key. The deadline is the lease's business, so
// it is not stored.
func encode(inst registry.Instance) (string, error) {
	inst.ExpiresAt = time.Time{}
	data, err := json.Marshal(inst)
	if err != nil {
		return "", fmt.Errorf("encoding instance: %w", err)
	}
	return string(data), nil
}

func decode(value []byte) (registry.Instance, error) {
	var inst registry.Instance
	if err := json.Unmarshal(value, &inst); err != nil {
		return inst, fmt.Errorf("decoding instance: %w", err)
	}
	return inst, nil
}

// leaseSeconds rounds a TTL up to etcd's whole seconds.
func leaseSeconds(ttl time.Duration) int64 {
	return int64((ttl + time.Second - 1) / time.Second)
}

// Register stores the instance under a fresh lease of its TTL. Replacing an
// instance with the same ID revokes the lease it had.
func (r *Registry) Register(ctx context.Context, inst registry.Instance) (registry.Instance, error) {
	if err := r.closedErr(); err != nil {
		return registry.Instance{}, err
	}
	inst, err := registry.Prepare(inst)
	if err != nil {
		return registry.Instance{}, fmt.Errorf("registering instance: %w", err)
	}
	now := time.Now()
	inst.RegisteredAt = now
	val, err := encode(inst)
	if err != nil {
		return registry.Instance{}, err
	}
	var putOpts []clientv3.OpOption
	var lease clientv3.LeaseID
	if inst.TTL > 0 {
		g, err := r.cli.Grant(ctx, leaseSeconds(inst.TTL))
		if err != nil {
			return registry.Instance{}, fmt.Errorf("registering %s/%s: granting lease: %w", inst.Service, inst.ID, err)
		}
		lease = g.ID
		putOpts = append(putOpts, clientv3.WithLease(lease))
		inst.ExpiresAt = now.Add(time.Duration(g.TTL) * time.Second)
	}
	putOpts = append(putOpts, clientv3.WithPrevKV())
	resp, err := r.cli.Put(ctx, r.key(inst.Service, inst.ID), val, putOpts...)
	if err != nil {
		if lease != 0 {
			r.revoke(lease)
		}
		return registry.Instance{}, fmt.Errorf("registering %s/%s: %w", inst.Service, inst.ID, err)
	}
	if resp.PrevKv != nil && resp.PrevKv.Lease != 0 && clientv3.LeaseID(resp.PrevKv.Lease) != lease {
		r.revoke(clientv3.LeaseID(resp.PrevKv.Lease))
	}
	return inst, nil
}

// revoke drops a lease no key uses any more; failure only delays its expiry.
func (r *Registry) revoke(id clientv3.LeaseID) {
	ctx, cancel := context.WithTimeout(r.ctx, 5*time.Second)
	defer cancel()
	if _, err := r.cli.Revoke(ctx, id); err != nil && !errors.Is(err, rpctypes.ErrLeaseNotFound) {
		r.log.Warn("revoking unused lease", "lease", int64(id), "err", err)
	}
}

// Deregister deletes the instance's key and revokes its lease.
func (r *Registry) Deregister(ctx context.Context, service, id string) error {
	if err := r.closedErr(); err != nil {
		return err
	}
	resp, err := r.cli.Delete(ctx, r.key(service, id), clientv3.WithPrevKV())
	if err != nil {
		return fmt.Errorf("deregistering %s/%s: %w", service, id, err)
	}
	if resp.Deleted == 0 {
		return fmt.Errorf("deregistering %s/%s: %w", service, id, registry.ErrNotFound)
	}
	if len(resp.PrevKvs) == 1 && resp.PrevKvs[0].Lease != 0 {
		r.revoke(clientv3.LeaseID(resp.PrevKvs[0].Lease))
	}
	return nil
}

// Heartbeat renews the instance's lease once.
func (r *Registry) Heartbeat(ctx context.Context, service, id string) (registry.Instance, error) {
	if err := r.closedErr(); err != nil {
		return registry.Instance{}, err
	}
	resp, err := r.cli.Get(ctx, r.key(service, id))
	if err != nil {
		return registry.Instance{}, fmt.Errorf("heartbeat for %s/%s: %w", service, id, err)
	}
	if len(resp.Kvs) == 0 {
		return registry.Instance{}, fmt.Errorf("heartbeat for %s/%s: %w", service, id, registry.ErrNotFound)
	}
	kv := resp.Kvs[0]
	inst, err := decode(kv.Value)
	if err != nil {
		return registry.Instance{}, fmt.Errorf("heartbeat for %s/%s: %w", service, id, err)
	}
	if kv.Lease == 0 {
		return inst, nil
	}
	ka, err := r.cli.KeepAliveOnce(ctx, clientv3.LeaseID(kv.Lease))
	if errors.Is(err, rpctypes.ErrLeaseNotFound) {
		// The lease ran out between the Get and now: the key is gone too.
		return registry.Instance{}, fmt.Errorf("heartbeat for %s/%s: %w", service, id, registry.ErrNotFound)
	}
	if err != nil {
		return registry.Instance{}, fmt.Errorf("heartbeat for %s/%s: renewing lease: %w", service, id, err)
	}
	inst.ExpiresAt = time.Now().Add(time.Duration(ka.TTL) * time.Second)
	return inst, nil
}

// Close ends every watch and closes the client if Open dialed it.
func (r *Registry) Close() error {
	r.cancel()
	if r.ownClient {
		if err := r.cli.Close(); err != nil {
			return fmt.Errorf("closing etcd client: %w", err)
		}
	}
	return nil
}
