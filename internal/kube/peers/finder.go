package peers

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strconv"

	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listers "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/tools/cache"
)

// Finder keeps the admin URLs of the gateways behind a Kubernetes Service,
// from its EndpointSlices (an informer, so a new or gone gateway shows at
// once).
type Finder struct {
	service, port string
	lister        listers.EndpointSliceNamespaceLister
	synced        cache.InformerSynced
	stop          context.CancelFunc
	factory       informers.SharedInformerFactory
}

// NewFinder starts watching the EndpointSlices of namespace/service. port
// is the admin port's name in the Service, or its number.
func NewFinder(client kubernetes.Interface, namespace, service, port string) *Finder {
	f := informers.NewSharedInformerFactoryWithOptions(client, 0,
		informers.WithNamespace(namespace),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.LabelSelector = discoveryv1.LabelServiceName + "=" + service
		}))
	inf := f.Discovery().V1().EndpointSlices()
	fd := &Finder{service: service, port: port, lister: inf.Lister().EndpointSlices(namespace), synced: inf.Informer().HasSynced, factory: f}
	ctx, cancel := context.WithCancel(context.Background())
	fd.stop = cancel
	f.Start(ctx.Done())
	return fd
}

// WaitSynced waits for the first list, or ctx.
func (f *Finder) WaitSynced(ctx context.Context) error {
	if !cache.WaitForCacheSync(ctx.Done(), f.synced) {
		return fmt.Errorf("peers: EndpointSlices of %s not listed: %w", f.service, ctx.Err())
	}
	return nil
}

// URLs lists http://ADDR:PORT of every ready gateway, sorted.
func (f *Finder) URLs() []string {
	slices, err := f.lister.List(labels.Everything())
	if err != nil {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, sl := range slices {
		port, ok := f.portOf(sl)
		if !ok {
			continue
		}
		for _, ep := range sl.Endpoints {
			if ep.Conditions.Ready != nil && !*ep.Conditions.Ready {
				continue
			}
			for _, a := range ep.Addresses {
				u := "http://" + net.JoinHostPort(a, strconv.Itoa(int(port)))
				if !seen[u] {
					seen[u] = true
					out = append(out, u)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// portOf finds the admin port in a slice, by name or number.
func (f *Finder) portOf(sl *discoveryv1.EndpointSlice) (int32, bool) {
	num, err := strconv.Atoi(f.port)
	for _, p := range sl.Ports {
		if p.Port == nil {
			continue
		}
		if (err == nil && int(*p.Port) == num) || (p.Name != nil && *p.Name == f.port) {
			return *p.Port, true
		}
	}
	return 0, false
}

// Close stops the watch.
func (f *Finder) Close() {
	f.stop()
	f.factory.Shutdown()
}
