package local

import (
	"slices"
	"sort"
)

// publish delivers the service's current ready set to OnChange if it
// changed. The snapshot is taken while holding notifyMu, so a call that
// finishes later never delivers an older set than one before it, and a
// caller knows that when publish returns the gateway has seen every state
// change made before the call (the drain relies on that).
//
// Lock order: notifyMu, then mu. Never call with mu held.
func (m *Manager) publish(svc *service) {
	if m.opts.OnChange == nil {
		return
	}
	svc.notifyMu.Lock()
	defer svc.notifyMu.Unlock()
	m.mu.Lock()
	if svc.removed {
		m.mu.Unlock()
		return
	}
	ready := readyAddrs(svc)
	m.mu.Unlock()
	if svc.sent && slices.Equal(ready, svc.delivered) {
		return
	}
	svc.delivered, svc.sent = ready, true
	m.opts.OnChange(svc.name, slices.Clone(ready))
}

// readyAddrs lists the addresses of ready instances, sorted. Caller holds mu.
func readyAddrs(svc *service) []string {
	var out []string
	for _, in := range svc.instances {
		if in.state == StateReady {
			out = append(out, in.addr)
		}
	}
	sort.Strings(out)
	return out
}
