package local

import (
	"fmt"
	"strings"
	"syscall"
)

// signalNames maps the signals people write in configs and see in exit
// reasons. syscall.Signal.String gives prose ("killed"), not names.
var signalNames = [...]struct {
	name string
	sig  syscall.Signal
}{
	{"SIGHUP", syscall.SIGHUP}, {"SIGINT", syscall.SIGINT}, {"SIGQUIT", syscall.SIGQUIT},
	{"SIGILL", syscall.SIGILL}, {"SIGTRAP", syscall.SIGTRAP}, {"SIGABRT", syscall.SIGABRT},
	{"SIGBUS", syscall.SIGBUS}, {"SIGFPE", syscall.SIGFPE}, {"SIGKILL", syscall.SIGKILL},
	{"SIGUSR1", syscall.SIGUSR1}, {"SIGSEGV", syscall.SIGSEGV}, {"SIGUSR2", syscall.SIGUSR2},
	{"SIGPIPE", syscall.SIGPIPE}, {"SIGALRM", syscall.SIGALRM}, {"SIGTERM", syscall.SIGTERM},
}

// ParseSignal turns "SIGTERM" or "TERM" (any case) into the signal.
func ParseSignal(name string) (syscall.Signal, error) {
	n := strings.ToUpper(strings.TrimSpace(name))
	if !strings.HasPrefix(n, "SIG") {
		n = "SIG" + n
	}
	for _, e := range signalNames {
		if e.name == n {
			return e.sig, nil
		}
	}
	return 0, fmt.Errorf("unknown signal %q", name)
}

// signalName is the conventional name of sig, or "signal N".
func signalName(sig syscall.Signal) string {
	for _, e := range signalNames {
		if e.sig == sig {
			return e.name
		}
	}
	return fmt.Sprintf("signal %d", int(sig))
}
