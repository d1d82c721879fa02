package gatewayapi

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"sort"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// Target is where the routes go: the running gateway, which merges them
// with its config file.
type Target interface {
	// Check reports whether the file merged with these routes and
	// services is a valid config, without applying anything.
	Check(routes []Generated, services map[string]map[string]any) error
	// Apply merges them with the file and swaps the result in; splits
	// name the services whose endpoints are built from others'.
	Apply(routes []Generated, services map[string]map[string]any, splits map[string][]Share) error
	// Existing maps "namespace/service/port" to the file's service that
	// already discovers that Kubernetes Service port.
	Existing() map[string]string
}

// Options configure a Source.
type Options struct {
	Dynamic dynamic.Interface
	Kube    kubernetes.Interface
	// The Gateway whose routes are served.
	Namespace, Gateway string
	Target             Target
	Log                *slog.Logger
	// Resync re-reads everything this often, on top of watch events
	// (default 5 minutes).
	Resync time.Duration
	// Debounce gathers a burst of events into one sync (default 100ms).
	Debounce time.Duration
}

// Source watches HTTPRoutes, the Gateway and Services, and after each
// change converts, checks and applies the routes and writes their status.
type Source struct {
	opts     Options
	routes   cache.SharedIndexInformer
	gateways cache.SharedIndexInformer
	services cache.SharedIndexInformer
	kick     chan struct{}
	cancel   context.CancelFunc
	done     chan struct{}
	status   statusWriter

	mu   sync.Mutex
	last []*Routed // the outcome of the last sync, for the admin view and tests
}

// Start begins watching; routes reach the Target once the caches have
// synced. Close stops it.
func Start(opts Options) *Source {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Resync <= 0 {
		opts.Resync = 5 * time.Minute
	}
	if opts.Debounce <= 0 {
		opts.Debounce = 100 * time.Millisecond
	}
	s := &Source{opts: opts, kick: make(chan struct{}, 1), done: make(chan struct{})}
	s.status = statusWriter{client: opts.Dynamic, log: opts.Log}
	dyn := dynamicinformer.NewDynamicSharedInformerFactory(opts.Dynamic, opts.Resync)
	s.routes = dyn.ForResource(HTTPRoutes).Informer()
	gwf := dynamicinformer.NewFilteredDynamicSharedInformerFactory(opts.Dynamic, opts.Resync, opts.Namespace, nil)
	s.gateways = gwf.ForResource(Gateways).Informer()
	typed := informers.NewSharedInformerFactory(opts.Kube, opts.Resync)
	s.services = typed.Core().V1().Services().Informer()
	handler := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { s.poke() },
		UpdateFunc: func(any, any) { s.poke() },
		DeleteFunc: func(any) { s.poke() },
	}
	for _, inf := range []cache.SharedIndexInformer{s.routes, s.gateways, s.services} {
		_, _ = inf.AddEventHandler(handler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	dyn.Start(ctx.Done())
	gwf.Start(ctx.Done())
	typed.Start(ctx.Done())
	go s.loop(ctx)
	return s
}

// Close stops the watches and waits for a sync in progress.
func (s *Source) Close() {
	s.cancel()
	<-s.done
}

// Last returns the outcome of the last sync.
func (s *Source) Last() []*Routed {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// Resync asks for a new round of convert, check and apply, as after a
// change of the config file the routes are merged with.
func (s *Source) Resync() { s.poke() }

func (s *Source) poke() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

func (s *Source) loop(ctx context.Context) {
	defer close(s.done)
	// Without the Gateway API CRDs the route informer never syncs; it
	// keeps retrying (and client-go logs why), and routes arrive once
	// the CRDs are installed.
	if !cache.WaitForCacheSync(ctx.Done(), s.routes.HasSynced, s.gateways.HasSynced, s.services.HasSynced) {
		return
	}
	s.opts.Log.Info("gateway API: watching HTTPRoutes", "gateway", s.opts.Namespace+"/"+s.opts.Gateway)
	s.sync(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.kick:
		}
		// Gather the rest of a burst (a route and its Services, say).
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.opts.Debounce):
		}
		s.sync(ctx)
	}
}

