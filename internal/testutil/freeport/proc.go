package freeport

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Proc is a started server child whose stdout and stderr go to a log
// file. The child writes the file itself (an *os.File needs no copier in
// this process), so once the process has exited the file holds all of its
// output, which is what Await needs from Child.Output.
type Proc struct {
	cmd  *exec.Cmd
	log  string
	done chan struct{} // closed once the process has exited
	err  error         // the exit status; written before done is closed
}

// Start starts cmd with its stdout and stderr in a new file in dir (the
// default temporary directory when dir is ""), named after the program.
// cmd.Stdout and cmd.Stderr must be unset: Start owns them. The caller
// stops the process with Kill and removes the file when dir is not one
// that is removed for it.
func Start(cmd *exec.Cmd, dir string) (*Proc, error) {
	if cmd.Stdout != nil || cmd.Stderr != nil {
		return nil, fmt.Errorf("starting %s: its output is already directed elsewhere", cmd.Path)
	}
	logf, err := os.CreateTemp(dir, filepath.Base(cmd.Path)+"-*.log")
	if err != nil {
		return nil, fmt.Errorf("creating the log of %s: %w", cmd.Path, err)
	}
	// The child has its own descriptor once started; this one is not needed.
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, errors.Join(fmt.Errorf("starting %s: %w", cmd.Path, err), os.Remove(logf.Name()))
	}
	p := &Proc{cmd: cmd, log: logf.Name(), done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	return p, nil
}

// Pid is the process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Log is the path of the file the output goes to.
func (p *Proc) Log() string { return p.log }

// Output returns what the process has written so far; nil when the log
// cannot be read.
func (p *Proc) Output() []byte {
	b, _ := os.ReadFile(p.log)
	return b
}

// Done is closed once the process has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Wait waits for the process to exit and returns its exit status, as
// exec.Cmd.Wait does; it may be called any number of times.
func (p *Proc) Wait() error {
	<-p.done
	return p.err
}

// Signal sends sig to the process.
func (p *Proc) Signal(sig os.Signal) error {
	if err := p.cmd.Process.Signal(sig); err != nil {
		return fmt.Errorf("signalling process %d: %w", p.Pid(), err)
	}
	return nil
}

// Kill stops the process at once and waits until it has exited. Killing
// a process that already exited does nothing.
func (p *Proc) Kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// Child is the process as Await sees it.
func (p *Proc) Child() Child {
	return Child{
		Pid: p.Pid(),
		Exited: func() bool {
			select {
			case <-p.done:
				return true
			default:
				return false
			}
		},
		Output: p.Output,
	}
}
