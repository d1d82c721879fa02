package kubetest

import (
	"os"
	"sync"
	"testing"
)

// Shared is one control plane for all the tests of a package, started by
// the first test that asks for it (a package run with -run on other tests
// never pays for it) and stopped by Main after the last test.
//
// The value lives in the test package, as a package-level variable of a
// _test.go file: the control plane is one per test binary because it costs
// several seconds and hundreds of megabytes to start, and tests isolate
// themselves with Cluster.Namespace instead. Nothing in non-test code
// holds it.
//
//	var kube = kubetest.NewShared(kubetest.WithControllerManager())
//
//	func TestMain(m *testing.M) { kubetest.Main(m, kube) }
//
//	func TestX(t *testing.T) {
//		c := kube.Cluster(t)
//		ns := c.Namespace(t)
//		...
//	}
type Shared struct {
	opts []Option

	mu      sync.Mutex
	started bool
	c       *Cluster
	err     error
}

// NewShared describes a control plane to start on first use.
func NewShared(opts ...Option) *Shared {
	return &Shared{opts: opts}
}

// Cluster returns the running control plane, starting it on the first
// call. If it could not start (missing binaries, say) every test that asks
// fails with the same error.
func (s *Shared) Cluster(t testing.TB) *Cluster {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started {
		s.started = true
		s.c, s.err = start(s.opts...)
	}
	if s.err != nil {
		t.Fatal(s.err)
	}
	return s.c
}

// Stop ends the control plane if it was started.
func (s *Shared) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.c != nil {
		s.c.stop()
		s.c = nil
	}
}

// Main runs the tests, stops the shared control planes and exits; call it
// from TestMain. Processes also die with the test binary if it is killed
// (see Start), so a timeout never leaks them.
func Main(m *testing.M, shared ...*Shared) {
	code := m.Run()
	for _, s := range shared {
		s.Stop()
	}
	os.Exit(code)
}
