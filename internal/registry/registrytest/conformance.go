// Package registrytest holds the behaviour every writable registry backend
// must show, as one test suite that each backend's tests run against itself.
package registrytest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/registry"
)

// Factory returns a fresh, empty registry; the suite closes it.
type Factory func(t *testing.T) registry.Registry

// Run runs the conformance suite as subtests.
func Run(t *testing.T, newReg Factory) {
	t.Run("RegisterAssignsIDAndLists", func(t *testing.T) { testRegisterList(t, newReg(t)) })
	t.Run("RejectsInvalidInput", func(t *testing.T) { testInvalid(t, newReg(t)) })
	t.Run("UnknownInstanceIsNotFound", func(t *testing.T) { testNotFound(t, newReg(t)) })
	t.Run("DeregisterRemoves", func(t *testing.T) { testDeregister(t, newReg(t)) })
	t.Run("ReRegisterSameIDReplaces", func(t *testing.T) { testReplace(t, newReg(t)) })
	t.Run("WatchDeliversCurrentSetAndChanges", func(t *testing.T) { testWatch(t, newReg(t)) })
	t.Run("WatchEndsWithContext", func(t *testing.T) { testWatchCancel(t, newReg(t)) })
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func closeReg(t *testing.T, r registry.Registry) {
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
}

func testRegisterList(t *testing.T, r registry.Registry) {
	closeReg(t, r)
	c := ctx(t)
	a, err := r.Register(c, registry.Instance{Service: "web", Address: "127.0.0.1:9001", TTL: 30 * time.Second, Metadata: map[string]string{"zone": "a"}})
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	if a.ID == "" {
		t.Fatal("Register returned an empty ID")
	}
	if _, err := r.Register(c, registry.Instance{Service: "web", ID: "fixed", Address: "127.0.0.1:9002"}); err != nil {
		t.Fatalf("Register with ID: %v", err)
	}
	if _, err := r.Register(c, registry.Instance{Service: "api", Address: "[::1]:9003"}); err != nil {
		t.Fatalf("Register api: %v", err)
	}
	got, err := r.List(c, "web")
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(got) != 2 {
		t.Fatalf("List(web) = %v, want 2 instances", got)
	}
	byID := map[string]registry.Instance{}
	for _, in := range got {
		byID[in.ID] = in
	}
	if in := byID[a.ID]; in.Address != "127.0.0.1:9001" || in.Metadata["zone"] != "a" || in.TTL != 30*time.Second {
		t.Errorf("instance %s = %+v, want address, metadata and ttl kept", a.ID, in)
	}
	if _, ok := byID["fixed"]; !ok {
		t.Errorf("instance with client-chosen ID missing from %v", got)
	}
	svcs, err := r.Services(c)
	if err != nil {
		t.Fatalf("Services: %v", err)
	}
	if fmt.Sprint(svcs) != "[api web]" {
		t.Errorf("Services = %v, want [api web]", svcs)
	}
	none, err := r.List(c, "nosuch")
	if err != nil || len(none) != 0 {
		t.Errorf("List(nosuch) = %v, %v; want empty, nil", none, err)
	}
}

func testInvalid(t *testing.T, r registry.Registry) {
	closeReg(t, r)
	c := ctx(t)
	bad := []registry.Instance{
		{Service: "web", Address: "no-port"},
		{Service: "web", Address: "127.0.0.1:0"},
		{Service: "web", Address: "127.0.0.1:70000"},
		{Service: "web", Address: ":8080"},
		{Service: "web", Address: "127.0.0.1:80", TTL: -time.Second},
		{Service: "web", Address: "127.0.0.1:80", TTL: time.Millisecond},
		{Service: "", Address: "127.0.0.1:80"},
		{Service: "we/b", Address: "127.0.0.1:80"},
		{Service: "web", ID: "a/b", Address: "127.0.0.1:80"},
	}
	for _, in := range bad {
		if _, err := r.Register(c, in); !errors.Is(err, registry.ErrInvalid) {
			t.Errorf("Register(%+v) error = %v, want ErrInvalid", in, err)
		}
	}
	if got, _ := r.List(c, "web"); len(got) != 0 {
		t.Errorf("invalid registrations were stored: %v", got)
	}
}

func testNotFound(t *testing.T, r registry.Registry) {
	closeReg(t, r)
	c := ctx(t)
	if _, err := r.Heartbeat(c, "web", "nosuch"); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("Heartbeat unknown: %v, want ErrNotFound", err)
	}
	if err := r.Deregister(c, "web", "nosuch"); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("Deregister unknown: %v, want ErrNotFound", err)
	}
}

