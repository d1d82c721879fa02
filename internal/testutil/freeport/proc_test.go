package freeport

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// exited waits up to 10 s for p to exit.
func exited(t *testing.T, p *Proc) {
	t.Helper()
	select {
	case <-p.Done():
	case <-time.After(10 * time.Second):
		t.Fatalf("process %d did not exit within 10s", p.Pid())
	}
}

// TestProcCapturesOutputAndExit: both streams land in the log file in
// dir, complete once the process has exited, and the exit status is the
// process's own.
func TestProcCapturesOutputAndExit(t *testing.T) {
	dir := t.TempDir()
	p, err := Start(exec.Command("sh", "-c", "echo to stdout; echo to stderr >&2; exit 3"), dir)
	if err != nil {
		t.Fatal(err)
	}
	exited(t, p)
	if !p.Child().Exited() {
		t.Error("Child().Exited() is false after Done was closed")
	}
	var ee *exec.ExitError
	if err := p.Wait(); !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Errorf("Wait() = %v, want exit status 3", err)
	}
	if err := p.Wait(); !errors.As(err, &ee) {
		t.Errorf("a second Wait() = %v, want the same exit status", err)
	}
	if got, want := string(p.Output()), "to stdout\nto stderr\n"; got != want {
		t.Errorf("Output() = %q, want %q", got, want)
	}
	if filepath.Dir(p.Log()) != dir || !strings.HasPrefix(filepath.Base(p.Log()), "sh-") {
		t.Errorf("log %s: want a file named after sh in %s", p.Log(), dir)
	}
	if got := string(p.Child().Output()); got != string(p.Output()) {
		t.Errorf("Child().Output() = %q, want the log", got)
	}
}

// TestProcKill: a listening child is seen running and holding its port;
// Kill stops it and returns only once it has exited.
func TestProcKill(t *testing.T) {
	ports, err := Ports(1)
	if err != nil {
		t.Fatal(err)
	}
	p := startHelper(t, joinPorts(ports))
	c := p.Child()
	if c.Pid != p.Pid() {
		t.Errorf("Child().Pid = %d, want %d", c.Pid, p.Pid())
	}
	if err := Await(c, ports, 10*time.Second); err != nil {
		t.Fatalf("helper on %v: %v\n%s", ports, err, p.Output())
	}
	if c.Exited() {
		t.Fatal("a listening child reported as exited")
	}
	p.Kill()
	if !c.Exited() {
		t.Error("Exited() is false after Kill returned")
	}
	if err := p.Wait(); err == nil {
		t.Error("a killed process exited with status 0")
	}
	if err := p.Signal(os.Interrupt); !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("Signal after exit = %v, want os.ErrProcessDone", err)
	}
	p.Kill() // a second Kill must not block
}

// TestStartFailures: a program that cannot start leaves no log behind,
// and a command whose output is already directed is refused.
func TestStartFailures(t *testing.T) {
	dir := t.TempDir()
	if _, err := Start(exec.Command(filepath.Join(dir, "missing")), dir); err == nil {
		t.Fatal("starting a missing program succeeded")
	}
	if left, err := os.ReadDir(dir); err != nil || len(left) != 0 {
		t.Errorf("files left after a failed start: %v, %v", left, err)
	}
	cmd := exec.Command("sh", "-c", "exit 0")
	cmd.Stdout = io.Discard
	if _, err := Start(cmd, dir); err == nil || cmd.Process != nil {
		t.Errorf("a command with its own Stdout was started: %v", err)
	}
}
