package autoscaler

import (
	"testing"
	"time"
)

// A scaler that keeps refusing (an HPA on the workload) is one event, not
// one per decision; after a success a new refusal is told again.
func TestLastingRefusalIsOneEvent(t *testing.T) {
	r := newRig(t, "", true)
	r.scaler.set("api", Observed{})
	r.scaler.fail = true
	if err := r.c.Configure("api", Spec{Policy: "kpa", Min: 1, Max: 5}); err != nil {
		t.Fatal(err)
	}
	r.run("api", 20, 0)
	errs := func() (n int) {
		for _, e := range r.c.Events("api") {
			if e.Kind == KindError {
				n++
			}
		}
		return n
	}
	if n := errs(); n != 1 {
		t.Fatalf("%d error events over 20 refused seconds, want 1", n)
	}
	r.scaler.mu.Lock()
	r.scaler.fail = false
	r.scaler.mu.Unlock()
	r.clock.Add(time.Second)
	r.run("api", 5, 0)
	r.scaler.set("api", Observed{})
	r.scaler.mu.Lock()
	r.scaler.fail = true
	r.scaler.mu.Unlock()
	r.run("api", 5, 0)
	if n := errs(); n != 2 {
		t.Fatalf("%d error events, want 2 (one per refusal spell)", n)
	}
}