func testDeregister(t *testing.T, r registry.Registry) {
	closeReg(t, r)
	c := ctx(t)
	a, err := r.Register(c, registry.Instance{Service: "web", Address: "127.0.0.1:9001", TTL: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Heartbeat(c, "web", a.ID); err != nil {
		t.Fatalf("Heartbeat: %v", err)
	}
	if err := r.Deregister(c, "web", a.ID); err != nil {
		t.Fatalf("Deregister: %v", err)
	}
	if got, _ := r.List(c, "web"); len(got) != 0 {
		t.Errorf("List after Deregister = %v", got)
	}
	if _, err := r.Heartbeat(c, "web", a.ID); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("Heartbeat after Deregister: %v, want ErrNotFound", err)
	}
	if svcs, _ := r.Services(c); len(svcs) != 0 {
		t.Errorf("Services after last instance left = %v", svcs)
	}
}

func testReplace(t *testing.T, r registry.Registry) {
	closeReg(t, r)
	c := ctx(t)
	for _, addr := range []string{"127.0.0.1:9001", "127.0.0.1:9002"} {
		if _, err := r.Register(c, registry.Instance{Service: "web", ID: "one", Address: addr}); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := r.List(c, "web")
	if len(got) != 1 || got[0].Address != "127.0.0.1:9002" {
		t.Errorf("after re-register List = %v, want one instance at :9002", got)
	}
}

// Next waits for the next set on ch.
func Next(t *testing.T, ch <-chan []registry.Instance) []registry.Instance {
	t.Helper()
	select {
	case set, ok := <-ch:
		if !ok {
			t.Fatal("watch channel closed")
		}
		return set
	case <-time.After(10 * time.Second):
		t.Fatal("no watch update within 10s")
	}
	return nil
}

// WaitFor reads sets from ch until one has want instances.
func WaitFor(t *testing.T, ch <-chan []registry.Instance, want int) []registry.Instance {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case set, ok := <-ch:
			if !ok {
				t.Fatal("watch channel closed")
			}
			if len(set) == want {
				return set
			}
		case <-deadline:
			t.Fatalf("watch never delivered a set of %d instances", want)
		}
	}
}

func testWatch(t *testing.T, r registry.Registry) {
	closeReg(t, r)
	c := ctx(t)
	if _, err := r.Register(c, registry.Instance{Service: "web", ID: "a", Address: "127.0.0.1:9001"}); err != nil {
		t.Fatal(err)
	}
	ch, err := r.Watch(c, "web")
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	if first := Next(t, ch); len(first) != 1 || first[0].ID != "a" {
		t.Fatalf("first set = %v, want [a]", first)
	}
	// A burst the reader does not follow must collapse to its end state.
	for i := 0; i < 20; i++ {
		if _, err := r.Register(c, registry.Instance{Service: "web", ID: fmt.Sprintf("b%02d", i), Address: "127.0.0.1:9002"}); err != nil {
			t.Fatal(err)
		}
	}
	WaitFor(t, ch, 21)
	if err := r.Deregister(c, "web", "a"); err != nil {
		t.Fatal(err)
	}
	set := WaitFor(t, ch, 20)
	for _, in := range set {
		if in.ID == "a" {
			t.Errorf("deregistered instance still in watched set %v", set)
		}
	}
}

func testWatchCancel(t *testing.T, r registry.Registry) {
	closeReg(t, r)
	c, cancel := context.WithCancel(ctx(t))
	ch, err := r.Watch(c, "web")
	if err != nil {
		t.Fatal(err)
	}
	Next(t, ch)
	cancel()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("watch channel not closed after its context ended")
		}
	}
}
