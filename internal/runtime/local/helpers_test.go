package local

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// echoBin is the examples/echo binary built once by TestMain.
var echoBin string

func TestMain(m *testing.M) {
	if os.Getenv("SHOAL_TEST_GATEWAY") == "1" {
		os.Exit(fakeGateway())
	}
	dir, err := os.MkdirTemp("", "shoal-runtime-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	echoBin = filepath.Join(dir, "echo")
	build := exec.Command("go", "build", "-o", echoBin, "github.com/shoal-gw/shoal/examples/echo")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building examples/echo:", err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// fakeGateway is the test binary acting as a gateway that runs one echo
// instance; TestInstancesDieWithGateway kills it with -9.
func fakeGateway() int {
	m := New(Options{LogDir: os.Getenv("SHOAL_TEST_LOGDIR")})
	if err := m.SetSpec("echo", Spec{Command: os.Getenv("SHOAL_TEST_ECHO"), Probe: Probe{Path: "/healthz"}}); err != nil {
		fmt.Println("error", err)
		return 1
	}
	if err := m.Scale("echo", 1); err != nil {
		fmt.Println("error", err)
		return 1
	}
	for range 500 {
		for _, in := range m.Instances("echo") {
			if in.State == StateReady {
				fmt.Println("pid", in.PID)
				time.Sleep(time.Hour)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Println("error not ready")
	return 1
}

// readySets records what OnChange delivered, per service.
type readySets struct {
	mu      sync.Mutex
	current map[string][]string
	history map[string][][]string
}

func newReadySets() *readySets {
	return &readySets{current: map[string][]string{}, history: map[string][][]string{}}
}

func (r *readySets) onChange(service string, ready []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.current[service] = ready
	r.history[service] = append(r.history[service], ready)
}

func (r *readySets) get(service string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.current[service])
}

func (r *readySets) deliveries(service string) [][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.history[service])
}

// newManager returns a Manager with fast backoff and logs in a temp dir,
// closed (and checked for leftovers) when the test ends.
func newManager(t *testing.T, opts Options) *Manager {
	t.Helper()
	if opts.LogDir == "" {
		opts.LogDir = t.TempDir()
	}
	if opts.Backoff == (Backoff{}) {
		opts.Backoff = Backoff{Initial: 20 * time.Millisecond, Max: 200 * time.Millisecond}
	}
	m := New(opts)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := m.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return m
}

func echoSpec() Spec {
	return Spec{Command: echoBin, Probe: Probe{Path: "/healthz", Interval: 50 * time.Millisecond}, Grace: 2 * time.Second}
}

func shSpec(script string) Spec {
	return Spec{Command: "sh", Args: []string{"-c", script}, Probe: Probe{Interval: 50 * time.Millisecond}, Grace: time.Second}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(8 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func mustSetSpec(t *testing.T, m *Manager, name string, s Spec) {
	t.Helper()
	if err := m.SetSpec(name, s); err != nil {
		t.Fatalf("SetSpec(%s): %v", name, err)
	}
}

func mustScale(t *testing.T, m *Manager, name string, n int) {
	t.Helper()
	if err := m.Scale(name, n); err != nil {
		t.Fatalf("Scale(%s, %d): %v", name, n, err)
	}
}

func status(m *Manager, name string) Status {
	st, _ := m.Status(name)
	return st
}

// alive reports whether pid is a running (not zombie) process.
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		// No /proc (not Linux): trust kill(pid, 0), zombies included.
		_, noProc := os.Stat("/proc/self")
		return noProc != nil
	}
	// The state follows the ")" that closes the command name.
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}

// groupAlive reports whether a live (not zombie) process is left in
// process group pgid. Zombies are skipped: an orphaned grandchild is reaped
// by whatever is PID 1 here, which may never do it.
func groupAlive(t *testing.T, pgid int) bool {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatalf("reading /proc: %v", err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:]) // state ppid pgrp ...
		if len(f) >= 3 && f[2] == fmt.Sprint(pgid) && f[0] != "Z" {
			return true
		}
	}
	return false
}

func liveInstances(m *Manager, name string) []Instance {
	var out []Instance
	for _, in := range m.Instances(name) {
		if in.State != StateStopped {
			out = append(out, in)
		}
	}
	return out
}
