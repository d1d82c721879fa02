package freeport

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Attempts is how often Listen starts a process on new ports: each clash
// needs another process to bind that very port within milliseconds, so a
// second attempt nearly always succeeds.
const Attempts = 5

// Listen chooses n loopback ports with pick (Ports, or an occupied one in a
// test of the retry), starts a process on them with start, and returns it
// with its ports once the process itself listens on all of them. When a
// port was taken before the process bound it, the process is killed, its
// log removed, and it is started again on new ports, at most Attempts
// times; any other failure ends it. The error names every attempt and
// quotes the failed process's output.
func Listen(n int, pick func(n int) ([]int, error), timeout time.Duration, start func(ports []int) (*Proc, error)) (*Proc, []int, error) {
	var p *Proc
	var ports []int
	err := Retry(Attempts, func() error {
		var err error
		if ports, err = pick(n); err != nil {
			return err
		}
		if p, err = start(ports); err != nil {
			return err
		}
		if err := Await(p.Child(), ports, timeout); err != nil {
			p.Kill()
			out := p.Output()
			_ = os.Remove(p.Log())
			return fmt.Errorf("%s on ports %v: %w\n%s", filepath.Base(p.cmd.Path), ports, err, out)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return p, ports, nil
}

// Addrs returns the loopback host:port of each of ports.
func Addrs(ports []int) []string {
	addrs := make([]string, len(ports))
	for i, port := range ports {
		addrs[i] = "127.0.0.1:" + strconv.Itoa(port)
	}
	return addrs
}
