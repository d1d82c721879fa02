package local

import (
	"errors"
	"os/exec"
	"runtime"
)

// spawner starts every process from one goroutine locked to its OS thread.
// Pdeathsig is tied to the thread that forked the child, not the process:
// forking from an arbitrary goroutine would let the Go runtime retire that
// thread later and kill a healthy instance. The locked thread lives until
// close, after the Manager stopped all instances; leaving a goroutine
// locked makes the runtime end the thread, which then kills stragglers.
type spawner struct {
	reqs chan spawnReq
	quit chan struct{}
	done chan struct{}
}

type spawnReq struct {
	cmd  *exec.Cmd
	errc chan error
}

var errSpawnerClosed = errors.New("local runtime is closed; not starting processes")

func newSpawner() *spawner {
	s := &spawner{reqs: make(chan spawnReq), quit: make(chan struct{}), done: make(chan struct{})}
	go s.loop()
	return s
}

func (s *spawner) loop() {
	runtime.LockOSThread()
	// No UnlockOSThread: the thread must die with this goroutine, never be
	// reused while children depend on it.
	defer close(s.done)
	for {
		select {
		case r := <-s.reqs:
			r.errc <- r.cmd.Start()
		case <-s.quit:
			return
		}
	}
}

// start runs cmd.Start on the spawner's thread.
func (s *spawner) start(cmd *exec.Cmd) error {
	r := spawnReq{cmd: cmd, errc: make(chan error, 1)}
	select {
	case s.reqs <- r:
		return <-r.errc
	case <-s.quit:
		return errSpawnerClosed
	}
}

func (s *spawner) close() {
	close(s.quit)
	<-s.done
}
