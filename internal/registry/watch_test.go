package registry

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestHubCoalescesForSlowReader(t *testing.T) {
	h := NewHub()
	defer h.Close()
	ch, err := h.Subscribe(context.Background(), "web", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 1000; i++ {
		h.Publish("web", make([]Instance, i))
	}
	if n := len(ch); n != 1 {
		t.Fatalf("channel holds %d sets, want exactly 1 (the latest)", n)
	}
	if got := <-ch; len(got) != 1000 {
		t.Errorf("slow reader got a set of %d, want the latest (1000)", len(got))
	}
	select {
	case got := <-ch:
		t.Errorf("unexpected extra set of %d after the latest", len(got))
	default:
	}
}

func TestHubSeparatesServicesAndClosesOnCancel(t *testing.T) {
	h := NewHub()
	ctx, cancel := context.WithCancel(context.Background())
	web, _ := h.Subscribe(ctx, "web", []Instance{{ID: "w"}})
	api, _ := h.Subscribe(context.Background(), "api", nil)
	<-web
	<-api
	h.Publish("api", []Instance{{ID: "a"}})
	select {
	case got := <-web:
		t.Fatalf("web watcher got api's set %v", got)
	case got := <-api:
		if len(got) != 1 || got[0].ID != "a" {
			t.Fatalf("api got %v", got)
		}
	}
	cancel()
	select {
	case _, ok := <-web:
		if ok {
			t.Fatal("web channel delivered instead of closing")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("web channel not closed after cancel")
	}
	if h.Watching("web") {
		t.Error("cancelled watcher still counted")
	}
	h.Close()
	if _, ok := <-api; ok {
		t.Error("api channel open after Close")
	}
	if _, err := h.Subscribe(context.Background(), "web", nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Subscribe after Close: %v, want ErrClosed", err)
	}
}

func TestValidation(t *testing.T) {
	for _, tc := range []struct {
		in Instance
		ok bool
	}{
		{Instance{Service: "web", Address: "127.0.0.1:80"}, true},
		{Instance{Service: "web.v2_a-b", Address: "[::1]:80", TTL: time.Second}, true},
		{Instance{Service: "web", Address: "localhost:80", TTL: MaxTTL}, true},
		{Instance{Service: "web", Address: "127.0.0.1:80", TTL: MaxTTL + time.Second}, false},
		{Instance{Service: "web", Address: "http://127.0.0.1:80"}, false},
		{Instance{Service: "..", Address: "127.0.0.1:80"}, false},
		{Instance{Service: "web", Address: "127.0.0.1:80", Metadata: map[string]string{"": "x"}}, false},
	} {
		got, err := Prepare(tc.in)
		if tc.ok != (err == nil) {
			t.Errorf("Prepare(%+v) error = %v, want ok=%v", tc.in, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("Prepare(%+v) error %v does not wrap ErrInvalid", tc.in, err)
		}
		if err == nil && got.ID == "" {
			t.Errorf("Prepare(%+v) left the ID empty", tc.in)
		}
	}
	if a, b := NewID(), NewID(); a == b || len(a) != 16 {
		t.Errorf("NewID gave %q and %q", a, b)
	}
}

func TestInstanceJSONRoundTrip(t *testing.T) {
	in := Instance{ID: "x", Service: "web", Address: "127.0.0.1:1", TTL: 90 * time.Second, Metadata: map[string]string{"k": "v"},
		ExpiresAt: time.Date(2026, 1, 1, 0, 0, 0, 5, time.UTC)}
	data, err := in.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var out Instance
	if err := out.UnmarshalJSON(data); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(out) != fmt.Sprint(in) || !out.ExpiresAt.Equal(in.ExpiresAt) {
		t.Errorf("round trip %s gave %+v, want %+v", data, out, in)
	}
}
