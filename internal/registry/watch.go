package registry

import (
	"context"
	"sync"
)

// Hub fans the current instance set of each service out to watchers. Each
// watcher has a one-slot channel: publishing replaces an undelivered set
// instead of queueing behind it, so a slow reader only ever gets the latest
// set and a burst of changes costs it one wake-up.
type Hub struct {
	mu     sync.Mutex
	subs   map[string]map[*watcher]struct{}
	closed bool
	done   chan struct{} // closed by Close, ends the per-watcher goroutines
}

type watcher struct {
	ch chan []Instance
}

// NewHub returns an empty hub.
func NewHub() *Hub {
	return &Hub{subs: make(map[string]map[*watcher]struct{}), done: make(chan struct{})}
}

// Subscribe registers a watcher of service and delivers current to it at
// once. The channel closes when ctx ends or the hub closes.
func (h *Hub) Subscribe(ctx context.Context, service string, current []Instance) (<-chan []Instance, error) {
	w := &watcher{ch: make(chan []Instance, 1)}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil, ErrClosed
	}
	set := h.subs[service]
	if set == nil {
		set = make(map[*watcher]struct{})
		h.subs[service] = set
	}
	set[w] = struct{}{}
	w.ch <- current
	h.mu.Unlock()

	go func() {
		select {
		case <-ctx.Done():
		case <-h.done:
			return // Close already closed the channel
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		if set, ok := h.subs[service]; ok {
			if _, ok := set[w]; ok {
				delete(set, w)
				if len(set) == 0 {
					delete(h.subs, service)
				}
				close(w.ch)
			}
		}
	}()
	return w.ch, nil
}

// Watching reports whether anyone watches service, so a backend can skip
// building sets nobody reads.
func (h *Hub) Watching(service string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs[service]) > 0
}

// Publish delivers set to every watcher of service, replacing any set a
// watcher has not read yet. Watchers share the slice: they must not modify it.
func (h *Hub) Publish(service string, set []Instance) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for w := range h.subs[service] {
		// Only Publish sends, under h.mu, so after draining the slot the send
		// cannot block.
		select {
		case w.ch <- set:
		default:
			select {
			case <-w.ch:
			default:
			}
			w.ch <- set
		}
	}
}

// Close closes every watcher's channel; later Subscribe calls fail.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	close(h.done)
	for svc, set := range h.subs {
		for w := range set {
			close(w.ch)
		}
		delete(h.subs, svc)
	}
}
