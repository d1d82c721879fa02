package local

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestInstancesBecomeReadyAndServe(t *testing.T) {
	sets := newReadySets()
	m := newManager(t, Options{OnChange: sets.onChange})
	mustSetSpec(t, m, "echo", echoSpec())
	mustScale(t, m, "echo", 2)
	waitFor(t, "two ready instances", func() bool { return len(sets.get("echo")) == 2 })

	for _, addr := range sets.get("echo") {
		resp, err := http.Get("http://" + addr + "/hello")
		if err != nil {
			t.Fatalf("GET %s: %v", addr, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("X-Instance") != addr {
			t.Errorf("GET %s: status %d, instance %q", addr, resp.StatusCode, resp.Header.Get("X-Instance"))
		}
	}
	st := status(m, "echo")
	if st.Ready != 2 || st.Starting != 0 || st.Desired != 2 {
		t.Errorf("status = %+v, want 2 ready of 2", st)
	}
	if st.ColdStartLast <= 0 || st.ColdStartAvg <= 0 {
		t.Errorf("cold start not measured: %+v", st)
	}
	// Two real processes never become ready in exactly the same time: the
	// spread the autoscaler plans with is measured too.
	if st.ColdStartDev <= 0 || st.ColdStartDev > st.ColdStartAvg {
		t.Errorf("cold start spread after two starts: %v (mean %v)", st.ColdStartDev, st.ColdStartAvg)
	}
	for _, in := range m.Instances("echo") {
		if in.State != StateReady || !alive(in.PID) || in.ReadyAt.Before(in.StartedAt) {
			t.Errorf("instance %+v: want ready with a live pid", in)
		}
	}

	lines, err := m.Logs("echo", "", "echo listening", 0)
	if err != nil || len(lines) != 2 {
		t.Fatalf("Logs(all, echo listening) = %d lines, %v; want 2", len(lines), err)
	}
	id := m.Instances("echo")[0].ID
	one, err := m.Logs("echo", id, "", 0)
	if err != nil || len(one) == 0 {
		t.Fatalf("Logs(%s) = %v, %v", id, one, err)
	}
	for _, l := range one {
		if l.Instance != id {
			t.Errorf("Logs(%s) returned a line of %s", id, l.Instance)
		}
	}
	if _, err := m.Logs("echo", "../../etc/passwd", "", 0); err == nil {
		t.Error("Logs accepted a path as instance id")
	}
}

func TestKilledInstanceIsRestarted(t *testing.T) {
	sets := newReadySets()
	m := newManager(t, Options{OnChange: sets.onChange})
	mustSetSpec(t, m, "echo", echoSpec())
	mustScale(t, m, "echo", 1)
	waitFor(t, "a ready instance", func() bool { return len(sets.get("echo")) == 1 })
	first := m.Instances("echo")[0]

	if err := syscall.Kill(first.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the instance to come back", func() bool {
		in := m.Instances("echo")[0]
		return in.State == StateReady && in.PID != first.PID && len(sets.get("echo")) == 1
	})
	in := m.Instances("echo")[0]
	if in.ID != first.ID || in.Restarts != 1 {
		t.Errorf("after restart: id %s restarts %d; want %s and 1", in.ID, in.Restarts, first.ID)
	}
	if in.LastExit != "killed by signal SIGKILL" {
		t.Errorf("LastExit = %q, want killed by signal SIGKILL", in.LastExit)
	}
	if got := sets.get("echo"); got[0] != in.Address {
		t.Errorf("ready set %v, want the new address %s", got, in.Address)
	}
	// The ready set must have been emptied while the instance was down.
	sawEmpty := false
	for _, d := range sets.deliveries("echo") {
		sawEmpty = sawEmpty || len(d) == 0
	}
	if !sawEmpty {
		t.Error("crashed instance was never taken out of the ready set")
	}
}

func TestMissingCommandFailsOnlyItsService(t *testing.T) {
	sets := newReadySets()
	m := newManager(t, Options{OnChange: sets.onChange})
	mustSetSpec(t, m, "ghost", Spec{Command: "./no-such-binary", BaseDir: t.TempDir()})
	mustSetSpec(t, m, "echo", echoSpec())
	mustScale(t, m, "ghost", 2)
	mustScale(t, m, "echo", 1)

	waitFor(t, "ghost to fail and retry", func() bool {
		ins := m.Instances("ghost")
		return status(m, "ghost").Failed == 2 && ins[0].Restarts >= 2
	})
	st := status(m, "ghost")
	if !strings.Contains(st.LastError, "command not found: ./no-such-binary") {
		t.Errorf("LastError = %q, want command not found", st.LastError)
	}
	waitFor(t, "echo to be ready beside the failing service", func() bool { return len(sets.get("echo")) == 1 })

	mustScale(t, m, "ghost", 0)
	waitFor(t, "failed instances to be dropped", func() bool { return len(liveInstances(m, "ghost")) == 0 })
	if st := status(m, "ghost"); st.Failed != 0 || st.LastError != "" {
		t.Errorf("after scale 0: %+v", st)
	}
	if err := m.Scale("nope", 1); err == nil {
		t.Error("Scale of an unknown service succeeded")
	}
}

func TestExitAtOnceRecordsCodeAndOutput(t *testing.T) {
	m := newManager(t, Options{})
	mustSetSpec(t, m, "bad", shSpec("echo boom >&2; exit 3"))
	mustScale(t, m, "bad", 1)
	waitFor(t, "a recorded exit", func() bool { return status(m, "bad").Failed == 1 })
	if got := m.Instances("bad")[0].LastExit; got != "exit code 3 before becoming ready" {
		t.Errorf("LastExit = %q", got)
	}
	lines, err := m.Logs("bad", "", "boom", 1)
	if err != nil || len(lines) != 1 || lines[0].Stream != "stderr" || lines[0].Text != "boom" {
		t.Errorf("Logs(boom) = %+v, %v", lines, err)
	}
}

func TestNotReadyWithinTimeoutIsKilled(t *testing.T) {
	m := newManager(t, Options{Backoff: Backoff{Initial: 5 * time.Second}})
	spec := shSpec("exec sleep 30")
	spec.Probe.Timeout = 300 * time.Millisecond
	mustSetSpec(t, m, "slow", spec)
	mustScale(t, m, "slow", 1)
	var pid int
	waitFor(t, "a pid", func() bool { pid = m.Instances("slow")[0].PID; return pid > 0 })
	waitFor(t, "the startup timeout", func() bool { return status(m, "slow").Failed == 1 })
	if got := m.Instances("slow")[0].LastExit; got != "did not become ready within 300ms" {
		t.Errorf("LastExit = %q", got)
	}
	if alive(pid) {
		t.Errorf("process %d still runs after the startup timeout", pid)
	}
}

func TestStopEscalatesToSIGKILL(t *testing.T) {
	m := newManager(t, Options{})
	spec := shSpec(`trap "" TERM; sleep 30`)
	spec.Grace = 200 * time.Millisecond
	mustSetSpec(t, m, "stubborn", spec)
	mustScale(t, m, "stubborn", 1)
	var pid int
	waitFor(t, "a pid", func() bool { pid = m.Instances("stubborn")[0].PID; return pid > 0 })
	time.Sleep(100 * time.Millisecond) // let sh install its trap
	mustScale(t, m, "stubborn", 0)
	waitFor(t, "the instance to stop", func() bool { return len(liveInstances(m, "stubborn")) == 0 })
	in := m.Instances("stubborn")[0]
	if in.State != StateStopped || !strings.Contains(in.LastExit, "SIGKILL") {
		t.Errorf("stopped instance %+v: want stopped by SIGKILL", in)
	}
	if groupAlive(t, pid) {
		t.Errorf("process group %d survived the stop", pid)
	}
}

func TestCloseLeavesNoProcesses(t *testing.T) {
	m := New(Options{LogDir: t.TempDir()})
	mustSetSpec(t, m, "echo", echoSpec())
	mustSetSpec(t, m, "tree", shSpec("sleep 30 & sleep 30 & wait"))
	mustScale(t, m, "echo", 2)
	mustScale(t, m, "tree", 1)
	waitFor(t, "instances to run", func() bool {
		return status(m, "echo").Ready == 2 && m.Instances("tree")[0].PID > 0
	})
	var pids []int
	for _, s := range []string{"echo", "tree"} {
		for _, in := range m.Instances(s) {
			pids = append(pids, in.PID)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for _, pid := range pids {
		if alive(pid) || groupAlive(t, pid) {
			t.Errorf("process (group) %d outlived Close", pid)
		}
	}
	if err := m.Scale("echo", 1); !errors.Is(err, ErrClosed) {
		t.Errorf("Scale after Close = %v, want ErrClosed", err)
	}
}

// TestInstancesDieWithGateway kills a gateway process with -9 and checks
// that Pdeathsig takes its instance down too.
func TestInstancesDieWithGateway(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	gw := exec.Command(self)
	gw.Env = append(os.Environ(), "SHOAL_TEST_GATEWAY=1", "SHOAL_TEST_ECHO="+echoBin, "SHOAL_TEST_LOGDIR="+t.TempDir())
	out, err := gw.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := gw.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = gw.Process.Kill(); _ = gw.Wait() }()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the fake gateway: %v", err)
	}
	pidText, ok := strings.CutPrefix(strings.TrimSpace(line), "pid ")
	pid, err := strconv.Atoi(pidText)
	if !ok || err != nil || !alive(pid) {
		t.Fatalf("fake gateway said %q", line)
	}
	t.Cleanup(func() {
		// Only when the test failed: then the instance is still ours to kill;
		// after a pass its pid may already belong to someone else.
		if t.Failed() && alive(pid) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	if err := gw.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = gw.Wait()
	waitFor(t, "the orphaned instance to die", func() bool { return !alive(pid) })
}

// TestPortClashIsRetriedAtOnce hands the first instance a port that is
// already taken: echo exits, and the retry on a fresh port must not wait
// for the (here very long) crash backoff.
func TestPortClashIsRetriedAtOnce(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	m := newManager(t, Options{Backoff: Backoff{Initial: time.Minute}})
	var calls atomic.Int32
	m.freePort = func() (int, error) {
		if calls.Add(1) == 1 {
			return taken.Addr().(*net.TCPAddr).Port, nil
		}
		return freePort()
	}
	mustSetSpec(t, m, "echo", echoSpec())
	mustScale(t, m, "echo", 1)
	waitFor(t, "ready after the clash", func() bool { return status(m, "echo").Ready == 1 })
	in := m.Instances("echo")[0]
	if in.Restarts != 1 || in.LastExit != "exit code 1 before becoming ready" || in.Address == taken.Addr().String() {
		t.Errorf("after a clash: %+v", in)
	}
}
