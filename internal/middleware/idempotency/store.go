// Package idempotency remembers the answer to a request that carries an
// Idempotency-Key header and returns it to repeats of that request for a
// while, so a client that retries after a lost answer does not make the
// service do the work twice. A repeat that arrives while the first is still
// running waits for it instead of reaching the service.
package idempotency

import (
	"bytes"
	"crypto/sha256"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a Store.
type Options struct {
	// TTL is how long an answer is kept.
	TTL time.Duration
	// MaxEntries bounds the keys kept; beyond it new keys pass uncached.
	MaxEntries int
	// MaxBodyBytes bounds the request and response bodies kept; a larger
	// one passes through uncached.
	MaxBodyBytes int64
	// Header carries the key; default Idempotency-Key.
	Header string
	// Now replaces the clock in tests.
	Now func() time.Time
}

// Store is one route's remembered answers. Safe for concurrent use.
type Store struct {
	o       Options
	mu      sync.Mutex
	entries map[string]*entry
	// replays counts answers served from the store; waits counts repeats
	// that arrived while the first was running and waited for it.
	replays, waits atomic.Int64
}

// Stats are a store's counters, for metrics and the admin API.
type Stats struct {
	// Replays is answers served from the store instead of the service.
	Replays int64
	// Waits is repeats that waited for a concurrent first request.
	Waits int64
	// Keys held, running or answered.
	Keys int
}

// Stats returns the store's counters.
func (s *Store) Stats() Stats {
	return Stats{Replays: s.replays.Load(), Waits: s.waits.Load(), Keys: s.Len()}
}

// entry is one key: running until done is closed, then either an answer
// to replay or, when resp is nil, nothing (the first try failed and the
// key is free again).
type entry struct {
	fingerprint [32]byte
	done        chan struct{}
	resp        *answer
	expires     time.Time
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

// New returns an empty store.
func New(o Options) *Store {
	if o.Header == "" {
		o.Header = "Idempotency-Key"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Store{o: o, entries: map[string]*entry{}}
}

// Len is the number of keys held, running or answered.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

// claim returns the entry for key and whether the caller owns it (must
// run the request and call finish). ok=false means there is no room.
func (s *Store) claim(key string, fp [32]byte) (e *entry, owner, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.o.Now()
	if e := s.entries[key]; e != nil {
		if e.resp == nil || now.Before(e.expires) {
			return e, false, true
		}
		delete(s.entries, key)
	}
	if len(s.entries) >= s.o.MaxEntries {
		for k, old := range s.entries {
			if old.resp != nil && !now.Before(old.expires) {
				delete(s.entries, k)
			}
		}
		if len(s.entries) >= s.o.MaxEntries {
			return nil, false, false
		}
	}
	e = &entry{fingerprint: fp, done: make(chan struct{})}
	s.entries[key] = e
	return e, true, true
}

// finish publishes the owner's answer, or frees the key when a is nil.
func (s *Store) finish(key string, e *entry, a *answer) {
	s.mu.Lock()
	if a == nil {
		delete(s.entries, key)
	} else {
		e.resp, e.expires = a, s.o.Now().Add(s.o.TTL)
	}
	s.mu.Unlock()
	close(e.done)
}

// readBody buffers r's body up to the limit and fingerprints it with the
// method and path, so that a key reused for another request is caught.
func (s *Store) readBody(r *http.Request) ([32]byte, bool) {
	var buf []byte
	if r.Body != nil && r.Body != http.NoBody {
		if r.ContentLength > s.o.MaxBodyBytes {
			return [32]byte{}, false
		}
		b, err := io.ReadAll(io.LimitReader(r.Body, s.o.MaxBodyBytes+1))
		if err != nil || int64(len(b)) > s.o.MaxBodyBytes {
			r.Body = struct {
				io.Reader
				io.Closer
			}{io.MultiReader(bytes.NewReader(b), r.Body), r.Body}
			return [32]byte{}, false
		}
		buf = b
		r.Body = io.NopCloser(bytes.NewReader(buf))
		r.ContentLength = int64(len(buf))
	}
	h := sha256.New()
	io.WriteString(h, r.Method+" "+r.URL.RequestURI()+"\n")
	h.Write(buf)
	var fp [32]byte
	copy(fp[:], h.Sum(nil))
	return fp, true
}
