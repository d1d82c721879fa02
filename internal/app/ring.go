package app

import "sync"

// ring keeps the last size values added, oldest first on read: the bounded
// memory behind the event list and the log search.
type ring[T any] struct {
	mu   sync.Mutex
	size int
	buf  []T
	next int
	full bool
}

func newRing[T any](size int) *ring[T] { return &ring[T]{size: size} }

func (r *ring[T]) add(v T) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.buf == nil {
		r.buf = make([]T, r.size)
	}
	r.buf[r.next] = v
	r.next = (r.next + 1) % r.size
	if r.next == 0 {
		r.full = true
	}
}

// all copies the values, oldest first.
func (r *ring[T]) all() []T {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.full {
		return append([]T(nil), r.buf[:r.next]...)
	}
	out := append([]T(nil), r.buf[r.next:]...)
	return append(out, r.buf[:r.next]...)
}
