package ratelimit

import (
	"hash/maphash"
	"sync"
)

// Inflight counts the requests each key has in progress, for concurrency
// limits. Keys with nothing in flight hold no memory.
type Inflight struct {
	seed   maphash.Seed
	shards [localShards]inflightShard
}

type inflightShard struct {
	mu sync.Mutex
	n  map[string]int64
}

// NewInflight returns an empty counter.
func NewInflight() *Inflight {
	f := &Inflight{seed: maphash.MakeSeed()}
	for i := range f.shards {
		f.shards[i].n = map[string]int64{}
	}
	return f
}

func (f *Inflight) shard(key string) *inflightShard {
	return &f.shards[maphash.String(f.seed, key)%localShards]
}

// Acquire takes a slot for key if fewer than limit are in use.
func (f *Inflight) Acquire(key string, limit int64) bool {
	sh := f.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.n[key] >= limit {
		return false
	}
	sh.n[key]++
	return true
}

// Release returns a slot taken by Acquire.
func (f *Inflight) Release(key string) {
	sh := f.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.n[key] <= 1 {
		delete(sh.n, key)
		return
	}
	sh.n[key]--
}

// Len reports how many keys have requests in flight.
func (f *Inflight) Len() int {
	n := 0
	for i := range f.shards {
		f.shards[i].mu.Lock()
		n += len(f.shards[i].n)
		f.shards[i].mu.Unlock()
	}
	return n
}
