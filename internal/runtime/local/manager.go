package local

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/shoal-gw/shoal/internal/runtime/coldstart"
)

// ErrClosed is returned by calls made after Close.
var ErrClosed = errors.New("local runtime is closed")

// historyLen is how many stopped instances a service keeps for the API.
const historyLen = 10

// Manager runs the instances of any number of services. Create it with New,
// one per gateway; it is safe for concurrent use.
type Manager struct {
	opts        Options
	spawn       *spawner
	probeClient *http.Client
	freePort    func() (int, error) // replaced by tests to force a port clash

	// killCtx is cancelled when Close runs out of time: drains end and
	// every remaining process gets SIGKILL at once.
	killCtx context.Context
	kill    context.CancelFunc
	wg      sync.WaitGroup // one per supervising goroutine

	mu       sync.Mutex
	services map[string]*service
	nextID   map[string]int // survives Remove, so ids (and log files) are not reused
	closed   bool
}

// service is one service's spec, desired count and instances. Guarded by
// Manager.mu, except the notify fields.
type service struct {
	name      string
	spec      Spec
	gen       int // bumped by a SetSpec that changes the spec
	desired   int
	removed   bool
	instances []*instance // not yet stopped
	history   []Instance  // recently stopped, oldest first
	lastError string
	lastErrAt time.Time
	coldLast  time.Duration
	cold      coldstart.Estimate

	notifyMu  sync.Mutex // serialises OnChange calls for this service
	delivered []string
	sent      bool
}

// New returns a Manager that starts nothing until SetSpec and Scale.
func New(opts Options) *Manager {
	killCtx, kill := context.WithCancel(context.Background())
	return &Manager{
		opts:        opts.withDefaults(),
		spawn:       newSpawner(),
		probeClient: newProbeClient(),
		freePort:    freePort,
		killCtx:     killCtx,
		kill:        kill,
		services:    make(map[string]*service),
		nextID:      make(map[string]int),
	}
}

// SetSpec adds a service or changes how its instances start. Changing the
// spec replaces running instances without a gap: new ones start, and old
// ready ones are drained only as new ones become ready. An equal spec
// changes nothing. A new service starts with a desired count of 0.
func (m *Manager) SetSpec(name string, spec Spec) error {
	if err := checkServiceName(name); err != nil {
		return err
	}
	spec = spec.withDefaults()
	if err := spec.validate(); err != nil {
		return fmt.Errorf("service %s: %w", name, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	svc := m.services[name]
	if svc == nil {
		m.services[name] = &service{name: name, spec: spec}
		return nil
	}
	if svc.spec.equal(spec) {
		return nil
	}
	svc.spec = spec
	svc.gen++
	m.reconcileLocked(svc)
	return nil
}

// Remove drains and stops every instance of the service and forgets it.
// It returns at once; Close waits for the stops.
func (m *Manager) Remove(name string) {
	m.mu.Lock()
	svc := m.services[name]
	if svc == nil {
		m.mu.Unlock()
		return
	}
	delete(m.services, name)
	svc.desired = 0
	m.reconcileLocked(svc)
	m.mu.Unlock()
	// Say goodbye once with an empty set; later changes of this service
	// are not delivered, so a new service of the same name is not confused.
	m.publish(svc)
	m.mu.Lock()
	svc.removed = true
	m.mu.Unlock()
}

// Scale sets the desired number of instances; the Manager converges to it
// in the background.
func (m *Manager) Scale(name string, n int) error {
	if n < 0 {
		return fmt.Errorf("scale %s: negative count %d", name, n)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	svc := m.services[name]
	if svc == nil {
		return fmt.Errorf("scale %s: no such service in the local runtime", name)
	}
	svc.desired = n
	m.reconcileLocked(svc)
	return nil
}

// Services lists the known service names, sorted.
func (m *Manager) Services() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	names := make([]string, 0, len(m.services))
	for n := range m.services {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Instances lists the service's instances: live ones by start order, then
// the last few stopped ones.
func (m *Manager) Instances(name string) []Instance {
	m.mu.Lock()
	defer m.mu.Unlock()
	svc := m.services[name]
	if svc == nil {
		return nil
	}
	out := make([]Instance, 0, len(svc.instances)+len(svc.history))
	for _, in := range svc.instances {
		out = append(out, in.snapshot())
	}
	return append(out, svc.history...)
}

// Status sums up a service; ok is false for an unknown service.
func (m *Manager) Status(name string) (st Status, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	svc := m.services[name]
	if svc == nil {
		return Status{}, false
	}
	st = Status{Service: name, Desired: svc.desired, ColdStartLast: svc.coldLast,
		ColdStartAvg: svc.cold.Mean, ColdStartDev: svc.cold.Dev}
	for _, in := range svc.instances {
		switch in.state {
		case StateReady:
			st.Ready++
		case StateStarting:
			st.Starting++
		case StateDraining:
			st.Draining++
		case StateFailed:
			st.Failed++
		}
	}
	if st.Failed > 0 {
		st.LastError = svc.lastError
	}
	return st, true
}

// Counts returns the numbers the admin API shows per service.
func (m *Manager) Counts(name string) (ready, starting, draining int) {
	st, _ := m.Status(name)
	return st.Ready, st.Starting, st.Draining
}

// ColdStart returns the last measured start-to-ready time of the service
// and its moving average (zero before the first ready instance).
func (m *Manager) ColdStart(name string) (last, avg time.Duration) {
	st, _ := m.Status(name)
	return st.ColdStartLast, st.ColdStartAvg
}

// Close drains and stops every instance and waits for them. When ctx ends
// first, the remaining processes get SIGKILL and Close returns ctx's error.
func (m *Manager) Close(ctx context.Context) error {
	m.mu.Lock()
	first := !m.closed
	m.closed = true
	svcs := make([]*service, 0, len(m.services))
	for _, svc := range m.services {
		svcs = append(svcs, svc)
	}
	for _, svc := range svcs {
		svc.desired = 0
		m.reconcileLocked(svc)
	}
	m.mu.Unlock()

	done := make(chan struct{})
	go func() { m.wg.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		m.kill()
		<-done
		err = fmt.Errorf("closing local runtime: %w", ctx.Err())
	}
	m.kill()
	if first {
		m.spawn.close()
	}
	return err
}

func (m *Manager) logDir(spec Spec) string {
	switch {
	case spec.LogDir != "":
		return spec.LogDir
	case m.opts.LogDir != "":
		return m.opts.LogDir
	default:
		return filepath.Join(os.TempDir(), "shoal-logs")
	}
}

// checkServiceName keeps names usable as one directory level for logs.
func checkServiceName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`+"\x00") {
		return fmt.Errorf("service name %q cannot name a log directory", name)
	}
	return nil
}
