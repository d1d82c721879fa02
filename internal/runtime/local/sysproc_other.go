//go:build unix && !linux

package local

import "syscall"

// sysProcAttr puts the instance in its own process group. Other Unix
// systems have no parent-death signal: instances are stopped by Close, but
// a gateway killed with -9 leaves them running.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
