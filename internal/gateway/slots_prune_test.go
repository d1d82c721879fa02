package gateway

import (
	"fmt"
	"testing"
	"time"
)

// A reload that removes a service drops its signal slot; a kept service
// keeps its recorder (and its history); a service added back starts a new
// one.
func TestReloadDropsSlotsOfRemovedServices(t *testing.T) {
	a := countingOrigin(t, status(200))
	both := fmt.Sprintf(`
services:
  api: {endpoints: [%[1]s]}
  old: {endpoints: [%[1]s]}
routes:
  - match: {path_prefix: /api}
    service: api
  - match: {path_prefix: /old}
    service: old
`, a.srv.URL)
	g, _ := newGateway(t, both)
	api, old := g.Signals("api"), g.Signals("old")
	one := parse(t, fmt.Sprintf(`
services:
  api: {endpoints: [%s]}
routes:
  - match: {path_prefix: /api}
    service: api
`, a.srv.URL))
	if err := g.Apply(one.File, &one.Dynamic); err != nil {
		t.Fatal(err)
	}
	g.mu.Lock()
	_, kept := g.slots["api"]
	_, gone := g.slots["old"]
	g.mu.Unlock()
	if !kept || gone {
		t.Fatalf("after removing old: api slot %v, old slot %v; want api only", kept, gone)
	}
	if g.Signals("api") != api {
		t.Fatal("the kept service got a new recorder")
	}
	// The autoscaler draining the removed service (its list is updated
	// after the gateway's) does not bring the slot back.
	g.Signals("old").Drain(time.Now())
	g.mu.Lock()
	_, back := g.slots["old"]
	g.mu.Unlock()
	if back {
		t.Fatal("asking for the signals of a removed service re-created its slot")
	}
	again := parse(t, both)
	if err := g.Apply(again.File, &again.Dynamic); err != nil {
		t.Fatal(err)
	}
	if g.Signals("old") == old {
		t.Fatal("a service added back reuses the recorder of the removed one")
	}
	if rec := do(g, "GET", "/old", "", nil); rec.Code != 200 {
		t.Fatalf("GET /old after adding it back: %d", rec.Code)
	}
}
