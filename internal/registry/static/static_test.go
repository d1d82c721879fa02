package static

import (
	"context"
	"errors"
	"testing"

	"github.com/shoal-gw/shoal/internal/registry"
	"github.com/shoal-gw/shoal/internal/registry/registrytest"
)

func TestStaticListsAndRefusesWrites(t *testing.T) {
	r, err := New(map[string][]string{
		"web": {"http://127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9002"},
		"api": {"https://[::1]:9443/"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx := context.Background()
	web, _ := r.List(ctx, "web")
	if len(web) != 2 || web[0].Address != "127.0.0.1:9001" || web[0].Metadata["scheme"] != "http" || web[0].ID != "127.0.0.1_9001" {
		t.Errorf("web = %+v, want two deduplicated instances with scheme kept", web)
	}
	api, _ := r.List(ctx, "api")
	if len(api) != 1 || api[0].Address != "[::1]:9443" || api[0].Metadata["scheme"] != "https" {
		t.Errorf("api = %+v", api)
	}
	_, err = r.Register(ctx, registry.Instance{Service: "web", Address: "127.0.0.1:1"})
	if !errors.Is(err, registry.ErrReadOnly) {
		t.Errorf("Register: %v, want ErrReadOnly", err)
	}
	if err := r.Deregister(ctx, "web", web[0].ID); !errors.Is(err, registry.ErrReadOnly) {
		t.Errorf("Deregister: %v, want ErrReadOnly", err)
	}
	if _, err := r.Heartbeat(ctx, "web", web[0].ID); !errors.Is(err, registry.ErrReadOnly) {
		t.Errorf("Heartbeat: %v, want ErrReadOnly", err)
	}
}

func TestStaticRejectsBadEndpoints(t *testing.T) {
	for _, addr := range []string{"ftp://127.0.0.1:21", "http://127.0.0.1:80/path", "127.0.0.1", "http://host"} {
		if _, err := New(map[string][]string{"web": {addr}}); !errors.Is(err, registry.ErrInvalid) {
			t.Errorf("New with %q: %v, want ErrInvalid", addr, err)
		}
	}
}

func TestReplaceWakesOnlyChangedServices(t *testing.T) {
	r, _ := New(map[string][]string{"web": {"127.0.0.1:9001"}, "api": {"127.0.0.1:9101"}})
	defer r.Close()
	ctx := context.Background()
	web, _ := r.Watch(ctx, "web")
	api, _ := r.Watch(ctx, "api")
	registrytest.Next(t, web)
	registrytest.Next(t, api)
	webInsts, _ := Instances("web", []string{"127.0.0.1:9001", "127.0.0.1:9002"})
	apiInsts, _ := Instances("api", []string{"127.0.0.1:9101"})
	r.Replace(map[string][]registry.Instance{"web": webInsts, "api": apiInsts})
	if got := registrytest.Next(t, web); len(got) != 2 {
		t.Errorf("web after Replace = %v", got)
	}
	select {
	case got := <-api:
		t.Errorf("api watcher woken although its set did not change: %v", got)
	default:
	}
	r.Replace(map[string][]registry.Instance{"web": webInsts})
	if got := registrytest.Next(t, api); len(got) != 0 {
		t.Errorf("api after removal = %v, want empty", got)
	}
	if svcs, _ := r.Services(ctx); len(svcs) != 1 || svcs[0] != "web" {
		t.Errorf("Services = %v", svcs)
	}
}
