package local

import (
	"fmt"
	"sort"
	"time"
)

// instance is the Manager's record of one instance. Every field but the
// immutable ones (id, svc, gen, spec, stop) is guarded by Manager.mu.
type instance struct {
	id   string
	seq  int // creation order within the service
	svc  *service
	gen  int
	spec Spec
	// stop is closed (once, under mu, with stopping set) to ask the
	// supervising goroutine to drain and stop the instance for good.
	stop     chan struct{}
	stopping bool
	// drainPending: BeforeDrain was called and the Drainer not yet.
	drainPending bool

	state      State
	addr       string
	pid        int
	startedAt  time.Time
	readyAt    time.Time
	restarts   int
	lastExit   string
	lastExitAt time.Time
}

func (in *instance) snapshot() Instance {
	return Instance{
		ID: in.id, Service: in.svc.name, Address: in.addr, PID: in.pid, State: in.state,
		StartedAt: in.startedAt, ReadyAt: in.readyAt, Restarts: in.restarts,
		LastExit: in.lastExit, LastExitAt: in.lastExitAt,
	}
}

// reconcileLocked starts and stops instances so the service converges to its
// desired count with the current spec. Caller holds mu. It only changes
// records and starts goroutines; processes are handled by supervisors.
//
// Instances of an older spec ("stale") that are ready keep serving until
// enough current ones are ready to replace them; stale ones that are not
// ready are dropped at once, since current ones replace them anyway.
func (m *Manager) reconcileLocked(svc *service) {
	desired := svc.desired
	if m.closed {
		desired = 0
	}
	var fresh, staleReady []*instance
	for _, in := range svc.instances {
		switch {
		case in.stopping:
		case in.gen == svc.gen:
			fresh = append(fresh, in)
		case in.state == StateReady:
			staleReady = append(staleReady, in)
		default:
			m.stopLocked(in)
		}
	}
	for len(fresh) < desired {
		fresh = append(fresh, m.startLocked(svc))
	}
	if extra := len(fresh) - desired; extra > 0 {
		victims := m.pickVictims(fresh, extra)
		for _, in := range victims {
			m.stopLocked(in)
		}
		fresh = without(fresh, victims)
	}
	freshReady := 0
	for _, in := range fresh {
		if in.state == StateReady {
			freshReady++
		}
	}
	keep := max(desired-freshReady, 0)
	if extra := len(staleReady) - keep; extra > 0 {
		for _, in := range m.pickVictims(staleReady, extra) {
			m.stopLocked(in)
		}
	}
}

// startLocked creates an instance record and its supervising goroutine.
func (m *Manager) startLocked(svc *service) *instance {
	m.nextID[svc.name]++
	in := &instance{
		id:    fmt.Sprintf("%s-%d", svc.name, m.nextID[svc.name]),
		seq:   m.nextID[svc.name],
		svc:   svc,
		gen:   svc.gen,
		spec:  svc.spec,
		stop:  make(chan struct{}),
		state: StateStarting,
	}
	svc.instances = append(svc.instances, in)
	m.wg.Add(1)
	go m.supervise(in)
	return in
}

// stopLocked takes an instance out of the ready set (the caller or the
// supervisor publishes) and asks its supervisor to drain and stop it.
func (m *Manager) stopLocked(in *instance) {
	if in.stopping {
		return
	}
	in.stopping = true
	if in.state == StateReady {
		// Still under mu, so no OnChange can drop the address before the
		// integrator has seen BeforeDrain.
		in.drainPending = true
		if m.opts.BeforeDrain != nil {
			m.opts.BeforeDrain(in.svc.name, in.addr)
		}
	}
	in.state = StateDraining
	close(in.stop)
}

// pickVictims chooses n instances to remove. Order: failed ones (they serve
// nothing), then starting ones, newest first (the oldest is closest to
// ready), then ready ones with the fewest requests in flight (Options.Load),
// newest first on ties: a new instance has the coldest caches and the least
// state, so removing it costs least.
func (m *Manager) pickVictims(cands []*instance, n int) []*instance {
	rank := func(in *instance) int {
		switch in.state {
		case StateFailed:
			return 0
		case StateStarting:
			return 1
		default:
			return 2
		}
	}
	load := make(map[*instance]int64, len(cands))
	if m.opts.Load != nil {
		for _, in := range cands {
			if in.state == StateReady {
				load[in] = m.opts.Load(in.addr)
			}
		}
	}
	sorted := append([]*instance(nil), cands...)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra < rb
		}
		if load[a] != load[b] {
			return load[a] < load[b]
		}
		if !a.startedAt.Equal(b.startedAt) {
			return a.startedAt.After(b.startedAt)
		}
		return a.seq > b.seq
	})
	return sorted[:min(n, len(sorted))]
}

func without(list, drop []*instance) []*instance {
	out := list[:0:0]
	for _, in := range list {
		keep := true
		for _, d := range drop {
			if d == in {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, in)
		}
	}
	return out
}
