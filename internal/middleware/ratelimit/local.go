package ratelimit

import (
	"context"
	"hash/maphash"
	"sync"
	"time"
)

const localShards = 64

// Local keeps the GCRA state in memory. It is safe for concurrent use and
// meant to outlive reloads: the gateway owns one and every route uses it.
// Idle keys are dropped lazily, so memory follows the set of active keys.
type Local struct {
	seed   maphash.Seed
	now    func() time.Time
	shards [localShards]localShard
}

type localShard struct {
	mu        sync.Mutex
	tats      map[string]int64 // key → theoretical arrival time, unix ns
	lastSweep int64
}

// sweepEvery bounds how often a shard scans for keys whose bucket is full
// again (tat in the past): such keys carry no information.
const sweepEvery = int64(10 * time.Second)

// NewLocal returns an empty store. now may be nil (time.Now).
func NewLocal(now func() time.Time) *Local {
	if now == nil {
		now = time.Now
	}
	s := &Local{seed: maphash.MakeSeed(), now: now}
	for i := range s.shards {
		s.shards[i].tats = make(map[string]int64)
	}
	return s
}

// Take decides one request of key against limits; each limit keeps its own
// state under the key and the limit's name.
func (s *Local) Take(_ context.Context, key string, limits []Limit) (Decision, error) {
	now := s.now().UnixNano()
	keys := make([]string, len(limits))
	for i, l := range limits {
		keys[i] = key + "\x00" + l.Name
	}
	// All states of one decision share a shard (hashed on the key) so the
	// check-all-then-commit step is atomic without lock ordering.
	sh := &s.shards[maphash.String(s.seed, key)%localShards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.sweep(now)
	d := Decision{Allowed: true, States: make([]State, len(limits))}
	next := make([]int64, len(limits))
	for i, l := range limits {
		nt, ok, wait := step(l, sh.tats[keys[i]], now)
		next[i] = nt
		if !ok {
			d.Allowed = false
			d.RetryAfter = max(d.RetryAfter, time.Duration(wait))
		}
	}
	for i, l := range limits {
		t := sh.tats[keys[i]]
		if d.Allowed {
			t = next[i]
			sh.tats[keys[i]] = t
		}
		d.States[i] = stateOf(l, t, now)
	}
	return d, nil
}

// Len reports how many keys hold state, for tests and metrics.
func (s *Local) Len() int {
	n := 0
	for i := range s.shards {
		s.shards[i].mu.Lock()
		n += len(s.shards[i].tats)
		s.shards[i].mu.Unlock()
	}
	return n
}

// sweep drops the keys whose bucket is full again, at most once per
// sweepEvery; the caller holds mu.
func (sh *localShard) sweep(now int64) {
	if now-sh.lastSweep <= sweepEvery {
		return
	}
	for k, t := range sh.tats {
		if t < now {
			delete(sh.tats, k)
		}
	}
	sh.lastSweep = now
}
