package kube

import (
	"context"
	"fmt"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"

	"github.com/shoal-gw/shoal/internal/autoscaler"
	"github.com/shoal-gw/shoal/internal/runtime/coldstart"
)

var metav1PatchOptions = metav1.PatchOptions{FieldManager: "shoal"}

// target is one service's workload: its resolved reference and what the
// last read of its status showed.
type target struct {
	s       *Scaler
	service string
	ns      string
	ref     ref
	ctx     context.Context
	cancel  context.CancelFunc
	done    chan struct{}

	mu       sync.Mutex
	takeOver bool
	w        *workload
	obs      autoscaler.Observed
	known    bool
	seen     int // spec.replicas at the last read (-1 before one)
	expect   int // the count we patched and have not read back yet (-1: none)
	raiseTo  int // a raise being timed for the cold start (0: none)
	raiseAt  time.Time
	cold     coldstart.Estimate // measured raises to readiness
	hpa      string             // the HPA last reported, so it is reported once
	lastErr  string             // the read error last logged, so it is logged once
}

func newTarget(s *Scaler, service, ns string, r ref, takeOver bool) *target {
	ctx, cancel := context.WithCancel(context.Background())
	return &target{s: s, service: service, ns: ns, ref: r, takeOver: takeOver,
		ctx: ctx, cancel: cancel, done: make(chan struct{}), seen: -1, expect: -1}
}

func (t *target) stop() {
	t.cancel()
	<-t.done
}

func (t *target) setTakeOver(v bool) {
	t.mu.Lock()
	t.takeOver = v
	t.mu.Unlock()
}

// watch follows the workload: it resolves it (retrying every Resync while
// discovery fails), then reads it whenever a watch reports a change to the
// object (status updates from the controllers included), and every Resync
// as a safety net.
func (t *target) watch() {
	defer close(t.done)
	var w workload
	for {
		var err error
		if w, err = t.resolved(); err == nil {
			break
		}
		t.readFailed(err)
		select {
		case <-t.ctx.Done():
			return
		case <-time.After(t.s.opts.Resync):
		}
	}
	changed := make(chan struct{}, 1)
	kick := func() {
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	inf := dynamicinformer.NewFilteredDynamicInformer(t.s.opts.Dynamic, w.gvr, t.ns, 0, cache.Indexers{},
		func(o *metav1.ListOptions) { o.FieldSelector = "metadata.name=" + w.name }).Informer()
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { kick() },
		UpdateFunc: func(any, any) { kick() },
		DeleteFunc: func(any) { kick() },
	})
	go inf.Run(t.ctx.Done())
	tick := time.NewTicker(t.s.opts.Resync)
	defer tick.Stop()
	for {
		t.refresh()
		select {
		case <-t.ctx.Done():
			return
		case <-changed:
		case <-tick.C:
		}
	}
}

// resolved returns the workload, asking discovery the first time.
func (t *target) resolved() (workload, error) {
	t.mu.Lock()
	w := t.w
	t.mu.Unlock()
	if w != nil {
		return *w, nil
	}
	nw, err := resolve(t.s.opts.Client.Discovery(), t.ref)
	if err != nil {
		return workload{}, fmt.Errorf("service %s: %w", t.service, err)
	}
	t.mu.Lock()
	t.w = &nw
	t.mu.Unlock()
	return nw, nil
}

// scaleValues are the counts of a scale subresource and the version they
// were read at.
type scaleValues struct {
	spec, status int
	version      string
}

func (t *target) getScale(ctx context.Context, w workload) (scaleValues, error) {
	u, err := t.s.opts.Dynamic.Resource(w.gvr).Namespace(t.ns).Get(ctx, w.name, metav1.GetOptions{}, "scale")
	if err != nil {
		return scaleValues{}, fmt.Errorf("reading the scale of %s in %s: %w", w, t.ns, err)
	}
	spec, _, _ := unstructured.NestedInt64(u.Object, "spec", "replicas")
	status, _, _ := unstructured.NestedInt64(u.Object, "status", "replicas")
	return scaleValues{spec: int(spec), status: int(status), version: u.GetResourceVersion()}, nil
}

// checkHPA refuses (or, taking over, only reports) an HPA on the workload.
func (t *target) checkHPA(ctx context.Context, w workload) error {
	name, err := t.s.findHPA(ctx, t.ns, w)
	if err != nil {
		return err
	}
	t.mu.Lock()
	takeOver, reported := t.takeOver, t.hpa
	t.hpa = name
	t.mu.Unlock()
	if name == "" {
		return nil
	}
	if takeOver {
		if reported != name {
			t.event(fmt.Sprintf("taking over %s from HorizontalPodAutoscaler %s (take_over: true); the HPA will keep changing it until it is deleted", w, name))
		}
		return nil
	}
	err = &HPAConflictError{Service: t.service, Workload: w.String(), Namespace: t.ns, HPA: name}
	if reported != name {
		t.event(err.Error())
	}
	return err
}

func (t *target) event(text string) {
	t.s.opts.Log.Warn("kube scaler: "+text, "service", t.service)
	t.s.opts.OnEvent(t.service, text)
}

// refresh reads the workload's scale and status.
func (t *target) refresh() {
	ctx, cancel := context.WithTimeout(t.ctx, t.s.opts.Timeout)
	defer cancel()
	obs, err := t.read(ctx)
	if err != nil {
		if t.ctx.Err() == nil {
			t.readFailed(err)
		}
		if apierrors.IsNotFound(err) {
			// Deleted (or not created yet): nothing to decide about.
			t.mu.Lock()
			t.known = false
			t.mu.Unlock()
		}
		return
	}
	t.observe(obs, t.s.opts.Clock())
}

// readFailed logs a read error once until it changes or a read succeeds.
func (t *target) readFailed(err error) {
	t.mu.Lock()
	repeat := t.lastErr == err.Error()
	t.lastErr = err.Error()
	t.mu.Unlock()
	if !repeat {
		t.s.opts.Log.Warn("kube scaler: reading the workload", "service", t.service, "error", err)
	}
}

// read gets the scale subresource (the replica counts, whatever the
// resource) and the object itself (readiness, terminating pods).
func (t *target) read(ctx context.Context) (autoscaler.Observed, error) {
	w, err := t.resolved()
	if err != nil {
		return autoscaler.Observed{}, err
	}
	sc, err := t.getScale(ctx, w)
	if err != nil {
		return autoscaler.Observed{}, err
	}
	u, err := t.s.opts.Dynamic.Resource(w.gvr).Namespace(t.ns).Get(ctx, w.name, metav1.GetOptions{})
	if err != nil {
		return autoscaler.Observed{}, fmt.Errorf("reading %s in %s: %w", w, t.ns, err)
	}
	ready, found, _ := unstructured.NestedInt64(u.Object, "status", "readyReplicas")
	if !found && !w.apps {
		// A custom resource without readyReplicas: its scale status is
		// the best count there is.
		ready = int64(sc.status)
	}
	obs := autoscaler.Observed{Desired: sc.spec, Ready: int(ready)}
	obs.Starting = max(obs.Desired-obs.Ready, 0)
	if term, found, _ := unstructured.NestedInt64(u.Object, "status", "terminatingReplicas"); found {
		obs.Draining = int(term)
	} else {
		obs.Draining = max(sc.status-sc.spec, 0)
	}
	return obs, nil
}
