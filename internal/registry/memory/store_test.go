package memory

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/registry"
	"github.com/shoal-gw/shoal/internal/registry/registrytest"
)

func TestConformance(t *testing.T) {
	registrytest.Run(t, func(t *testing.T) registry.Registry {
		s, err := Open(t.TempDir(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// clock is a settable time source shared by a test and the store.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newClock() *clock { return &clock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func open(t *testing.T, dir string, clk *clock) *Store {
	t.Helper()
	// A long sweep interval keeps the janitor out of the way; tests call Sweep.
	s, err := Open(dir, Options{Now: clk.Now, SweepInterval: time.Hour})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func mustRegister(t *testing.T, s *Store, in registry.Instance) registry.Instance {
	t.Helper()
	got, err := s.Register(context.Background(), in)
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	return got
}

func TestReopenKeepsInstancesAndAbsoluteDeadlines(t *testing.T) {
	dir, clk := t.TempDir(), newClock()
	s := open(t, dir, clk)
	short := mustRegister(t, s, registry.Instance{Service: "web", Address: "127.0.0.1:9001", TTL: 10 * time.Second})
	long := mustRegister(t, s, registry.Instance{Service: "web", Address: "127.0.0.1:9002", TTL: time.Minute, Metadata: map[string]string{"v": "2"}})
	forever := mustRegister(t, s, registry.Instance{Service: "api", Address: "127.0.0.1:9003"})
	clk.Add(5 * time.Second)
	if _, err := s.Heartbeat(context.Background(), "web", short.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Down for 20s: short (deadline t+15s) expired meanwhile, long (t+60s) did not.
	clk.Add(20 * time.Second)
	s = open(t, dir, clk)
	defer s.Close()
	web, _ := s.List(context.Background(), "web")
	if len(web) != 1 || web[0].ID != long.ID {
		t.Fatalf("web after restart = %+v, want only %s", web, long.ID)
	}
	if !web[0].ExpiresAt.Equal(long.ExpiresAt) || web[0].Metadata["v"] != "2" {
		t.Errorf("long instance = %+v, want deadline %v and metadata kept", web[0], long.ExpiresAt)
	}
	api, _ := s.List(context.Background(), "api")
	if len(api) != 1 || api[0].ID != forever.ID || !api[0].ExpiresAt.IsZero() {
		t.Errorf("api after restart = %+v, want the no-TTL instance", api)
	}
	if _, err := s.Heartbeat(context.Background(), "web", short.ID); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("heartbeat of instance expired while down: %v, want ErrNotFound", err)
	}
}

func TestSweepExpiresAndNotifiesWatchers(t *testing.T) {
	clk := newClock()
	s := open(t, t.TempDir(), clk)
	defer s.Close()
	a := mustRegister(t, s, registry.Instance{Service: "web", Address: "127.0.0.1:9001", TTL: 3 * time.Second})
	mustRegister(t, s, registry.Instance{Service: "web", Address: "127.0.0.1:9002", TTL: 10 * time.Second})
	ch, err := s.Watch(context.Background(), "web")
	if err != nil {
		t.Fatal(err)
	}
	if got := registrytest.Next(t, ch); len(got) != 2 {
		t.Fatalf("first set = %v", got)
	}
	clk.Add(2 * time.Second)
	if _, err := s.Heartbeat(context.Background(), "web", a.ID); err != nil {
		t.Fatal(err)
	}
	clk.Add(2 * time.Second) // a: heartbeat kept it alive (deadline +5s)
	if n, err := s.Sweep(); err != nil || n != 0 {
		t.Fatalf("Sweep = %d, %v; want nothing expired", n, err)
	}
	clk.Add(2 * time.Second) // a's deadline passed
	if got, _ := s.List(context.Background(), "web"); len(got) != 1 {
		t.Errorf("List before sweep = %v, want the expired instance hidden", got)
	}
	if n, err := s.Sweep(); err != nil || n != 1 {
		t.Fatalf("Sweep = %d, %v; want 1", n, err)
	}
	if got := registrytest.Next(t, ch); len(got) != 1 || got[0].ID == a.ID {
		t.Errorf("set after expiry = %v, want only the other instance", got)
	}
}

func TestJanitorRunsOnItsOwn(t *testing.T) {
	s, err := Open(t.TempDir(), Options{SweepInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ch, _ := s.Watch(context.Background(), "web")
	registrytest.Next(t, ch)
	if _, err := s.Register(context.Background(), registry.Instance{Service: "web", Address: "127.0.0.1:9001", TTL: time.Second}); err != nil {
		t.Fatal(err)
	}
	registrytest.WaitFor(t, ch, 1)
	registrytest.WaitFor(t, ch, 0) // expired by the janitor after ~1s
}

func TestTornTailIsSkippedAndLogStaysUsable(t *testing.T) {
	dir, clk := t.TempDir(), newClock()
	s := open(t, dir, clk)
	mustRegister(t, s, registry.Instance{Service: "web", ID: "kept", Address: "127.0.0.1:9001"})
	s.Close()
	// Reopening compacts into the snapshot, so add a log record after it,
	// then a torn one as a crash mid-append leaves.
	s = open(t, dir, clk)
	mustRegister(t, s, registry.Instance{Service: "web", ID: "inlog", Address: "127.0.0.1:9002"})
	s.Close()
	logPath := filepath.Join(dir, logName)
	rec, _ := appendRecord(nil, putOp(registry.Instance{Service: "web", ID: "torn", Address: "127.0.0.1:9003"}))
	f, err := os.OpenFile(logPath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(rec[:len(rec)-3])
	f.Close()

	var logBuf strings.Builder
	s2, err := Open(dir, Options{Now: clk.Now, Logger: slog.New(slog.NewTextHandler(&logBuf, nil))})
	if err != nil {
		t.Fatalf("Open with torn tail: %v", err)
	}
	got, _ := s2.List(context.Background(), "web")
	if len(got) != 2 || got[0].ID != "inlog" || got[1].ID != "kept" {
		t.Errorf("after torn tail List = %+v, want inlog and kept", got)
	}
	if !strings.Contains(logBuf.String(), "torn") {
		t.Errorf("no warning about the torn record in log output: %q", logBuf.String())
	}
	mustRegister(t, s2, registry.Instance{Service: "web", ID: "after", Address: "127.0.0.1:9004"})
	s2.Close()
	s3 := open(t, dir, clk)
	defer s3.Close()
	if got, _ := s3.List(context.Background(), "web"); len(got) != 3 {
		t.Errorf("records written after repair lost: %+v", got)
	}
}

func TestCorruptChecksumStopsReplayThere(t *testing.T) {
	dir, clk := t.TempDir(), newClock()
	s := open(t, dir, clk)
	mustRegister(t, s, registry.Instance{Service: "web", ID: "a", Address: "127.0.0.1:9001"})
	mustRegister(t, s, registry.Instance{Service: "web", ID: "b", Address: "127.0.0.1:9002"})
	s.Close()
	// Open compacted a and b into the snapshot; flip a byte in a log record.
	s = open(t, dir, clk)
	mustRegister(t, s, registry.Instance{Service: "web", ID: "c", Address: "127.0.0.1:9003"})
	s.Close()
	logPath := filepath.Join(dir, logName)
	data, _ := os.ReadFile(logPath)
	data[len(data)-2] ^= 0xff
	os.WriteFile(logPath, data, 0o600)
	s = open(t, dir, clk)
	defer s.Close()
	got, _ := s.List(context.Background(), "web")
	if len(got) != 2 {
		t.Errorf("List = %+v, want a and b from the snapshot, c dropped", got)
	}
}

func TestCompactionBoundsTheLog(t *testing.T) {
	dir, clk := t.TempDir(), newClock()
	s, err := Open(dir, Options{Now: clk.Now, SweepInterval: time.Hour, CompactAfter: 50})
	if err != nil {
		t.Fatal(err)
	}
	a := mustRegister(t, s, registry.Instance{Service: "web", Address: "127.0.0.1:9001", TTL: time.Minute})
	for i := 0; i < 500; i++ {
		clk.Add(time.Second)
		if _, err := s.Heartbeat(context.Background(), "web", a.ID); err != nil {
			t.Fatal(err)
		}
	}
	want, _ := s.List(context.Background(), "web")
	s.Close()
	st, err := os.Stat(filepath.Join(dir, logName))
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() > 50*300 {
		t.Errorf("log is %d bytes after 500 heartbeats with CompactAfter=50; compaction did not run", st.Size())
	}
	s = open(t, dir, clk)
	defer s.Close()
	got, _ := s.List(context.Background(), "web")
	if len(got) != 1 || !got[0].ExpiresAt.Equal(want[0].ExpiresAt) {
		t.Errorf("after compaction and reopen = %+v, want deadline %v", got, want[0].ExpiresAt)
	}
}

func TestSecondOpenOfSameDirFails(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s2, err := Open(dir, Options{}); err == nil {
		s2.Close()
		t.Fatal("second Open of a directory in use succeeded")
	}
}

func TestClosedStoreRefusesCalls(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := s.Register(context.Background(), registry.Instance{Service: "web", Address: "127.0.0.1:1"}); !errors.Is(err, registry.ErrClosed) {
		t.Errorf("Register after Close: %v, want ErrClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// BenchmarkHeartbeat measures one durable heartbeat (one fsync) — the cost
// that bounds how many TTL instances one gateway can keep.
func BenchmarkHeartbeat(b *testing.B) {
	s, err := Open(b.TempDir(), Options{SweepInterval: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	in, err := s.Register(context.Background(), registry.Instance{Service: "web", Address: "127.0.0.1:9001", TTL: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.Heartbeat(context.Background(), "web", in.ID); err != nil {
			b.Fatal(err)
		}
	}
}
