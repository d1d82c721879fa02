package health

import (
	"net"
	"runtime"
	"sync"
	"testing"
	"time"
)

// recordSink keeps every Sink call and wakes waiters.
type recordSink struct {
	mu    sync.Mutex
	calls []sinkCall
	wake  chan struct{}
}

type sinkCall struct {
	addr    string
	healthy bool
	at      time.Time
}

func newRecordSink() *recordSink { return &recordSink{wake: make(chan struct{}, 1)} }

func (s *recordSink) SetHealthy(addr string, healthy bool) {
	s.mu.Lock()
	s.calls = append(s.calls, sinkCall{addr, healthy, time.Now()})
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *recordSink) snapshot() []sinkCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sinkCall(nil), s.calls...)
}

// waitFor waits until the last call for addr says healthy == want, and
// returns when that call was made.
func (s *recordSink) waitFor(t *testing.T, addr string, want bool, within time.Duration) time.Time {
	t.Helper()
	deadline := time.After(within)
	for {
		calls := s.snapshot()
		for i := len(calls) - 1; i >= 0; i-- {
			if calls[i].addr == addr {
				if calls[i].healthy == want {
					return calls[i].at
				}
				break
			}
		}
		select {
		case <-s.wake:
		case <-time.After(10 * time.Millisecond):
		case <-deadline:
			t.Fatalf("%s: no healthy=%v verdict within %v; calls: %+v", addr, want, within, calls)
		}
	}
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// checkNoLeak waits for the goroutine count to fall back to base.
func checkNoLeak(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= base {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines left, want <= %d:\n%s", n, base, buf)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// runChecker starts c.Run in a goroutine and stops it at cleanup.
func runChecker(t *testing.T, c *Checker) {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- c.Run(t.Context()) }()
	t.Cleanup(func() {
		c.Stop()
		if err := <-errc; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}
