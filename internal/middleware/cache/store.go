package cache

import (
	"container/list"
	"strings"
	"sync"
)

// Store keeps entries. Get returns every stored variant of a primary key;
// Put replaces the variant with the same Vary values.
type Store interface {
	Get(key string) []*Entry
	Put(e *Entry)
	Delete(key string) int
	// Purge removes every entry whose key starts with prefix ("" = all)
	// and reports how many it removed.
	Purge(prefix string) int
}

// Memory is an in-process store bounded by bytes: when full it drops the
// least recently used entries.
type Memory struct {
	mu       sync.Mutex
	maxBytes int64
	bytes    int64
	lru      *list.List // of *Entry, most recent at the front
	byKey    map[string][]*list.Element
}

// NewMemory returns a store holding at most maxBytes of entries.
func NewMemory(maxBytes int64) *Memory {
	return &Memory{maxBytes: maxBytes, lru: list.New(), byKey: map[string][]*list.Element{}}
}

// SetMaxBytes changes the bound (a reload), evicting at once if needed.
func (m *Memory) SetMaxBytes(n int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.maxBytes = n
	m.evict()
}

// Get returns the variants of key, most recent first, and marks them used.
func (m *Memory) Get(key string) []*Entry {
	m.mu.Lock()
	defer m.mu.Unlock()
	els := m.byKey[key]
	out := make([]*Entry, 0, len(els))
	for i := len(els) - 1; i >= 0; i-- {
		m.lru.MoveToFront(els[i])
		out = append(out, els[i].Value.(*Entry))
	}
	return out
}

// Put stores e, replacing a variant that matches the same request values.
func (m *Memory) Put(e *Entry) {
	sz := e.size()
	m.mu.Lock()
	defer m.mu.Unlock()
	if sz > m.maxBytes {
		return
	}
	els := m.byKey[e.Key]
	for i, el := range els {
		if sameVary(el.Value.(*Entry).Vary, e.Vary) {
			m.remove(el)
			els = append(els[:i:i], els[i+1:]...)
			break
		}
	}
	m.byKey[e.Key] = append(els, m.lru.PushFront(e))
	m.bytes += sz
	m.evict()
}

func sameVary(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// Delete removes every variant of key.
func (m *Memory) Delete(key string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.deleteKey(key)
}

// Purge removes the keys starting with prefix.
func (m *Memory) Purge(prefix string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for k := range m.byKey {
		if strings.HasPrefix(k, prefix) {
			n += m.deleteKey(k)
		}
	}
	return n
}

// Bytes reports the size of the stored entries.
func (m *Memory) Bytes() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.bytes
}

func (m *Memory) deleteKey(key string) int {
	els := m.byKey[key]
	for _, el := range els {
		m.remove(el)
	}
	delete(m.byKey, key)
	return len(els)
}

// remove drops an element from the list and the byte count, not from byKey.
func (m *Memory) remove(el *list.Element) {
	m.bytes -= el.Value.(*Entry).size()
	m.lru.Remove(el)
}

func (m *Memory) evict() {
	for m.bytes > m.maxBytes {
		el := m.lru.Back()
		if el == nil {
			return
		}
		e := el.Value.(*Entry)
		m.remove(el)
		els := m.byKey[e.Key]
		for i, x := range els {
			if x == el {
				els = append(els[:i:i], els[i+1:]...)
				break
			}
		}
		if len(els) == 0 {
			delete(m.byKey, e.Key)
		} else {
			m.byKey[e.Key] = els
		}
	}
}
