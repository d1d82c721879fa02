package freeport

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// helperEnv makes the test binary a server child: it listens on the
// comma-separated loopback ports the variable names, then waits to be
// killed; a failed bind prints the error and exits 1, as servers do.
// "exit" makes it exit at once without binding.
const helperEnv = "FREEPORT_TEST_LISTEN"

func TestMain(m *testing.M) {
	if spec, ok := os.LookupEnv(helperEnv); ok {
		serveForever(spec)
	}
	os.Exit(m.Run())
}

func serveForever(spec string) {
	if spec == "exit" {
		fmt.Fprintln(os.Stderr, "bad flag")
		os.Exit(2)
	}
	for _, p := range strings.Split(spec, ",") {
		l, err := net.Listen("tcp", "127.0.0.1:"+p)
		if err != nil {
			fmt.Fprintln(os.Stderr, "serving:", err)
			os.Exit(1)
		}
		defer l.Close()
	}
	time.Sleep(time.Hour)
}

// startChild runs the helper child on ports (or "exit") and kills it when
// the test ends.
func startChild(t *testing.T, spec string) Child {
	t.Helper()
	return startHelper(t, spec).Child()
}

// startHelper starts the helper child as a Proc, killed when the test ends.
func startHelper(t *testing.T, spec string) *Proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+spec)
	p, err := Start(cmd, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Kill)
	return p
}

func joinPorts(ports []int) string {
	s := make([]string, len(ports))
	for i, p := range ports {
		s[i] = strconv.Itoa(p)
	}
	return strings.Join(s, ",")
}

// occupy listens on a free loopback port with a server that answers 200 to
// everything: a stranger a harness could mistake for its own server.
func occupy(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return l.Addr().(*net.TCPAddr).Port
}

func TestPortsAreDistinct(t *testing.T) {
	ports, err := Ports(8)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, p := range ports {
		if p <= 0 || p > 65535 || seen[p] {
			t.Fatalf("ports %v: want 8 distinct valid ports", ports)
		}
		seen[p] = true
	}
}

// TestHeldNamesTheOwner: Held is true only for the process that holds the
// listening socket, not for any process while someone listens.
func TestHeldNamesTheOwner(t *testing.T) {
	mine := occupy(t)
	ports, err := Ports(2)
	if err != nil {
		t.Fatal(err)
	}
	c := startChild(t, joinPorts(ports))
	if err := Await(c, ports, 10*time.Second); err != nil {
		t.Fatalf("child on %v: %v\n%s", ports, err, c.Output())
	}
	for _, tc := range []struct {
		pid   int
		ports []int
		want  bool
	}{
		{c.Pid, ports, true},
		{c.Pid, ports[:1], true},
		{c.Pid, []int{mine}, false},
		{c.Pid, []int{ports[0], mine}, false},
		{os.Getpid(), []int{mine}, true},
		{os.Getpid(), ports[1:], false},
	} {
		got, err := Held(tc.pid, tc.ports...)
		if err != nil || got != tc.want {
			t.Errorf("Held(%d, %v) = %v, %v; want %v", tc.pid, tc.ports, got, err, tc.want)
		}
	}
}

// TestAwaitReportsATakenPort: a child handed a port that a stranger holds
// fails to bind, and Await says so with ErrTaken even though the port
// answers.
func TestAwaitReportsATakenPort(t *testing.T) {
	taken := occupy(t)
	free, err := Ports(1)
	if err != nil {
		t.Fatal(err)
	}
	ports := []int{free[0], taken}
	c := startChild(t, joinPorts(ports))
	err = Await(c, ports, 10*time.Second)
	if !errors.Is(err, ErrTaken) {
		t.Fatalf("Await on a taken port: %v, want ErrTaken\n%s", err, c.Output())
	}
}

// TestAwaitOtherExit: a child that exits for another reason is not a
// taken port, so Retry would not start it again.
func TestAwaitOtherExit(t *testing.T) {
	ports, err := Ports(1)
	if err != nil {
		t.Fatal(err)
	}
	c := startChild(t, "exit")
	err = Await(c, ports, 10*time.Second)
	if err == nil || errors.Is(err, ErrTaken) || !strings.Contains(err.Error(), "exited") {
		t.Fatalf("Await on a child that exits: %v", err)
	}
}

// TestRetryStartsAgainOnNewPorts is the whole path: the first attempt is
// handed an occupied port, fails with ErrTaken, and the second attempt
// listens on fresh ports.
func TestRetryStartsAgainOnNewPorts(t *testing.T) {
	taken := occupy(t)
	var tried [][]int
	var child Child
	var ports []int
	err := Retry(5, func() error {
		var err error
		if ports, err = Ports(2); err != nil {
			return err
		}
		if len(tried) == 0 {
			ports[1] = taken
		}
		tried = append(tried, ports)
		child = startChild(t, joinPorts(ports))
		return Await(child, ports, 10*time.Second)
	})
	if err != nil {
		t.Fatalf("Retry: %v", err)
	}
	if len(tried) != 2 {
		t.Fatalf("attempts %v, want the occupied one and one more", tried)
	}
	if held, err := Held(child.Pid, ports...); !held || err != nil || ports[0] == taken || ports[1] == taken {
		t.Errorf("after the retry the child holds %v: %v, %v (occupied port %d)", ports, held, err, taken)
	}
}

func TestRetryBounds(t *testing.T) {
	calls := 0
	err := Retry(3, func() error { calls++; return fmt.Errorf("attempt %d: %w", calls, ErrTaken) })
	if calls != 3 || !errors.Is(err, ErrTaken) || !strings.Contains(err.Error(), "attempt 1") || !strings.Contains(err.Error(), "attempt 3") {
		t.Errorf("always taken: %d calls, %v", calls, err)
	}
	calls = 0
	other := errors.New("bad flag")
	err = Retry(3, func() error { calls++; return other })
	if calls != 1 || !errors.Is(err, other) {
		t.Errorf("another failure must not be retried: %d calls, %v", calls, err)
	}
	calls = 0
	if err := Retry(3, func() error { calls++; return nil }); err != nil || calls != 1 {
		t.Errorf("success: %d calls, %v", calls, err)
	}
}

func TestInUse(t *testing.T) {
	taken := occupy(t)
	_, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(taken))
	if err == nil || !InUse([]byte("serving: "+err.Error())) {
		t.Errorf("a real bind failure is not recognised: %v", err)
	}
	if InUse([]byte("listening on 127.0.0.1:8080")) {
		t.Error("a normal log line taken for a bind failure")
	}
}
