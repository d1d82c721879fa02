package app

import (
	"context"
	"reflect"
	"sync"

	"github.com/shoal-gw/shoal/internal/config"
	"github.com/shoal-gw/shoal/internal/registry/dns"
	"github.com/shoal-gw/shoal/internal/upstream"
)

// dnsSource names the endpoints that DNS discovery contributes.
const dnsSource = "dns"

// dnsWatches runs one DNS resolver per service that has a dns block.
type dnsWatches struct {
	mu  sync.Mutex
	svc map[string]*dnsWatch
}

type dnsWatch struct {
	cfg    config.DNS
	reg    *dns.Registry
	cancel context.CancelFunc
	done   sync.WaitGroup
}

func (w *dnsWatch) stop() {
	w.cancel()
	w.done.Wait()
	_ = w.reg.Close()
}

// syncDNS starts, restarts or stops DNS discovery to match cfg.
func (a *App) syncDNS(cfg *config.Config) {
	d := &a.dns
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.svc == nil {
		d.svc = map[string]*dnsWatch{}
	}
	for name, sc := range cfg.Dynamic.Services {
		cur := d.svc[name]
		if sc.DNS == nil {
			continue
		}
		want := *sc.DNS
		want.Pos = config.Pos{}
		if cur != nil && reflect.DeepEqual(cur.cfg.Names, want.Names) && cur.cfg.Interval == want.Interval {
			continue
		}
		if cur != nil {
			cur.stop()
			delete(d.svc, name)
		}
		w, err := a.startDNS(name, want)
		if err != nil {
			a.log.Error("dns discovery not started", "service", name, "err", err)
			continue
		}
		d.svc[name] = w
	}
	for name, cur := range d.svc {
		if sc, ok := cfg.Dynamic.Services[name]; !ok || sc.DNS == nil {
			cur.stop()
			delete(d.svc, name)
			a.setTargets(name, dnsSource, nil)
		}
	}
}

func (a *App) startDNS(name string, c config.DNS) (*dnsWatch, error) {
	reg, err := dns.New(dns.Options{
		Services: map[string][]string{name: c.Names},
		Interval: c.Interval.D(),
		Logger:   a.log.With("component", "dns", "service", name),
	})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	ch, err := reg.Watch(ctx, name)
	if err != nil {
		cancel()
		_ = reg.Close()
		return nil, err
	}
	w := &dnsWatch{cfg: c, reg: reg, cancel: cancel}
	w.done.Add(1)
	go func() {
		defer w.done.Done()
		for set := range ch {
			ts := make([]upstream.Target, 0, len(set))
			for _, in := range set {
				ts = append(ts, upstream.Target{Address: in.Address})
			}
			a.setTargets(name, dnsSource, ts)
		}
	}()
	return w, nil
}

func (a *App) stopDNS() {
	a.dns.mu.Lock()
	defer a.dns.mu.Unlock()
	for name, w := range a.dns.svc {
		w.stop()
		delete(a.dns.svc, name)
	}
}
