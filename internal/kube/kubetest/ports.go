package kubetest

import (
	"fmt"
	"os"
	"time"

	"github.com/shoal-gw/shoal/internal/testutil/freeport"
)

// portAttempts bounds how often one process is started again after a
// port chosen for it was taken first; each clash needs another process to
// bind that very port within milliseconds, so a second attempt nearly
// always succeeds.
const portAttempts = 5

// startListening starts a control plane binary on nports loopback ports
// chosen for it (args makes its flags from them) and returns once the
// process itself listens on all of them. The binaries take port numbers,
// not sockets, so a chosen port can be taken between choosing and binding
// (test binaries of other packages start their own control planes side by
// side); the binary then exits with "address already in use" and is
// started again on new ports. Waiting for the process's own sockets, not
// for an answer on the port, keeps a stranger holding the port from
// passing for it.
func (c *Cluster) startListening(name, bin string, nports int, timeout time.Duration, args func(ports []int) ([]string, error)) (*process, []int, error) {
	var p *process
	var ports []int
	err := freeport.Retry(portAttempts, func() error {
		var err error
		if ports, err = c.pick(name, nports); err != nil {
			return fmt.Errorf("kubetest: ports for %s: %w", name, err)
		}
		flags, err := args(ports)
		if err != nil {
			return err
		}
		if p, err = startProcess(c.Dir, name, bin, flags...); err != nil {
			return fmt.Errorf("kubetest: %w", err)
		}
		if err := freeport.Await(p.child(), ports, timeout); err != nil {
			p.stop(5 * time.Second)
			return fmt.Errorf("kubetest: %s on ports %v: %w\n%s", name, ports, err, p.tail(40))
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	c.procs = append(c.procs, p)
	return p, ports, nil
}

// child describes the process for freeport.Await: its output is its log
// file, complete once done is closed.
func (p *process) child() freeport.Child {
	return freeport.Child{
		Pid: p.cmd.Process.Pid,
		Exited: func() bool {
			gone, _ := p.exited()
			return gone
		},
		Output: func() []byte {
			data, _ := os.ReadFile(p.log)
			return data
		},
	}
}

// withPortPicker replaces how ports are chosen (freeport.Ports), so a test
// can hand a process an occupied port and watch the harness recover.
func withPortPicker(pick func(name string, n int) ([]int, error)) Option {
	return func(o *options) { o.pickPorts = pick }
}
