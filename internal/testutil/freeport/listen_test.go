package freeport

import (
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// Listen hands the first start an occupied port: that process is killed
// and its log removed, and the second start listens on fresh ports.
func TestListenStartsAgainOnNewPorts(t *testing.T) {
	taken := occupy(t)
	var procs []*Proc
	pick := func(n int) ([]int, error) {
		ports, err := Ports(n)
		if err == nil && len(procs) == 0 {
			ports[1] = taken
		}
		return ports, err
	}
	p, ports, err := Listen(2, pick, 10*time.Second, func(ports []int) (*Proc, error) {
		p := startHelper(t, joinPorts(ports))
		procs = append(procs, p)
		return p, nil
	})
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	if len(procs) != 2 || p != procs[1] || slices.Contains(ports, taken) {
		t.Fatalf("%d starts, returned the last: %v, ports %v (occupied %d)", len(procs), p == procs[len(procs)-1], ports, taken)
	}
	if held, err := Held(p.Pid(), ports...); !held || err != nil {
		t.Fatalf("the returned process holds %v: %v, %v", ports, held, err)
	}
	select {
	case <-procs[0].Done():
	default:
		t.Fatal("the process on the occupied port still runs")
	}
	if _, err := os.Stat(procs[0].Log()); !os.IsNotExist(err) {
		t.Fatalf("the failed attempt's log is still there: %v", err)
	}
}

// A failure other than a taken port is not retried, and the error quotes
// the process's output.
func TestListenStopsOnOtherFailures(t *testing.T) {
	starts := 0
	_, _, err := Listen(1, Ports, 10*time.Second, func([]int) (*Proc, error) {
		starts++
		return startHelper(t, "exit"), nil
	})
	if starts != 1 || err == nil || errors.Is(err, ErrTaken) || !strings.Contains(err.Error(), "bad flag") {
		t.Fatalf("%d starts, %v; want one start and an error quoting its output", starts, err)
	}
	starts = 0
	_, _, err = Listen(1, Ports, time.Second, func([]int) (*Proc, error) {
		starts++
		return Start(exec.Command("/nonexistent/server"), t.TempDir())
	})
	if starts != 1 || err == nil {
		t.Fatalf("a process that cannot start: %d starts, %v", starts, err)
	}
}

func TestAddrs(t *testing.T) {
	if got := Addrs([]int{80, 4443}); !slices.Equal(got, []string{"127.0.0.1:80", "127.0.0.1:4443"}) {
		t.Fatalf("Addrs = %v", got)
	}
}
