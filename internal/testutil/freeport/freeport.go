// Package freeport starts test servers that are separate programs (etcd,
// kube-apiserver, shoal itself) on loopback ports chosen for them, without
// the race of "find a free port, close it, hand it to the child": another
// process can bind the port in between. Such programs take a port number,
// not a socket, so the port is still chosen free and handed over; what this
// package adds is telling afterwards whether the child really got it:
//
//   - Await waits until the child itself holds a listening socket on every
//     chosen port (read from /proc, Linux only), so a stranger answering on
//     the port is never mistaken for the child;
//   - a child that could not bind says "address already in use" and exits:
//     Await reports that as ErrTaken, and Retry starts it again on new
//     ports, a bounded number of times;
//   - Proc runs such a child with its output in a log file and is what
//     Await needs of it (Child);
//   - Listen puts these together: choose ports, start, await, and start
//     again on new ports while one was taken.
package freeport

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"time"
)

// ErrTaken is wrapped by the error of a start whose chosen port another
// process took before the child bound it. Retry starts again on it.
var ErrTaken = errors.New("a chosen port was taken before the process bound it")

// Ports returns n distinct loopback TCP ports that were free when asked.
// All n listeners are open together while the kernel picks, so the ports
// differ from each other; they are closed before returning, which is the
// window the rest of this package covers.
func Ports(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("finding a free port: %w", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// InUse reports whether a process's output says a bind failed because the
// address was taken. Every server started this way is a Go program, whose
// bind error ends in the text of EADDRINUSE.
func InUse(output []byte) bool {
	return bytes.Contains(output, []byte("address already in use"))
}

// Child is a started process as Await sees it.
type Child struct {
	Pid int
	// Exited reports whether the process has stopped. Once it says true,
	// Output must hold everything the process wrote.
	Exited func() bool
	// Output returns what the process has written so far (its log).
	Output func() []byte
}

// Await waits until the child listens on every one of ports. It returns
// an error wrapping ErrTaken when the child's output says it could not
// bind (the caller then stops the child if it still runs, and starts
// again on new ports), and a plain error when the child exits for another
// reason or timeout passes.
func Await(c Child, ports []int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		// Exited is read before Held: a child that bound and then died
		// must not count as listening.
		exited := c.Exited()
		if InUse(c.Output()) {
			return fmt.Errorf("process %d: %w", c.Pid, ErrTaken)
		}
		if exited {
			return fmt.Errorf("process %d exited before listening on %v", c.Pid, ports)
		}
		held, err := Held(c.Pid, ports...)
		if held {
			return nil
		}
		if time.Now().After(deadline) {
			if err != nil {
				return fmt.Errorf("process %d not listening on %v within %v: %w", c.Pid, ports, timeout, err)
			}
			return fmt.Errorf("process %d not listening on %v within %v", c.Pid, ports, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Retry calls start until it succeeds or fails for a reason other than
// ErrTaken, at most attempts times. start chooses its ports anew each
// time. The error joins every attempt's, so a failure shows them all.
func Retry(attempts int, start func() error) error {
	var errs []error
	for range attempts {
		err := start()
		if err == nil {
			return nil
		}
		errs = append(errs, err)
		if !errors.Is(err, ErrTaken) {
			break
		}
	}
	return errors.Join(errs...)
}
