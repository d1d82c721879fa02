package shoalclient_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/registry"
	"github.com/shoal-gw/shoal/internal/registry/memory"
	"github.com/shoal-gw/shoal/pkg/shoalclient"
)

const token = "s3cret"

// gateway serves the registration API behind a bearer token check, as the
// admin API does, over a memory registry whose janitor runs often.
func gateway(t *testing.T) (*memory.Store, string) {
	t.Helper()
	store, err := memory.Open(t.TempDir(), memory.Options{SweepInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	api := registry.Handler(store, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, `{"error": "missing or wrong bearer token"}`, http.StatusUnauthorized)
			return
		}
		api.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return store, srv.URL
}

func TestRegisterHeartbeatDeregister(t *testing.T) {
	store, url := gateway(t)
	ctx := context.Background()
	reg, err := shoalclient.Register(ctx, url, "api", "127.0.0.1:9003", time.Second, map[string]string{"version": "v2"}, shoalclient.WithToken(token))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := store.List(ctx, "api")
	if len(got) != 1 || got[0].ID != reg.ID() || got[0].Metadata["version"] != "v2" {
		t.Fatalf("gateway holds %+v, want the client's instance %s", got, reg.ID())
	}
	// Three TTLs later the instance is only alive because of heartbeats.
	time.Sleep(2500 * time.Millisecond)
	later, _ := store.List(ctx, "api")
	if len(later) != 1 {
		t.Fatalf("instance expired although the client heartbeats (last error: %v)", reg.Err())
	}
	if !later[0].RegisteredAt.Equal(got[0].RegisteredAt) || !later[0].ExpiresAt.After(got[0].ExpiresAt.Add(time.Second)) {
		t.Errorf("instance = %+v; want the original registration with its deadline pushed by heartbeats", later[0])
	}
	if err := reg.Deregister(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := store.List(ctx, "api"); len(got) != 0 {
		t.Errorf("instance still registered after Deregister: %+v", got)
	}
	if err := reg.Deregister(ctx); err != nil {
		t.Errorf("second Deregister: %v, want nil (already gone)", err)
	}
}

func TestReRegistersUnderSameIDWhenLost(t *testing.T) {
	store, url := gateway(t)
	ctx := context.Background()
	reg, err := shoalclient.Register(ctx, url, "api", "127.0.0.1:9003", 1500*time.Millisecond, nil, shoalclient.WithToken(token), shoalclient.WithID("api-1"))
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Deregister(ctx)
	if reg.ID() != "api-1" {
		t.Fatalf("ID = %q, want the chosen api-1", reg.ID())
	}
	// The gateway forgets the instance (as after losing its state).
	if err := store.Deregister(ctx, "api", "api-1"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if got, _ := store.List(ctx, "api"); len(got) == 1 && got[0].ID == "api-1" {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("client did not register again after a 404 heartbeat")
}

func TestErrorsCarryTheGatewaysReason(t *testing.T) {
	_, url := gateway(t)
	ctx := context.Background()
	_, err := shoalclient.Register(ctx, url, "api", "127.0.0.1:9003", time.Second, nil)
	var apiErr *shoalclient.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized {
		t.Errorf("without token: %v, want a 401 APIError", err)
	}
	_, err = shoalclient.Register(ctx, url, "api", "not-an-address", time.Second, nil, shoalclient.WithToken(token))
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest || apiErr.Message == "" {
		t.Errorf("bad address: %v, want a 400 APIError with the reason", err)
	}
}

func TestNoTTLMeansNoHeartbeats(t *testing.T) {
	store, url := gateway(t)
	ctx := context.Background()
	reg, err := shoalclient.Register(ctx, url, "web", "127.0.0.1:9001", 0, nil, shoalclient.WithToken(token))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := store.List(ctx, "web")
	if len(got) != 1 || !got[0].ExpiresAt.IsZero() {
		t.Errorf("no-TTL instance = %+v, want one without deadline", got)
	}
	if err := reg.Deregister(ctx); err != nil {
		t.Fatal(err)
	}
}
