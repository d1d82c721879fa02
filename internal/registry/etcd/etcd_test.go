package etcd

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/shoal-gw/shoal/internal/registry"
	"github.com/shoal-gw/shoal/internal/registry/registrytest"
)

func open(t *testing.T, endpoint, prefix string) *Registry {
	t.Helper()
	r, err := Open(Options{Endpoints: []string{endpoint}, Prefix: prefix, ResyncDelay: 50 * time.Millisecond})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return r
}

func TestEtcd(t *testing.T) {
	// One server for all subtests keeps the package fast; each registry gets
	// its own prefix so they start empty.
	endpoint := startEtcd(t)
	n := 0
	t.Run("Conformance", func(t *testing.T) {
		registrytest.Run(t, func(t *testing.T) registry.Registry {
			n++
			return open(t, endpoint, fmt.Sprintf("/conformance%d", n))
		})
	})
	t.Run("TwoGatewaysShareInstancesAndLeaseExpiry", func(t *testing.T) { testTwoGateways(t, endpoint) })
	t.Run("KeyLayout", func(t *testing.T) { testKeyLayout(t, endpoint) })
	t.Run("HeartbeatKeepsLeaseAlive", func(t *testing.T) { testHeartbeat(t, endpoint) })
}

func testTwoGateways(t *testing.T, endpoint string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a, b := open(t, endpoint, "/shared"), open(t, endpoint, "/shared")
	defer a.Close()
	defer b.Close()
	wa, err := a.Watch(ctx, "web")
	if err != nil {
		t.Fatal(err)
	}
	wb, err := b.Watch(ctx, "web")
	if err != nil {
		t.Fatal(err)
	}
	registrytest.WaitFor(t, wa, 0)
	registrytest.WaitFor(t, wb, 0)

	// Each gateway registers one instance; both must see both.
	short, err := a.Register(ctx, registry.Instance{Service: "web", ID: "short", Address: "127.0.0.1:9001", TTL: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Register(ctx, registry.Instance{Service: "web", ID: "long", Address: "127.0.0.1:9002", TTL: time.Minute}); err != nil {
		t.Fatal(err)
	}
	registrytest.WaitFor(t, wa, 2)
	registrytest.WaitFor(t, wb, 2)
	if got, _ := b.List(ctx, "web"); len(got) != 2 || got[0].ID != "long" || got[1].ID != "short" {
		t.Fatalf("gateway b lists %+v, want long and short", got)
	}
	if short.ExpiresAt.IsZero() {
		t.Error("Register with TTL returned no deadline")
	}

	// No heartbeat: etcd expires the lease and both watches drop the instance.
	for _, w := range []<-chan []registry.Instance{wa, wb} {
		set := registrytest.WaitFor(t, w, 1)
		if set[0].ID != "long" {
			t.Errorf("after lease expiry the set is %+v, want only long", set)
		}
	}
	if _, err := b.Heartbeat(ctx, "web", "short"); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("heartbeat after lease expiry: %v, want ErrNotFound", err)
	}
	if err := b.Deregister(ctx, "web", "long"); err != nil {
		t.Fatal(err)
	}
	registrytest.WaitFor(t, wa, 0)
}

func testKeyLayout(t *testing.T, endpoint string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r := open(t, endpoint, "")
	defer r.Close()
	if _, err := r.Register(ctx, registry.Instance{Service: "api", ID: "i1", Address: "127.0.0.1:9100", TTL: 30 * time.Second}); err != nil {
		t.Fatal(err)
	}
	defer r.Deregister(ctx, "api", "i1")
	resp, err := r.cli.Get(ctx, "/shoal/services/api/instances/i1")
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("key /shoal/services/api/instances/i1 not found: %v", err)
	}
	if resp.Kvs[0].Lease == 0 {
		t.Error("instance with TTL has no lease")
	}
	ttl, err := r.cli.TimeToLive(ctx, clientv3.LeaseID(resp.Kvs[0].Lease))
	if err != nil || ttl.GrantedTTL != 30 {
		t.Errorf("lease granted TTL = %v (%v), want 30s", ttl.GrantedTTL, err)
	}
	inst, err := decode(resp.Kvs[0].Value)
	if err != nil || inst.Address != "127.0.0.1:9100" || inst.TTL != 30*time.Second {
		t.Errorf("stored value %s decodes to %+v, %v", resp.Kvs[0].Value, inst, err)
	}
	if svcs, _ := r.Services(ctx); len(svcs) != 1 || svcs[0] != "api" {
		t.Errorf("Services = %v, want [api]", svcs)
	}
}

func testHeartbeat(t *testing.T, endpoint string) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	r := open(t, endpoint, "/hb")
	defer r.Close()
	if _, err := r.Register(ctx, registry.Instance{Service: "web", ID: "kept", Address: "127.0.0.1:9001", TTL: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	// Heartbeat for 3s, longer than the TTL: the instance must still be there.
	for i := 0; i < 6; i++ {
		time.Sleep(500 * time.Millisecond)
		got, err := r.Heartbeat(ctx, "web", "kept")
		if err != nil {
			t.Fatalf("heartbeat %d: %v", i, err)
		}
		if time.Until(got.ExpiresAt) < time.Second {
			t.Fatalf("heartbeat %d returned deadline %v, want ~2s ahead", i, got.ExpiresAt)
		}
	}
	if got, _ := r.List(ctx, "web"); len(got) != 1 {
		t.Errorf("instance lost despite heartbeats: %v", got)
	}
}

func TestClosedRegistryRefusesCalls(t *testing.T) {
	// No server needed: Close must answer before any network call.
	r, err := Open(Options{Endpoints: []string{"http://127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := r.Register(ctx, registry.Instance{Service: "web", Address: "127.0.0.1:1"}); !errors.Is(err, registry.ErrClosed) {
		t.Errorf("Register after Close: %v, want ErrClosed", err)
	}
	if _, err := r.Watch(ctx, "web"); !errors.Is(err, registry.ErrClosed) {
		t.Errorf("Watch after Close: %v, want ErrClosed", err)
	}
}
