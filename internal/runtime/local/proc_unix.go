//go:build unix

package local

import "syscall"

// signalGroup signals every process in the instance's group: the process
// was started with Setpgid, so its pid is the group id.
func signalGroup(pid int, sig syscall.Signal) error {
	return syscall.Kill(-pid, sig)
}
