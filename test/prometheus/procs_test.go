package prometheus

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/shoal-gw/shoal/internal/testutil/freeport"
)

// portAttempts bounds how often one process is started again after a port
// chosen for it was taken by another process first; a clash needs someone
// to bind that very port within milliseconds, so one more try nearly
// always does.
const portAttempts = 5

// proc is a server child whose output goes to a log file.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{} // closed once the process has exited
}

// startProc starts name with args, its output in a log file that the
// test prints when it fails; the process is killed when the test ends.
// The file is written by the child itself (an *os.File needs no copier),
// so once the process has exited the file holds all its output.
func startProc(t *testing.T, name string, args ...string) *proc {
	t.Helper()
	logf, err := os.CreateTemp(t.TempDir(), filepath.Base(name)+"-*.log")
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	p := &proc{name: name, cmd: exec.Command(name, args...), log: logf.Name(), done: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, p.output())
		}
	})
	return p
}

// kill stops the process at once and waits for it.
func (p *proc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

func (p *proc) output() []byte {
	b, _ := os.ReadFile(p.log)
	return b
}

func (p *proc) child() freeport.Child {
	return freeport.Child{
		Pid: p.cmd.Process.Pid,
		Exited: func() bool {
			select {
			case <-p.done:
				return true
			default:
				return false
			}
		},
		Output: p.output,
	}
}

// startListening starts the program name with the arguments args makes
// from n loopback addresses that pick chooses (freeport.Ports but in the
// test of the retry), and returns those addresses
// once the process itself listens on all of them. The program takes
// port numbers, not sockets, so another process can bind a chosen port
// before it does; it then says "address already in use" and is started
// again on new ports. Waiting for the process's own sockets, not for an
// answer on the port, keeps a stranger on the port from passing for it.
func startListening(t *testing.T, name string, n int, pick func(n int) ([]int, error), args func(addrs []string) ([]string, error)) []string {
	t.Helper()
	var addrs []string
	err := freeport.Retry(portAttempts, func() error {
		ports, err := pick(n)
		if err != nil {
			return err
		}
		addrs = make([]string, n)
		for i, port := range ports {
			addrs[i] = "127.0.0.1:" + strconv.Itoa(port)
		}
		flags, err := args(addrs)
		if err != nil {
			return err
		}
		p := startProc(t, name, flags...)
		if err := freeport.Await(p.child(), ports, 30*time.Second); err != nil {
			p.kill()
			return fmt.Errorf("%s on %v: %w\n%s", filepath.Base(name), addrs, err, p.output())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return addrs
}