// sync converts every attached route, drops the ones the config rejects
// (check: one bad route cannot take the others down), applies the rest and
// writes every route's status.
func (s *Source) sync(ctx context.Context) {
	objs := s.routes.GetStore().List()
	var routes []*Route
	raw := map[string]*unstructured.Unstructured{}
	for _, o := range objs {
		u, ok := o.(*unstructured.Unstructured)
		if !ok {
			continue
		}
		r, err := RouteFromUnstructured(u)
		if err != nil {
			s.opts.Log.Warn("gateway API: skipping an HTTPRoute", "err", err)
			continue
		}
		routes = append(routes, r)
		raw[r.Key()] = u
	}
	sort.Slice(routes, func(i, j int) bool { return routes[i].Key() < routes[j].Key() })
	gw := Gateway{Namespace: s.opts.Namespace, Name: s.opts.Gateway}
	if o, ok, _ := s.gateways.GetStore().GetByKey(s.opts.Namespace + "/" + s.opts.Gateway); ok {
		if u, ok := o.(*unstructured.Unstructured); ok {
			gw = GatewayFromUnstructured(u)
		}
	}
	out := Convert(Input{Gateway: gw, Routes: routes, Lookup: s.lookup, Existing: s.opts.Target.Existing()})
	services, splits := s.check(out)
	if err := s.opts.Target.Apply(Ordered(out), services, splits); err != nil {
		// Each route passed alone; together they can still clash (two
		// routes of one name cannot, names are per rule). Keep serving
		// the previous table and say so on every route.
		s.opts.Log.Error("gateway API: applying routes failed; the previous routes keep serving", "err", err)
		for _, r := range out {
			if r.Accepted.OK {
				r.Accepted = Condition{Reason: "UnsupportedValue", Message: fmt.Sprintf("routes together rejected: %v", err)}
			}
		}
	}
	attached := map[string]*Routed{}
	for _, r := range out {
		attached[r.Route.Key()] = r
	}
	for key, u := range raw {
		s.status.write(ctx, u, gw, attached[key])
	}
	s.mu.Lock()
	s.last = out
	s.mu.Unlock()
}

// check drops (marks not accepted) the routes the config rejects and
// returns the services and splits of the others. Every route valid is the
// common case, so all of them are checked together first: one compile per
// sync instead of one per route. Only when that fails is each route
// checked alone against the file, to find the bad ones without letting
// them take the others down.
func (s *Source) check(out []*Routed) (map[string]map[string]any, map[string][]Share) {
	var ok []*Routed
	for _, r := range out {
		if r.Accepted.OK {
			ok = append(ok, r)
		}
	}
	if len(ok) > 1 {
		services, splits := collect(ok)
		if s.opts.Target.Check(Ordered(ok), services) == nil {
			return services, splits
		}
	}
	var passed []*Routed
	for _, r := range ok {
		ordered := Ordered([]*Routed{r})
		if err := s.opts.Target.Check(ordered, r.Services); err != nil {
			r.Accepted = Condition{Reason: "UnsupportedValue", Message: "rejected by Shoal's config validation: " + Describe(err, ordered)}
			continue
		}
		passed = append(passed, r)
	}
	return collect(passed)
}

// collect merges the routes' generated services and splits.
func collect(rs []*Routed) (map[string]map[string]any, map[string][]Share) {
	services := map[string]map[string]any{}
	splits := map[string][]Share{}
	for _, r := range rs {
		maps.Copy(services, r.Services)
		maps.Copy(splits, r.Splits)
	}
	return services, splits
}

// lookup reads a Service's ports from the informer's cache.
func (s *Source) lookup(namespace, name string) ([]ServicePort, bool) {
	o, ok, err := s.services.GetStore().GetByKey(namespace + "/" + name)
	if err != nil || !ok {
		return nil, false
	}
	svc, ok := o.(*corev1.Service)
	if !ok {
		return nil, false
	}
	ports := make([]ServicePort, 0, len(svc.Spec.Ports))
	for _, p := range svc.Spec.Ports {
		ports = append(ports, ServicePort{Name: p.Name, Port: p.Port})
	}
	return ports, true
}
