package local

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const sigKill = syscall.SIGKILL

// waitDelay bounds how long Wait keeps reading output after the process
// exited: a grandchild holding the pipes must not keep an instance alive.
const waitDelay = 500 * time.Millisecond

// process is one running OS process of an instance.
type process struct {
	in      *instance
	cmd     *exec.Cmd
	pid     int
	addr    string
	started time.Time
	// exited receives the exit reason once, after the process was reaped
	// and the rest of its process group killed.
	exited chan string
	log    *logFile
}

// startProcess resolves, checks and starts one process on a fresh port.
// Its errors are the instance's exit reason, so they are written for people.
func (m *Manager) startProcess(in *instance, attempt int) (*process, error) {
	spec := in.spec
	path, err := spec.resolveCommand()
	if err != nil {
		return nil, err
	}
	if err := checkExecutable(spec.Command, path); err != nil {
		return nil, err
	}
	dir := spec.workDir()
	if dir != "" {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("working directory %s does not exist", dir)
		}
	}
	port, err := m.freePort()
	if err != nil {
		return nil, err
	}
	lf, err := openLogFile(filepath.Join(m.logDir(spec), in.svc.name, in.id+".log"), m.opts.LogMaxBytes)
	if err != nil {
		return nil, fmt.Errorf("opening the instance log: %w", err)
	}
	stdout, stderr := &streamWriter{lf: lf, stream: "stdout"}, &streamWriter{lf: lf, stream: "stderr"}
	cmd := &exec.Cmd{
		Path:        path,
		Args:        append([]string{spec.Command}, spec.Args...),
		Dir:         dir,
		Env:         instanceEnv(os.Environ(), spec, in, port),
		Stdout:      stdout,
		Stderr:      stderr,
		SysProcAttr: sysProcAttr(),
		WaitDelay:   waitDelay,
	}
	lf.writeLine("shoal", fmt.Sprintf("starting %s (attempt %d, %s=%d)", strings.Join(cmd.Args, " "), attempt+1, spec.PortEnv, port))
	started := time.Now()
	if err := m.spawn.start(cmd); err != nil {
		err = startError(spec.Command, err)
		lf.writeLine("shoal", err.Error())
		lf.close()
		return nil, err
	}
	p := &process{
		in: in, cmd: cmd, pid: cmd.Process.Pid, addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		started: started, exited: make(chan string, 1), log: lf,
	}
	go func() {
		err := cmd.Wait()
		// The leader is gone; whatever it left in its group goes too, so a
		// wrapper script's child cannot keep the port or outlive Shoal.
		p.signal(sigKill)
		stdout.flush()
		stderr.flush()
		p.exited <- exitReason(cmd.ProcessState, err)
	}()
	return p, nil
}

// signal sends sig to the process group; a group already gone is fine.
func (p *process) signal(sig syscall.Signal) {
	if err := signalGroup(p.pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		p.note(fmt.Sprintf("sending %s: %v", signalName(sig), err))
	}
}

func (p *process) note(msg string) { p.log.writeLine("shoal", msg) }

func (p *process) closeLog() { p.log.close() }

func checkExecutable(command, path string) error {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("command not found: %s (%s does not exist)", command, path)
	case err != nil:
		return fmt.Errorf("command %s: %w", command, err)
	case st.IsDir() || st.Mode().Perm()&0o111 == 0:
		return fmt.Errorf("command not executable: %s (%s)", command, path)
	}
	return nil
}

func startError(command string, err error) error {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("command not found: %s: %w", command, err)
	case errors.Is(err, os.ErrPermission):
		return fmt.Errorf("command not executable: %s: %w", command, err)
	}
	return fmt.Errorf("starting %s: %w", command, err)
}

// exitReason says how a process ended: "exit code N" or
// "killed by signal SIGX".
func exitReason(ps *os.ProcessState, err error) string {
	if ps == nil {
		return fmt.Sprintf("lost the process: %v", err)
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return "killed by signal " + signalName(ws.Signal())
	}
	return fmt.Sprintf("exit code %d", ps.ExitCode())
}

// instanceEnv is Shoal's environment, overridden by the spec's variables,
// plus the port and the instance's identity.
func instanceEnv(base []string, spec Spec, in *instance, port int) []string {
	set := make(map[string]string, len(spec.Env)+3)
	for k, v := range spec.Env {
		set[k] = v
	}
	// Shoal's own variables win: the port must be the one it probes.
	set[spec.PortEnv] = strconv.Itoa(port)
	set["SHOAL_SERVICE"] = in.svc.name
	set["SHOAL_INSTANCE"] = in.id
	env := make([]string, 0, len(base)+len(set))
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if _, over := set[k]; !over {
			env = append(env, kv)
		}
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+set[k])
	}
	return env
}

// freePort asks the kernel for a free loopback port. Another process may
// take it before the instance binds; that shows as an early exit with the
// port in use, which is retried at once (see portTaken).
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	return port, nil
}

// portTaken reports whether someone else listens on addr now.
func portTaken(addr string) bool {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return true
	}
	_ = ln.Close()
	return false
}
