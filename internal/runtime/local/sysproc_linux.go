package local

import "syscall"

// sysProcAttr puts the instance in its own process group, so signals reach
// its children too, and has the kernel SIGKILL it when the thread that
// started it dies. The spawner keeps that thread alive for the Manager's
// lifetime, so this fires only when the gateway itself goes away, even by
// kill -9.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
