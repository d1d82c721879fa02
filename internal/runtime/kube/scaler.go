package kube

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/shoal-gw/shoal/internal/autoscaler"
)

// Options configure a Scaler. Client and Dynamic are required.
type Options struct {
	Client  kubernetes.Interface
	Dynamic dynamic.Interface
	// Resync is how often each workload is read even without a change
	// reported by its watch, and how often an unresolvable workload is
	// tried again (default 30 s).
	Resync time.Duration
	// Timeout bounds each API call (default 10 s).
	Timeout time.Duration
	Log     *slog.Logger
	// OnEvent, when set, hears what a person should see on the
	// dashboard: edits made outside Shoal, HPA refusals and take-overs.
	OnEvent func(service, text string)
	// Clock defaults to time.Now.
	Clock func() time.Time
}

// Target is where a service runs on the cluster.
type Target struct {
	Namespace string
	// Workload is deployment/NAME, statefulset/NAME, replicaset/NAME or
	// RESOURCE.GROUP/NAME.
	Workload string
	// TakeOver lets Shoal scale a workload that a HorizontalPodAutoscaler
	// also targets.
	TakeOver bool
}

// Scaler implements autoscaler.Scaler for services that are Kubernetes
// workloads. All methods are safe for concurrent use.
type Scaler struct {
	opts Options

	mu      sync.Mutex
	targets map[string]*target
	closed  bool
}

var _ autoscaler.MinScaler = (*Scaler)(nil)

// New returns a scaler without targets.
func New(opts Options) (*Scaler, error) {
	if opts.Client == nil || opts.Dynamic == nil {
		return nil, errors.New("kube scaler: Client and Dynamic are required")
	}
	if opts.Resync <= 0 {
		opts.Resync = 30 * time.Second
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.OnEvent == nil {
		opts.OnEvent = func(string, string) {}
	}
	return &Scaler{opts: opts, targets: map[string]*target{}}, nil
}

// Set makes service scale the given workload and starts watching its
// status. Setting the same target again changes nothing; a new workload or
// namespace starts over.
func (s *Scaler) Set(service string, t Target) error {
	r, err := parseRef(t.Workload)
	if err != nil {
		return fmt.Errorf("service %s: %w", service, err)
	}
	if t.Namespace == "" {
		return fmt.Errorf("service %s: no namespace for %s", service, t.Workload)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("kube scaler closed")
	}
	if old := s.targets[service]; old != nil {
		if old.ns == t.Namespace && old.ref == r {
			old.setTakeOver(t.TakeOver)
			return nil
		}
		old.stop()
	}
	nt := newTarget(s, service, t.Namespace, r, t.TakeOver)
	s.targets[service] = nt
	go nt.watch()
	return nil
}

// Remove stops scaling service; its workload keeps its replicas.
func (s *Scaler) Remove(service string) {
	s.mu.Lock()
	t := s.targets[service]
	delete(s.targets, service)
	s.mu.Unlock()
	if t != nil {
		t.stop()
	}
}

// Has reports whether service is a Kubernetes workload here.
func (s *Scaler) Has(service string) bool { return s.lookup(service) != nil }

// Services lists the services with a target, sorted.
func (s *Scaler) Services() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.targets))
}

func (s *Scaler) lookup(service string) *target {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.targets[service]
}

// Close stops watching every workload.
func (s *Scaler) Close() {
	s.mu.Lock()
	ts := s.targets
	s.targets, s.closed = map[string]*target{}, true
	s.mu.Unlock()
	for _, t := range ts {
		t.stop()
	}
}

// Status reports the workload of service as last read; ok is false before
// the first successful read.
func (s *Scaler) Status(service string) (autoscaler.Observed, bool) {
	t := s.lookup(service)
	if t == nil {
		return autoscaler.Observed{}, false
	}
	return t.status()
}

// Scale sets the workload's replicas to n through its scale subresource.
// It refuses while a HorizontalPodAutoscaler targets the workload (unless
// the target says TakeOver), and it does not patch when spec.replicas is
// already n.
func (s *Scaler) Scale(service string, n int) error {
	_, err := s.scale(service, n, false)
	return err
}

// ScaleAtLeast raises the workload to n replicas unless it already has n
// or more (a wake from any gateway), and returns the resulting count. The
// patch is conditional on the version read, so a change made in between
// is seen and never undone.
func (s *Scaler) ScaleAtLeast(service string, n int) (int, error) {
	return s.scale(service, n, true)
}

// conflictRetries bounds the re-reads of a conditional patch that lost a
// race.
const conflictRetries = 3

func (s *Scaler) scale(service string, n int, atLeast bool) (int, error) {
	t := s.lookup(service)
	if t == nil {
		return 0, fmt.Errorf("service %s is not a Kubernetes workload", service)
	}
	if n < 0 {
		return 0, fmt.Errorf("service %s: negative replicas %d", service, n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.Timeout)
	defer cancel()
	w, err := t.resolved()
	if err != nil {
		return 0, err
	}
	if err := t.checkHPA(ctx, w); err != nil {
		return 0, err
	}
	for try := 0; ; try++ {
		sc, err := t.getScale(ctx, w)
		if err != nil {
			return 0, err
		}
		if sc.spec == n || (atLeast && sc.spec > n) {
			// Already there (a person, another gateway or our last call
			// set it): patching again would only add a write.
			t.sawDesired(sc.spec)
			return sc.spec, nil
		}
		patch := fmt.Appendf(nil, `{"spec":{"replicas":%d}}`, n)
		if atLeast {
			patch = fmt.Appendf(nil, `{"metadata":{"resourceVersion":%q},"spec":{"replicas":%d}}`, sc.version, n)
		}
		prev := t.expectChange(n)
		_, err = s.opts.Dynamic.Resource(w.gvr).Namespace(t.ns).Patch(ctx, w.name, types.MergePatchType, patch, metav1PatchOptions, "scale")
		if err != nil {
			t.dropExpect(n, prev)
		}
		if apierrors.IsConflict(err) && try < conflictRetries {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("scaling %s in %s to %d: %w", w, t.ns, n, err)
		}
		t.patched(sc.spec, n, s.opts.Clock())
		s.opts.Log.Info("kube scaler: scaled", "service", service, "workload", w.String(), "namespace", t.ns, "from", sc.spec, "to", n)
		return n, nil
	}
}
