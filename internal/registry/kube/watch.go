package kube

import (
	"context"
	"fmt"
	"sync"

	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
)

// byService indexes slices by their kubernetes.io/service-name label.
const byService = "service"

// namespaceWatch is the informer on one namespace's EndpointSlices.
type namespaceWatch struct {
	ns       string
	factory  informers.SharedInformerFactory
	informer cache.SharedIndexInformer
	// handler is our event handler's registration: it has synced once
	// the handler (not just the cache) has seen the first full list.
	handler cache.ResourceEventHandlerRegistration
	stopCh  chan struct{}
	once    sync.Once
}

// startNamespace starts watching ns; the caller holds r.mu. Only slices
// that belong to a Service (they carry the service-name label) are
// listed, so mirrored or hand-made slices without one cost nothing.
func (r *Registry) startNamespace(ns string) *namespaceWatch {
	f := informers.NewSharedInformerFactoryWithOptions(r.client, r.resync,
		informers.WithNamespace(ns),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = labelService }))
	inf := f.Discovery().V1().EndpointSlices().Informer()
	w := &namespaceWatch{ns: ns, factory: f, informer: inf, stopCh: make(chan struct{})}
	// Both fail only once the informer has started, which it has not.
	_ = inf.AddIndexers(cache.Indexers{byService: func(obj any) ([]string, error) {
		if s, ok := obj.(*discoveryv1.EndpointSlice); ok && s.Labels[labelService] != "" {
			return []string{s.Labels[labelService]}, nil
		}
		return nil, nil
	}})
	_ = inf.SetWatchErrorHandler(func(_ *cache.Reflector, err error) {
		// A missing RBAC grant in one namespace shows up here, retried
		// with backoff by the reflector.
		r.log.Warn("watching EndpointSlices", "namespace", ns, "err", err)
	})
	w.handler, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { r.sliceChanged(ns, obj) },
		UpdateFunc: func(old, cur any) {
			r.sliceChanged(ns, cur)
			if serviceOf(old) != serviceOf(cur) {
				r.sliceChanged(ns, old)
			}
		},
		DeleteFunc: func(obj any) { r.sliceChanged(ns, obj) },
	})
	f.Start(w.stopCh)
	return w
}

// serviceOf returns the Service a slice (or a deleted slice's tombstone)
// belongs to.
func serviceOf(obj any) string {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if s, ok := obj.(*discoveryv1.EndpointSlice); ok {
		return s.Labels[labelService]
	}
	return ""
}

// sliceChanged lists again every Shoal service fed by the slice's Service.
func (r *Registry) sliceChanged(ns string, obj any) {
	svc := serviceOf(obj)
	if svc == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	for name, src := range r.sources {
		if src.Namespace == ns && src.Service == svc {
			r.refreshLocked(name)
		}
	}
}

// refreshLocked recomputes one Shoal service's instances from the watch
// cache of its namespace; the caller holds r.mu.
func (r *Registry) refreshLocked(name string) {
	src, ok := r.sources[name]
	if !ok {
		return
	}
	w := r.watches[src.Namespace]
	if w == nil {
		return
	}
	objs, err := w.informer.GetIndexer().ByIndex(byService, src.Service)
	if err != nil {
		r.log.Error("reading the EndpointSlice cache", "service", name, "err", err)
		return
	}
	slices := make([]*discoveryv1.EndpointSlice, 0, len(objs))
	for _, o := range objs {
		if s, ok := o.(*discoveryv1.EndpointSlice); ok {
			slices = append(slices, s)
		}
	}
	insts, ambiguous := instances(name, src, slices)
	for _, sliceName := range ambiguous {
		r.warnAmbiguous(name, src, sliceName, slices)
	}
	r.ro.Set(name, insts)
}

// warnAmbiguous logs once per slice version that a slice with several
// ports was skipped because the config names none.
func (r *Registry) warnAmbiguous(name string, src Source, sliceName string, slices []*discoveryv1.EndpointSlice) {
	for _, s := range slices {
		if s.Name != sliceName || r.warned[src.Namespace+"/"+s.Name] == s.ResourceVersion {
			continue
		}
		r.warned[src.Namespace+"/"+s.Name] = s.ResourceVersion
		r.log.Warn("EndpointSlice skipped: it lists several ports and the service names none; set kubernetes.port",
			"service", name, "namespace", src.Namespace, "slice", s.Name)
	}
}

// waitSynced waits for the first full list of the namespace's slices to
// reach the instances. The cache syncs before the handler has run for
// every listed slice, and List reads what the handler computed, so both
// are waited for (a test caught List answering empty in between).
func (w *namespaceWatch) waitSynced(ctx context.Context) error {
	if !cache.WaitForCacheSync(ctx.Done(), w.informer.HasSynced, w.handler.HasSynced) {
		return fmt.Errorf("kubernetes registry: EndpointSlices of namespace %s not listed: %w", w.ns, context.Cause(ctx))
	}
	return nil
}

// stop ends the watch and waits for its goroutines.
func (w *namespaceWatch) stop() {
	w.once.Do(func() {
		close(w.stopCh)
		w.factory.Shutdown()
	})
}
