package memory

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/registry"
)

// crasherEnv makes the test binary act as a gateway that registers instances
// and keeps heartbeating until it is killed (see TestMain).
const crasherEnv = "SHOAL_REGISTRY_CRASHER_DIR"

const (
	crashLong  = 100 // instances with long TTLs that must survive
	crashShort = 10  // 1s-TTL instances that must be expired after the restart
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(crasherEnv); dir != "" {
		runCrasher(dir)
		return
	}
	os.Exit(m.Run())
}

func crashTTL(i int) time.Duration { return time.Duration(30+i) * time.Second }

// runCrasher never returns normally: the parent test kills it with SIGKILL
// while it is in the middle of heartbeating.
func runCrasher(dir string) {
	s, err := Open(dir, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "crasher:", err)
		os.Exit(2)
	}
	ctx := context.Background()
	for i := 0; i < crashLong; i++ {
		in := registry.Instance{Service: "web", ID: fmt.Sprintf("long%03d", i), Address: fmt.Sprintf("127.0.0.1:%d", 10000+i), TTL: crashTTL(i)}
		if _, err := s.Register(ctx, in); err != nil {
			fmt.Fprintln(os.Stderr, "crasher:", err)
			os.Exit(2)
		}
	}
	for i := 0; i < crashShort; i++ {
		in := registry.Instance{Service: "api", ID: fmt.Sprintf("short%02d", i), Address: fmt.Sprintf("127.0.0.1:%d", 20000+i), TTL: time.Second}
		if _, err := s.Register(ctx, in); err != nil {
			fmt.Fprintln(os.Stderr, "crasher:", err)
			os.Exit(2)
		}
	}
	fmt.Println("ready")
	for i := 0; ; i = (i + 1) % crashLong {
		if _, err := s.Heartbeat(ctx, "web", fmt.Sprintf("long%03d", i)); err != nil {
			fmt.Fprintln(os.Stderr, "crasher:", err)
			os.Exit(2)
		}
	}
}

func TestSIGKILLLosesNoRegistrationOrDeadline(t *testing.T) {
	dir := t.TempDir()
	start := time.Now()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crasherEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ready" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("crasher did not get ready: %q, %v", line, err)
	}
	// Let it heartbeat for a while so the kill lands in the middle of appends.
	time.Sleep(300 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("crasher did not die by SIGKILL: %v", err)
	}
	// Outlive the short TTLs so they must be expired at reopen.
	time.Sleep(time.Until(start.Add(1500 * time.Millisecond)))

	s, err := Open(dir, Options{SweepInterval: time.Hour})
	if err != nil {
		t.Fatalf("reopen after SIGKILL: %v", err)
	}
	defer s.Close()
	reopened := time.Now()
	got, _ := s.List(context.Background(), "web")
	if len(got) != crashLong {
		t.Fatalf("after SIGKILL %d of %d instances survived", len(got), crashLong)
	}
	for i, in := range got {
		ttl := crashTTL(i)
		if in.ID != fmt.Sprintf("long%03d", i) || in.TTL != ttl {
			t.Fatalf("instance %d = %+v, want long%03d with ttl %s", i, in, i, ttl)
		}
		// Registered or heartbeated between start and the kill, so the
		// deadline is within [start+ttl, reopened+ttl]: the remaining TTL
		// was kept, not reset and not lost.
		if in.ExpiresAt.Before(start.Add(ttl)) || in.ExpiresAt.After(reopened.Add(ttl)) {
			t.Errorf("%s deadline %v outside [%v, %v]", in.ID, in.ExpiresAt, start.Add(ttl), reopened.Add(ttl))
		}
		if rem := time.Until(in.ExpiresAt); rem > ttl || rem < ttl-5*time.Second {
			t.Errorf("%s remaining TTL %s, want within 5s of %s", in.ID, rem, ttl)
		}
	}
	if short, _ := s.List(context.Background(), "api"); len(short) != 0 {
		t.Errorf("%d short-TTL instances whose deadline passed while down are still listed", len(short))
	}
	if svcs, _ := s.Services(context.Background()); len(svcs) != 1 {
		t.Errorf("Services = %v, want only web (api expired at load)", svcs)
	}
}
