package dns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/registry"
	"github.com/shoal-gw/shoal/internal/registry/registrytest"
)

// fakeResolver answers from maps the test changes between refreshes.
type fakeResolver struct {
	mu    sync.Mutex
	hosts map[string][]string
	srv   map[string][]*net.SRV
	fail  bool
}

func (f *fakeResolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ips, ok := f.hosts[host]
	if f.fail || !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []net.IPAddr
	for _, ip := range ips {
		out = append(out, net.IPAddr{IP: net.ParseIP(ip)})
	}
	return out, nil
}

func (f *fakeResolver) LookupSRV(_ context.Context, service, proto, name string) (string, []*net.SRV, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if service != "" || proto != "" {
		return "", nil, fmt.Errorf("backend must pass the full SRV name, got %q %q", service, proto)
	}
	srvs, ok := f.srv[name]
	if f.fail || !ok {
		return "", nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	}
	return name, srvs, nil
}

func (f *fakeResolver) set(fn func()) { f.mu.Lock(); fn(); f.mu.Unlock() }

func addrs(insts []registry.Instance) []string {
	var out []string
	for _, in := range insts {
		out = append(out, in.Address)
	}
	return out
}

func TestResolvesHostsAndSRV(t *testing.T) {
	f := &fakeResolver{
		hosts: map[string][]string{"web.internal": {"10.0.0.1", "fd00::2"}, "a.internal": {"10.0.1.1"}, "b.internal": {"10.0.1.2"}},
		srv: map[string][]*net.SRV{"_api._tcp.internal": {
			{Target: "a.internal.", Port: 8081, Priority: 1, Weight: 10},
			{Target: "b.internal.", Port: 8082, Priority: 2, Weight: 5},
		}},
	}
	r, err := New(Options{Services: map[string][]string{"web": {"web.internal:80"}, "api": {"_api._tcp.internal"}}, Resolver: f, Interval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx := context.Background()
	web, _ := r.List(ctx, "web")
	if got := fmt.Sprint(addrs(web)); got != "[10.0.0.1:80 [fd00::2]:80]" {
		t.Errorf("web = %s", got)
	}
	api, _ := r.List(ctx, "api")
	if got := fmt.Sprint(addrs(api)); got != "[10.0.1.1:8081 10.0.1.2:8082]" {
		t.Errorf("api = %s", got)
	}
	if len(api) == 2 && (api[0].Metadata["srv_priority"] != "1" || api[1].Metadata["srv_weight"] != "5") {
		t.Errorf("SRV priority/weight not kept: %+v", api)
	}
	if _, err := r.Register(ctx, registry.Instance{Service: "web", Address: "10.0.0.9:80"}); !errors.Is(err, registry.ErrReadOnly) || !strings.Contains(err.Error(), "DNS") {
		t.Errorf("Register: %v, want ErrReadOnly naming DNS", err)
	}
	// Only re-resolution may change the sets: the static registry's Set
	// must not show through.
	if _, ok := any(r).(interface {
		Set(string, []registry.Instance)
	}); ok {
		t.Error("the DNS registry exposes Set")
	}
}

func TestRefreshPublishesChangesAndKeepsStaleOnFailure(t *testing.T) {
	f := &fakeResolver{hosts: map[string][]string{"web.internal": {"10.0.0.1"}}}
	r, err := New(Options{Services: map[string][]string{"web": {"web.internal:80"}}, Resolver: f, Interval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx := context.Background()
	ch, _ := r.Watch(ctx, "web")
	registrytest.WaitFor(t, ch, 1)

	f.set(func() { f.hosts["web.internal"] = []string{"10.0.0.1", "10.0.0.2"} })
	if err := r.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	registrytest.WaitFor(t, ch, 2)

	f.set(func() { f.fail = true })
	if err := r.Refresh(ctx); err == nil {
		t.Fatal("Refresh with a failing resolver returned no error")
	}
	if got, _ := r.List(ctx, "web"); len(got) != 2 {
		t.Errorf("after failed lookup = %v, want the 2 previous addresses kept", got)
	}
	select {
	case set := <-ch:
		t.Errorf("watchers woken by a failed lookup: %v", set)
	default:
	}
}

func TestPeriodicReResolution(t *testing.T) {
	f := &fakeResolver{hosts: map[string][]string{"web.internal": {"10.0.0.1"}}}
	r, err := New(Options{Services: map[string][]string{"web": {"web.internal:80"}}, Resolver: f, Interval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ch, _ := r.Watch(context.Background(), "web")
	registrytest.WaitFor(t, ch, 1)
	f.set(func() { f.hosts["web.internal"] = []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"} })
	registrytest.WaitFor(t, ch, 3)
}

func TestRejectsBadNames(t *testing.T) {
	for _, n := range []string{"no-port", "_api.internal", "host:0"} {
		if _, err := New(Options{Services: map[string][]string{"web": {n}}, Resolver: &fakeResolver{}}); !errors.Is(err, registry.ErrInvalid) {
			t.Errorf("New with %q: %v, want ErrInvalid", n, err)
		}
	}
}

func TestSystemResolverLocalhost(t *testing.T) {
	r, err := New(Options{Services: map[string][]string{"local": {"localhost:8080"}}, Interval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, _ := r.List(context.Background(), "local")
	found := false
	for _, in := range got {
		if in.Address == "127.0.0.1:8080" || in.Address == "[::1]:8080" {
			found = true
		}
	}
	if !found {
		t.Errorf("localhost:8080 resolved to %v, want 127.0.0.1:8080 or [::1]:8080", addrs(got))
	}
}
